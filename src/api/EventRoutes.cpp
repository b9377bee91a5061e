#include "api/EventRoutes.h"

#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>

namespace npufleet::api {

using boost::asio::awaitable;
using http::Request;
using http::Response;

std::string formatServerSentEvent(const npu::NpuEvent& event) {
  // serialize() never emits a raw newline, so the payload is always one data: line.
  return "id: " + std::to_string(event.id) + "\nevent: " + event.type +
         "\ndata: " + boost::json::serialize(event.data) + "\n\n";
}

void registerEventRoutes(http::Router& router, ApiContext&, npu::EventBus& events,
                         EventStreamOptions options) {
  router.add("GET", "/api/events", [&events, options](Request&) -> awaitable<Response> {
    Response res;
    res.headers.set("Content-Type", "text/event-stream");
    res.headers.set("Cache-Control", "no-cache");
    res.headers.set("X-Accel-Buffering", "no");
    res.stream = [&events, options](http::StreamWriter& out) -> awaitable<void> {
      auto sub = events.subscribe(co_await boost::asio::this_coro::executor, options.queue);
      // Tell EventSource how soon to reconnect, and open the stream at once.
      if (!co_await out.write("retry: 3000\n: connected\n\n")) co_return;
      for (;;) {
        auto event = co_await sub->next(options.heartbeat);
        // nullopt: the heartbeat interval passed, or the bus closed the stream (shutdown).
        if (!event && sub->closed()) co_return;
        std::string chunk = event ? formatServerSentEvent(*event) : ": heartbeat\n\n";
        if (!co_await out.write(std::move(chunk))) co_return;
      }
    };
    co_return res;
  }, {.access = "viewer", .streaming = true});
}

}  // namespace npufleet::api
