// libFuzzer target: the JSON body of every control-plane endpoint that reads one, through the
// real handler (support/ControlPlaneWorld: every route of the server over in-memory fakes).
//
// Input: byte 0 picks the endpoint, byte 1 the status the canned worker answers POST /inference
// with (so the router's retry, ejection and pass-through paths run), the rest is the body, in
// which "@node" stands for the id of the world's npu-worker node.
//   POST /api/fleet/nodes            fleet::nodeInputFromJson(creating) + NodeService::create
//   PATCH /api/fleet/nodes/{id}      fleet::nodeInputFromJson(patch) + NodeService::patch
//   POST /api/tokens                 the token-create body + TokenService::create
//   POST /api/npu/load-balancing     balancer::parseLoadBalancingConfig + validation
//   POST /api/npu/inference          InferenceRouter::route's read of {model | model_id}
//   POST /api/npu/detect             {nodeIds?: [...]}
//   POST /api/npu/probe              {ip, npuPort}
//
// Properties (abort = finding): no handler throws; every status is one the API documents (the
// inference route may also pass a worker's own status back); every JSON answer parses; an
// accepted load-balancing setting reads back, through the same parser, as itself; a created node
// or token answers with the fields the API promises; a probe of a port outside 1-65535 is a 400.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "balancer/LoadBalancingConfig.h"
#include "common/Log.h"
#include "fleet/NodeJson.h"
#include "support/ControlPlaneWorld.h"

namespace {

using namespace npufleet;
namespace bj = boost::json;

struct Endpoint {
  const char* method;
  const char* path;  // "@node": the world's npu-worker node
};

constexpr Endpoint kEndpoints[] = {
    {"POST", "/api/fleet/nodes"},         {"PATCH", "/api/fleet/nodes/@node"},
    {"POST", "/api/tokens"},              {"POST", "/api/npu/load-balancing"},
    {"POST", "/api/npu/inference"},       {"POST", "/api/npu/detect"},
    {"POST", "/api/npu/probe"},
};
constexpr int kWorkerStatuses[] = {200, 400, 404, 409, 500, 502, 503, 504};

bj::value parseAnswer(const http::Response& resp) {
  boost::system::error_code ec;
  auto v = bj::parse(resp.body, ec);
  if (ec) std::abort();
  return v;
}

void checkLoadBalancing(const bj::value& answer) {
  auto again = balancer::parseLoadBalancingConfig(answer);
  if (!again) std::abort();
  if (bj::serialize(balancer::toJson(*again)) != bj::serialize(answer)) std::abort();
}

void checkCreatedNode(const bj::value& answer) {
  const auto* o = answer.if_object();
  if (o == nullptr || !o->contains("id") || !o->contains("name") || !o->contains("ip")) std::abort();
  // The writable fields of a node as answered are a valid PATCH body.
  bj::object writable;
  for (const char* k : {"name", "ip", "npuPort", "roles", "labels", "status"}) {
    if (auto* v = o->if_contains(k)) writable[k] = *v;
  }
  if (!fleet::nodeInputFromJson(writable, false)) std::abort();
}

void checkCreatedToken(const bj::value& answer) {
  const auto* o = answer.if_object();
  if (o == nullptr) std::abort();
  const auto* token = o->if_contains("token");
  if (token == nullptr || !token->is_string() || token->as_string().size() != 52 ||
      !token->as_string().starts_with("npf_")) {
    std::abort();
  }
}

// A port the API cannot use must be refused with 400, never truncated into a valid one.
void checkProbePort(const std::string& body, int status) {
  boost::system::error_code ec;
  auto v = bj::parse(body, ec);
  if (ec || !v.is_object()) return;
  const auto* port = v.as_object().if_contains("npuPort");
  if (port == nullptr || port->is_null()) return;
  const bool in_range = (port->is_int64() && port->as_int64() >= 1 && port->as_int64() <= 65535) ||
                        (port->is_uint64() && port->as_uint64() >= 1 && port->as_uint64() <= 65535);
  if (!in_range && status != 400) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)configureLogging("off");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const Endpoint& ep = kEndpoints[data[0] % std::size(kEndpoints)];
  const int worker_status = kWorkerStatuses[data[1] % std::size(kWorkerStatuses)];

  fuzz::ControlPlaneWorld world;
  world.worker().inference_status = worker_status;
  http::Request req;
  req.method = ep.method;
  req.path = ep.path;
  if (auto at = req.path.find("@node"); at != std::string::npos) {
    req.path.replace(at, 5, world.workerNodeId());
  }
  req.target = req.path;
  req.headers.add("Content-Type", "application/json");
  req.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  for (auto at = req.body.find("@node"); at != std::string::npos; at = req.body.find("@node", at)) {
    req.body.replace(at, 5, world.workerNodeId());
  }
  req.remote_address = "192.0.2.7";
  if (req.body.size() > fuzz::bodyLimitFor(world.router(), req)) return 0;  // the server's 413

  http::Response resp = world.handle(req, /*authenticate=*/false);
  const bool inference = req.path == "/api/npu/inference";
  if (!fuzz::isExpectedApiStatus(resp.status) && !(inference && resp.status == worker_status)) {
    std::abort();
  }
  if (resp.status == 204) return 0;
  const bj::value answer = parseAnswer(resp);
  if (req.path == "/api/npu/load-balancing" && resp.status == 200) checkLoadBalancing(answer);
  if (req.path == "/api/fleet/nodes" && resp.status == 201) checkCreatedNode(answer);
  if (req.path == "/api/tokens" && resp.status == 201) checkCreatedToken(answer);
  if (req.path == "/api/npu/probe") checkProbePort(req.body, resp.status);
  return 0;
}
