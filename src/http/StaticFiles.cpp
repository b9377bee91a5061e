#include "http/StaticFiles.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string_view>
#include <sstream>

namespace npufleet::http {

std::string contentTypeFor(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".map") return "application/json";
  return "application/octet-stream";
}

namespace {
bool readFile(const std::filesystem::path& p, std::string& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return false;
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}
}  // namespace

StaticSource StaticSource::directory(std::string path) {
  std::filesystem::path root(path);
  return {"directory " + path, [root](const std::string& rel, std::string& out) {
            return readFile(root / rel, out);
          }};
}

StaticSource StaticSource::embedded(std::span<const EmbeddedFile> files) {
  std::map<std::string, std::string_view, std::less<>> index;
  for (const auto& f : files) {
    index.emplace(f.path, std::string_view(reinterpret_cast<const char*>(f.data), f.size));
  }
  return {"embedded assets", [index = std::move(index)](const std::string& rel, std::string& out) {
            auto it = index.find(rel);
            if (it == index.end()) return false;
            out.assign(it->second);
            return true;
          }};
}

namespace {
// The UI loads only its own scripts and talks only to its own origin; it is never framed.
void setSecurityHeaders(Response& resp) {
  resp.headers.set("Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                   "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                   "base-uri 'none'; frame-ancestors 'none'");
  resp.headers.set("X-Content-Type-Options", "nosniff");
  resp.headers.set("X-Frame-Options", "DENY");
  resp.headers.set("Referrer-Policy", "no-referrer");
}
}  // namespace

void serveSinglePageApp(Router& router, StaticSource source, std::string api_prefix) {
  router.setFallback([source = std::move(source), api_prefix = std::move(api_prefix)](
                         Request& req) -> boost::asio::awaitable<Response> {
    if (req.path.rfind(api_prefix, 0) == 0) {
      co_return Response::error(Error::notFound("no such endpoint: " + req.path));
    }
    auto decoded = percentDecode(req.path).value_or("/");
    // Reject anything that could leave the root.
    std::filesystem::path rel = std::filesystem::path(decoded).relative_path().lexically_normal();
    const std::string rel_str = rel.generic_string();
    // A NUL ends the name the file system sees ("index.html\0.png" opens index.html) while the
    // content type comes from the whole name: no control character names a file. The server
    // refuses them before any route runs; this keeps the fallback safe on its own.
    bool escapes = rel.empty() || rel_str.rfind("..", 0) == 0 ||
                   std::any_of(rel_str.begin(), rel_str.end(), [](char c) {
                     return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                   });
    std::string body;
    Response resp;
    if (!escapes && source.read(rel_str, body)) {
      resp = Response::text(200, std::move(body), contentTypeFor(rel_str));
      const bool hashed_asset = rel_str.rfind("assets/", 0) == 0;
      resp.headers.set("Cache-Control",
                       hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
      setSecurityHeaders(resp);
      co_return resp;
    }
    if (!source.read("index.html", body)) {
      co_return Response::error(Error::notFound("the web UI is not built (no index.html in " +
                                                source.description + "); run `make web-dist`"));
    }
    resp = Response::text(200, std::move(body), "text/html; charset=utf-8");
    resp.headers.set("Cache-Control", "no-cache");
    setSecurityHeaders(resp);
    co_return resp;
  });
}

}  // namespace npufleet::http
