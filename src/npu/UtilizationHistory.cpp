#include "npu/UtilizationHistory.h"

namespace npufleet::npu {

using fleet::TimePoint;
using std::chrono::minutes;

std::optional<HistoryWindow> parseHistoryWindow(std::string_view text) {
  if (text == "1h") return HistoryWindow::kHour;
  if (text == "24h") return HistoryWindow::kDay;
  if (text == "7d") return HistoryWindow::kWeek;
  return std::nullopt;
}

const char* historyWindowName(HistoryWindow w) {
  switch (w) {
    case HistoryWindow::kHour: return "1h";
    case HistoryWindow::kDay: return "24h";
    case HistoryWindow::kWeek: return "7d";
  }
  return "1h";
}

namespace {
TimePoint floorTo(TimePoint t, std::chrono::seconds step) {
  auto d = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(d - d % step));
}
}  // namespace

HistorySample UtilizationHistory::Bucket::average(const std::string& node_id) const {
  HistorySample s;
  s.node_id = node_id;
  s.t = minute;
  if (count > 0) {
    s.utilization = utilization / count;
    s.queue_depth = queue_depth / count;
    s.running = running / count;
    s.latency_ms = latency_ms / count;
  }
  return s;
}

UtilizationHistory::UtilizationHistory(const Clock& clock, HistoryRepository* repo,
                                       HistoryLimits limits)
    : clock_(clock), repo_(repo), limits_(limits) {}

Status UtilizationHistory::restore() {
  if (!repo_) return okStatus();
  TimePoint now = clock_.now();
  auto raw = repo_->loadSince(HistoryResolution::kRaw, now - limits_.raw_window);
  if (!raw) return raw.error();
  auto mins = repo_->loadSince(HistoryResolution::kMinute, now - limits_.minute_window);
  if (!mins) return mins.error();
  std::lock_guard lock(mu_);
  for (auto& s : *raw) series_[s.node_id].raw.push_back(s);
  for (auto& s : *mins) series_[s.node_id].minutes.push_back(s);
  for (auto& [id, s] : series_) trimLocked(s, now);
  return okStatus();
}

void UtilizationHistory::record(const HistorySample& sample) {
  std::lock_guard lock(mu_);
  Series& s = series_[sample.node_id];
  TimePoint minute = floorTo(sample.t, std::chrono::seconds(60));
  if (s.current && s.current->minute != minute) {
    // A new minute: the previous one is complete.
    HistorySample avg = s.current->average(sample.node_id);
    s.minutes.push_back(avg);
    pending_minutes_.push_back(avg);
    s.current.reset();
  }
  if (!s.current) s.current = Bucket{minute};
  Bucket& b = *s.current;
  b.utilization += sample.utilization;
  b.queue_depth += sample.queue_depth;
  b.running += sample.running;
  b.latency_ms += sample.latency_ms;
  ++b.count;
  s.raw.push_back(sample);
  pending_raw_.push_back(sample);
  trimLocked(s, sample.t);
}

void UtilizationHistory::trimLocked(Series& s, TimePoint now) {
  while (!s.raw.empty() &&
         (s.raw.front().t < now - limits_.raw_window || s.raw.size() > limits_.max_raw_per_node)) {
    s.raw.pop_front();
  }
  size_t max_minutes = static_cast<size_t>(limits_.minute_window / minutes(1)) + 1;
  while (!s.minutes.empty() &&
         (s.minutes.front().t < now - limits_.minute_window || s.minutes.size() > max_minutes)) {
    s.minutes.pop_front();
  }
}

void UtilizationHistory::closeMinutesLocked(TimePoint now) {
  TimePoint this_minute = floorTo(now, std::chrono::seconds(60));
  for (auto& [id, s] : series_) {
    if (s.current && s.current->minute < this_minute) {
      HistorySample avg = s.current->average(id);
      s.minutes.push_back(avg);
      pending_minutes_.push_back(avg);
      s.current.reset();
    }
    trimLocked(s, now);
  }
}

Status UtilizationHistory::flush() {
  std::vector<HistorySample> raw, mins;
  TimePoint now = clock_.now();
  bool prune = false;
  {
    std::lock_guard lock(mu_);
    closeMinutesLocked(now);
    raw.swap(pending_raw_);
    mins.swap(pending_minutes_);
    if (now - last_prune_ >= minutes(1)) {
      prune = true;
      last_prune_ = now;
    }
  }
  if (!repo_) return okStatus();
  if (!raw.empty()) {
    if (auto st = repo_->append(HistoryResolution::kRaw, raw); !st) return st;
  }
  if (!mins.empty()) {
    if (auto st = repo_->append(HistoryResolution::kMinute, mins); !st) return st;
  }
  if (prune) {
    if (auto st = repo_->pruneBefore(HistoryResolution::kRaw, now - limits_.raw_window); !st) return st;
    if (auto st = repo_->pruneBefore(HistoryResolution::kMinute, now - limits_.minute_window); !st) {
      return st;
    }
  }
  return okStatus();
}

std::vector<HistorySample> UtilizationHistory::query(const std::string& node_id,
                                                     HistoryWindow window) const {
  std::lock_guard lock(mu_);
  std::vector<HistorySample> out;
  auto it = series_.find(node_id);
  if (it == series_.end()) return out;
  const Series& s = it->second;
  TimePoint now = clock_.now();
  if (window == HistoryWindow::kHour) {
    for (const auto& p : s.raw) {
      if (p.t >= now - limits_.raw_window) out.push_back(p);
    }
    return out;
  }
  std::vector<HistorySample> mins;
  auto since = now - (window == HistoryWindow::kDay ? std::chrono::hours(24) : std::chrono::hours(24 * 7));
  for (const auto& p : s.minutes) {
    if (p.t >= since) mins.push_back(p);
  }
  if (s.current && s.current->minute >= since) mins.push_back(s.current->average(node_id));
  if (window == HistoryWindow::kDay) return mins;
  // 7 days of minutes is 10,080 points; a chart needs about a thousand.
  std::optional<Bucket> b;
  for (const auto& p : mins) {
    TimePoint slot = floorTo(p.t, std::chrono::seconds(600));
    if (b && b->minute != slot) {
      out.push_back(b->average(node_id));
      b.reset();
    }
    if (!b) b = Bucket{slot};
    b->utilization += p.utilization;
    b->queue_depth += p.queue_depth;
    b->running += p.running;
    b->latency_ms += p.latency_ms;
    ++b->count;
  }
  if (b) out.push_back(b->average(node_id));
  return out;
}

}  // namespace npufleet::npu
