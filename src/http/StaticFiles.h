// Serves a built single-page app (web/dist): hashed assets with long cache lifetimes,
// index.html revalidated (ETag, 304), and unknown non-API paths answered with index.html so
// that client-side routes survive a reload. A text file is sent as the `.br` or `.gz` sibling
// the web build wrote beside it (web/scripts/precompress.mjs) when the client accepts that
// coding, with Content-Encoding and Vary. The files come from a directory or from the binary
// itself (release builds embed web/dist, see cmake/EmbedFiles.cmake).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "http/Router.h"

namespace npufleet::http {

// One file compiled into the binary.
struct EmbeddedFile {
  const char* path;  // relative, '/'-separated: "index.html", "assets/app-1a2b.js"
  const unsigned char* data;
  size_t size;
};

// Where the app's files come from. `read` gets a normalised relative path that never leaves
// the root and returns false when there is no such file.
struct StaticSource {
  std::string description;  // for messages: "directory web/dist", "embedded assets"
  std::function<bool(const std::string& relative_path, std::string& out)> read;

  static StaticSource directory(std::string path);
  static StaticSource embedded(std::span<const EmbeddedFile> files);
};

// Installs the router's GET fallback. Paths under `api_prefix` stay 404 JSON.
void serveSinglePageApp(Router& router, StaticSource source, std::string api_prefix = "/api/");

std::string contentTypeFor(const std::string& path);

// The precompressed codings a request's Accept-Encoding allows (RFC 9110 12.5.3: a coding
// listed with q=0 is refused, `*` stands for those not listed).
struct AcceptedCodings {
  bool br = false;
  bool gzip = false;
};
AcceptedCodings acceptedCodings(std::string_view accept_encoding);

}  // namespace npufleet::http
