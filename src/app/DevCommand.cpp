// `npufleet dev`: a whole local fleet in one command (DESIGN.md 1): the control plane and N
// workers as child processes of this binary (/proc/self/exe), with ./.npufleet-dev as data
// directory, a generated service key wired into the server's --service-key-file and every
// worker's trusted-keys directory, and the sample models. A worker that dies is reported (one
// line: its exit status or signal) and started again after a back-off (1 s, doubling to 30 s,
// back to 1 s once it stayed up a minute), so the fleet's failure path can be tried with a plain
// `kill -9`; the control plane dying ends the dev fleet (exit 1), since nothing works without it
// and a restart would hide why. Ctrl-C forwards SIGTERM to every child, waits for them, and
// exits 0.
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "app/Commands.h"
#ifdef NPUFLEET_HAS_LLAMA
#include "worker/llama/GgufSamples.h"
#endif
#include "auth/KeyFile.h"
#include "http/Client.h"

extern char** environ;

namespace npufleet::app {
namespace {
namespace fs = std::filesystem;

struct DevFlags {
  int workers = 3;
  int port = 8080;
  std::string data_dir = ".npufleet-dev";
  std::string models_dir = "models/samples";
};

// Restart back-off for a worker that died: doubles from the first to the last, and starts over
// once a worker stayed up kStableAfter.
constexpr std::chrono::seconds kFirstRestartDelay{1};
constexpr std::chrono::seconds kLastRestartDelay{30};
constexpr std::chrono::seconds kStableAfter{60};

struct Child {
  std::string name;
  pid_t pid = -1;
  bool exited = false;
  // How to start it again (workers only; the control plane is never restarted).
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  bool restartable = false;
  std::chrono::steady_clock::time_point started{};
  std::chrono::seconds next_delay = kFirstRestartDelay;
  std::optional<std::chrono::steady_clock::time_point> restart_at;
};

// "exited with status 3", "was killed by signal 9 (Killed)".
std::string describeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "stopped (status " + std::to_string(status) + ")";
}

int fail(const std::string& message) {
  std::cerr << "npufleet dev: " << message << "\n";
  return 1;
}

// Spawns /proc/self/exe with `args`, extra environment and a clean signal mask (ours blocks
// SIGINT/SIGTERM/SIGCHLD for sigwait).
pid_t spawnSelf(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra_env) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos && extra_env.contains(kv.substr(0, eq))) continue;
    env_strings.push_back(kv);
  }
  for (const auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{"npufleet"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/proc/self/exe", nullptr, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  return rc == 0 ? pid : -1;
}

// Writes `key` as the only line of a private key file, replacing an older one.
Status writePrivateKey(const fs::path& path, const std::string& key) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Error::internal("cannot create " + path.parent_path().string() + ": " + ec.message());
  fs::remove(path, ec);
  return auth::writeKeyLine(path.string(), key, false);
}

void stopAll(std::vector<Child>& children, std::chrono::seconds grace) {
  for (auto& c : children) {
    if (!c.exited) ::kill(c.pid, SIGTERM);
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    bool all = true;
    for (auto& c : children) {
      if (c.exited) continue;
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.exited = true;
      } else {
        all = false;
      }
    }
    if (all) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& c : children) {
    if (c.exited) continue;
    std::cerr << "npufleet dev: " << c.name << " did not stop in time; killing it\n";
    ::kill(c.pid, SIGKILL);
    ::waitpid(c.pid, nullptr, 0);
    c.exited = true;
  }
}

// Waits for the control plane to answer /healthz, then registers each worker as a node with
// the npu-worker role (which starts detection). Nodes left from an earlier run are kept.
Status registerWorkers(const fs::path& server_data, int server_port, int workers) {
  auto get = [&](const std::string& method, const std::string& target, std::string body,
                 const std::string& token) {
    http::ClientRequest r;
    r.method = method;
    r.host = "127.0.0.1";
    r.port = static_cast<uint16_t>(server_port);
    r.target = target;
    r.body = std::move(body);
    if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
    if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
    r.total_timeout = std::chrono::seconds(5);
    return http::sendBlocking(std::move(r));
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto h = get("GET", "/healthz", "", "");
    if (h.ok() && h.response.status == 200) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return Error::unavailable("the control plane did not answer /healthz within 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::string admin_token;
  std::ifstream(server_data / "admin.token") >> admin_token;
  if (admin_token.empty()) return Error::internal("no admin token in " + (server_data / "admin.token").string());
  const std::string* token = &admin_token;
  for (int i = 1; i <= workers; ++i) {
    int port = server_port + i;
    std::string body = R"({"name":"dev-worker-)" + std::to_string(i) +
                       R"(","ip":"127.0.0.1","npuPort":)" + std::to_string(port) +
                       R"(,"roles":["npu-worker"],"labels":{"env":"dev"}})";
    auto r = get("POST", "/api/fleet/nodes", body, *token);
    if (!r.ok()) return Error::unavailable("registering worker " + std::to_string(i) + ": " + r.message);
    if (r.response.status != 201 && r.response.status != 409) {
      return Error::internal("registering worker " + std::to_string(i) + ": HTTP " +
                             std::to_string(r.response.status) + " " + r.response.body);
    }
  }
  return okStatus();
}

