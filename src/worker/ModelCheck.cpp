#include "worker/ModelCheck.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

extern char** environ;

namespace npufleet::worker {
namespace {

// The last non-empty line of what the child wrote, without a log prefix's clutter.
std::string lastLine(const std::string& text) {
  auto end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return {};
  auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

Status interpret(int status, const std::string& err, const std::string& what) {
  if (WIFSIGNALED(status)) {
    return Error::badRequest(what + " crashes on this file (signal " +
                             std::to_string(WTERMSIG(status)) + "); it is malformed");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return okStatus();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 1) {
    return Error::badRequest(what + " crashes on this file (exit " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                             "); it is malformed");
  }
  std::string reason = lastLine(err);
  if (reason.empty()) reason = what + " refuses this file; it is malformed";
  return Error::badRequest(reason);
}

Status viaFork(const ModelCheck& check, const std::string& what,
               const std::function<void()>& in_child) {
  const pid_t pid = ::fork();
  if (pid < 0) return Error::internal("cannot check the model in a child process (fork failed)");
  if (pid == 0) {
    // Die by the signal itself, not through a sanitizer's or fuzzer's handler, so the parent
    // sees the crash for what it is.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    try {
      in_child();
    } catch (...) {
      // An exception is an ordinary refusal, which the parent's own load reports.
    }
    ::_exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + check.timeout;
  int status = 0;
  for (auto pause = std::chrono::microseconds(200);;
       pause = std::min(pause * 2, std::chrono::microseconds(20'000))) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return Error::internal("lost the model-check child process");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Error::badRequest(what + " did not finish with the file in " +
                               std::to_string(check.timeout.count() / 1000) + " s");
    }
    std::this_thread::sleep_for(pause);
  }
  return interpret(status, {}, what);
}

Status viaSpawn(const ModelCheck& check, const std::string& file, const std::string& what) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Error::internal(std::string("cannot check the model: pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> args{check.binary, "models", "check", "--", file};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, check.binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(err_pipe[0]);
    return Error::internal("cannot check the model: starting " + check.binary + ": " +
                           std::strerror(rc));
  }
  const auto deadline = std::chrono::steady_clock::now() + check.timeout;
  std::string err;
  bool open = true;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      ::close(err_pipe[0]);
      return Error::internal("lost the model-check child process");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(err_pipe[0]);
      return Error::badRequest(what + " did not finish with the file in " +
                               std::to_string(check.timeout.count() / 1000) + " s");
    }
    if (!open) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    pollfd pfd{err_pipe[0], POLLIN, 0};
    if (::poll(&pfd, 1, 20) > 0) {
      char chunk[4096];
      const auto got = ::read(err_pipe[0], chunk, sizeof chunk);
      if (got > 0) {
        if (err.size() < 64 * 1024) err.append(chunk, static_cast<size_t>(got));
      } else {
        open = false;
      }
    }
  }
  // What is still in the pipe after the exit.
  char chunk[4096];
  ssize_t got;
  while (open && (got = ::read(err_pipe[0], chunk, sizeof chunk)) > 0) {
    if (err.size() < 64 * 1024) err.append(chunk, static_cast<size_t>(got));
  }
  ::close(err_pipe[0]);
  return interpret(status, err, what);
}

}  // namespace

Status checkModelInChild(const ModelCheck& check, const std::string& file, const std::string& what,
                         const std::function<void()>& in_child) {
  if (check.skip) return okStatus();
  if (check.binary.empty()) return viaFork(check, what, in_child);
  return viaSpawn(check, file, what);
}

std::string currentExecutable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

}  // namespace npufleet::worker
