#include "npu/CapabilityDetector.h"

#include <boost/json/parse.hpp>

#include "npu/WorkerDialect.h"

namespace npufleet::npu {

namespace asio = boost::asio;

CapabilityDetector::CapabilityDetector(WorkerClient& client, DetectorTimeouts timeouts)
    : client_(client), timeouts_(timeouts) {}

namespace {

// At most this much of a worker's explanation is kept: enough for "model not found: x", too
// little to carry a page of whatever the target served.
constexpr size_t kMaxReasonChars = 120;

// Printable ASCII only, no markup, cut short: the text reaches the admin's screen, every
// viewer's detectionError and the log.
std::string sanitisedExcerpt(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= kMaxReasonChars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u > 0x7e || c == '<' || c == '>' ? ' ' : c);
  }
  return out;
}

// The worker's explanation from {"detail": ...}, {"message": ...}, {"error": "..."} or
// {"error": {"message"}}, sanitised. Anything else the target sent (an HTML page, another
// service's answer with whatever secrets it carried) is never copied: probe and detection
// errors would reflect it to the caller.
std::string workerReason(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return body.empty() ? std::string() : "an answer that is not JSON, not shown";
  const auto& o = v.as_object();
  for (auto key : {"detail", "message", "error"}) {
    auto it = o.find(key);
    if (it == o.end()) continue;
    if (it->value().is_string()) return sanitisedExcerpt(it->value().as_string());
    if (it->value().is_object()) {
      auto m = it->value().as_object().find("message");
      if (m != it->value().as_object().end() && m->value().is_string()) {
        return sanitisedExcerpt(m->value().as_string());
      }
    }
  }
  return {};
}

Result<boost::json::value> parseBody(const http::ClientResponse& r, const std::string& target) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec) {
    return Error{ErrorCode::kBadGateway,
                 "worker answered " + target + " with invalid JSON: " + ec.message(), {}};
  }
  return v;
}

std::string durationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

Error workerHttpError(int status, const std::string& target, const std::string& body) {
  std::string reason = workerReason(body);
  if (status == 401) {
    return Error{ErrorCode::kBadGateway,
                 "401 from worker: signature rejected, check the service key" +
                     (reason.empty() ? std::string() : " (" + reason + ")"),
                 {}};
  }
  if (status == 403) {
    return Error{ErrorCode::kBadGateway,
                 "403 from worker: this service is not allowed" +
                     (reason.empty() ? std::string() : " (" + reason + ")"),
                 {}};
  }
  if (status == 429) {
    return Error{ErrorCode::kBadGateway,
                 "429 from worker: too many requests or failed signatures from this address", {}};
  }
  ErrorCode code = ErrorCode::kBadGateway;
  if (status == 404) code = ErrorCode::kNotFound;
  if (status == 409) code = ErrorCode::kConflict;
  if (status == 400 || status == 422) code = ErrorCode::kBadRequest;
  if (status == 503) code = ErrorCode::kUnavailable;
  return Error{code,
               std::to_string(status) + " from worker on " + target +
                   (reason.empty() ? std::string() : ": " + reason),
               {}};
}

asio::awaitable<Result<http::ClientResponse>> CapabilityDetector::call(
    std::string method, std::string host, int port, std::string target, std::string body,
    DetectorTimeouts timeouts) {
  http::ClientRequest req;
  req.method = std::move(method);
  req.host = std::move(host);
  req.port = static_cast<uint16_t>(port);
  req.target = target;
  req.connect_timeout = timeouts.connect;
  req.total_timeout = timeouts.total;
  req.max_response_bytes = 4 * 1024 * 1024;
  req.headers.set("Accept", "application/json");
  if (!body.empty()) {
    req.headers.set("Content-Type", "application/json");
    req.body = std::move(body);
  }
  auto started = std::chrono::steady_clock::now();
  http::ClientResult res = co_await client_.send(std::move(req));
  if (!res.ok() && res.failure != http::ClientFailure::kConnectRefused &&
      std::chrono::steady_clock::now() - started >= timeouts.total - std::chrono::milliseconds(20)) {
    // Whatever the transport reports when its deadline cancels the read (some paths surface
    // "operation canceled"), a call that ran out its total time timed out.
    co_return Error{ErrorCode::kGatewayTimeout, "timed out after " + durationText(timeouts.total), {}};
  }
  if (!res.ok()) {
    ErrorCode code = res.failure == http::ClientFailure::kTimeout ||
                             res.failure == http::ClientFailure::kConnectTimeout
                         ? ErrorCode::kGatewayTimeout
                         : ErrorCode::kUnavailable;
    co_return Error{code, res.message.empty() ? std::string("worker unreachable") : res.message, {}};
  }
  if (res.response.status < 200 || res.response.status >= 300) {
    co_return workerHttpError(res.response.status, target, res.response.body);
  }
  co_return std::move(res.response);
}

asio::awaitable<Result<WorkerReport>> CapabilityDetector::probeHealth(std::string host, int port,
                                                                      DetectorTimeouts timeouts) {
  auto r = co_await call("GET", std::move(host), port, "/health", {}, timeouts);
  if (!r) co_return r.error();
  auto v = parseBody(*r, "/health");
  if (!v) co_return v.error();
  co_return parseHealth(*v);
}

asio::awaitable<Result<WorkerReport>> CapabilityDetector::detect(std::string host, int port) {
  auto report = co_await probeHealth(host, port, timeouts_);
  if (!report) co_return report.error();
  auto models = co_await call("GET", host, port, "/models", {}, timeouts_);
  if (!models) {
    if (models.error().code != ErrorCode::kNotFound) co_return models.error();
    finishWithoutModels(*report);
    co_return report;
  }
  auto v = parseBody(*models, "/models");
  if (!v) co_return v.error();
  mergeModels(*v, *report);
  co_return report;
}

asio::awaitable<Result<std::optional<WorkerMetrics>>> CapabilityDetector::fetchStats(
    std::string host, int port, DetectorTimeouts timeouts) {
  auto r = co_await call("GET", std::move(host), port, "/stats", {}, timeouts);
  if (!r) {
    if (r.error().code == ErrorCode::kNotFound) co_return std::optional<WorkerMetrics>{};
    co_return r.error();
  }
  auto v = parseBody(*r, "/stats");
  if (!v) co_return v.error();
  co_return std::optional<WorkerMetrics>{parseStats(*v)};
}

}  // namespace npufleet::npu
