#include "api/EventRoutes.h"

#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <mutex>
#include <set>

namespace npufleet::api {

using boost::asio::awaitable;
using http::Request;
using http::Response;

std::string formatServerSentEvent(const npu::NpuEvent& event) {
  // serialize() never emits a raw newline, so the payload is always one data: line.
  return "id: " + std::to_string(event.id) + "\nevent: " + event.type +
         "\ndata: " + boost::json::serialize(event.data) + "\n\n";
}

namespace {

// The open streams by the token that opened them, so that revoking a token ends its streams
// at once instead of leaving them to receive events until the client goes away.
class StreamsByToken {
 public:
  void add(const std::string& token, const std::shared_ptr<npu::EventSubscription>& sub) {
    {
      std::lock_guard lock(mu_);
      if (!revoked_.count(token)) {
        open_.emplace(token, sub);
        return;
      }
    }
    sub->close();  // revoked between its authentication and now
  }
  void remove(const std::string& token, const npu::EventSubscription* sub) {
    std::lock_guard lock(mu_);
    auto [first, last] = open_.equal_range(token);
    for (auto it = first; it != last; ++it) {
      auto held = it->second.lock();
      if (!held || held.get() == sub) {
        open_.erase(it);
        return;
      }
    }
  }
  void closeAll(const std::string& token) {
    std::vector<std::shared_ptr<npu::EventSubscription>> closing;
    {
      std::lock_guard lock(mu_);
      revoked_.insert(token);  // a revoked token stays revoked
      auto [first, last] = open_.equal_range(token);
      for (auto it = first; it != last; ++it) {
        if (auto sub = it->second.lock()) closing.push_back(std::move(sub));
      }
      open_.erase(first, last);
    }
    for (auto& sub : closing) sub->close();  // wakes the stream, which then ends
  }

 private:
  std::mutex mu_;
  std::multimap<std::string, std::weak_ptr<npu::EventSubscription>> open_;
  std::set<std::string> revoked_;
};

}  // namespace

void registerEventRoutes(http::Router& router, ApiContext& ctx, npu::EventBus& events,
                         EventStreamOptions options) {
  auto streams = std::make_shared<StreamsByToken>();
  ctx.tokens.onRevoked([streams](const std::string& name) { streams->closeAll(name); });
  router.add("GET", "/api/events", [&events, options, streams](Request& req) -> awaitable<Response> {
    Response res;
    res.headers.set("Content-Type", "text/event-stream");
    res.headers.set("Cache-Control", "no-cache");
    res.headers.set("X-Accel-Buffering", "no");
    res.stream = [&events, options, streams,
                  token = req.principal](http::StreamWriter& out) -> awaitable<void> {
      auto sub = events.subscribe(co_await boost::asio::this_coro::executor, options.queue);
      streams->add(token, sub);
      struct Forget {
        StreamsByToken& streams;
        const std::string& token;
        const npu::EventSubscription* sub;
        ~Forget() { streams.remove(token, sub); }
      } forget{*streams, token, sub.get()};
      // Tell EventSource how soon to reconnect, and open the stream at once.
      if (!co_await out.write("retry: 3000\n: connected\n\n")) co_return;
      for (;;) {
        auto event = co_await sub->next(options.heartbeat);
        // nullopt: the heartbeat interval passed, or the stream was closed (shutdown, or its
        // token revoked).
        if (!event && sub->closed()) co_return;
        std::string chunk = event ? formatServerSentEvent(*event) : ": heartbeat\n\n";
        if (!co_await out.write(std::move(chunk))) co_return;
      }
    };
    co_return res;
  }, {.access = "viewer", .streaming = true});
}

}  // namespace npufleet::api
