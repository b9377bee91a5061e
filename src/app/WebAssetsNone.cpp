// Builds without NPUFLEET_EMBED_WEB: nothing embedded; the server serves web/dist from disk.
#include "app/WebAssets.h"

namespace npufleet::app {

std::span<const http::EmbeddedFile> embeddedWebAssets() { return {}; }

}  // namespace npufleet::app
