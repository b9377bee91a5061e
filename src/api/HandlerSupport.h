// Shared plumbing for control-plane handlers: request bodies, paging, the acting principal,
// and turning Results into responses with the API's error envelope.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <utility>

#include "api/ApiContext.h"
#include "common/Error.h"
#include "http/Message.h"

namespace npufleet::api {

Result<boost::json::object> jsonBody(const http::Request& req);

struct Paging {
  int page = 1;
  int per_page = 50;
};
// ?page=&per_page= with per_page at most `max_per_page`; errors name the parameter.
Result<Paging> paging(const http::Request& req, int max_per_page = 200);

// Who is acting, for the audit log: the token's name.
inline const std::string& actor(const http::Request& req) { return req.principal; }

boost::json::object nodeJson(const ApiContext& ctx, const fleet::Node& node);

// 200 (or `status`) with the mapped value, or the error envelope.
template <typename T, typename F>
http::Response respond(const Result<T>& r, F&& to_json, int status = 200) {
  if (!r) return http::Response::error(r.error());
  return http::Response::json(status, std::forward<F>(to_json)(*r));
}

}  // namespace npufleet::api
