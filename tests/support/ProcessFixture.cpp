#include "support/ProcessFixture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace npufleet::testing {
namespace {

int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessFixture::~ProcessFixture() {
  if (pid_ > 0 && !exit_code_) stop(std::chrono::seconds(5));
  if (drainer_.joinable()) drainer_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (!stderr_path_.empty()) std::filesystem::remove(stderr_path_);
}

bool ProcessFixture::start(Options options, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = why + (stderr_path_.empty() ? "" : "\nstderr:\n" + stderrText());
    if (pid_ > 0 && !exit_code_) stop(std::chrono::seconds(2));
    return false;
  };
  char tmpl[] = "/tmp/npufleet-proc-stderr-XXXXXX";
  int err_fd = ::mkstemp(tmpl);
  if (err_fd < 0) return fail("mkstemp failed");
  stderr_path_ = tmpl;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    ::close(err_fd);
    return fail("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);

  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args{options.binary};
  args.insert(args.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int rc = 0;
  if (!options.file_size_limit && !options.open_files_limit && options.ignored_signals.empty()) {
    rc = ::posix_spawn(&pid_, options.binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  } else {
    // posix_spawn can reset signals to their default but not ignore them, nor set limits: fork,
    // and between fork and exec call only async-signal-safe functions.
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(pipefd[1], STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      if (options.file_size_limit) {
        rlimit lim{static_cast<rlim_t>(*options.file_size_limit),
                   static_cast<rlim_t>(*options.file_size_limit)};
        if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(126);
      }
      if (options.open_files_limit) {
        rlimit lim{static_cast<rlim_t>(*options.open_files_limit),
                   static_cast<rlim_t>(*options.open_files_limit)};
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(126);
      }
      for (int signo : options.ignored_signals) ::signal(signo, SIG_IGN);
      ::execve(options.binary.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    rc = pid_ < 0 ? errno : 0;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  ::close(err_fd);
  stdout_fd_ = pipefd[0];
  if (rc != 0) {
    pid_ = -1;
    return fail("posix_spawn " + options.binary + ": " + std::strerror(rc));
  }

  if (options.ready_marker.empty()) {
    drainer_ = std::thread([this] { drain(); });
    return true;
  }
  auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  std::string buffer;
  for (;;) {
    auto nl = buffer.find('\n');
    while (nl != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      {
        std::lock_guard lock(mu_);
        stdout_ += line + "\n";
      }
      auto at = line.find(options.ready_marker);
      if (at != std::string::npos) {
        ready_line_ = line;
        std::string hp = line.substr(at + options.ready_marker.size());
        auto colon = hp.rfind(':');
        if (colon == std::string::npos) return fail("no HOST:PORT in: " + line);
        host_ = hp.substr(0, colon);
        port_ = static_cast<uint16_t>(std::stoi(hp.substr(colon + 1)));
        {
          std::lock_guard lock(mu_);
          stdout_ += buffer;
        }
        drainer_ = std::thread([this] { drain(); });
        return true;
      }
      nl = buffer.find('\n');
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail("no '" + options.ready_marker + "' line in time");
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (n > 0) {
      char chunk[4096];
      auto got = ::read(stdout_fd_, chunk, sizeof chunk);
      if (got > 0) {
        buffer.append(chunk, static_cast<size_t>(got));
        continue;
      }
      // EOF: the process closed stdout, most likely by exiting.
      auto code = wait(std::chrono::seconds(5));
      return fail("process ended before it was ready (exit " +
                  (code ? std::to_string(*code) : std::string("?")) + ")");
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = decodeStatus(status);
      return fail("process exited with " + std::to_string(*exit_code_) + " before it was ready");
    }
  }
}

void ProcessFixture::drain() {
  char chunk[4096];
  for (;;) {
    auto got = ::read(stdout_fd_, chunk, sizeof chunk);
    std::lock_guard lock(mu_);
    if (got <= 0) {
      drained_ = true;
      drained_cv_.notify_all();
      return;
    }
    stdout_.append(chunk, static_cast<size_t>(got));
  }
}

void ProcessFixture::signal(int signo) const {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signo);
}

std::optional<int> ProcessFixture::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decodeStatus(status);
      // Let the drainer read what the process wrote last, so stdoutText() is complete (bounded:
      // a grandchild may still hold the pipe open).
      std::unique_lock lock(mu_);
      if (drainer_.joinable()) {
        drained_cv_.wait_for(lock, std::chrono::seconds(2), [this] { return drained_; });
      }
      return exit_code_;
    }
    if (r < 0) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    ::usleep(10 * 1000);
  }
}

int ProcessFixture::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (exit_code_) return *exit_code_;
  ::kill(pid_, SIGTERM);
  if (auto code = wait(grace)) return *code;
  ::kill(pid_, SIGKILL);
  auto code = wait(std::chrono::seconds(10));
  return code.value_or(-1);
}

bool ProcessFixture::alive() {
  if (pid_ <= 0 || exit_code_) return false;
  return !wait(std::chrono::milliseconds(0)).has_value();
}

std::string ProcessFixture::stdoutText() const {
  std::lock_guard lock(mu_);
  return stdout_;
}

std::string ProcessFixture::stderrText() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace npufleet::testing
