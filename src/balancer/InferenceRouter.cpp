#include "balancer/InferenceRouter.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <deque>
#include <mutex>
#include <set>
#include <unordered_map>

#include "balancer/ModelNameReader.h"
#include "balancer/RoutingStrategy.h"

namespace npufleet::balancer {

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace boost::asio::experimental::awaitable_operators;
using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// How often a queued request looks for capacity that appeared without a release.
constexpr std::chrono::milliseconds kRecheck{250};

struct NodeLoad {
  int inFlight = 0;
  int maxConcurrent = 1;
  int queueDepth = 0;
  bool removed = false;  // the node left the fleet with requests in flight: erase at the last
};

// A request waiting for a slot. The slot is handed over under the router's lock (granted +
// node), so a wake-up that races the deadline never loses or double-counts a slot.
struct Waiter {
  std::string model;
  std::vector<std::string> eligible;
  bool granted = false;
  std::string node;
  std::unique_ptr<Channel> wake;
};

http::Response refusal(ErrorCode code, std::string message, const std::string& strategy) {
  http::Response r = http::Response::error(Error{code, std::move(message), {}});
  if (!strategy.empty()) r.headers.set("X-Npufleet-Strategy", strategy);
  return r;
}

// The worker's 409: it knows the model but does not have it loaded (docs/worker.md). Nothing
// has gone to the client yet, so another node may serve the request.
bool isNotLoaded(const http::ClientResult& r) { return r.ok() && r.response.status == 409; }

bool isFailure(const http::ClientResult& r) {
  return !r.ok() || r.response.status >= 500 || isNotLoaded(r);
}

std::string describeFailure(const http::ClientResult& r) {
  if (!r.ok()) return r.message;
  if (isNotLoaded(r)) return "answered HTTP 409 (model not loaded)";
  return "answered HTTP " + std::to_string(r.response.status);
}

}  // namespace

struct InferenceRouter::Impl : std::enable_shared_from_this<InferenceRouter::Impl> {
  const CandidateSource& source;
  WorkerClient& client;
  const Clock& clock;
  RoutingStats& stats;
  RouterOptions options;
  OutlierDetector outliers;

  mutable std::mutex mu;
  std::shared_ptr<const LoadBalancingConfig> config;
  std::unique_ptr<RoutingStrategy> strategy;
  std::unordered_map<std::string, NodeLoad> loads;
  std::deque<std::shared_ptr<Waiter>> waiters;
  // Nodes deleted from the fleet (ids are never reused): a snapshot taken before the deletion
  // must not route to them, and answers still in flight must not bring their figures back.
  std::set<std::string, std::less<>> removed_ids;
  std::atomic<bool> any_removed{false};

  bool removed(std::string_view node_id) const {
    if (!any_removed.load(std::memory_order_acquire)) return false;
    std::lock_guard lock(mu);
    return removed_ids.count(node_id) > 0;
  }

  Impl(const CandidateSource& s, WorkerClient& c, const Clock& k, RoutingStats& st,
       RouterOptions o, const LoadBalancingConfig& cfg)
      : source(s), client(c), clock(k), stats(st), options(std::move(o)), outliers(k, cfg.ejection),
        config(std::make_shared<const LoadBalancingConfig>(cfg)), strategy(makeStrategy(cfg)) {}

  struct Candidates {
    std::vector<const RoutableNode*> nodes;  // sorted by id
    std::vector<std::string_view> pool;      // serving nodes not offline or draining (ids)
    std::string why_none;
    bool unknown_model = false;
    // Every node that could take the request has the model but not loaded: a 409 that says so.
    bool not_loaded = false;
  };

