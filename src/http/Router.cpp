#include "http/Router.h"

#include <algorithm>

namespace npufleet::http {
namespace {
// The non-empty segments of a path, as views into it.
template <class Segment>
std::vector<Segment> split(std::string_view path) {
  std::vector<Segment> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto next = path.find('/', i);
    if (next == std::string_view::npos) next = path.size();
    out.emplace_back(path.substr(i, next - i));
    i = next;
  }
  return out;
}
bool isParam(const std::string& seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }
}  // namespace

void Router::add(std::string method, const std::string& pattern, Handler handler,
                 RouteOptions options) {
  routes_.push_back(Route{std::move(method), pattern, split<std::string>(pattern), std::move(handler),
                          std::move(options)});
}

void Router::setFallback(Handler handler, RouteOptions options) {
  fallback_ = Route{"GET", "/*", {}, std::move(handler), std::move(options)};
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  // Views into the request's path: matching allocates nothing for routes that do not match.
  const auto parts = split<std::string_view>(path);
  // Literal segments win over parameters: prefer the route with the most literal matches.
  int best_score = -1;
  for (const auto& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    // Literal segments first: most routes differ there, and comparing them allocates nothing.
    int score = 0;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& seg = route.segments[i];
      if (isParam(seg)) continue;
      if (seg == parts[i]) {
        ++score;
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    std::map<std::string, std::string> params;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& seg = route.segments[i];
      if (!isParam(seg)) continue;
      auto decoded = percentDecode(parts[i]);
      if (!decoded || decoded->empty()) {
        ok = false;
      } else {
        params[seg.substr(1, seg.size() - 2)] = std::move(*decoded);
      }
    }
    if (!ok) continue;
    if (route.method != method) {
      result.path_known = true;
      if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method) ==
          result.allowed_methods.end()) {
        result.allowed_methods.push_back(route.method);
      }
      continue;
    }
    if (score > best_score) {
      best_score = score;
      result.route = &route;
      result.params = std::move(params);
    }
  }
  if (result.route == nullptr && !result.path_known && fallback_ &&
      (method == "GET" || method == "HEAD")) {
    result.route = &*fallback_;
  }
  return result;
}

}  // namespace npufleet::http