// The workers' models directory: the ONNX samples (linked from `samples`) and, with the llama.cpp
// engine, the GGUF samples the project makes itself (written once). Returns it with the names to
// preload.
Result<std::pair<fs::path, std::string>> devModels(const fs::path& samples, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::internal("cannot create " + dir.string() + ": " + ec.message());
  std::string preload;
  auto add = [&](const fs::path& p) { preload += (preload.empty() ? "" : ",") + p.stem().string(); };
  for (const auto& e : fs::directory_iterator(samples, ec)) {
    const auto ext = e.path().extension();
    if (ext != ".onnx" && ext != ".json" && ext != ".gguf") continue;
    const fs::path link = dir / e.path().filename();
    if (!fs::exists(fs::symlink_status(link))) fs::create_symlink(fs::absolute(e.path()), link, ec);
    if (ext != ".json") add(e.path());
  }
#ifdef NPUFLEET_HAS_LLAMA
  for (const auto& sample : worker::llama::ggufSamples()) {
    const fs::path file = dir / (sample.name + ".gguf");
    if (!fs::exists(file)) {
      if (auto st = worker::llama::writeGgufSample(sample.name, file.string()); !st) {
        return Error::internal("cannot write the GGUF sample " + sample.name + ": " +
                               st.error().message);
      }
    }
    add(file);
  }
#endif
  return std::make_pair(dir, preload);
}