  Candidates candidatesFor(const std::vector<RoutableNode>& fleet, const std::string& model,
                           const std::set<std::string>& tried) {
    Candidates c;
    size_t serving = 0, offline = 0, draining = 0, not_loaded = 0, ejected = 0, failed = 0;
    std::vector<const RoutableNode*> online, degraded;
    for (const auto& n : fleet) {
      if (!n.hasRole || !n.serves(model) || removed(n.nodeId)) continue;
      ++serving;
      if (n.status == NodeHealth::kOffline) {
        ++offline;
        continue;
      }
      if (n.draining) {
        ++draining;
        continue;
      }
      // A worker would refuse it with 409 (it neither has the model loaded nor loads on demand).
      if (!n.runs(model)) {
        ++not_loaded;
        continue;
      }
      c.pool.push_back(n.nodeId);
      if (outliers.isEjected(n.nodeId)) {
        ++ejected;
        continue;
      }
      if (tried.count(n.nodeId)) {
        ++failed;
        continue;
      }
      (n.status == NodeHealth::kOnline ? online : degraded).push_back(&n);
    }
    // Degraded nodes serve only when no online one can.
    c.nodes = online.empty() ? std::move(degraded) : std::move(online);
    std::sort(c.nodes.begin(), c.nodes.end(),
              [](const RoutableNode* a, const RoutableNode* b) { return a->nodeId < b->nodeId; });
    if (!c.nodes.empty()) return c;
    if (serving == 0) {
      c.unknown_model = true;
      return c;
    }
    const std::string m = "'" + model + "'";
    if (offline == serving) {
      c.why_none = "all " + std::to_string(serving) + " nodes serving " + m + " are offline";
    } else if (ejected == serving) {
      c.why_none = "all " + std::to_string(serving) + " nodes serving " + m + " are ejected";
    } else if (draining == serving) {
      c.why_none = "all " + std::to_string(serving) + " nodes serving " + m + " are draining";
    } else if (not_loaded > 0 && ejected == 0 && failed == 0) {
      c.not_loaded = true;
      c.why_none = m + " is not loaded on any node that could take it (" +
                   std::to_string(not_loaded) + " have it unloaded, " + std::to_string(offline) +
                   " offline, " + std::to_string(draining) +
                   " draining); load it with POST /api/nodes/{id}/npu/models/" + model + "/load";
    } else {
      c.why_none = "no node can serve " + m + ": " + std::to_string(offline) + " offline, " +
                   std::to_string(draining) + " draining, " + std::to_string(not_loaded) +
                   " not loaded, " + std::to_string(ejected) + " ejected, " +
                   std::to_string(failed) + " failed this request";
    }
    return c;
  }

  std::string whereModelsAre(const std::vector<RoutableNode>& fleet) const {
    std::map<std::string, std::vector<std::string>> where;
    for (const auto& n : fleet) {
      if (!n.hasRole) continue;
      for (const auto& m : n.models) where[m].push_back(n.nodeId);
    }
    if (where.empty()) return "no npu-worker node reports any model";
    std::string out = "models available: ";
    bool first = true;
    for (const auto& [m, ids] : where) {
      if (!first) out += "; ";
      first = false;
      out += m + " on ";
      for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + ids[i];
    }
    return out;
  }

  // The oldest waiter that may take a slot on `node` (a candidate for its model when it
  // queued, and still serving that model), or waiters.end(). Under mu.
  std::deque<std::shared_ptr<Waiter>>::iterator oldestWaiterFor(const RoutableNode& node) {
    for (auto it = waiters.begin(); it != waiters.end(); ++it) {
      const auto& e = (*it)->eligible;
      if (std::find(e.begin(), e.end(), node.nodeId) != e.end() && node.runs((*it)->model)) {
        return it;
      }
    }
    return waiters.end();
  }

  // Gives a slot on `node` to the waiter at `it` (under mu) and moves `it` to the next waiter;
  // the caller wakes the returned waiter after the lock.
  std::shared_ptr<Waiter> grantLocked(std::deque<std::shared_ptr<Waiter>>::iterator& it,
                                      const std::string& node_id) {
    std::shared_ptr<Waiter> w = *it;
    ++loads[node_id].inFlight;
    w->granted = true;
    w->node = node_id;
    it = waiters.erase(it);
    return w;
  }

