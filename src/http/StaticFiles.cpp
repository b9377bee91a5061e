#include "http/StaticFiles.h"

#include <filesystem>
#include <fstream>
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
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}
}  // namespace

void serveSinglePageApp(Router& router, std::string directory, std::string api_prefix) {
  router.setFallback([dir = std::filesystem::path(std::move(directory)),
                      api_prefix = std::move(api_prefix)](Request& req)
                         -> boost::asio::awaitable<Response> {
    if (req.path.rfind(api_prefix, 0) == 0) {
      co_return Response::error(Error::notFound("no such endpoint: " + req.path));
    }
    auto decoded = percentDecode(req.path).value_or("/");
    // Reject anything that could leave the directory.
    std::filesystem::path rel = std::filesystem::path(decoded).relative_path().lexically_normal();
    bool escapes = rel.empty() || rel.string().rfind("..", 0) == 0;
    std::string body;
    Response resp;
    if (!escapes && std::filesystem::is_regular_file(dir / rel) && readFile(dir / rel, body)) {
      resp = Response::text(200, std::move(body), contentTypeFor(rel.string()));
      const bool hashed_asset = rel.string().rfind("assets/", 0) == 0;
      resp.headers.set("Cache-Control",
                       hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
      co_return resp;
    }
    if (!readFile(dir / "index.html", body)) {
      co_return Response::error(Error::notFound(
          "the web UI is not built (no index.html in " + dir.string() + "); run `make`"));
    }
    resp = Response::text(200, std::move(body), "text/html; charset=utf-8");
    resp.headers.set("Cache-Control", "no-cache");
    co_return resp;
  });
}

}  // namespace npufleet::http
