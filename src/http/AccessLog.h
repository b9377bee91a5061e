// The access log: one line per request, written off the request path. A request formats its
// line and appends it to an in-memory batch (a lock held for a copy); a thread of the log's own
// writes the batch to its file descriptor (standard error by default) in one write, ten times a
// second or as soon as 64 KiB are pending. A writer that cannot keep up (a stalled pipe) never
// slows requests: past max_pending_bytes lines are dropped, counted, and the drop is reported in
// the log itself. Lines look like the process's other log lines (ISO time, level "info").
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace npufleet::http {

class AccessLog {
 public:
  struct Options {
    int fd = 2;
    size_t max_pending_bytes = 4 * 1024 * 1024;
    std::chrono::milliseconds flush_every{100};
  };
  struct Entry {
    std::string_view remote, method, path;
    int status = 0;
    size_t bytes = 0;
    double seconds = 0;
    std::string_view request_id, principal;
  };

  explicit AccessLog(Options options);
  AccessLog() : AccessLog(Options{}) {}
  // Writes everything recorded before it returns.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void record(const Entry& entry);
  // Blocks until every line recorded before the call has been written (tests, shutdown).
  void flush();
  uint64_t dropped() const;

  // An access log on standard error where the process logs at `level` info or lower (the lines
  // are info lines), else null: `log.level = warn` turns it off, as it always did.
  static std::shared_ptr<AccessLog> forLogLevel(std::string_view level);

  // The line record() writes, without the time and level prefix (tests pin the format).
  static std::string format(const Entry& entry);

 private:
  void run();
  void writeAll(const std::string& bytes);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable written_;
  std::string pending_;
  uint64_t recorded_ = 0;  // lines appended to pending_ so far
  uint64_t done_ = 0;      // lines written (or dropped) so far
  uint64_t dropped_ = 0;
  uint64_t dropped_reported_ = 0;
  bool flush_wanted_ = false;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace npufleet::http
