// The single JSON mapping of Node (camelCase), used by the API and the audit log.
#pragma once

#include <boost/json/object.hpp>

#include "common/Error.h"
#include "fleet/Node.h"
#include "fleet/NodeService.h"

namespace npufleet::fleet {

boost::json::object toJson(const Node& node);

// Reads the writable fields of a node from a request body. `creating` requires name and ip.
Result<NodeInput> nodeInputFromJson(const boost::json::object& body, bool creating);

}  // namespace npufleet::fleet
