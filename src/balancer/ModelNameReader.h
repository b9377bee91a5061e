// Reads the model name out of an inference body ({model, inputs, ...}) for the router, which needs
// nothing else from it: one validating pass of Boost.JSON's SAX parser, no document built, so a
// body of megabytes of base64 tensors costs a scan and no allocation per value. The checks and
// messages are those of parsing the whole body: not JSON or not an object is 400 naming `body`;
// `model` present but not a string is 400 naming `model`; `model_id` (the reference worker's
// dialect) is used when `model` is absent or null; neither is 400 "'model' is required".
#pragma once

#include <string>
#include <string_view>

#include "common/Error.h"

namespace npufleet::balancer {

Result<std::string> readModelName(std::string_view body);

}  // namespace npufleet::balancer
