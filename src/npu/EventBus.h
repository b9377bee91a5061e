// Publish/subscribe of NPU events (node.status, node.detection, node.capabilities, node.updated,
// node.deleted). publish() is called from the monitor and detection on any io thread and never
// blocks: each subscriber has its own bounded queue (see EventSubscription).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "npu/EventSubscription.h"

namespace npufleet::npu {

class EventBus {
 public:
  explicit EventBus(const Clock& clock);

  // The subscription lives as long as the caller holds it; its executor runs next()'s timer.
  std::shared_ptr<EventSubscription> subscribe(boost::asio::any_io_executor executor,
                                               size_t capacity = 256);
  // `data` gets "nodeId" and "at" added when it is an object.
  void publish(std::string type, std::string node_id, boost::json::value data);
  size_t subscriberCount();
  // Closes every subscription (shutdown): waiting next() calls return nullopt at once.
  void closeAll();

 private:
  const Clock& clock_;
  std::atomic<uint64_t> next_id_{1};
  std::mutex mu_;
  std::vector<std::weak_ptr<EventSubscription>> subscribers_;
};

}  // namespace npufleet::npu
