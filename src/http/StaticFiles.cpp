#include "http/StaticFiles.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <cctype>
#include <string_view>
#include <sstream>

#include "common/Sha256.h"

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

AcceptedCodings acceptedCodings(std::string_view header) {
  std::optional<bool> br, gzip, any;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto semi = item.find(';');
    std::string name(item.substr(0, semi));
    std::erase_if(name, [](char c) { return c == ' ' || c == '\t'; });
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    bool accepted = true;
    if (semi != std::string_view::npos) {
      std::string params(item.substr(semi + 1));
      std::erase_if(params, [](char c) { return c == ' ' || c == '\t'; });
      // q=0, q=0.0, q=0.000: refused; any other weight accepts (we only choose, not rank).
      if (params.size() >= 3 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
        accepted = params.find_first_not_of("0.", 2) != std::string::npos;
      }
    }
    if (name == "br") br = accepted;
    else if (name == "gzip" || name == "x-gzip") gzip = accepted;
    else if (name == "*") any = accepted;
  }
  return {br.value_or(any.value_or(false)), gzip.value_or(any.value_or(false))};
}

namespace {
// What the web build precompresses (web/scripts/precompress.mjs); images and fonts are
// compressed already.
bool compressible(const std::string& rel) {
  auto ext = std::filesystem::path(rel).extension().string();
  return ext == ".js" || ext == ".mjs" || ext == ".css" || ext == ".html" || ext == ".svg" ||
         ext == ".json" || ext == ".map";
}

bool isPrecompressedVariant(const std::string& rel) {
  auto ext = std::filesystem::path(rel).extension().string();
  return ext == ".gz" || ext == ".br";
}

// If-None-Match holds this entity tag (a list, weak forms and "*" included).
bool matchesEtag(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos) return true;
  return if_none_match.find(etag) != std::string_view::npos;
}

// The file at `rel` as the client may take it: the best precompressed sibling it accepts, else
// the file itself. False when there is no such file.
bool readBestVariant(const StaticSource& source, const std::string& rel, const Request& req,
                     std::string& body, std::string& coding) {
  coding.clear();
  if (compressible(rel)) {
    const auto accepted = acceptedCodings(req.headers.get("Accept-Encoding"));
    if (accepted.br && source.read(rel + ".br", body)) {
      coding = "br";
      return true;
    }
    if (accepted.gzip && source.read(rel + ".gz", body)) {
      coding = "gzip";
      return true;
    }
  }
  return source.read(rel, body);
}

// 200 with the file (or 304 when the client's copy is current). Hashed assets never change
// under their name: cached for a year, no validator needed. Everything else is revalidated
// against an ETag of the bytes sent, so each coding has its own.
Response fileResponse(const std::string& rel, std::string body, const std::string& coding,
                      const Request& req, bool immutable) {
  Response resp;
  std::string etag;
  if (!immutable) {
    etag = "\"" + sha256Hex(body).substr(0, 32) + "\"";
    if (matchesEtag(req.headers.get("If-None-Match"), etag)) {
      resp.status = 304;
    }
  }
  if (resp.status != 304) resp = Response::text(200, std::move(body), contentTypeFor(rel));
  resp.headers.set("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (!etag.empty()) resp.headers.set("ETag", etag);
  if (compressible(rel)) resp.headers.set("Vary", "Accept-Encoding");
  if (!coding.empty() && resp.status == 200) resp.headers.set("Content-Encoding", coding);
  setSecurityHeaders(resp);
  return resp;
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
    // The .gz/.br siblings are codings of a file, not files: asked for by name they would go
    // out as application/octet-stream without Content-Encoding.
    bool escapes = rel.empty() || rel_str.rfind("..", 0) == 0 || isPrecompressedVariant(rel_str) ||
                   std::any_of(rel_str.begin(), rel_str.end(), [](char c) {
                     return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                   });
    std::string body;
    std::string coding;
    if (!escapes && readBestVariant(source, rel_str, req, body, coding)) {
      const bool hashed_asset = rel_str.rfind("assets/", 0) == 0;
      co_return fileResponse(rel_str, std::move(body), coding, req, hashed_asset);
    }
    if (!readBestVariant(source, "index.html", req, body, coding)) {
      co_return Response::error(Error::notFound("the web UI is not built (no index.html in " +
                                                source.description + "); run `make web-dist`"));
    }
    co_return fileResponse("index.html", std::move(body), coding, req, false);
  });
}

}  // namespace npufleet::http
