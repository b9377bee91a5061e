// A whole fleet of real processes on loopback: one `npufleet server` and N `npufleet worker`s
// that trust the control plane's service key (the one it writes to <data-dir>/service.key),
// with helpers to register workers as npu-worker nodes and to call the API.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/ProcessFixture.h"
#include "support/TestHttp.h"

namespace npufleet::testing {

inline bool waitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

class FleetHarness {
 public:
  FleetHarness() : dir_("npufleet-system") {
    std::filesystem::create_directories(at("trusted"));
    std::filesystem::create_directories(at("models"));
    for (const char* name : {"embedding-mlp", "cnn-classifier"}) {
      for (const char* ext : {".onnx", ".json"}) {
        std::filesystem::copy_file(
            std::string(NPUFLEET_SOURCE_DIR) + "/models/samples/" + name + ext,
            at("models/" + std::string(name) + ext));
      }
    }
  }

  // Starts the control plane; monitoring runs every `monitor_ms` (300 ms: state changes show
  // quickly).
  void startServer(int monitor_ms = 300) {
    ProcessFixture::Options o;
    o.binary = NPUFLEET_BINARY;
    o.args = {"server", "--listen", "127.0.0.1:0", "--data-dir", at("data"), "--web-dir",
              at("web"), "--set", "npu.monitor_interval_ms=" + std::to_string(monitor_ms), "--set", "log.level=warn"};
    server_ = std::make_unique<ProcessFixture>();
    std::string error;
    ASSERT_TRUE(server_->start(o, &error)) << error << server_->stderrText();
    admin_ = firstLine(at("data/admin.token"));
    // Workers trust the key the control plane signs with.
    std::filesystem::copy_file(at("data/service.key"), at("trusted/main-backend.key"),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(at("trusted/main-backend.key"),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  // Starts worker `name` (port 0 = any); `env` adds NPUFLEET_WORKER_* settings.
  uint16_t startWorker(const std::string& name, std::map<std::string, std::string> env = {},
                       uint16_t port = 0) {
    ProcessFixture::Options o;
    o.binary = NPUFLEET_BINARY;
    o.args = {"worker", "--listen", "127.0.0.1:" + std::to_string(port), "--models-dir",
              at("models"), "--trusted-keys", at("trusted"), "--device", "cpu",
              "--log-level", "warn"};
    env.emplace("NPUFLEET_WORKER_PRELOAD", "embedding-mlp,cnn-classifier");
    o.env = std::move(env);
    auto p = std::make_unique<ProcessFixture>();
    std::string error;
    EXPECT_TRUE(p->start(o, &error)) << error << p->stderrText();
    uint16_t bound = p->port();
    workers_[name] = std::move(p);
    return bound;
  }

  ProcessFixture& worker(const std::string& name) { return *workers_.at(name); }
  ProcessFixture& server() { return *server_; }
  const std::string& admin() const { return admin_; }

  HttpReply api(const std::string& method, const std::string& target, const std::string& body = {},
                std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", "Bearer " + admin_);
    return request("127.0.0.1", server_->port(), method, target, body, headers);
  }

  // Registers a running worker as an npu-worker node and waits until it is detected and online.
  std::string addWorkerNode(const std::string& name) {
    const uint16_t port = workers_.at(name)->port();
    auto r = api("POST", "/api/fleet/nodes",
                 R"({"name":")" + name + R"(","ip":"127.0.0.1","npuPort":)" + std::to_string(port) +
                     R"(,"roles":["npu-worker"]})");
    EXPECT_EQ(r.status, 201) << r.body;
    std::string id(r.json().at("id").as_string());
    EXPECT_TRUE(waitFor([&] { return npuStatus(id) == "online"; })) << lastStatusBody_;
    return id;
  }

  // The node's monitored status ("online", "offline", ...) from the NPU status API.
  std::string npuStatus(const std::string& id) {
    auto r = api("GET", "/api/nodes/" + id + "/npu/status");
    lastStatusBody_ = r.body;
    if (r.status != 200) return "";
    auto v = r.json();
    auto* s = v.as_object().if_contains("status");
    return s && s->is_string() ? std::string(s->as_string()) : "";
  }

  // One embedding-mlp inference through the router; the reply's X-Npufleet-Node says where it ran.
  HttpReply infer(const std::string& model = "embedding-mlp") {
    std::string data;
    for (int i = 0; i < 64; ++i) data += (i ? "," : "") + std::to_string(i / 64.0);
    std::string body = model == "embedding-mlp"
                           ? R"({"model":"embedding-mlp","inputs":{"input":{"shape":[1,64],"data":[)" + data + "]}}}"
                           : R"({"model":")" + model + R"(","inputs":{}})";
    return api("POST", "/api/npu/inference", body);
  }

  HttpReply setLoadBalancing(const std::string& body) {
    return api("POST", "/api/npu/load-balancing", body);
  }

 private:
  std::string at(const std::string& rel) const { return dir_.path() + "/" + rel; }

  static std::string firstLine(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
  }

  TempDir dir_;
  std::unique_ptr<ProcessFixture> server_;
  std::map<std::string, std::unique_ptr<ProcessFixture>> workers_;
  std::string admin_;
  std::string lastStatusBody_;
};

}  // namespace npufleet::testing
