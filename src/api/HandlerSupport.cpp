#include "api/HandlerSupport.h"

#include <charconv>

#include "common/Json.h"
#include "fleet/NodeJson.h"

namespace npufleet::api {

Result<boost::json::object> jsonBody(const http::Request& req) {
  if (req.body.empty()) return Error::badRequest("request body is empty; expected a JSON object", "body");
  return json::parseObject(req.body);
}

namespace {
Result<int> positiveParam(const http::Request& req, const char* name, int fallback, int max) {
  auto raw = req.queryParam(name);
  if (!raw) return fallback;
  int v = 0;
  auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc{} || p != raw->data() + raw->size() || v < 1 || v > max) {
    return Error::badRequest(std::string("'") + name + "' must be an integer between 1 and " +
                                 std::to_string(max),
                             name);
  }
  return v;
}
}  // namespace

Result<Paging> paging(const http::Request& req, int max_per_page) {
  auto page = positiveParam(req, "page", 1, 1'000'000);
  if (!page) return page.error();
  auto per = positiveParam(req, "per_page", 50, max_per_page);
  if (!per) return per.error();
  return Paging{*page, *per};
}

boost::json::object nodeJson(const ApiContext& ctx, const fleet::Node& node) {
  auto o = fleet::toJson(node);
  for (const auto& decorate : ctx.node_decorators) decorate(node, o);
  return o;
}

}  // namespace npufleet::api
