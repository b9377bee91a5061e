#include "http/RequestFraming.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

namespace npufleet::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

bool headerReadDone(std::string_view bytes, size_t limit, size_t& searched) {
  if (bytes.find("\r\n\r\n", searched) != std::string_view::npos || bytes.size() > limit) {
    return true;
  }
  searched = bytes.size() < 3 ? 0 : bytes.size() - 3;
  if (bytes.empty()) return false;
  bhttp::request_parser<bhttp::empty_body> probe;
  probe.header_limit(static_cast<uint32_t>(limit));
  boost::system::error_code ec;
  probe.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  return ec && ec != bhttp::error::need_more;
}

bool hasObsFold(std::string_view raw) {
  const auto end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;  // incomplete or too large: the parser says so
  for (auto p = raw.find("\r\n"); p < end; p = raw.find("\r\n", p + 2)) {
    if (raw[p + 2] == ' ' || raw[p + 2] == '\t') return true;
  }
  return false;
}

std::string framingProblem(bool obs_fold, const bhttp::request_header<>& head) {
  if (obs_fold) {
    return "obsolete line folding (a header line starting with a space or tab) is not accepted";
  }
  size_t codings = 0;
  std::string_view value;
  for (const auto& field : head) {
    if (field.name() == bhttp::field::transfer_encoding) {
      ++codings;
      value = field.value();
    }
  }
  if (codings == 0) return {};
  if (head.version() < 11) return "Transfer-Encoding is not accepted in an HTTP/1.0 request";
  if (codings > 1 || !beast::iequals(value, "chunked")) {
    return "Transfer-Encoding must be exactly 'chunked'";
  }
  return {};
}

namespace {
bool hasControlCharacter(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}
}  // namespace

std::string targetProblem(std::string_view target) {
  if (hasControlCharacter(target)) return "the request target holds a control character";
  const auto path = target.substr(0, target.find('?'));
  if (path.find('%') == std::string_view::npos) return {};
  auto decoded = percentDecode(path);
  if (!decoded) return "the request path has a '%' not followed by two hex digits";
  if (hasControlCharacter(*decoded)) {
    return "the request path holds an encoded control character (%00-%1F, %7F)";
  }
  return {};
}

void fillRequestHead(const bhttp::request_header<>& head, Request& req) {
  req.method = std::string(head.method_string());
  req.target = std::string(head.target());
  const auto qpos = req.target.find('?');
  req.path = req.target.substr(0, qpos);
  if (qpos != std::string::npos) req.query = req.target.substr(qpos + 1);
  for (const auto& field : head) {
    req.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
}

}  // namespace npufleet::http
