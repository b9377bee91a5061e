// main() for a libFuzzer harness in an ordinary (gcc) build: runs every file of the given
// directories (seed corpus, regressions) through LLVMFuzzerTestOneInput, then a number of
// deterministic byte mutations of them. A harness reports a broken property by aborting, so a
// crash, an ASan/UBSan report (make test-asan) or an abort fails the ctest run; finding no input
// at all fails it too, since replaying nothing would prove nothing.
//
//   fuzz_replay_<name> [--mutations N] [--save-last FILE] DIR_OR_FILE...
//
// --save-last writes each input to FILE before running it, so the one that failed can be kept
// as a regression input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void collect(const fs::path& path, std::vector<fs::path>& out) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    out.push_back(path);
    return;
  }
  if (!fs::is_directory(path, ec)) return;  // no regressions yet for this target
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file() && e.path().filename().string().front() != '.') out.push_back(e.path());
  }
}

const char* save_last = nullptr;

void run(const std::string& input) {
  if (save_last != nullptr) {
    std::ofstream out(save_last, std::ios::binary | std::ios::trunc);
    out << input;
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// The kinds of edit libFuzzer makes most often: overwrite, erase, insert, duplicate a slice,
// splice with another input.
std::string mutate(const std::vector<std::string>& inputs, std::mt19937& rng) {
  std::string s = inputs[rng() % inputs.size()];
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 5) {
      case 0:
        if (!s.empty()) s[pos] = static_cast<char>(rng());
        break;
      case 1:
        if (!s.empty()) s.erase(pos, 1 + rng() % 8);
        break;
      case 2: s.insert(pos, 1, static_cast<char>(rng())); break;
      case 3:
        if (!s.empty()) s.insert(pos, s.substr(pos, 1 + rng() % 16));
        break;
      default: {
        const std::string& other = inputs[rng() % inputs.size()];
        if (!other.empty()) s = s.substr(0, pos) + other.substr(rng() % other.size());
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  long mutations = 0;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
      continue;
    }
    if (std::strcmp(argv[i], "--save-last") == 0 && i + 1 < argc) {
      save_last = argv[++i];
      continue;
    }
    collect(argv[i], files);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no inputs found in the given paths\n");
    return 1;
  }
  std::vector<std::string> inputs;
  for (const auto& f : files) {
    inputs.push_back(readFile(f));
    run(inputs.back());
  }
  std::mt19937 rng(20260204);
  for (long i = 0; i < mutations; ++i) run(mutate(inputs, rng));
  std::printf("replayed %zu inputs and %ld mutations\n", files.size(), mutations);
  return 0;
}
