// Start-up, shutdown and durability of the control plane process.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "server/ServerHarness.h"

namespace npufleet::testing {
namespace {

std::vector<std::string> serverArgs(const TempDir& dir) {
  return {"server", "--listen", "127.0.0.1:0", "--data-dir", dir.path() + "/data"};
}

// Runs a command that prints and exits; returns its exit code (-1 on timeout).
int runToExit(ProcessFixture& p, std::vector<std::string> args,
              std::map<std::string, std::string> env = {}) {
  ProcessFixture::Options o{NPUFLEET_BINARY, std::move(args), std::move(env), ""};
  if (!p.start(std::move(o))) return -1;
  return p.wait(std::chrono::seconds(20)).value_or(-1);
}

TEST(ServerLifecycle, AcknowledgedWritesSurviveRestartAndSigkill) {
  TempDir dir;
  std::string admin;
  std::vector<std::string> ids;
  {
    ProcessFixture p;
    ASSERT_TRUE(p.start({NPUFLEET_BINARY, serverArgs(dir)}));
    admin = readFile(dir.path() + "/data/admin.token");
    admin.pop_back();
    for (int i = 0; i < 20; ++i) {
      auto r = request(p.host(), p.port(), "POST", "/api/fleet/nodes",
                       R"({"name":"k)" + std::to_string(i) + R"(","ip":"10.5.0.)" + std::to_string(i) + "\"}",
                       {{"Authorization", "Bearer " + admin}});
      ASSERT_EQ(r.status, 201) << r.body;
      ids.push_back(std::string(r.json().at("id").as_string()));
    }
    p.signal(SIGKILL);  // right after the last acknowledgement
    p.wait(std::chrono::seconds(10));
  }
  ProcessFixture p;
  std::string error;
  ASSERT_TRUE(p.start({NPUFLEET_BINARY, serverArgs(dir)}, &error)) << error;
  EXPECT_EQ(readFile(dir.path() + "/data/admin.token"), admin + "\n") << "token file not rewritten";
  for (const auto& id : ids) {
    auto r = request(p.host(), p.port(), "GET", "/api/fleet/nodes/" + id, "",
                     {{"Authorization", "Bearer " + admin}});
    EXPECT_EQ(r.status, 200) << id;
  }
  EXPECT_EQ(p.stop(), 0);
}

TEST(ServerLifecycle, SigtermLetsAnInFlightRequestFinishAndExitsZero) {
  TempDir dir;
  ProcessFixture p;
  ASSERT_TRUE(p.start({NPUFLEET_BINARY, serverArgs(dir)}));
  std::string admin = readFile(dir.path() + "/data/admin.token");
  admin.pop_back();

  // Send the headers and half of the body, then SIGTERM, then the rest: the request was in
  // flight when the signal came and must still be answered.
  std::string body = R"({"name":"inflight","ip":"10.4.0.1"})";
  std::string head = "POST /api/fleet/nodes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin +
                     "\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n";
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(p.port());
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string first = head + body.substr(0, 10);
  ASSERT_EQ(write(fd, first.data(), first.size()), static_cast<ssize_t>(first.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(p.pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // New connections are refused while draining.
  auto refused = request(p.host(), p.port(), "GET", "/healthz", "", {}, std::chrono::seconds(2));
  EXPECT_FALSE(refused.failure.empty());
  std::string rest = body.substr(10);
  ASSERT_EQ(write(fd, rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 201", 0), 0u) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos);
  // The one SIGTERM is enough: the server exits by itself, with status 0.
  EXPECT_EQ(p.wait(std::chrono::seconds(15)), 0) << p.stderrText();
}

TEST(ServerLifecycle, CorruptDatabaseStopsStartUpWithAClearMessage) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/data");
  std::ofstream(dir.path() + "/data/npufleet.db") << std::string(10000, 'z');
  ProcessFixture p;
  EXPECT_EQ(runToExit(p, serverArgs(dir)), 2);
  EXPECT_NE(p.stderrText().find("npufleet.db"), std::string::npos) << p.stderrText();
}

TEST(ServerLifecycle, BadConfigurationNamesTheKey) {
  TempDir dir;
  std::ofstream(dir / "bad.toml") << "[server]\nlisten = \"127.0.0.1:0\"\nthreads = \"many\"\n";
  ProcessFixture bad_type;
  EXPECT_EQ(runToExit(bad_type, {"server", "--config", dir / "bad.toml"}), 2);
  EXPECT_NE(bad_type.stderrText().find("server.threads"), std::string::npos) << bad_type.stderrText();

  std::ofstream(dir / ("unknown.toml")) << "[server]\nlisen = \"x\"\n";
  ProcessFixture unknown;
  EXPECT_EQ(runToExit(unknown, {"server", "--config", dir / "unknown.toml"}), 2);
  EXPECT_NE(unknown.stderrText().find("server.lisen"), std::string::npos) << unknown.stderrText();

  ProcessFixture env;
  EXPECT_EQ(runToExit(env, {"server", "--print-config"}, {{"NPUFLEET_SERVER_THREADS", "0"}}), 2);
  EXPECT_NE(env.stderrText().find("server.threads"), std::string::npos) << env.stderrText();
}

TEST(ServerLifecycle, PrintConfigLayersFileEnvAndFlagsAndMasksSecrets) {
  TempDir dir;
  std::ofstream(dir / ("c.toml")) << "[server]\nthreads = 3\nidle_timeout_s = 5\n";
  ProcessFixture p;
  EXPECT_EQ(runToExit(p,
                      {"server", "--config", dir / "c.toml", "--print-config", "--listen",
                       "127.0.0.1:9999", "--set", "auth.trusted_keys=main-backend:supersecretkeyvalue"},
                      {{"NPUFLEET_SERVER_THREADS", "4"}}),
            0)
      << p.stderrText();
  auto out = p.stdoutText();
  EXPECT_NE(out.find("listen = '127.0.0.1:9999'"), std::string::npos) << out;
  EXPECT_NE(out.find("threads = 4"), std::string::npos) << "env beats file: " << out;
  EXPECT_NE(out.find("idle_timeout_s = 5"), std::string::npos) << out;
  EXPECT_EQ(out.find("supersecretkeyvalue"), std::string::npos) << out;
}

// Issue 20, item 7: listing the routes created a data directory, database, admin token and
// service key.
TEST(ServerLifecycle, PrintRoutesTouchesNothing) {
  TempDir dir;
  ProcessFixture p;
  EXPECT_EQ(runToExit(p, {"server", "--print-routes", "--data-dir", dir / "data"}), 0) << p.stderrText();
  EXPECT_NE(p.stdoutText().find("POST /api/fleet/nodes"), std::string::npos) << p.stdoutText();
  EXPECT_FALSE(std::filesystem::exists(dir / "data"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// What --print-config prints loads back with --config and prints the same again.
TEST(ServerLifecycle, PrintedConfigurationLoadsBack) {
  for (const std::string command : {"server", "worker"}) {
    TempDir dir;
    ProcessFixture first;
    ASSERT_EQ(runToExit(first, {command, "--print-config"},
                        {{"NPUFLEET_AUTH_TRUSTED_KEYS", "main-backend:supersecretkeyvalue"}}),
              0)
        << command << ": " << first.stderrText();
    const std::string printed = first.stdoutText();
    EXPECT_EQ(printed.find("supersecretkeyvalue"), std::string::npos) << printed;
    for (auto at = printed.find("\n["); at != std::string::npos; at = printed.find("\n[", at + 1)) {
      const auto header = printed.substr(at + 1, printed.find('\n', at + 1) - at - 1);
      EXPECT_EQ(printed.find("\n" + header + "\n", at + 1), std::string::npos)
          << command << " prints " << header << " twice:\n" << printed;
    }
    std::ofstream(dir / "printed.toml") << printed;
    ProcessFixture again;
    ASSERT_EQ(runToExit(again, {command, "--config", dir / "printed.toml", "--print-config"}), 0)
        << command << ": " << again.stderrText() << "\n" << printed;
    // The masked secret is a comment, so it alone is not carried over.
    std::string expected = printed;
    const std::string masked = "# trusted_keys = \"********\"  (secret, not printed)";
    ASSERT_NE(expected.find(masked), std::string::npos) << printed;
    expected.replace(expected.find(masked), masked.size(), "trusted_keys = []");
    EXPECT_EQ(again.stdoutText(), expected);
  }
}

}  // namespace
}  // namespace npufleet::testing

namespace npufleet::testing {
namespace {

std::filesystem::perms permsOf(const std::filesystem::path& p) {
  return std::filesystem::status(p).permissions() & std::filesystem::perms::all;
}

TEST(ServerLifecycle, KeysGenerateMakesAMissingDirectoryPrivate) {
  TempDir dir;
  ProcessFixture p;
  const std::filesystem::path keys = dir / "new/trusted-keys";
  ASSERT_EQ(runToExit(p, {"keys", "generate", "--service-id", "main-backend", "--dir", keys}), 0)
      << p.stderrText();
  EXPECT_EQ(permsOf(dir / "new"), std::filesystem::perms::owner_all);
  EXPECT_EQ(permsOf(keys), std::filesystem::perms::owner_all);
  EXPECT_EQ(permsOf(keys / "main-backend.key"),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// A port free a moment ago (npufleet dev needs a fixed one: its workers take the next ports).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(ServerLifecycle, TheDevFleetsDirectoriesArePrivate) {
  TempDir dir;
  ProcessFixture p;
  ProcessFixture::Options o{NPUFLEET_BINARY,
                            {"dev", "--workers", "1", "--port", std::to_string(freePort()),
                             "--data-dir", dir / "dev", "--models-dir",
                             std::string(NPUFLEET_SOURCE_DIR) + "/models/samples"},
                            {},
                            ""};
  ASSERT_TRUE(p.start(std::move(o))) << p.stderrText();
  // The directories are made before any process starts; wait for the key written in them.
  const std::filesystem::path dev = dir / "dev";
  for (int i = 0; i < 200 && !std::filesystem::exists(dev / "keys" / "service.key"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  p.stop();
  for (const auto& d : {dev, dev / "server", dev / "keys"}) {
    ASSERT_TRUE(std::filesystem::exists(d)) << d << p.stderrText();
    EXPECT_EQ(permsOf(d), std::filesystem::perms::owner_all) << d;
  }
}

// Two consecutive free loopback ports: the dev fleet puts its first worker on --port + 1.
int freePortPair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int port = freePort();
    if (port >= 65535) continue;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port + 1));
    const bool free_next = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free_next) return port;
  }
  return freePort();
}

template <typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

// A dev worker killed with SIGKILL is reported with its signal and started again; the control
// plane and the dev command stay up, and Ctrl-C still stops everything cleanly.
TEST(ServerLifecycle, TheDevFleetRestartsAKilledWorker) {
  TempDir dir;
  ProcessFixture p;
  const int port = freePortPair();
  const auto worker_port = static_cast<uint16_t>(port + 1);
  ProcessFixture::Options o{NPUFLEET_BINARY,
                            {"dev", "--workers", "1", "--port", std::to_string(port), "--data-dir",
                             dir / "dev", "--models-dir",
                             std::string(NPUFLEET_SOURCE_DIR) + "/models/samples"},
                            {},
                            // Printed once its workers are registered, before the worker lines.
                            "npufleet dev: control plane on http://"};
  o.start_timeout = std::chrono::seconds(60);
  ASSERT_TRUE(p.start(std::move(o))) << p.stderrText();
  EXPECT_EQ(p.port(), port);
  std::smatch m;
  const std::regex listed(R"(worker 1 on http://127\.0\.0\.1:\d+ \(pid (\d+))");
  ASSERT_TRUE(waitFor([&] { return std::regex_search(p.stdoutText(), listed); },
                      std::chrono::seconds(10)))
      << p.stdoutText();
  const std::string out = p.stdoutText();
  ASSERT_TRUE(std::regex_search(out, m, listed));
  const pid_t first = std::stoi(m[1]);
  // Up once it has preloaded its models (each is tried in a child process first).
  ASSERT_TRUE(waitFor([&] { return request("127.0.0.1", worker_port, "GET", "/livez").status == 200; },
                      std::chrono::seconds(30)))
      << p.stderrText();
#ifdef NPUFLEET_HAS_LLAMA
  // The workers serve the GGUF samples beside the ONNX ones, written into the dev fleet's own
  // models directory, and every sample preloads.
  for (const char* f : {"tiny-chat.gguf", "tiny-embed.gguf", "embedding-mlp.onnx"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir / "dev") / "models" / f)) << f;
  }
  EXPECT_EQ(p.stderrText().find("preload of model"), std::string::npos) << p.stderrText();
#endif

  ASSERT_EQ(::kill(first, SIGKILL), 0);
  const std::regex restarted(R"(worker 1 \(127\.0\.0\.1:\d+\) restarted \(pid (\d+)\))");
  ASSERT_TRUE(waitFor([&] { return std::regex_search(p.stdoutText(), restarted); },
                      std::chrono::seconds(20)))
      << p.stdoutText() << p.stderrText();
  const std::string after = p.stdoutText();
  ASSERT_TRUE(std::regex_search(after, m, restarted));
  EXPECT_NE(std::stoi(m[1]), first);
  EXPECT_NE(p.stderrText().find("(pid " + std::to_string(first) + ") was killed by signal 9"),
            std::string::npos)
      << p.stderrText();
  EXPECT_TRUE(waitFor([&] { return request("127.0.0.1", worker_port, "GET", "/livez").status == 200; },
                      std::chrono::seconds(30)))
      << p.stderrText();
  EXPECT_TRUE(p.alive());
  EXPECT_EQ(request("127.0.0.1", static_cast<uint16_t>(port), "GET", "/healthz").status, 200);
  EXPECT_EQ(p.stop(std::chrono::seconds(30)), 0) << p.stderrText();
}

}  // namespace
}  // namespace npufleet::testing
