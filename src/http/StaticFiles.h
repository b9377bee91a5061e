// Serves a built single-page app (web/dist) from a directory: hashed assets with long cache
// lifetimes, index.html revalidated, and unknown non-API paths answered with index.html so that
// client-side routes survive a reload.
#pragma once

#include <string>

#include "http/Router.h"

namespace npufleet::http {

// Installs the router's GET fallback. Paths under `api_prefix` stay 404 JSON.
void serveSinglePageApp(Router& router, std::string directory, std::string api_prefix = "/api/");

std::string contentTypeFor(const std::string& path);

}  // namespace npufleet::http
