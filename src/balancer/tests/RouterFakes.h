// In-memory fleet and worker client for the router's unit tests: the fleet is a list the test
// edits; the client answers per node as told (status, failure kind, or hold until released) and
// records what it saw, including the most requests a node ever had at once.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "balancer/CandidateSource.h"
#include "balancer/WorkerClient.h"

namespace npufleet::balancer::testing {

inline RoutableNode node(std::string id, std::vector<std::string> models, int max_concurrent = 4,
                         NodeHealth status = NodeHealth::kOnline) {
  RoutableNode n;
  n.nodeId = id;
  n.ip = id;  // the fake client keys its behaviour by host
  n.port = 8081;
  n.status = status;
  n.hasRole = true;
  n.models = std::move(models);
  n.maxConcurrent = max_concurrent;
  return n;
}

class FakeFleet final : public CandidateSource {
 public:
  explicit FakeFleet(std::vector<RoutableNode> nodes = {}) { set(std::move(nodes)); }
  void set(std::vector<RoutableNode> nodes) {
    std::lock_guard lock(mu_);
    snap_ = std::make_shared<const std::vector<RoutableNode>>(std::move(nodes));
  }
  void edit(const std::string& id, const std::function<void(RoutableNode&)>& f) {
    std::lock_guard lock(mu_);
    auto copy = *snap_;
    for (auto& n : copy) {
      if (n.nodeId == id) f(n);
    }
    snap_ = std::make_shared<const std::vector<RoutableNode>>(std::move(copy));
  }
  NodeSnapshot snapshot() const override {
    std::lock_guard lock(mu_);
    return snap_;
  }

 private:
  mutable std::mutex mu_;
  NodeSnapshot snap_;
};

// How a fake worker answers.
struct Behaviour {
  int status = 200;
  http::ClientFailure failure = http::ClientFailure::kNone;
  bool hold = false;  // wait for release() before answering
  bool throws = false;  // the call throws (after `hold`), as a failed allocation would
};

class FakeWorkerClient final : public WorkerClient {
 public:
  using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

  explicit FakeWorkerClient(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

  void behave(const std::string& ip, Behaviour b) {
    std::lock_guard lock(mu_);
    behaviour_[ip] = b;
  }
  // Lets `n` held requests to `ip` answer.
  void release(const std::string& ip, int n) {
    auto& ch = gate(ip);
    for (int i = 0; i < n; ++i) ch.try_send(boost::system::error_code{});
  }
  // Lets every held request answer, now and from now on: a test that failed half-way must still
  // end (its teardown joins the io threads).
  void releaseAll() {
    std::lock_guard lock(mu_);
    open_ = true;
    for (auto& [ip, ch] : gates_) {
      while (ch->try_send(boost::system::error_code{})) {
      }
    }
  }
  int received(const std::string& ip) {
    std::lock_guard lock(mu_);
    return received_[ip];
  }
  int inFlight(const std::string& ip) {
    std::lock_guard lock(mu_);
    return in_flight_[ip];
  }
  int maxInFlight(const std::string& ip) {
    std::lock_guard lock(mu_);
    return max_in_flight_[ip];
  }
  int totalInFlight() {
    std::lock_guard lock(mu_);
    int t = 0;
    for (auto& [k, v] : in_flight_) t += v;
    return t;
  }
  std::vector<http::ClientRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

  boost::asio::awaitable<http::ClientResult> send(http::ClientRequest request) override {
    Behaviour b;
    {
      std::lock_guard lock(mu_);
      b = behaviour_[request.host];
      if (open_) b.hold = false;
      ++received_[request.host];
      int now = ++in_flight_[request.host];
      max_in_flight_[request.host] = std::max(max_in_flight_[request.host], now);
      requests_.push_back(request);
    }
    if (b.hold) {
      co_await gate(request.host).async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    {
      std::lock_guard lock(mu_);
      --in_flight_[request.host];
    }
    if (b.throws) throw std::runtime_error("simulated exception in the worker client");
    http::ClientResult r;
    r.failure = b.failure;
    if (b.failure != http::ClientFailure::kNone) {
      r.message = "simulated failure";
      co_return r;
    }
    r.response.status = b.status;
    r.response.headers.set("Content-Type", "application/json");
    r.response.body = "{\"worker\":\"" + request.host + "\"}";
    co_return r;
  }

 private:
  Channel& gate(const std::string& ip) {
    std::lock_guard lock(mu_);
    auto& slot = gates_[ip];
    if (!slot) slot = std::make_unique<Channel>(ex_, 1024);
    return *slot;
  }

  boost::asio::any_io_executor ex_;
  std::mutex mu_;
  std::map<std::string, Behaviour> behaviour_;
  std::map<std::string, int> received_, in_flight_, max_in_flight_;
  std::map<std::string, std::unique_ptr<Channel>> gates_;
  std::vector<http::ClientRequest> requests_;
  bool open_ = false;
};

}  // namespace npufleet::balancer::testing
