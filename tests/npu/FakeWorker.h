// Small in-process workers for the NPU integration tests: each speaks one dialect of DESIGN.md
// 4.4 on 127.0.0.1 port 0 (or a given loopback address), verifies the service signature of
// every request with the real auth::SignatureVerifier, and records what reached it.
// HungWorker accepts connections and never answers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/Server.h"

namespace npufleet::testing {

enum class Dialect { kNpufleet, kSeed, kContainer, kWindows, kMinimalLinux };

struct RecordedRequest {
  std::string method;
  std::string target;
  bool signature_valid = false;
  std::string reason;  // why the signature was refused
};

class FakeWorker {
 public:
  // `trusted_key`: the key the worker accepts for service "main-backend"; nullopt skips
  // verification.
  FakeWorker(boost::asio::io_context& io, Dialect dialect, std::optional<std::string> trusted_key,
             std::string listen = "127.0.0.1:0");
  ~FakeWorker();

  uint16_t port() const { return port_; }
  std::vector<RecordedRequest> requests() const;
  std::set<std::string> loaded() const;
  void setLoaded(std::set<std::string> models);  // as after a restart with other preloads
  void setUtilization(double u);
  void setStatus(std::string status);  // "healthy" / "degraded"
  void stop();                         // the worker dies: listener and connections closed

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
  boost::asio::io_context& io_;
  bool stopped_ = false;
  uint16_t port_ = 0;
};

class HungWorker {
 public:
  HungWorker(boost::asio::io_context& io, std::string address = "127.0.0.1");
  ~HungWorker();
  uint16_t port() const { return port_; }

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  std::mutex mu_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> held_;
  uint16_t port_ = 0;
};

}  // namespace npufleet::testing
