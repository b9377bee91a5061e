// /api/npu/load-balancing, /api/npu/inference and /api/npu/routing/stats: the load-balancing
// setting and the inference router over HTTP. (Drain/undrain live in NodeRoutes.)
#pragma once

#include <cstddef>

#include "api/ApiContext.h"
#include "balancer/InferenceRouter.h"
#include "balancer/LoadBalancingService.h"
#include "http/Router.h"

namespace npufleet::api {

struct BalancerRouteDeps {
  balancer::InferenceRouter& router;
  balancer::LoadBalancingService& settings;
  size_t inference_body_limit = 16 * 1024 * 1024;  // balancer::inferenceBodyLimit(config)
};

void registerBalancerRoutes(http::Router& router, ApiContext& ctx, BalancerRouteDeps deps);

}  // namespace npufleet::api