  // Whether the fleet lets `n` take new requests: it holds the role and is neither offline nor
  // draining. Ejection and removal are the router's own and are checked beside it.
  static bool takesRequests(const RoutableNode& n) {
    return n.hasRole && !n.draining && n.status != NodeHealth::kOffline;
  }

  // The node as it is now, when it may still take new requests: it holds the role, is not
  // offline, draining or ejected. Null otherwise; `snap` keeps the node alive.
  const RoutableNode* admissibleNow(const std::string& node_id, NodeSnapshot& snap) const {
    if (outliers.isEjected(node_id)) return nullptr;
    snap = source.snapshot();
    if (!snap) return nullptr;
    for (const auto& n : *snap) {
      if (n.nodeId == node_id) return takesRequests(n) ? &n : nullptr;
    }
    return nullptr;
  }

  // Hands free capacity to waiters, oldest first, on nodes that may take requests now: what a
  // release would have done for capacity that appeared without one.
  void pumpWaiters() {
    {
      std::lock_guard lock(mu);
      if (waiters.empty()) return;
    }
    NodeSnapshot snap = source.snapshot();
    if (!snap) return;
    std::vector<std::shared_ptr<Waiter>> woken;
    {
      std::lock_guard lock(mu);
      for (auto it = waiters.begin(); it != waiters.end();) {
        const RoutableNode* usable = nullptr;
        for (const auto& id : (*it)->eligible) {
          const RoutableNode* n = nullptr;
          for (const auto& candidate : *snap) {
            if (candidate.nodeId == id) n = &candidate;
          }
          if (n == nullptr || !takesRequests(*n) || !n->runs((*it)->model) ||
              outliers.isEjected(id) || removed_ids.count(id)) {
            continue;
          }
          NodeLoad& l = loads[id];
          l.maxConcurrent = std::max(1, n->maxConcurrent);
          if (l.inFlight < l.maxConcurrent) {
            usable = n;
            break;
          }
        }
        if (usable == nullptr) {
          ++it;
          continue;
        }
        woken.push_back(grantLocked(it, usable->nodeId));
      }
    }
    for (const auto& w : woken) w->wake->try_send(boost::system::error_code{});
  }

  // Frees a slot and hands it to the oldest waiter that may use this node, unless the node
  // has since been drained, ejected, taken offline or removed: a queued request must not go
  // where a new one may not.
  void release(const std::string& node_id) {
    {
      std::lock_guard lock(mu);
      auto it = loads.find(node_id);
      if (it == loads.end()) return;
      NodeLoad& l = it->second;
      --l.inFlight;
      if (l.removed) {
        if (l.inFlight <= 0) loads.erase(it);
        return;
      }
      if (waiters.empty() || l.inFlight >= l.maxConcurrent) return;
    }
    NodeSnapshot snap;
    const RoutableNode* node = admissibleNow(node_id, snap);
    if (node == nullptr) return;
    std::shared_ptr<Waiter> woken;
    {
      std::lock_guard lock(mu);
      auto it = loads.find(node_id);
      if (it == loads.end() || it->second.removed) return;
      it->second.maxConcurrent = std::max(1, node->maxConcurrent);  // as the fleet says now
      if (it->second.inFlight >= it->second.maxConcurrent) return;  // taken meanwhile
      if (auto w = oldestWaiterFor(*node); w != waiters.end()) woken = grantLocked(w, node_id);
    }
    if (woken) woken->wake->try_send(boost::system::error_code{});
  }

  struct Acquired {
    std::optional<http::Response> refused;
    const RoutableNode* node = nullptr;
    std::string strategy;
    std::string reason;
    bool queued = false;
  };

