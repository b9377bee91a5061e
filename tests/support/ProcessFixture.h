// Starts a real npufleet process for integration tests, waits for its one-line
// "... listening on HOST:PORT" announcement on stdout, and stops it with SIGTERM (SIGKILL after
// a grace period). stderr goes to a file the test can print on failure; stdout keeps being
// drained so the child never blocks on a full pipe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace npufleet::testing {

class ProcessFixture {
 public:
  struct Options {
    std::string binary;             // usually NPUFLEET_BINARY
    std::vector<std::string> args;  // without argv[0]
    std::map<std::string, std::string> env;  // added to (and overriding) the test's environment
    // Empty: do not wait for a line (commands that print and exit; use wait()).
    std::string ready_marker = "listening on ";
    std::chrono::milliseconds start_timeout{30000};
    // Fault tests: RLIMIT_FSIZE for the child in bytes (a write past it fails with EFBIG), and
    // signals the child starts with ignored (SIG_IGN survives exec; SIGXFSZ would otherwise
    // kill it at the limit). Left empty, the child is spawned exactly as before.
    std::optional<uint64_t> file_size_limit;
    // Overload tests: RLIMIT_NOFILE for the child (`ulimit -n`).
    std::optional<uint64_t> open_files_limit;
    std::vector<int> ignored_signals;
  };

  ProcessFixture() = default;
  ~ProcessFixture();
  ProcessFixture(const ProcessFixture&) = delete;
  ProcessFixture& operator=(const ProcessFixture&) = delete;

  // Spawns the process and waits for the ready line. On failure `error` says why (exit status,
  // timeout) and the process is gone.
  bool start(Options options, std::string* error = nullptr);

  // Sends SIGTERM, waits up to `grace`, then SIGKILL. Returns the exit code (128 + signal when
  // killed by one), or -1 when it was not running.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Sends a signal without waiting.
  void signal(int signo) const;
  // Waits for the process to exit by itself; exit code as in stop(), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  bool alive();
  pid_t pid() const { return pid_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  const std::string& readyLine() const { return ready_line_; }
  // Everything written to stdout so far, and the stderr file's content.
  std::string stdoutText() const;
  std::string stderrText() const;

 private:
  void drain();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> exit_code_;
  std::string host_;
  uint16_t port_ = 0;
  std::string ready_line_;
  std::string stderr_path_;
  mutable std::mutex mu_;
  std::condition_variable drained_cv_;
  bool drained_ = false;  // the drainer saw EOF
  std::string stdout_;
  std::thread drainer_;
};

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "npufleet-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace npufleet::testing
