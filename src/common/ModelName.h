// The one rule for a model's name, shared by the control plane (load/unload, routing) and the
// worker (its models directory, inference): [A-Za-z0-9._-]{1,128}, not "." or "..". A name is
// a file name in the worker's models directory, so nothing in it can leave that directory.
#pragma once

#include <cstddef>
#include <string_view>

namespace npufleet {

inline constexpr std::size_t kMaxModelNameLength = 128;

bool isValidModelName(std::string_view name);

}  // namespace npufleet
