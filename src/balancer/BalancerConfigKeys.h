// The [router] section of the control plane's configuration: start-up settings of the
// inference router and the defaults of the load-balancing setting until an admin stores one.
#pragma once

#include "balancer/InferenceRouter.h"
#include "balancer/LoadBalancingConfig.h"
#include "common/Config.h"

namespace npufleet::balancer {

void addBalancerConfigKeys(ConfigSchema& schema);

RouterOptions routerOptionsFromConfig(const Config& config);
// Strategy least-loaded, no affinity, the rest from [router].
LoadBalancingConfig defaultLoadBalancingConfig(const Config& config);
// Body limit for POST /api/npu/inference.
size_t inferenceBodyLimit(const Config& config);

}  // namespace npufleet::balancer
