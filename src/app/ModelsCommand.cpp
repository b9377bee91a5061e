// `npufleet models check FILE`: tries to load one model file with the engine the worker would
// use for it, and says why it cannot. The worker runs this command in a fresh process before
// every load (worker/ModelCheck.h): a file that kills its loader kills only this process.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/Commands.h"
#include "worker/ModelCheck.h"
#include "worker/OnnxModel.h"
#include "worker/OnnxModelInfo.h"
#ifdef NPUFLEET_HAS_LLAMA
#include "worker/llama/GgufSamples.h"
#include "worker/llama/LlamaModel.h"
#endif

namespace npufleet::app {
namespace {

// One line: the worker that runs this check reads the last line of stderr as the reason.
void printReason(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << message << std::endl;
}

int checkOnnx(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << file << "\n";
    return 1;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string bytes = buf.str();
  auto info = worker::parseOnnxModel(bytes);
  if (!info) {
    printReason(info.error().message);
    return 1;
  }
  const auto name = std::filesystem::path(file).stem().string();
  worker::ModelCheck direct;
  direct.skip = true;
  auto model = worker::OnnxModel::load(name, std::move(bytes), *info, direct);
  if (!model) {
    printReason(model.error().message);
    return 1;
  }
  std::cout << name << ": loads with OpenCV DNN (" << info->inputs.size() << " inputs, "
            << info->outputs.size() << " outputs)\n";
  return 0;
}

int checkGguf(const std::string& file) {
#ifdef NPUFLEET_HAS_LLAMA
  if (auto st = worker::llama::checkGgufLoads(file); !st) {
    printReason(st.error().message);
    return 1;
  }
  std::cout << std::filesystem::path(file).stem().string() << ": loads with llama.cpp\n";
  return 0;
#else
  std::cerr << "this worker was built without the llama.cpp engine (NPUFLEET_LLAMA=OFF)\n";
  return 1;
#endif
}

}  // namespace

void addModelsCommand(CLI::App& app, int& exit_code) {
  auto* models = app.add_subcommand("models", "Model files: check that one loads, make samples");
  models->require_subcommand(1);
  auto* check = models->add_subcommand(
      "check", "Load one model file with the engine the worker would use, and say why not");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "the model file (.onnx or .gguf)")->required();
  check->callback([file, &exit_code] {
    // A loader that crashes dies by the signal itself, not through a sanitizer's handler, so
    // the worker that runs this check sees the crash for what it is.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    const auto ext = std::filesystem::path(*file).extension().string();
    if (ext == ".onnx") {
      exit_code = checkOnnx(*file);
    } else if (ext == ".gguf") {
      exit_code = checkGguf(*file);
    } else {
      std::cerr << "'" << *file << "' is not a model file the worker serves (.onnx, .gguf)\n";
      exit_code = 1;
    }
    // The answer is the exit status alone: leave without the exit-time work of the libraries
    // (and of a sanitizer's leak report, which would change the status) that a probe does not need.
    std::cout.flush();
    std::cerr.flush();
    ::_exit(exit_code);
  });

  auto* samples = models->add_subcommand(
      "make-samples", "Write the GGUF sample models (random weights, real tokenizers) to a directory");
  auto out = std::make_shared<std::string>();
  samples->add_option("--out", *out, "the directory (a worker's models directory)")->required();
  samples->callback([out, &exit_code] {
#ifdef NPUFLEET_HAS_LLAMA
    auto written = worker::llama::writeGgufSamples(*out);
    if (!written) {
      std::cerr << "make-samples: " << written.error().message << "\n";
      exit_code = 1;
      return;
    }
    for (const auto& p : *written) std::cout << p << "\n";
    std::cout << "random weights: these models answer gibberish; they show the engine, not a model\n";
#else
    std::cerr << "this build has no llama.cpp engine (NPUFLEET_LLAMA=OFF): no GGUF samples\n";
    exit_code = 1;
#endif
  });
}

}  // namespace npufleet::app
