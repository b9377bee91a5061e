// Per-model and total request statistics for GET /stats: counts, errors, inference-time and
// queue-wait percentiles over a sliding sample window, and throughput over the last minute.
// Time comes from an injected Clock so that windows are testable without sleeping.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "common/Clock.h"

namespace npufleet::worker {

class WorkerStats {
 public:
  explicit WorkerStats(const Clock& clock, size_t sample_window = 2048);

  void recordSuccess(const std::string& model, double inference_ms, double queue_ms);
  void recordError(const std::string& model);

  struct Summary {
    uint64_t requests = 0;  // successes + errors
    uint64_t errors = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0;
    double queue_p50_ms = 0, queue_p95_ms = 0, queue_p99_ms = 0;
    double throughput_per_s = 0;  // successes in the last 60 s / 60
    size_t samples = 0;
  };
  Summary summary(const std::string& model);
  Summary total();
  std::vector<std::string> models();

  static boost::json::object toJson(const Summary& s);

  // Text generation (GGUF models): tokens read and written, time to the first token, the mean
  // time between tokens of each request, and generated tokens per second of decoding.
  void recordGeneration(const std::string& model, int64_t prompt_tokens, int64_t completion_tokens,
                        std::optional<double> ttft_ms, double total_ms);
  struct TokenSummary {
    uint64_t prompt_tokens = 0;
    uint64_t completion_tokens = 0;
    double ttft_p50_ms = 0, ttft_p95_ms = 0;
    double itl_p50_ms = 0, itl_p95_ms = 0;
    double tokens_per_s = 0;  // over the requests in the window: generated / decoding time
  };
  std::optional<TokenSummary> tokens(const std::string& model);
  static boost::json::object toJson(const TokenSummary& t);

 private:
  struct TokenSeries {
    uint64_t prompt_tokens = 0;
    uint64_t completion_tokens = 0;
    std::deque<double> ttft_ms;
    std::deque<double> itl_ms;
    std::deque<std::pair<int64_t, double>> decode;  // tokens, ms after the first token
  };
  std::map<std::string, TokenSeries> tokens_;
  struct Series {
    uint64_t requests = 0;
    uint64_t errors = 0;
    std::deque<double> inference_ms;
    std::deque<double> queue_ms;
    std::deque<std::chrono::steady_clock::time_point> completions;
  };
  void add(Series& s, double inference_ms, double queue_ms,
           std::chrono::steady_clock::time_point now);
  Summary summarize(Series& s);

  const Clock& clock_;
  const size_t window_;
  std::mutex mu_;
  std::map<std::string, Series> per_model_;
  Series total_;
};

// Nearest-rank percentile of `values` (0 when empty); q in [0, 1].
double percentile(std::vector<double> values, double q);

}  // namespace npufleet::worker
