// Asks one worker what it is: GET /health and /models (capabilities), /stats (metrics), through
// the signing WorkerClient with connect and total timeouts. Turns transport failures and worker
// refusals into readable errors ("connection refused", "timed out after 5 s", "401 from worker:
// signature rejected, check the service key"); parsing itself is in WorkerDialect.h.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "common/Error.h"
#include "npu/WorkerClient.h"
#include "npu/WorkerReport.h"

namespace npufleet::npu {

struct DetectorTimeouts {
  std::chrono::milliseconds connect{2000};
  std::chrono::milliseconds total{5000};
};

class CapabilityDetector {
 public:
  CapabilityDetector(WorkerClient& client, DetectorTimeouts timeouts);

  // /health then /models; a 404 on /models is not a failure.
  boost::asio::awaitable<Result<WorkerReport>> detect(std::string host, int port);

  // /health only, with the caller's timeout (the monitor's probe).
  boost::asio::awaitable<Result<WorkerReport>> probeHealth(std::string host, int port,
                                                           DetectorTimeouts timeouts);

  // /stats; nullopt when the worker has none (404).
  boost::asio::awaitable<Result<std::optional<WorkerMetrics>>> fetchStats(
      std::string host, int port, DetectorTimeouts timeouts);

  // Any request to the worker, with this detector's timeouts and error wording. A non-2xx answer
  // is an Error whose message carries the worker's own explanation.
  boost::asio::awaitable<Result<http::ClientResponse>> call(std::string method, std::string host,
                                                            int port, std::string target,
                                                            std::string body,
                                                            DetectorTimeouts timeouts);

  const DetectorTimeouts& timeouts() const { return timeouts_; }

 private:
  WorkerClient& client_;
  DetectorTimeouts timeouts_;
};

// "401 from worker: signature rejected, check the service key", "HTTP 500 from worker on
// /models/x/load: out of memory", ...: a worker's refusal, with its own reason when it gave one.
Error workerHttpError(int status, const std::string& target, const std::string& body);

}  // namespace npufleet::npu
