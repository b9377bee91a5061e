#include "balancer/BalancerConfigKeys.h"

namespace npufleet::balancer {

void addBalancerConfigKeys(ConfigSchema& schema) {
  const LoadBalancingConfig d;
  schema.add({"router", "queue_limit", ConfigType::kInt, int64_t{d.queueLimit},
              "requests that may wait for a free worker slot before 503", false,
              intRange(0, 1'000'000)});
  schema.add({"router", "queue_timeout_ms", ConfigType::kInt, int64_t{d.queueTimeoutMs},
              "how long a request waits for a free worker slot", false, intRange(0, 600'000)});
  schema.add({"router", "request_timeout_ms", ConfigType::kInt, int64_t{d.requestTimeoutMs},
              "total time allowed for one worker to answer an inference", false,
              intRange(100, 3'600'000)});
  schema.add({"router", "connect_timeout_ms", ConfigType::kInt, int64_t{1000},
              "time allowed to connect to a worker", false, intRange(10, 60'000)});
  schema.add({"router", "max_retries", ConfigType::kInt, int64_t{d.maxRetries},
              "other workers tried after a connect error, reset, timeout or 5xx", false,
              intRange(0, 10)});
  schema.add({"router", "inference_path", ConfigType::kString, std::string("/inference"),
              "the workers' inference endpoint", false, {}});
  schema.add({"router", "max_body_bytes", ConfigType::kInt, int64_t{16 * 1024 * 1024},
              "largest inference request body accepted", false, intRange(1024, 1LL << 30)});
  schema.add({"router", "max_response_bytes", ConfigType::kInt, int64_t{64 * 1024 * 1024},
              "largest worker answer accepted", false, intRange(1024, 1LL << 30)});
}

RouterOptions routerOptionsFromConfig(const Config& config) {
  RouterOptions o;
  o.inferencePath = config.getString("router.inference_path");
  o.connectTimeout = std::chrono::milliseconds(config.getInt("router.connect_timeout_ms"));
  o.maxResponseBytes = static_cast<size_t>(config.getInt("router.max_response_bytes"));
  return o;
}

LoadBalancingConfig defaultLoadBalancingConfig(const Config& config) {
  LoadBalancingConfig c;
  c.queueLimit = static_cast<int>(config.getInt("router.queue_limit"));
  c.queueTimeoutMs = static_cast<int>(config.getInt("router.queue_timeout_ms"));
  c.requestTimeoutMs = static_cast<int>(config.getInt("router.request_timeout_ms"));
  c.maxRetries = static_cast<int>(config.getInt("router.max_retries"));
  return c;
}

size_t inferenceBodyLimit(const Config& config) {
  return static_cast<size_t>(config.getInt("router.max_body_bytes"));
}

}  // namespace npufleet::balancer
