#include "http/Message.h"

#include <array>
#include <cstring>

#include <boost/json/serialize.hpp>
#include <strings.h>

namespace npufleet::http {
namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
size_t utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

// Boost.JSON serializes strings byte for byte, so a request's bytes echoed into an answer (a
// path in "no such endpoint", a percent-decoded id) could make the answer invalid JSON. Outside
// strings JSON text is ASCII, so replacing each malformed byte with U+FFFD keeps it valid.
std::string withValidUtf8(std::string text) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = utf8SequenceLength(text, i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return text;
  std::string out = text.substr(0, i);
  while (i < text.size()) {
    const size_t n = utf8SequenceLength(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string_view Headers::get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (iequals(k, name)) return v;
  }
  return {};
}

bool Headers::has(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (iequals(k, name)) return true;
  }
  return false;
}

void Headers::set(std::string name, std::string value) {
  for (auto& [k, v] : items_) {
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  items_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> Request::queryParam(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (percentDecode(key) == std::string(name)) {
      std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      std::string plus_decoded(raw);
      for (auto& c : plus_decoded) {
        if (c == '+') c = ' ';
      }
      return percentDecode(plus_decoded);
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Response Response::json(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = withValidUtf8(boost::json::serialize(body));
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::noContent() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::error(const Error& error) {
  boost::json::array details;
  if (!error.field.empty()) {
    details.push_back(boost::json::object{{"field", error.field}, {"message", error.message}});
  }
  boost::json::object body{
      {"error", boost::json::object{{"code", errorCodeName(error.code)},
                                    {"message", error.message},
                                    {"details", std::move(details)}}}};
  return json(httpStatus(error.code), body);
}

// Plain loops: find_first_of with a set of characters calls memchr once per character.
bool hasLineBreak(std::string_view s) {
  // Called for every header of every request and answer: memchr scans in vector steps.
  if (s.empty()) return false;  // data() may be null, which memchr must not get
  return std::memchr(s.data(), '\r', s.size()) != nullptr ||
         std::memchr(s.data(), '\n', s.size()) != nullptr;
}

bool isBadFieldName(std::string_view s) {
  // One table lookup per character: called for every header name of every request and answer.
  static constexpr auto kBreaksName = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {':', ' ', '\t', '\r', '\n'}) t[c] = true;
    return t;
  }();
  if (s.empty()) return true;
  for (char c : s) {
    if (kBreaksName[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}

std::optional<std::string> percentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

}  // namespace npufleet::http
