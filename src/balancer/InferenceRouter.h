// The inference router behind POST /api/npu/inference: picks a worker for each request with the
// configured strategy, admits at most maxConcurrent requests per node (the excess waits in a
// bounded queue with a deadline), sends a model only to nodes that have it loaded (or load on
// demand), fails over to another node on connect errors, resets, timeouts, 5xx and a worker's
// 409 "not loaded", ejects outliers, and records every decision. A new LoadBalancingConfig
// applies to the next request. Thread-safe; no lock is held across a suspension.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "balancer/CandidateSource.h"
#include "balancer/LoadBalancingConfig.h"
#include "balancer/OutlierDetector.h"
#include "balancer/RoutingStats.h"
#include "balancer/WorkerClient.h"
#include "common/Clock.h"
#include "http/Message.h"

namespace npufleet::balancer {

// Settings fixed at start-up ([router] section of the config file).
struct RouterOptions {
  std::string inferencePath = "/inference";  // the worker's endpoint
  std::chrono::milliseconds connectTimeout{1000};
  size_t maxResponseBytes = 64 * 1024 * 1024;
};

class InferenceRouter {
 public:
  InferenceRouter(const CandidateSource& source, WorkerClient& client, const Clock& clock,
                  RoutingStats& stats, RouterOptions options = {},
                  const LoadBalancingConfig& config = {});
  ~InferenceRouter();
  InferenceRouter(const InferenceRouter&) = delete;
  InferenceRouter& operator=(const InferenceRouter&) = delete;

  // Takes effect for the next request; requests already routed finish where they are.
  void applyConfig(const LoadBalancingConfig& config);
  LoadBalancingConfig config() const;

  // `body` is the worker's inference body ({model, inputs, ...}); the answer is the worker's,
  // with X-Npufleet-Node and X-Npufleet-Strategy, or the router's own 400/404/502/503/504.
  boost::asio::awaitable<http::Response> route(std::string body);

  // The health monitor's successful probe of a node ends its ejection.
  void onProbeSuccess(const std::string& node_id);
  // A node removed from the fleet: its load, ejection state and routing figures are dropped,
  // so that they do not pile up as workers come and go.
  void forgetNode(const std::string& node_id);

  OutlierDetector& outliers();
  RoutingStats& stats();
  // GET /api/npu/routing/stats: {nodes:[...], decisions:[...], failures:[...]}.
  boost::json::value statsJson() const;
  // Requests waiting for a free slot right now.
  size_t queued() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace npufleet::balancer