  asio::awaitable<Acquired> acquire(const std::string& model, const Candidates& cands,
                                    const LoadBalancingConfig& cfg) {
    Acquired a;
    auto ex = co_await asio::this_coro::executor;
    std::vector<CandidateLoad> view;
    view.reserve(cands.nodes.size());
    std::shared_ptr<Waiter> waiter;
    std::vector<std::shared_ptr<Waiter>> handed;  // older waiters given the capacity first
    {
      std::lock_guard lock(mu);
      for (const RoutableNode* n : cands.nodes) {
        NodeLoad& l = loads[n->nodeId];
        l.maxConcurrent = std::max(1, n->maxConcurrent);
        l.queueDepth = std::max(0, n->queueDepth);
        view.push_back({n->nodeId, l.inFlight, l.queueDepth, l.maxConcurrent});
      }
      Selection s = strategy->select(model, view);
      // Capacity can appear without a release (a raised maxConcurrent, an undrained node):
      // requests already waiting for that node take it before this one, first come first served.
      while (s.chosen && !waiters.empty()) {
        const RoutableNode& n = *cands.nodes[*s.chosen];
        auto it = oldestWaiterFor(n);
        if (it == waiters.end()) break;
        handed.push_back(grantLocked(it, n.nodeId));
        ++view[*s.chosen].inFlight;
        s = strategy->select(model, view);
      }
      a.strategy = s.strategy;
      a.reason = std::move(s.reason);
      if (s.chosen) {
        a.node = cands.nodes[*s.chosen];
        ++loads[a.node->nodeId].inFlight;  // counted before the lock goes: no herd
      } else if (s.eligible.empty()) {
        a.refused = refusal(ErrorCode::kUnavailable, "no node for '" + model + "': " + a.reason,
                            a.strategy);
      } else if (waiters.size() >= static_cast<size_t>(cfg.queueLimit) ||
                 cfg.queueTimeoutMs == 0) {
        http::Response r = refusal(ErrorCode::kUnavailable,
                                   "every node for '" + model + "' is at maxConcurrent and the " +
                                       "queue is full (" + std::to_string(cfg.queueLimit) + ")",
                                   a.strategy);
        r.headers.set("Retry-After", std::to_string(std::max(1, cfg.queueTimeoutMs / 1000)));
        a.refused = std::move(r);
        a.reason = "queue full";
      } else {
        waiter = std::make_shared<Waiter>();
        waiter->model = model;
        // Buffered, so a grant that comes before this coroutine starts waiting is not lost.
        waiter->wake = std::make_unique<Channel>(ex, 1);
        for (size_t i : s.eligible) waiter->eligible.push_back(cands.nodes[i]->nodeId);
        waiters.push_back(waiter);
      }
    }
    for (const auto& w : handed) w->wake->try_send(boost::system::error_code{});
    if (!waiter) co_return a;
    // Woken by a grant; also looks again every kRecheck, because a node can become usable
    // without a release (an ejection that ends, an undrained node, a readmitting probe).
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.queueTimeoutMs);
    for (;;) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      {
        asio::steady_timer timer(ex, std::min<std::chrono::steady_clock::duration>(left, kRecheck));
        co_await (waiter->wake->async_receive(kTuple) || timer.async_wait(kTuple));
      }
      {
        std::lock_guard lock(mu);
        if (waiter->granted) break;
      }
      pumpWaiters();
    }
    std::lock_guard lock(mu);
    if (!waiter->granted) {
      waiters.erase(std::remove(waiters.begin(), waiters.end(), waiter), waiters.end());
      http::Response r = refusal(
          ErrorCode::kUnavailable,
          "every node for '" + model + "' stayed at maxConcurrent for " +
              std::to_string(cfg.queueTimeoutMs) + " ms",
          a.strategy);
      r.headers.set("Retry-After", std::to_string(std::max(1, cfg.queueTimeoutMs / 1000)));
      a.refused = std::move(r);
      a.reason = "queue timeout";
      co_return a;
    }
    for (const RoutableNode* n : cands.nodes) {
      if (n->nodeId == waiter->node) a.node = n;
    }
    a.queued = true;
    a.reason = "waited for a free slot";
    co_return a;
  }

  // The worker call that forwards the inference body to `node`.
  http::ClientRequest requestFor(const RoutableNode& node, const std::string& body,
                                 const LoadBalancingConfig& cfg) const {
    http::ClientRequest req;
    req.method = "POST";
    req.host = node.ip;
    req.port = node.port;
    req.target = options.inferencePath;
    req.headers.set("Content-Type", "application/json");
    req.body = body;
    req.connect_timeout = options.connectTimeout;
    req.total_timeout = std::chrono::milliseconds(cfg.requestTimeoutMs);
    req.max_response_bytes = options.maxResponseBytes;
    return req;
  }

  // `keep` holds the router alive across suspensions (InferenceRouter::route passes it).
  asio::awaitable<http::Response> route(std::string body, std::shared_ptr<Impl> keep) {
    (void)keep;
    auto name = readModelName(body);
    if (!name) co_return http::Response::error(name.error());
    const std::string model = std::move(*name);
    std::shared_ptr<const LoadBalancingConfig> cfg;
    {
      std::lock_guard lock(mu);
      cfg = config;
    }

    std::set<std::string> tried;
    std::vector<RoutingFailure> failed_attempts;  // for the failure log; empty when all goes well
    std::optional<http::ClientResult> last_failure;
    std::string last_node, last_strategy;
    for (int attempt = 0; attempt <= cfg->maxRetries; ++attempt) {
      NodeSnapshot snap = source.snapshot();
      static const std::vector<RoutableNode> kEmpty;
      const auto& fleet = snap ? *snap : kEmpty;
      Candidates cands = candidatesFor(fleet, model, tried);
      if (cands.nodes.empty()) {
        if (last_failure) break;
        if (cands.unknown_model) {
          stats.onRefused("unknown_model");
          stats.recordDecision({{}, model, "", "", "refused 404: model unknown"}, true);
          co_return refuse(model, refusal(ErrorCode::kNotFound,
                                          "model '" + model + "' is not served by any npu-worker node; " +
                                              whereModelsAre(fleet),
                                          ""),
                           "model unknown");
        }
        if (cands.not_loaded) {
          stats.onRefused("not_loaded");
          stats.recordDecision({{}, model, "", "", "refused 409: " + cands.why_none}, true);
          co_return refuse(model, refusal(ErrorCode::kConflict, cands.why_none, ""), cands.why_none);
        }
        stats.onRefused("no_candidate");
        stats.recordDecision({{}, model, "", "", "refused 503: " + cands.why_none}, true);
        co_return refuse(model, refusal(ErrorCode::kUnavailable, cands.why_none, ""), cands.why_none);
      }
      Acquired a = co_await acquire(model, cands, *cfg);
      if (a.refused) {
        stats.onRefused(a.reason == "queue full" || a.reason == "queue timeout" ? "queue"
                                                                               : "no_candidate");
        stats.recordDecision({{}, model, "", a.strategy, "refused 503: " + a.reason}, true);
        if (last_failure) break;
        co_return refuse(model, std::move(*a.refused), a.reason);
      }
      const RoutableNode& node = *a.node;
      // acquire() counted a slot on the node and release() below frees it; an exception before
      // that (a failed allocation, the client) must free it too, or the node stays full for good.
      http::ClientResult result;
      std::chrono::microseconds took{0};
      bool routed = false;
      try {
        std::string reason = a.reason;
        if (attempt > 0) {
          reason = "retry " + std::to_string(attempt) + " after " + last_node + " " +
                   describeFailure(*last_failure) + "; " + reason;
        }
        routed = !removed(node.nodeId);  // a node deleted since the snapshot gets no new figures
        if (routed) stats.onRouted(node.nodeId, attempt > 0);
        stats.recordDecision({{}, model, node.nodeId, a.strategy, reason},
                             attempt > 0 || a.queued);
        const auto started = clock.steadyNow();
        result = co_await client.send(requestFor(node, body, *cfg));
        took = std::chrono::duration_cast<std::chrono::microseconds>(clock.steadyNow() - started);
      } catch (...) {
        release(node.nodeId);
        if (routed) stats.onFinished(node.nodeId, false, took);
        throw;
      }
      // The outcome counts before the slot goes: a failure that ejects the node must not let
      // release() hand its slot to a waiter first.
      const bool failed = isFailure(result);
      const bool gone = removed(node.nodeId);  // deleted while the request ran
      // "Not loaded" says nothing about the node's health: neither an outlier failure (it would
      // eject the node for every model) nor a success.
      const bool counts_for_outliers = !gone && !isNotLoaded(result);
      const bool ejected_now =
          failed && counts_for_outliers && outliers.recordFailure(node.nodeId, cands.pool);
      if (!failed && counts_for_outliers) outliers.recordSuccess(node.nodeId);
      release(node.nodeId);

      if (!failed) {
        stats.onFinished(node.nodeId, true, took);
        if (!failed_attempts.empty()) {
          for (auto& f : failed_attempts) f.retried = true;
          stats.recordFailures(std::move(failed_attempts));
        }
        http::Response r;
        r.status = result.response.status;
        r.body = std::move(result.response.body);
        auto ct = result.response.headers.get("Content-Type");
        r.headers.set("Content-Type", ct.empty() ? "application/json" : std::string(ct));
        r.headers.set("X-Npufleet-Node", node.nodeId);
        r.headers.set("X-Npufleet-Strategy", a.strategy);
        co_return r;
      }
      stats.onFinished(node.nodeId, false, took);
      const std::string why = describeFailure(result);
      if (ejected_now) {
        stats.onEjected(node.nodeId, "consecutive failures, the last: " + why);
        stats.recordDecision({{}, model, node.nodeId, a.strategy,
                              "ejected after consecutive failures: " + why},
                             true);
      }
      failed_attempts.push_back({{}, model, node.nodeId, result.ok() ? result.response.status : 0,
                                 why, false, std::nullopt});
      tried.insert(node.nodeId);
      last_node = node.nodeId;
      last_strategy = a.strategy;
      last_failure = std::move(result);
    }

    // Every attempt failed: the last worker's own 5xx or 409 if it answered, else a gateway
    // error.
    const std::string tried_list = std::to_string(tried.size()) + " node(s) tried, last " + last_node;
    http::Response r = lastFailureResponse(*last_failure, tried_list, last_node, last_strategy);
    for (auto& f : failed_attempts) f.retried = true;
    failed_attempts.back().retried = false;
    failed_attempts.back().clientStatus = r.status;
    stats.recordFailures(std::move(failed_attempts));
    co_return r;
  }

  // The router's own refusal, logged as a failure the client saw.
  http::Response refuse(const std::string& model, http::Response r, const std::string& why) {
    stats.recordFailures({{{}, model, "", r.status, why, false, r.status}});
    return r;
  }

  // Every attempt failed: the last worker's own answer, or a gateway error.
  static http::Response lastFailureResponse(http::ClientResult& last_failure,
                                            const std::string& tried_list,
                                            const std::string& last_node,
                                            const std::string& last_strategy) {
    if (last_failure.ok()) {
      http::Response r;
      r.status = last_failure.response.status;
      r.body = std::move(last_failure.response.body);
      auto ct = last_failure.response.headers.get("Content-Type");
      r.headers.set("Content-Type", ct.empty() ? "application/json" : std::string(ct));
      r.headers.set("X-Npufleet-Node", last_node);
      r.headers.set("X-Npufleet-Strategy", last_strategy);
      return r;
    }
    const bool timeout = last_failure.failure == http::ClientFailure::kTimeout;
    http::Response r = refusal(timeout ? ErrorCode::kGatewayTimeout : ErrorCode::kBadGateway,
                               "inference failed on every node tried (" + tried_list + ": " +
                                   last_failure.message + ")",
                               last_strategy);
    r.headers.set("X-Npufleet-Node", last_node);
    return r;
  }
};

