#include "faults/FaultFleet.h"

#include <signal.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "auth/KeyFile.h"

namespace npufleet::testing {

namespace bj = boost::json;

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

long residentKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string embeddingRequest(float seed) {
  std::ostringstream body;
  body << R"({"model":"embedding-mlp","inputs":{"input":{"shape":[1,64],"data":[)";
  for (int i = 0; i < 64; ++i) body << (i ? "," : "") << seed * static_cast<float>(i % 7) / 7.0f;
  body << "]}}}";
  return body.str();
}

ControlPlane::ControlPlane(std::map<std::string, std::string> env) : dir_("npufleet-faults") {
  env_ = {{"NPUFLEET_LOG_LEVEL", "warn"},
          {"NPUFLEET_NPU_MONITOR_INTERVAL_MS", "300"},
          {"NPUFLEET_NPU_MONITOR_TIMEOUT_MS", "1000"},
          {"NPUFLEET_NPU_DETECT_TIMEOUT_MS", "3000"}};
  for (auto& [k, v] : env) env_[k] = v;
}

ControlPlane::~ControlPlane() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

bool ControlPlane::start(std::string* error,
                         const std::function<void(ProcessFixture::Options&)>& tweak) {
  ProcessFixture::Options o;
  o.binary = NPUFLEET_BINARY;
  o.args = {"server",  "--listen",  "127.0.0.1:0",       "--data-dir",
            dataDir(), "--web-dir", dir_.path() + "/web"};
  o.env = env_;
  if (tweak) tweak(o);
  process_ = std::make_unique<ProcessFixture>();
  if (!process_->start(std::move(o), error)) return false;
  admin_ = readFile(dataDir() + "/admin.token");
  while (!admin_.empty() && admin_.back() == '\n') admin_.pop_back();
  return !admin_.empty();
}

int ControlPlane::stop() { return process_ ? process_->stop() : -1; }

void ControlPlane::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(10));
}

std::string ControlPlane::serviceKey() const {
  std::string key = readFile(dataDir() + "/service.key");
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  return key;
}

HttpReply ControlPlane::call(const std::string& method, const std::string& target,
                             const std::string& body, std::chrono::milliseconds timeout) const {
  return request(process_->host(), process_->port(), method, target, body,
                 {{"Authorization", "Bearer " + admin_}}, timeout);
}

std::string ControlPlane::addWorkerNode(const std::string& name, uint16_t port) {
  auto r = call("POST", "/api/fleet/nodes",
                R"({"name":")" + name + R"(","ip":"127.0.0.1","npuPort":)" + std::to_string(port) +
                    R"(,"roles":["npu-worker"]})");
  if (r.status != 201) return "";
  return std::string(r.json().at("id").as_string());
}

bj::value ControlPlane::npuStatus(const std::string& id) const {
  auto r = call("GET", "/api/nodes/" + id + "/npu/status");
  return r.status == 200 ? r.json() : bj::value();
}

bool ControlPlane::waitForNode(const std::string& id, const std::string& detection,
                               const std::string& status, std::chrono::milliseconds timeout,
                               std::string* last) const {
  return waitUntil(
      [&] {
        auto s = npuStatus(id);
        if (last) *last = bj::serialize(s);
        if (!s.is_object()) return false;
        const auto& o = s.as_object();
        if (!detection.empty() && o.at("detectionStatus") != detection.c_str()) return false;
        return status.empty() || o.at("status") == status.c_str();
      },
      timeout);
}

bool ControlPlane::setLoadBalancing(const std::string& body) const {
  return call("POST", "/api/npu/load-balancing", body).status == 200;
}

bj::value ControlPlane::routingStats(const std::string& node_id) const {
  auto r = call("GET", "/api/npu/routing/stats");
  if (r.status != 200) return nullptr;
  auto v = r.json();
  for (const auto& n : v.at("nodes").as_array()) {
    if (n.at("nodeId") == node_id.c_str()) return n;
  }
  return nullptr;
}

std::vector<std::string> ControlPlane::routingDecisions() const {
  std::vector<std::string> out;
  auto r = call("GET", "/api/npu/routing/stats");
  if (r.status != 200) return out;
  auto v = r.json();
  for (const auto& d : v.at("decisions").as_array()) {
    out.emplace_back(d.at("reason").as_string());
  }
  return out;
}

RealWorker::RealWorker(const std::string& service_key) : dir_("npufleet-faults-worker") {
  namespace fs = std::filesystem;
  fs::create_directories(dir_ / "models");
  fs::create_directories(dir_ / "keys");
  for (const char* ext : {".onnx", ".json"}) {
    fs::copy_file(std::string(NPUFLEET_SOURCE_DIR) + "/models/samples/embedding-mlp" + ext,
                  fs::path(dir_ / "models") / (std::string("embedding-mlp") + ext));
  }
  auto st = auth::writeKeyLine(dir_ / "keys/main-backend.key", service_key, false);
  if (!st) throw std::runtime_error(st.error().message);
}

RealWorker::~RealWorker() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

bool RealWorker::start(uint16_t port, std::string* error) {
  ProcessFixture::Options o;
  o.binary = NPUFLEET_BINARY;
  o.args = {"worker",       "--listen",      "127.0.0.1:" + std::to_string(port),
            "--models-dir", dir_ / "models", "--trusted-keys",
            keysDir(),      "--device",      "cpu",
            "--log-level",  "warn"};
  o.env = {{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp"}, {"NPUFLEET_WORKER_AUTO_LOAD", "true"}};
  process_ = std::make_unique<ProcessFixture>();
  if (!process_->start(std::move(o), error)) return false;
  port_ = process_->port();
  return true;
}

int RealWorker::stop() { return process_ ? process_->stop() : -1; }

void RealWorker::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(10));
}

namespace {

struct ReadOnlyDb {
  explicit ReadOnlyDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      error = db ? sqlite3_errmsg(db) : "cannot open " + path;
    }
  }
  ~ReadOnlyDb() { sqlite3_close_v2(db); }
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;

  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    if (!error.empty()) return out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      error = sqlite3_errmsg(db);
      return out;
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    if (rc != SQLITE_DONE) error = sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    return out;
  }

  sqlite3* db = nullptr;
  std::string error;
};

}  // namespace

std::string integrityCheck(const std::string& db_path) {
  ReadOnlyDb db(db_path);
  auto rows = db.column("PRAGMA integrity_check");
  if (!db.error.empty()) return db.error;
  std::string out;
  for (const auto& r : rows) out += (out.empty() ? "" : "; ") + r;
  return out;
}

std::vector<std::string> queryColumn(const std::string& db_path, const std::string& sql,
                                     std::string* error) {
  ReadOnlyDb db(db_path);
  auto rows = db.column(sql);
  if (error) *error = db.error;
  return rows;
}

}  // namespace npufleet::testing
