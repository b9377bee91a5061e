// libFuzzer target: what a worker answers to detection and monitoring, in any of the dialects of
// DESIGN.md 4.4 or none of them: npu/WorkerDialect's parsers, and npu::CapabilityDetector over a
// worker client that answers with the fuzz bytes.
//
// Input: byte 0 holds three 2-bit HTTP statuses (for /health, /models, /stats: 200, 404, 401 or
// 503), then the three bodies separated by NUL bytes.
//
// Properties (abort = finding): nothing throws; a report always holds a usable capability set
// (maxConcurrent >= 1, memoryGB >= 0, utilization within 0-100, queue depth >= 0), every loaded
// model is among the available ones; the detector accepts exactly the answers whose /health is
// a 2xx JSON value, and its report equals the parsers' own.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "npu/CapabilityDetector.h"
#include "npu/WorkerClient.h"
#include "npu/WorkerDialect.h"

namespace {

using namespace npufleet;
namespace asio = boost::asio;

constexpr int kStatuses[] = {200, 404, 401, 503};

struct Answers {
  std::string_view health, models, stats;
  int health_status = 200, models_status = 200, stats_status = 200;
};

class FuzzWorker final : public npu::WorkerClient {
 public:
  explicit FuzzWorker(const Answers& a) : a_(a) {}
  asio::awaitable<http::ClientResult> send(http::ClientRequest request) override {
    http::ClientResult r;
    r.response.headers.set("Content-Type", "application/json");
    if (request.target == "/health") {
      r.response.status = a_.health_status;
      r.response.body = std::string(a_.health);
    } else if (request.target == "/models") {
      r.response.status = a_.models_status;
      r.response.body = std::string(a_.models);
    } else if (request.target == "/stats") {
      r.response.status = a_.stats_status;
      r.response.body = std::string(a_.stats);
    } else {
      r.response.status = 404;
    }
    co_return r;
  }

 private:
  const Answers& a_;
};

void checkReport(const npu::WorkerReport& r) {
  const auto& c = r.capabilities;
  if (c.max_concurrent < 1) std::abort();
  if (!(c.memory_gb >= 0) || !std::isfinite(c.memory_gb)) std::abort();
  if (!(c.utilization >= 0 && c.utilization <= 100)) std::abort();
  if (r.queue_depth < 0 || (r.running && *r.running < 0)) std::abort();
}

void checkModels(const npu::WorkerReport& r) {
  for (const auto& m : r.loaded_models) {
    if (std::find(r.capabilities.models.begin(), r.capabilities.models.end(), m) ==
        r.capabilities.models.end()) {
      std::abort();
    }
  }
}

void checkMetrics(const npu::WorkerMetrics& m) {
  for (auto v : {m.inference_p50_ms, m.inference_p95_ms, m.throughput_per_min}) {
    if (v && (!std::isfinite(*v) || *v < 0)) std::abort();
  }
  for (auto v : {m.running, m.queued, m.max_concurrent}) {
    if (v && *v < 0) std::abort();
  }
  if (m.process_rss_bytes && *m.process_rss_bytes < 0) std::abort();
  for (const auto& [name, bytes] : m.model_bytes) {
    if (bytes < 0) std::abort();
  }
}

std::optional<boost::json::value> parseJson(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

template <typename T>
asio::awaitable<void> into(asio::awaitable<T> task, std::optional<T>& out) {
  out.emplace(co_await std::move(task));
}

template <typename T>
T runSync(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(io, into(std::move(task), out), [&](std::exception_ptr e) { failure = e; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  if (!out) std::abort();
  return std::move(*out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Answers a;
  a.health_status = kStatuses[data[0] & 3];
  a.models_status = kStatuses[(data[0] >> 2) & 3];
  a.stats_status = kStatuses[(data[0] >> 4) & 3];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view* parts[] = {&a.health, &a.models, &a.stats};
  for (auto* part : parts) {
    auto nul = rest.find('\0');
    *part = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  }

  // The parsers on their own.
  std::optional<npu::WorkerReport> expected;
  if (auto health = parseJson(a.health)) {
    npu::WorkerReport r = npu::parseHealth(*health);
    checkReport(r);
    auto models = parseJson(a.models);
    if (models && a.models_status == 200) {
      npu::mergeModels(*models, r);
    } else {
      npu::finishWithoutModels(r);
    }
    checkReport(r);
    checkModels(r);
    expected = r;
  }
  if (auto stats = parseJson(a.stats)) checkMetrics(npu::parseStats(*stats));

  // The detector, as detection and the monitor call it.
  asio::io_context io;
  FuzzWorker worker(a);
  npu::CapabilityDetector detector(worker, {});
  auto detected = runSync(io, detector.detect("10.0.0.11", 8081));
  if (detected) {
    if (a.health_status != 200 || !parseJson(a.health)) std::abort();
    checkReport(*detected);
    checkModels(*detected);
    if (!expected || detected->capabilities != expected->capabilities ||
        detected->loaded_models != expected->loaded_models) {
      std::abort();  // the detector read the answers differently from the parsers
    }
  } else if (a.health_status == 200 && expected && a.models_status != 401 &&
             a.models_status != 503 && (a.models_status != 200 || parseJson(a.models))) {
    std::abort();  // a well-formed answer refused
  }
  auto probed = runSync(io, detector.probeHealth("10.0.0.11", 8081, {}));
  if (probed) checkReport(*probed);
  auto stats = runSync(io, detector.fetchStats("10.0.0.11", 8081, {}));
  if (stats && *stats) checkMetrics(**stats);
  return 0;
}
