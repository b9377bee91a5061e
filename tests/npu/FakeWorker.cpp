#include "FakeWorker.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <stdexcept>

#include "auth/Keyring.h"
#include "auth/SignatureVerifier.h"
#include "common/Clock.h"

namespace npufleet::testing {

namespace asio = boost::asio;
namespace bj = boost::json;
using http::Request;
using http::Response;

struct FakeWorker::State {
  Dialect dialect;
  std::unique_ptr<auth::SignatureVerifier> verifier;
  mutable std::mutex mu;
  std::vector<RecordedRequest> requests;
  std::set<std::string> loaded{"phi-3-mini"};
  std::set<std::string> available{"phi-3-mini", "llama-3.2-1b", "resnet50"};
  double utilization = 45;
  std::string status = "healthy";

  bj::array loadedArray() const {
    bj::array a;
    for (const auto& m : loaded) a.emplace_back(m);
    return a;
  }
  bj::array availableArray() const {
    bj::array a;
    for (const auto& m : available) a.emplace_back(m);
    return a;
  }

  Response health() const {
    std::lock_guard lock(mu);
    switch (dialect) {
      case Dialect::kNpufleet:
        return Response::json(200, bj::object{{"status", status}, {"device_type", "intel-npu"},
                                              {"device_name", "Intel(R) AI Boost"},
                                              {"max_concurrent", 4}, {"memory_gb", 16},
                                              {"utilization", utilization}, {"queue_depth", 2},
                                              {"running", 1}, {"loaded_models", loadedArray()}});
      case Dialect::kSeed:
        return Response::json(200, bj::object{{"max_concurrent", 8}, {"memory_gb", 32},
                                              {"utilization", utilization}, {"extra", "ignored"}});
      case Dialect::kContainer:
        return Response::json(200, bj::object{{"status", status}, {"npu_available", true},
                                              {"loaded_models", loaded.size()},
                                              {"optimal_device", "GPU.1"}});
      case Dialect::kWindows:
        return Response::json(200, bj::object{
            {"status", status}, {"worker_id", "win-1"}, {"platform", "windows"},
            {"npu_available", true}, {"loaded_models", loadedArray()},
            {"stats", bj::object{{"average_response_time_ms", 120}, {"npu_utilization_percent", 30}}},
            {"npu_metrics", bj::object{{"utilization_percent", utilization}, {"memory_usage_mb", 900}}}});
      case Dialect::kMinimalLinux:
        return Response::json(200, bj::object{
            {"status", status}, {"service", "npu-worker"},
            {"capabilities", bj::object{{"device", "NPU"}, {"available", true},
                                        {"models_dir", "/opt/models"},
                                        {"models_loaded", loadedArray()},
                                        {"available_devices", bj::array{"CPU", "NPU"}},
                                        {"device_name", "Intel(R) AI Boost"}}}});
    }
    return Response::json(500, bj::object{});
  }
  Response models() const {
    std::lock_guard lock(mu);
    switch (dialect) {
      case Dialect::kNpufleet:
      case Dialect::kSeed:
        return Response::json(200, bj::object{{"available", availableArray()}, {"loaded", loadedArray()}});
      case Dialect::kContainer: {
        bj::object l;
        for (const auto& m : loaded) {
          l[m] = bj::object{{"device", "GPU.1"}, {"inference_count", 0}, {"loaded_at", "now"}};
        }
        return Response::json(200, bj::object{{"npu_available", true}, {"optimal_device", "GPU.1"},
                                              {"loaded_models", std::move(l)},
                                              {"available_devices", bj::array{"CPU", "GPU.1"}}});
      }
      case Dialect::kWindows:
      case Dialect::kMinimalLinux:
        return Response::json(404, bj::object{{"detail", "Not Found"}});
    }
    return Response::json(500, bj::object{});
  }
  Response stats() const {
    if (dialect != Dialect::kNpufleet) return Response::json(404, bj::object{{"detail", "Not Found"}});
    // The real worker's shape (tests/worker/golden/stats.json), trimmed to what is read.
    return Response::json(200, bj::object{
        {"total", bj::object{{"inference_ms", bj::object{{"p50", 12.5}, {"p95", 40}, {"samples", 10}}},
                             {"throughput_per_s_last_minute", 5}}},
        {"queue", bj::object{{"running", 1}, {"depth", 2}, {"max_concurrent", 4}}},
        {"memory", bj::object{{"process_rss_bytes", 123456789},
                              {"models", bj::object{{"phi-3-mini", bj::object{{"file_bytes", 1000},
                                                                              {"loaded", true}}}}}}}});
  }
  Response loadOrUnload(const std::string& model, bool load) {
    std::lock_guard lock(mu);
    if (!available.count(model)) {
      return Response::json(404, bj::object{{"detail", "model '" + model + "' not found in models dir"}});
    }
    if (load) {
      loaded.insert(model);
    } else {
      loaded.erase(model);
    }
    return Response::json(200, bj::object{{"status", load ? "loaded" : "unloaded"}, {"model", model}});
  }
};

FakeWorker::FakeWorker(asio::io_context& io, Dialect dialect, std::optional<std::string> trusted_key,
                       std::string listen)
    : state_(std::make_shared<State>()), router_(std::make_unique<http::Router>()), io_(io) {
  state_->dialect = dialect;
  if (trusted_key) {
    auto ring = std::make_shared<auth::Keyring>();
    if (!ring->add("main-backend", *trusted_key)) throw std::runtime_error("bad test key");
    auth::VerifierOptions opts;
    opts.min_version = 2;
    state_->verifier = std::make_unique<auth::SignatureVerifier>(opts, ring, SystemClock::instance());
  }
  auto st = state_;
  auto& r = *router_;
  r.add("GET", "/health", [st](Request&) -> asio::awaitable<Response> { co_return st->health(); });
  r.add("GET", "/models", [st](Request&) -> asio::awaitable<Response> { co_return st->models(); });
  r.add("GET", "/stats", [st](Request&) -> asio::awaitable<Response> { co_return st->stats(); });
  if (dialect == Dialect::kContainer) {
    r.add("POST", "/models/load", [st](Request& req) -> asio::awaitable<Response> {
      auto body = bj::parse(req.body).as_object();
      co_return st->loadOrUnload(std::string(body.at("model_id").as_string()), true);
    });
    r.add("DELETE", "/models/{id}", [st](Request& req) -> asio::awaitable<Response> {
      co_return st->loadOrUnload(req.param("id"), false);
    });
  } else {
    for (bool load : {true, false}) {
      r.add("POST", std::string("/models/{name}/") + (load ? "load" : "unload"),
            [st, load](Request& req) -> asio::awaitable<Response> {
              co_return st->loadOrUnload(req.param("name"), load);
            });
    }
  }
  http::ServerOptions options;
  options.listen = listen;
  options.service_name = "fake-worker";
  server_ = std::make_unique<http::Server>(io, *router_, options, nullptr);
  server_->use([st](Request& req, const http::Route&) -> asio::awaitable<std::optional<Response>> {
    RecordedRequest rec{req.method, req.target, true, ""};
    std::optional<Response> refuse;
    if (st->verifier) {
      auto v = st->verifier->verify(req);
      if (!v) {
        rec.signature_valid = false;
        rec.reason = v.error().message;
        refuse = Response::json(401, bj::object{{"detail", v.error().message}, {"authenticated", false}});
      }
    } else {
      rec.signature_valid = false;
      rec.reason = "not verified";
    }
    {
      std::lock_guard lock(st->mu);
      st->requests.push_back(rec);
    }
    co_return refuse;
  });
  auto bound = server_->start();
  if (!bound) throw std::runtime_error("fake worker cannot listen: " + bound.error().message);
  port_ = bound->port;
}

FakeWorker::~FakeWorker() { stop(); }

void FakeWorker::stop() {
  if (!server_ || stopped_) return;
  stopped_ = true;
  // Wait until every connection has ended: they use router_, which dies with this object.
  // With the io_context already stopped nothing runs any more, so there is nothing to wait for.
  auto done = std::make_shared<std::promise<void>>();
  server_->shutdown(std::chrono::milliseconds(0), [done] { done->set_value(); });
  if (!io_.stopped()) done->get_future().wait_for(std::chrono::seconds(5));
}

std::vector<RecordedRequest> FakeWorker::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->requests;
}
std::set<std::string> FakeWorker::loaded() const {
  std::lock_guard lock(state_->mu);
  return state_->loaded;
}

void FakeWorker::setLoaded(std::set<std::string> models) {
  std::lock_guard lock(state_->mu);
  state_->loaded = std::move(models);
}

void FakeWorker::setUtilization(double u) {
  std::lock_guard lock(state_->mu);
  state_->utilization = u;
}
void FakeWorker::setStatus(std::string s) {
  std::lock_guard lock(state_->mu);
  state_->status = std::move(s);
}

HungWorker::HungWorker(asio::io_context& io, std::string address)
    : acceptor_(io, asio::ip::tcp::endpoint(asio::ip::make_address(address), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept();
}

HungWorker::~HungWorker() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

void HungWorker::accept() {
  auto sock = std::make_shared<asio::ip::tcp::socket>(acceptor_.get_executor());
  acceptor_.async_accept(*sock, [this, sock](boost::system::error_code ec) {
    if (ec) return;
    {
      std::lock_guard lock(mu_);
      held_.push_back(sock);  // never read, never answered
    }
    accept();
  });
}

}  // namespace npufleet::testing
