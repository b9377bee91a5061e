#include "store/SqliteNpuRepository.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "npu/NpuJson.h"

namespace npufleet::store {

namespace {
int64_t toMs(fleet::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
fleet::TimePoint fromMs(int64_t ms) {
  return fleet::TimePoint(
      std::chrono::duration_cast<fleet::TimePoint::duration>(std::chrono::milliseconds(ms)));
}
}  // namespace

std::vector<Migration> npuMigrations() {
  return {
      {100, "npu state and status transitions",
       "CREATE TABLE npu_state (node_id TEXT PRIMARY KEY, state_json TEXT NOT NULL, "
       "updated_at_ms INTEGER NOT NULL);"
       "CREATE TABLE npu_transitions (id INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL, "
       "from_status TEXT NOT NULL, to_status TEXT NOT NULL, reason TEXT NOT NULL, "
       "at_ms INTEGER NOT NULL);"
       "CREATE INDEX npu_transitions_by_node ON npu_transitions (node_id, id);"},
      {101, "npu utilization history",
       "CREATE TABLE npu_history_raw (node_id TEXT NOT NULL, t_ms INTEGER NOT NULL, "
       "utilization REAL NOT NULL, queue_depth REAL NOT NULL, running REAL NOT NULL, "
       "latency_ms REAL NOT NULL);"
       "CREATE INDEX npu_history_raw_by_time ON npu_history_raw (t_ms);"
       "CREATE TABLE npu_history_minute (node_id TEXT NOT NULL, t_ms INTEGER NOT NULL, "
       "utilization REAL NOT NULL, queue_depth REAL NOT NULL, running REAL NOT NULL, "
       "latency_ms REAL NOT NULL, PRIMARY KEY (node_id, t_ms));"
       "CREATE INDEX npu_history_minute_by_time ON npu_history_minute (t_ms);"},
  };
}

Status SqliteNpuRepository::save(const npu::NodeNpuState& state) {
  auto r = db_->exec(
      "INSERT INTO npu_state (node_id, state_json, updated_at_ms) VALUES (?, ?, ?) "
      "ON CONFLICT(node_id) DO UPDATE SET state_json = excluded.state_json, "
      "updated_at_ms = excluded.updated_at_ms",
      {state.node_id, boost::json::serialize(npu::persistJson(state)),
       toMs(std::chrono::system_clock::now())});
  if (!r) return r.error();
  return okStatus();
}

Result<std::vector<npu::NodeNpuState>> SqliteNpuRepository::loadAll() {
  std::vector<npu::NodeNpuState> out;
  auto r = db_->exec("SELECT node_id, state_json FROM npu_state ORDER BY node_id", {},
                     [&](const Row& row) {
                       boost::system::error_code ec;
                       auto v = boost::json::parse(row.getText(1), ec);
                       auto s = ec ? Result<npu::NodeNpuState>(Error::internal(ec.message()))
                                   : npu::stateFromPersistJson(v);
                       if (s) {
                         out.push_back(std::move(*s));
                       } else {
                         // One unreadable row must not stop start-up; detection rebuilds it.
                         spdlog::warn("npu: ignoring unreadable stored state of node {}: {}",
                                      row.getText(0), s.error().message);
                       }
                     });
  if (!r) return r.error();
  return out;
}

Status SqliteNpuRepository::remove(const std::string& node_id) {
  auto r = db_->exec("DELETE FROM npu_state WHERE node_id = ?", {node_id});
  if (!r) return r.error();
  return okStatus();
}

Status SqliteNpuRepository::recordTransition(const npu::StatusTransition& t) {
  return db_->transaction([&]() -> Status {
    auto r = db_->exec(
        "INSERT INTO npu_transitions (node_id, from_status, to_status, reason, at_ms) "
        "VALUES (?, ?, ?, ?, ?)",
        {t.node_id, std::string(fleet::nodeStatusName(t.from)),
         std::string(fleet::nodeStatusName(t.to)), t.reason, toMs(t.at)});
    if (!r) return r.error();
    // Bounded: a flapping node must not grow the table without limit.
    auto d = db_->exec(
        "DELETE FROM npu_transitions WHERE node_id = ? AND id <= (SELECT id FROM npu_transitions "
        "WHERE node_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        {t.node_id, t.node_id, static_cast<int64_t>(keep_)});
    if (!d) return d.error();
    return okStatus();
  });
}

Result<std::vector<npu::StatusTransition>> SqliteNpuRepository::transitions(
    const std::string& node_id, int limit) {
  std::vector<npu::StatusTransition> out;
  auto r = db_->exec(
      "SELECT from_status, to_status, reason, at_ms FROM npu_transitions WHERE node_id = ? "
      "ORDER BY id DESC LIMIT ?",
      {node_id, static_cast<int64_t>(limit)}, [&](const Row& row) {
        npu::StatusTransition t;
        t.node_id = node_id;
        t.from = fleet::parseNodeStatus(row.getText(0)).value_or(fleet::NodeStatus::kPending);
        t.to = fleet::parseNodeStatus(row.getText(1)).value_or(fleet::NodeStatus::kPending);
        t.reason = row.getText(2);
        t.at = fromMs(row.getInt(3));
        out.push_back(std::move(t));
      });
  if (!r) return r.error();
  return out;
}

}  // namespace npufleet::store