InferenceRouter::InferenceRouter(const CandidateSource& source, WorkerClient& client,
                                 const Clock& clock, RoutingStats& stats, RouterOptions options,
                                 const LoadBalancingConfig& config)
    : impl_(std::make_shared<Impl>(source, client, clock, stats, std::move(options), config)) {}

InferenceRouter::~InferenceRouter() = default;

void InferenceRouter::applyConfig(const LoadBalancingConfig& config) {
  auto strategy = makeStrategy(config);
  impl_->outliers.setSettings(config.ejection);
  std::lock_guard lock(impl_->mu);
  impl_->config = std::make_shared<const LoadBalancingConfig>(config);
  impl_->strategy = std::move(strategy);
}

LoadBalancingConfig InferenceRouter::config() const {
  std::lock_guard lock(impl_->mu);
  return *impl_->config;
}

// Hands on Impl's coroutine instead of wrapping it in another frame (one heap block fewer per
// routed request).
asio::awaitable<http::Response> InferenceRouter::route(std::string body) {
  return impl_->route(std::move(body), impl_);
}

void InferenceRouter::onProbeSuccess(const std::string& node_id) {
  impl_->outliers.onProbeSuccess(node_id);
}

void InferenceRouter::forgetNode(const std::string& node_id) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->removed_ids.insert(node_id);
    impl_->any_removed.store(true, std::memory_order_release);
  }
  impl_->outliers.forget(node_id);
  impl_->stats.forget(node_id);
  std::lock_guard lock(impl_->mu);
  auto it = impl_->loads.find(node_id);
  if (it == impl_->loads.end()) return;
  if (it->second.inFlight > 0) {
    it->second.removed = true;  // release() erases it when the last request ends
  } else {
    impl_->loads.erase(it);
  }
}

