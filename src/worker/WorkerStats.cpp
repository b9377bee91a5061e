#include "worker/WorkerStats.h"

#include <algorithm>
#include <cmath>

namespace npufleet::worker {

namespace {
constexpr auto kThroughputWindow = std::chrono::seconds(60);
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

WorkerStats::WorkerStats(const Clock& clock, size_t sample_window)
    : clock_(clock), window_(sample_window) {}

void WorkerStats::add(Series& s, double inference_ms, double queue_ms,
                      std::chrono::steady_clock::time_point now) {
  ++s.requests;
  s.inference_ms.push_back(inference_ms);
  s.queue_ms.push_back(queue_ms);
  if (s.inference_ms.size() > window_) s.inference_ms.pop_front();
  if (s.queue_ms.size() > window_) s.queue_ms.pop_front();
  s.completions.push_back(now);
  while (!s.completions.empty() && now - s.completions.front() > kThroughputWindow) {
    s.completions.pop_front();
  }
}

void WorkerStats::recordSuccess(const std::string& model, double inference_ms, double queue_ms) {
  auto now = clock_.steadyNow();
  std::lock_guard lock(mu_);
  add(per_model_[model], inference_ms, queue_ms, now);
  add(total_, inference_ms, queue_ms, now);
}

void WorkerStats::recordError(const std::string& model) {
  std::lock_guard lock(mu_);
  auto& s = per_model_[model];
  ++s.requests;
  ++s.errors;
  ++total_.requests;
  ++total_.errors;
}

WorkerStats::Summary WorkerStats::summarize(Series& s) {
  auto now = clock_.steadyNow();
  while (!s.completions.empty() && now - s.completions.front() > kThroughputWindow) {
    s.completions.pop_front();
  }
  Summary out;
  out.requests = s.requests;
  out.errors = s.errors;
  std::vector<double> inf(s.inference_ms.begin(), s.inference_ms.end());
  std::vector<double> q(s.queue_ms.begin(), s.queue_ms.end());
  out.samples = inf.size();
  out.p50_ms = percentile(inf, 0.50);
  out.p95_ms = percentile(inf, 0.95);
  out.p99_ms = percentile(inf, 0.99);
  out.queue_p50_ms = percentile(q, 0.50);
  out.queue_p95_ms = percentile(q, 0.95);
  out.queue_p99_ms = percentile(q, 0.99);
  out.throughput_per_s = static_cast<double>(s.completions.size()) /
                         static_cast<double>(kThroughputWindow.count());
  return out;
}

WorkerStats::Summary WorkerStats::summary(const std::string& model) {
  std::lock_guard lock(mu_);
  auto it = per_model_.find(model);
  if (it == per_model_.end()) return {};
  return summarize(it->second);
}

WorkerStats::Summary WorkerStats::total() {
  std::lock_guard lock(mu_);
  return summarize(total_);
}

std::vector<std::string> WorkerStats::models() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, s] : per_model_) out.push_back(name);
  return out;
}

boost::json::object WorkerStats::toJson(const Summary& s) {
  return {
      {"requests", s.requests},
      {"errors", s.errors},
      {"inference_ms", boost::json::object{{"p50", s.p50_ms}, {"p95", s.p95_ms}, {"p99", s.p99_ms},
                                           {"samples", s.samples}}},
      {"queue_wait_ms",
       boost::json::object{{"p50", s.queue_p50_ms}, {"p95", s.queue_p95_ms}, {"p99", s.queue_p99_ms}}},
      {"throughput_per_s_last_minute", s.throughput_per_s},
  };
}

}  // namespace npufleet::worker
