// The NPU status API: per-node status, list and summary, detection (one, many, preview probe),
// model load/unload and utilization history. Shapes are the contract the web UI codes against
// (see docs in the handlers); the status shape is the seed's with npufleet's fields beside it.
#pragma once

#include "api/ApiContext.h"
#include "http/Router.h"
#include "npu/CapabilityDetector.h"
#include "npu/ModelLoader.h"
#include "npu/NpuRegistry.h"
#include "npu/UtilizationHistory.h"

namespace npufleet::api {

struct NpuApi {
  npu::NpuRegistry& registry;
  npu::UtilizationHistory& history;
  npu::ModelLoader& models;
  npu::CapabilityDetector& detector;
};

// `npu` must outlive the router.
void registerNpuRoutes(http::Router& router, ApiContext& ctx, NpuApi& npu);

// Adds detectionStatus and detectionError to every node JSON that has NPU state, so that the
// response to assigning the npu-worker role already shows "detecting".
void addNpuNodeDecorator(ApiContext& ctx, npu::NpuRegistry& registry);

}  // namespace npufleet::api
