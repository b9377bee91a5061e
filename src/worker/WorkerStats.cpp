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

void WorkerStats::recordGeneration(const std::string& model, int64_t prompt_tokens,
                                   int64_t completion_tokens, std::optional<double> ttft_ms,
                                   double total_ms) {
  std::lock_guard lock(mu_);
  auto& t = tokens_[model];
  t.prompt_tokens += static_cast<uint64_t>(std::max<int64_t>(0, prompt_tokens));
  t.completion_tokens += static_cast<uint64_t>(std::max<int64_t>(0, completion_tokens));
  auto push = [this](std::deque<double>& d, double v) {
    d.push_back(v);
    if (d.size() > window_) d.pop_front();
  };
  if (ttft_ms) {
    push(t.ttft_ms, *ttft_ms);
    if (completion_tokens > 1) {
      const double after_first = std::max(0.0, total_ms - *ttft_ms);
      push(t.itl_ms, after_first / static_cast<double>(completion_tokens - 1));
      t.decode.emplace_back(completion_tokens - 1, after_first);
      if (t.decode.size() > window_) t.decode.pop_front();
    }
  }
}

std::optional<WorkerStats::TokenSummary> WorkerStats::tokens(const std::string& model) {
  std::lock_guard lock(mu_);
  auto it = tokens_.find(model);
  if (it == tokens_.end()) return std::nullopt;
  const auto& t = it->second;
  TokenSummary s;
  s.prompt_tokens = t.prompt_tokens;
  s.completion_tokens = t.completion_tokens;
  std::vector<double> ttft(t.ttft_ms.begin(), t.ttft_ms.end());
  std::vector<double> itl(t.itl_ms.begin(), t.itl_ms.end());
  s.ttft_p50_ms = percentile(ttft, 0.50);
  s.ttft_p95_ms = percentile(ttft, 0.95);
  s.itl_p50_ms = percentile(itl, 0.50);
  s.itl_p95_ms = percentile(std::move(itl), 0.95);
  int64_t n = 0;
  double decode_ms = 0;
  for (const auto& [tokens, ms] : t.decode) {
    n += tokens;
    decode_ms += ms;
  }
  s.tokens_per_s = decode_ms > 0 ? static_cast<double>(n) * 1000.0 / decode_ms : 0;
  return s;
}

boost::json::object WorkerStats::toJson(const TokenSummary& t) {
  return {{"prompt_tokens", t.prompt_tokens},
          {"completion_tokens", t.completion_tokens},
          {"ttft_p50_ms", t.ttft_p50_ms},
          {"ttft_p95_ms", t.ttft_p95_ms},
          {"inter_token_p50_ms", t.itl_p50_ms},
          {"inter_token_p95_ms", t.itl_p95_ms},
          {"tokens_per_s", t.tokens_per_s}};
}

}  // namespace npufleet::worker
