// What the control-plane HTTP handlers need, wired by app/. Handlers translate JSON <-> domain,
// check access and validation, and never reach into store/ directly.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>

#include "auth/tokens/TokenService.h"
#include "common/Clock.h"
#include "fleet/AuditLog.h"
#include "fleet/NodeService.h"

namespace prometheus {
class Registry;
}

namespace npufleet::api {

struct ApiContext {
  fleet::NodeService& nodes;
  fleet::AuditLog& audit;
  auth::TokenService& tokens;
  const Clock& clock;
  std::shared_ptr<prometheus::Registry> metrics;
  // Readiness: the store answers (GET /readyz).
  std::function<Status()> ready_check;
  // Adds fields owned by other capabilities to a node's JSON (detection status, ...).
  std::vector<std::function<void(const fleet::Node&, boost::json::object&)>> node_decorators;
};

}  // namespace npufleet::api
