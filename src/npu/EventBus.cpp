#include "npu/EventBus.h"

#include <algorithm>

namespace npufleet::npu {

EventBus::EventBus(const Clock& clock) : clock_(clock) {}

std::shared_ptr<EventSubscription> EventBus::subscribe(boost::asio::any_io_executor executor,
                                                       size_t capacity) {
  std::shared_ptr<EventSubscription> sub(new EventSubscription(executor, std::max<size_t>(capacity, 1)));
  std::lock_guard lock(mu_);
  subscribers_.push_back(sub);
  return sub;
}

void EventBus::publish(std::string type, std::string node_id, boost::json::value data, Keep keep) {
  NpuEvent e;
  e.id = next_id_++;
  e.type = std::move(type);
  e.at = clock_.now();
  if (data.is_object()) {
    data.as_object()["nodeId"] = node_id;
    data.as_object()["at"] = formatTimestamp(e.at);
  }
  e.node_id = std::move(node_id);
  e.data = std::move(data);
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    std::lock_guard lock(mu_);
    if (keep == Keep::kRecent) {
      recent_.push_back(e);
      if (recent_.size() > kRecentLimit) recent_.pop_front();
    }
    auto it = std::remove_if(subscribers_.begin(), subscribers_.end(),
                             [](const auto& w) { return w.expired(); });
    subscribers_.erase(it, subscribers_.end());
    for (auto& w : subscribers_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->deliver(e);
}

std::vector<NpuEvent> EventBus::recent(size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<NpuEvent> out;
  out.reserve(std::min(limit, recent_.size()));
  for (auto it = recent_.rbegin(); it != recent_.rend() && out.size() < limit; ++it) {
    out.push_back(*it);
  }
  return out;
}

size_t EventBus::subscriberCount() {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                           [](const auto& w) { return !w.expired(); }));
}

void EventBus::closeAll() {
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& w : subscribers_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
    subscribers_.clear();
  }
  for (auto& s : live) s->close();
}

}  // namespace npufleet::npu