OutlierDetector& InferenceRouter::outliers() { return impl_->outliers; }
RoutingStats& InferenceRouter::stats() { return impl_->stats; }

size_t InferenceRouter::queued() const {
  std::lock_guard lock(impl_->mu);
  return impl_->waiters.size();
}

bj::value InferenceRouter::statsJson() const {
  bj::array nodes;
  for (const auto& n : impl_->stats.nodes()) {
    nodes.push_back(bj::object{
        {"nodeId", n.nodeId},
        {"routed", n.routed},
        {"inFlight", n.inFlight},
        {"failures", n.failures},
        {"retries", n.retries},
        {"ejections", n.ejections},
        {"ejected", impl_->outliers.isEjected(n.nodeId)},
        {"latencyMs", bj::object{{"p50", n.p50Ms}, {"p95", n.p95Ms}}},
        {"requestsPerSec", n.requestsPerSec},
    });
  }
  bj::array failures;
  for (const auto& f : impl_->stats.failures()) {
    failures.push_back(bj::object{
        {"at", formatTimestamp(f.at)},
        {"model", f.model},
        {"nodeId", f.nodeId.empty() ? bj::value(nullptr) : bj::value(f.nodeId)},
        {"status", f.status},
        {"reason", f.reason},
        {"retried", f.retried},
        {"clientStatus", f.clientStatus ? bj::value(*f.clientStatus) : bj::value(nullptr)}});
  }
  bj::array decisions;
  for (const auto& d : impl_->stats.decisions()) {
    decisions.push_back(bj::object{{"at", formatTimestamp(d.at)},
                                   {"model", d.model},
                                   {"nodeId", d.nodeId.empty() ? bj::value(nullptr) : bj::value(d.nodeId)},
                                   {"strategy", d.strategy},
                                   {"reason", d.reason}});
  }
  return bj::object{{"nodes", std::move(nodes)},
                    {"decisions", std::move(decisions)},
                    {"failures", std::move(failures)}};
}

}  // namespace npufleet::balancer
