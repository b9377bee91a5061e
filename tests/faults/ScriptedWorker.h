// A misbehaving worker for the fault-injection tests: a raw TCP server on 127.0.0.1 (port 0 or
// a given one), one thread per connection, that reads HTTP/1.1 requests and answers each as its
// script says for that path: a proper answer, nothing at all, half an answer then a stall or a
// close, or any bytes the test likes. Raw sockets rather than an HTTP library, so that it can
// break the protocol on purpose. It never checks signatures (the control plane's side is under
// test, not the worker's).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace npufleet::testing {

struct ScriptedReply {
  enum class Kind {
    kAnswer,            // status line, headers, the whole body
    kHang,              // read the request, send nothing, keep the connection open
    kPartialThenStall,  // headers announcing `body`, half of it, then nothing more
    kPartialThenClose,  // headers announcing `body`, half of it, then close
    kRaw,               // `body` as it is, no HTTP framing, then close
  };
  Kind kind = Kind::kAnswer;
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

class ScriptedWorker {
 public:
  using Script = std::function<ScriptedReply(const std::string& method, const std::string& path)>;

  // A seed-dialect worker (DESIGN.md 4.4, dialect 2) serving `models`: /health, /models and a
  // small valid /inference answer; 404 elsewhere.
  static ScriptedReply healthy(const std::string& method, const std::string& path,
                               const std::vector<std::string>& models = {"embedding-mlp"});

  explicit ScriptedWorker(Script script, uint16_t port = 0);
  ~ScriptedWorker();
  ScriptedWorker(const ScriptedWorker&) = delete;
  ScriptedWorker& operator=(const ScriptedWorker&) = delete;

  uint16_t port() const { return port_; }
  void setScript(Script script);

  // Requests received per path.
  int requests(const std::string& path) const;
  // Connections on which a request was left without a complete answer (kHang or
  // kPartialThenStall) and which the peer has since closed: the client gave up, nothing leaks.
  int abandonedByPeer() const;
  // Connections currently left hanging (answered with kHang/kPartialThenStall, peer still there).
  int hanging() const;

  // Closes the listener and every connection; joins the threads.
  void stop();

 private:
  void acceptLoop();
  void serve(int fd);
  ScriptedReply replyFor(const std::string& method, const std::string& path);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  Script script_;
  std::map<std::string, int> requests_;
  std::set<int> open_fds_;
  int abandoned_ = 0;
  int hanging_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> connections_;
};

}  // namespace npufleet::testing
