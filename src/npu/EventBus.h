// Publish/subscribe of NPU events (node.status, node.detection, node.capabilities, node.updated,
// node.deleted, node.ejected, fleet.metrics). publish() is called from the monitor and detection
// on any io thread and never blocks: each subscriber has its own bounded queue (see
// EventSubscription). The last kRecentLimit events that are worth keeping (every kind but the
// periodic fleet.metrics) stay in memory for the timeline (GET /api/npu/timeline).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "npu/EventSubscription.h"

namespace npufleet::npu {

class EventBus {
 public:
  static constexpr size_t kRecentLimit = 2000;
  enum class Keep { kRecent, kLiveOnly };

  explicit EventBus(const Clock& clock);

  // The subscription lives as long as the caller holds it; its executor runs next()'s timer.
  std::shared_ptr<EventSubscription> subscribe(boost::asio::any_io_executor executor,
                                               size_t capacity = 256);
  // `data` gets "nodeId" and "at" added when it is an object. kLiveOnly events go to the
  // subscribers only (periodic figures that the next one supersedes).
  void publish(std::string type, std::string node_id, boost::json::value data,
               Keep keep = Keep::kRecent);
  // Kept events, newest first, at most `limit`.
  std::vector<NpuEvent> recent(size_t limit) const;
  size_t subscriberCount();
  // Closes every subscription (shutdown): waiting next() calls return nullopt at once.
  void closeAll();

 private:
  const Clock& clock_;
  std::atomic<uint64_t> next_id_{1};
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<EventSubscription>> subscribers_;
  std::deque<NpuEvent> recent_;
};

}  // namespace npufleet::npu
