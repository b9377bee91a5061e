// The web UI compiled into the binary (release builds: -DNPUFLEET_EMBED_WEB=ON); empty
// otherwise, and the server then serves web/dist from disk.
#pragma once

#include <span>

#include "http/StaticFiles.h"

namespace npufleet::app {

std::span<const http::EmbeddedFile> embeddedWebAssets();

}  // namespace npufleet::app
