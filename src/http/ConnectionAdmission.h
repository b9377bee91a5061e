// Decides whether the server takes a new connection: a cap on open connections, and caps on
// connections not yet authenticated, in total and per client address, so that clients with no
// token or key cannot hold an unbounded number of sockets (and what each one buffers) open.
// Thread-safe: connections on every event loop report here.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace npufleet::http {

class ConnectionAdmission {
 public:
  struct Limits {
    size_t max_connections = 0;  // 0: no cap
    size_t max_unauthenticated = 0;
    size_t max_unauthenticated_per_address = 0;
    // False on a server that authenticates nobody: the unauthenticated caps do not apply.
    bool count_unauthenticated = true;
  };
  enum class Refusal { kNone, kMaxConnections, kUnauthenticatedTotal, kUnauthenticatedPerAddress };

  explicit ConnectionAdmission(Limits limits) : limits_(limits) {}
  void setLimits(Limits limits);

  // kNone: the connection is admitted and counted as open and unauthenticated.
  Refusal admit(const std::string& address);
  // The first authenticated request on an admitted connection; call once per connection.
  void authenticated(const std::string& address);
  // An admitted connection closed; `was_authenticated` as reported through authenticated().
  void closed(const std::string& address, bool was_authenticated);

  size_t open() const;
  size_t unauthenticated() const;

  // The metric label and the words of the log line for a refusal.
  static std::string_view label(Refusal refusal);
  static std::string describe(Refusal refusal, const Limits& limits);
  Limits limits() const;

 private:
  void releaseUnauthenticatedLocked(const std::string& address);

  mutable std::mutex mu_;
  Limits limits_;
  size_t open_ = 0;
  size_t unauthenticated_ = 0;
  std::map<std::string, size_t, std::less<>> unauthenticated_by_address_;
};

}  // namespace npufleet::http