int runDev(const DevFlags& flags) {
  if (flags.workers < 0 || flags.workers > 64) return fail("--workers must be in 0..64");
  if (flags.port <= 0 || flags.port + flags.workers > 65535) return fail("--port out of range");
  std::error_code ec;
  if (!fs::is_directory(flags.models_dir, ec)) {
    return fail("no models directory '" + flags.models_dir +
                "' (run from the repository root, or pass --models-dir)");
  }
  const fs::path data = fs::absolute(flags.data_dir);
  const fs::path models = fs::absolute(flags.models_dir);
  // The dev fleet's directories hold its keys, database and admin token: private to this user
  // (0700, files 0600), as `npufleet server` makes its own; the processes started inherit it.
  ::umask(077);
  fs::create_directories(data / "server", ec);
  if (ec) return fail("cannot create " + (data / "server").string() + ": " + ec.message());

  // One service key: the control plane signs with it, every worker trusts it.
  const fs::path service_key = data / "keys" / "service.key";
  std::string key;
  if (fs::exists(service_key)) {
    auto k = auth::loadServiceKeyFile(service_key.string());
    if (!k) return fail(k.error().message);
    key = *k;
  } else {
    auto k = auth::generateKey();
    if (!k) return fail(k.error().message);
    key = *k;
    if (auto st = writePrivateKey(service_key, key); !st) return fail(st.error().message);
  }
  auto served = devModels(models, data / "models");
  if (!served) return fail(served.error().message);
  const fs::path& models_dir = served->first;
  const std::string& preload = served->second;

  // Children get a clean mask from posix_spawn; we take the signals synchronously.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::vector<Child> children;
  const std::string listen_server = "127.0.0.1:" + std::to_string(flags.port);
  pid_t server = spawnSelf({"server", "--listen", listen_server, "--data-dir", (data / "server").string(),
                            "--service-id", "main-backend", "--service-key-file", service_key.string()},
                           // Every dev worker is ours (v2 only): the v1 header would only add a
                           // weaker signature to each call.
                           {{"NPUFLEET_AUTH_SEND_V1", "false"}});
  if (server < 0) return fail("cannot start the control plane");
  children.push_back({"control plane", server});
  for (int i = 1; i <= flags.workers; ++i) {
    fs::path wdir = data / ("worker-" + std::to_string(i));
    if (auto st = writePrivateKey(wdir / "trusted-keys" / "main-backend.key", key); !st) {
      stopAll(children, std::chrono::seconds(10));
      return fail(st.error().message);
    }
    int port = flags.port + i;
    Child w;
    w.name = "worker " + std::to_string(i) + " (127.0.0.1:" + std::to_string(port) + ")";
    w.args = {"worker", "--listen", "127.0.0.1:" + std::to_string(port), "--models-dir",
              models_dir.string(), "--trusted-keys", (wdir / "trusted-keys").string()};
    w.env = {{"NPUFLEET_WORKER_PRELOAD", preload},
             {"NPUFLEET_WORKER_AUTO_LOAD", "true"},
             // The address it is registered at below: a call signed for another dev worker is
             // refused here.
             {"NPUFLEET_AUTH_ACCEPTED_HOSTS", "127.0.0.1:" + std::to_string(port)}};
    w.restartable = true;
    w.pid = spawnSelf(w.args, w.env);
    if (w.pid < 0) {
      stopAll(children, std::chrono::seconds(10));
      return fail("cannot start worker " + std::to_string(i));
    }
    w.started = std::chrono::steady_clock::now();
    children.push_back(std::move(w));
  }

  if (auto st = registerWorkers(data / "server", flags.port, flags.workers); !st) {
    std::cerr << "npufleet dev: " << st.error().message << "\n";
    stopAll(children, std::chrono::seconds(10));
    return 1;
  }
  std::cout << "npufleet dev: control plane on http://" << listen_server << "/  (web UI)\n"
            << "npufleet dev: admin token in " << (data / "server" / "admin.token").string() << "\n";
  for (int i = 1; i <= flags.workers; ++i) {
    std::cout << "npufleet dev: worker " << i << " on http://127.0.0.1:" << flags.port + i
              << " (pid " << children[static_cast<size_t>(i)].pid << ", models: " << models_dir.string()
              << ")\n";
  }
  std::cout << "npufleet dev: service key in " << service_key.string()
            << "; a worker that dies is restarted (try `kill -9 PID`)"
            << "; press Ctrl-C to stop everything" << std::endl;

  int exit_code = 0;
  for (;;) {
    // Wake for a signal, or when the next restart is due.
    const auto now = std::chrono::steady_clock::now();
    auto wait = std::chrono::milliseconds(1000);
    for (const auto& c : children) {
      if (c.restart_at) {
        wait = std::min(wait, std::max(std::chrono::milliseconds(0),
                                       std::chrono::duration_cast<std::chrono::milliseconds>(
                                           *c.restart_at - now)));
      }
    }
    timespec ts{static_cast<time_t>(wait.count() / 1000),
                static_cast<long>(wait.count() % 1000) * 1'000'000};
    const int signo = sigtimedwait(&set, nullptr, &ts);
    if (signo == SIGINT || signo == SIGTERM) {
      std::cout << "npufleet dev: stopping" << std::endl;
      break;
    }
    // SIGCHLD, or a timeout (one SIGCHLD can stand for several children).
    bool control_plane_lost = false;
    for (auto& c : children) {
      int status = 0;
      if (c.exited || ::waitpid(c.pid, &status, WNOHANG) != c.pid) continue;
      c.exited = true;
      const auto up = std::chrono::steady_clock::now() - c.started;
      if (!c.restartable) {
        std::cerr << "npufleet dev: " << c.name << " (pid " << c.pid << ") " << describeExit(status)
                  << "; stopping the dev fleet\n";
        control_plane_lost = true;
        continue;
      }
      if (up >= kStableAfter) c.next_delay = kFirstRestartDelay;
      std::cerr << "npufleet dev: " << c.name << " (pid " << c.pid << ") " << describeExit(status)
                << " after " << std::chrono::duration_cast<std::chrono::seconds>(up).count()
                << " s; restarting it in " << c.next_delay.count() << " s\n";
      c.restart_at = std::chrono::steady_clock::now() + c.next_delay;
      c.next_delay = std::min(c.next_delay * 2, kLastRestartDelay);
    }
    if (control_plane_lost) {
      exit_code = 1;
      break;
    }
    for (auto& c : children) {
      if (!c.restart_at || std::chrono::steady_clock::now() < *c.restart_at) continue;
      c.restart_at.reset();
      const pid_t pid = spawnSelf(c.args, c.env);
      if (pid < 0) {
        std::cerr << "npufleet dev: cannot start " << c.name << " again; retrying in "
                  << c.next_delay.count() << " s\n";
        c.restart_at = std::chrono::steady_clock::now() + c.next_delay;
        c.next_delay = std::min(c.next_delay * 2, kLastRestartDelay);
        continue;
      }
      c.pid = pid;
      c.exited = false;
      c.started = std::chrono::steady_clock::now();
      std::cout << "npufleet dev: " << c.name << " restarted (pid " << pid << ")" << std::endl;
    }
  }
  stopAll(children, std::chrono::seconds(15));
  return exit_code;
}

}  // namespace

void addDevCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<DevFlags>();
  auto* cmd = app.add_subcommand("dev", "Start a local control plane and workers with sample models");
  cmd->add_option("--workers", flags->workers, "number of workers (ports PORT+1..)")->capture_default_str();
  cmd->add_option("--port", flags->port, "control-plane port")->capture_default_str();
  cmd->add_option("--data-dir", flags->data_dir, "state directory")->capture_default_str();
  cmd->add_option("--models-dir", flags->models_dir, "models for the workers")->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = runDev(*flags); });
}

}  // namespace npufleet::app
