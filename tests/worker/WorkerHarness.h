// A real `npufleet worker` on 127.0.0.1:0 with a temporary models directory (the committed
// samples plus a broken file) and a trusted-keys directory, and a signer holding the same key,
// for the worker integration tests.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "auth/KeyFile.h"
#include "auth/ServiceSigner.h"
#include "common/Clock.h"
#include "http/Client.h"
#include "support/ProcessFixture.h"

namespace npufleet::worker::testing {

using npufleet::testing::ProcessFixture;
using npufleet::testing::TempDir;

class WorkerHarness {
 public:
  WorkerHarness() : dir_("npufleet-worker-it") {
    namespace fs = std::filesystem;
    fs::create_directories(dir_ / "models");
    fs::create_directories(dir_ / "keys");
    for (const char* name : {"embedding-mlp", "cnn-classifier"}) {
      for (const char* ext : {".onnx", ".json"}) {
        fs::copy_file(std::string(NPUFLEET_SOURCE_DIR) + "/models/samples/" + name + ext,
                      fs::path(dir_ / "models") / (std::string(name) + ext));
      }
    }
    std::ofstream(dir_ / "models/broken.onnx") << "not a model";
    key_ = *auth::generateKey();
    auto st = auth::writeKeyLine(dir_ / "keys/main-backend.key", key_, false);
    if (!st) throw std::runtime_error(st.error().message);
  }

  std::string modelsDir() const { return dir_ / "models"; }
  std::string keysDir() const { return dir_ / "keys"; }
  const std::string& key() const { return key_; }

  // Extra NPUFLEET_* environment and flags per test.
  bool start(std::map<std::string, std::string> env = {}, std::vector<std::string> extra = {},
             std::string* error = nullptr) {
    ProcessFixture::Options o;
    o.binary = NPUFLEET_BINARY;
    o.args = {"worker", "--listen", "127.0.0.1:0", "--models-dir", modelsDir(),
              "--trusted-keys", keysDir(), "--device", "cpu", "--log-level", "warn"};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.env = std::move(env);
    o.open_files_limit = open_files_limit;
    process_ = std::make_unique<ProcessFixture>();
    return process_->start(std::move(o), error);
  }

  ProcessFixture& process() { return *process_; }
  // `ulimit -n` for the worker started next (overload tests).
  std::optional<uint64_t> open_files_limit;

  http::ClientRequest request(const std::string& method, const std::string& target,
                              std::string body = {}) const {
    http::ClientRequest r;
    r.method = method;
    r.host = "127.0.0.1";
    r.port = process_->port();
    r.target = target;
    r.body = std::move(body);
    if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
    r.total_timeout = std::chrono::milliseconds(60000);
    return r;
  }

  http::ClientResult call(const std::string& method, const std::string& target,
                          std::string body = {}, const std::string& key = {}) const {
    auto r = request(method, target, std::move(body));
    auto signer = auth::ServiceSigner::create("main-backend", key.empty() ? key_ : key,
                                              SystemClock::instance());
    if (!signer->sign(r)) throw std::runtime_error("cannot sign");
    const auto started = std::chrono::steady_clock::now();
    auto result = http::sendBlocking(std::move(r));
    // A slow call is worth a line in the test's output (shown when the test fails or times out).
    const auto took = std::chrono::steady_clock::now() - started;
    if (took > std::chrono::seconds(5)) {
      std::cout << method << " " << target << " took "
                << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms"
                << (result.ok() ? "" : " and failed: " + result.message) << std::endl;
    }
    return result;
  }

  http::ClientResult unsigned_(const std::string& method, const std::string& target,
                               std::string body = {}) const {
    return http::sendBlocking(request(method, target, std::move(body)));
  }

  static boost::json::object json(const http::ClientResult& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.response.body, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
  }

 private:
  TempDir dir_;
  std::string key_;
  std::unique_ptr<ProcessFixture> process_;
};

}  // namespace npufleet::worker::testing
