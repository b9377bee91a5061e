// The pieces every fault-injection test is built from: a real `npufleet server` whose data dir
// outlives restarts, real `npufleet worker` processes that trust the server's service key, and
// the small waits and readers the tests share (wait until a condition holds, a node's NPU
// status, a process's resident memory, a read-only look into the SQLite file).
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/ProcessFixture.h"
#include "support/TestHttp.h"

namespace npufleet::testing {

// Polls `condition` every 50 ms until it holds or `timeout` passes; true when it held.
bool waitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// VmRSS of a process in KiB from /proc/PID/status; -1 when it cannot be read.
long residentKiB(pid_t pid);

// The embedding-mlp request body of docs/worker.md: one [1, 64] input.
std::string embeddingRequest(float seed = 0.5f);

class ControlPlane {
 public:
  // Environment for the server (NPUFLEET_* keys). Defaults make monitoring fast enough for tests.
  explicit ControlPlane(std::map<std::string, std::string> env = {});
  ~ControlPlane();

  // Starts (or restarts) the server on 127.0.0.1:0 over the same data dir. `tweak` may change the
  // spawn options (resource limits) before the process starts.
  bool start(std::string* error = nullptr,
             const std::function<void(ProcessFixture::Options&)>& tweak = {});
  int stop();   // SIGTERM; the exit code
  void kill();  // SIGKILL, and waits for the process to be gone

  ProcessFixture& process() { return *process_; }
  bool alive() { return process_ && process_->alive(); }
  std::string dataDir() const { return dir_.path() + "/data"; }
  std::string databasePath() const { return dataDir() + "/npufleet.db"; }
  const std::string& adminToken() const { return admin_; }
  std::string serviceKey() const;  // the key it signs worker calls with

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // POST /api/fleet/nodes with the npu-worker role; the new node's id ("" on failure).
  std::string addWorkerNode(const std::string& name, uint16_t port);
  // GET /api/nodes/{id}/npu/status as JSON (null when it failed).
  boost::json::value npuStatus(const std::string& id) const;
  // Waits until the node's status shows detectionStatus `detection` and (when not empty)
  // status `status`; on failure the last status body is in `last`.
  bool waitForNode(const std::string& id, const std::string& detection, const std::string& status,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30),
                   std::string* last = nullptr) const;
  // POST /api/npu/load-balancing with `body`; true on 200.
  bool setLoadBalancing(const std::string& body) const;
  // One node's entry of GET /api/npu/routing/stats (null when absent).
  boost::json::value routingStats(const std::string& node_id) const;
  // Reasons of the router's recorded decisions (newest last or first, as the API lists them).
  std::vector<std::string> routingDecisions() const;

 private:
  TempDir dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ProcessFixture> process_;
  std::string admin_;
};

// A real `npufleet worker` on 127.0.0.1 with the sample models (embedding-mlp preloaded) and a
// trusted-keys directory holding `service_key` as main-backend.key.
class RealWorker {
 public:
  explicit RealWorker(const std::string& service_key);
  ~RealWorker();

  // Port 0 picks one; a restart passes the previous port to come back on the same address.
  bool start(uint16_t port = 0, std::string* error = nullptr);
  int stop();
  void kill();
  bool alive() { return process_ && process_->alive(); }
  uint16_t port() const { return port_; }
  ProcessFixture& process() { return *process_; }
  std::string keysDir() const { return dir_.path() + "/keys"; }

 private:
  TempDir dir_;
  std::unique_ptr<ProcessFixture> process_;
  uint16_t port_ = 0;
};

// PRAGMA integrity_check of a SQLite file opened read-only ("ok" when sound), and the values of
// the first column of a query; the error text instead when the file cannot be read.
std::string integrityCheck(const std::string& db_path);
std::vector<std::string> queryColumn(const std::string& db_path, const std::string& sql,
                                     std::string* error = nullptr);

}  // namespace npufleet::testing
