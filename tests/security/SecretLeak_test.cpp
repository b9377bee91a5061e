// No secret in any log line, API response or command output. A control plane (log level debug)
// and a real worker that trusts its service key (log level debug) go through a representative
// session: tokens created, listed and revoked, near-miss guesses, the SSE stream with its
// ?access_token=, node registration, detection, a probe, model load, routed inference, the
// load-balancing setting, the audit log, the admin CLI, --print-config with secrets set, and
// start-up errors about keys. Then every byte the processes wrote (stdout and stderr) and every
// response is searched for the admin token, each created token, the service key, a configured
// trusted key and the SHA-256 hash of each token, whole or as any 12-character piece.
// The only place a token may appear is the one answer that issues it ("shown once").
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "RawHttp.h"
#include "server/ServerHarness.h"

namespace npufleet::testing {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

// Computed here with OpenSSL, not with the code under test.
std::string sha256Hex(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 0xF]);
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

void writePrivate(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

std::string mlpBody() {
  bj::array data;
  for (int i = 0; i < 64; ++i) data.push_back(0.01 * i);
  return bj::serialize(bj::object{
      {"model", "embedding-mlp"},
      {"inputs", bj::object{{"input", bj::object{{"shape", bj::array{1, 64}}, {"data", data}}}}}});
}

struct Haystack {
  std::string label;
  std::string text;
  std::string allowed_secret;  // the one secret this text is meant to carry, if any
};

struct Secret {
  std::string label;
  std::string value;
};

constexpr size_t kPiece = 12;

// Where `text` holds a kPiece-character piece of `secret` that is not also a piece of `allowed`
// (the issuing answer carries its token, and so the pieces a near miss shares with it); npos
// when it holds none.
size_t findLeak(const std::string& secret, const std::string& text, const std::string& allowed) {
  for (size_t at = 0; at + kPiece <= secret.size(); ++at) {
    const auto piece = std::string_view(secret).substr(at, kPiece);
    if (allowed.find(piece) != std::string::npos) continue;
    if (const auto found = text.find(piece); found != std::string::npos) return found;
  }
  return std::string::npos;
}

class SecretLeakTest : public ::testing::Test {
 protected:
  // Records every answer (status line, headers and body) for the final search.
  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::string& token = "<admin>", std::string allowed = {}) {
    auto r = server.call(method, target, body, token);
    std::string text = std::to_string(r.status) + "\n";
    for (const auto& [k, v] : r.headers.all()) text += k + ": " + v + "\n";
    collected.push_back({method + " " + target, text + r.body + r.failure, std::move(allowed)});
    return r;
  }

  std::string createToken(const std::string& name, const std::string& role) {
    // Found after the call: the answer is the one place the new token may appear.
    auto r = server.call("POST", "/api/tokens",
                         R"({"name":")" + name + R"(","role":")" + role + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    std::string token = r.status == 201 ? std::string(r.json().at("token").as_string()) : "";
    collected.push_back({"POST /api/tokens " + name, r.body, token});
    secrets.push_back({"token " + name, token});
    return token;
  }

  // Runs an npufleet command to completion; its output joins the haystack.
  std::string run(const std::string& label, std::vector<std::string> args,
                  std::map<std::string, std::string> env = {}, int* exit_code = nullptr,
                  std::string allowed = {}) {
    ProcessFixture p;
    ProcessFixture::Options o;
    o.binary = NPUFLEET_BINARY;
    o.args = std::move(args);
    o.env = std::move(env);
    o.ready_marker = "";
    std::string error;
    EXPECT_TRUE(p.start(o, &error)) << error;
    auto code = p.wait(std::chrono::seconds(60));
    if (exit_code) *exit_code = code.value_or(-1);
    const std::string out = p.stdoutText() + p.stderrText();
    collected.push_back({label, out, std::move(allowed)});
    return out;
  }

  ServerHarness server{{"--set", "log.level=debug"}};
  std::vector<Haystack> collected;
  std::vector<Secret> secrets;
};

TEST_F(SecretLeakTest, NoSecretInAnyLogLineResponseOrCommandOutput) {
  server.start();
  secrets.push_back({"admin token", server.admin});
  const std::string data = server.dir.path() + "/data";
  const std::string service_key = trim(readFile(data + "/service.key"));
  ASSERT_GE(service_key.size(), 32u);
  secrets.push_back({"service key", service_key});
  const std::string base = "http://127.0.0.1:" + std::to_string(server.process->port());

  // A worker that trusts the control plane's key, logging at debug.
  TempDir wdir("npufleet-secret-worker");
  fs::create_directories(wdir / "models");
  fs::create_directories(wdir / "keys");
  for (const char* f : {"embedding-mlp.onnx", "embedding-mlp.json"}) {
    fs::copy_file(std::string(NPUFLEET_SOURCE_DIR) + "/models/samples/" + f,
                  wdir / (std::string("models/") + f));
  }
  writePrivate(wdir / "keys/main-backend.key", service_key + "\n");
  ProcessFixture worker;
  {
    ProcessFixture::Options o;
    o.binary = NPUFLEET_BINARY;
    o.args = {"worker",        "--listen",       "127.0.0.1:0", "--models-dir",
              wdir / "models", "--trusted-keys", wdir / "keys", "--device",
              "cpu",           "--log-level",    "debug"};
    std::string error;
    ASSERT_TRUE(worker.start(o, &error)) << error;
  }

  // Tokens: created, listed, used, revoked; near misses of the admin token.
  const std::string viewer = createToken("leak-viewer", "viewer");
  const std::string op = createToken("leak-operator", "operator");
  const std::string infer = createToken("leak-inference", "inference");
  const std::string admin2 = createToken("leak-admin2", "admin");
  const std::string doomed = createToken("leak-doomed", "viewer");
  EXPECT_EQ(call("GET", "/api/me", "", viewer).status, 200);
  EXPECT_EQ(call("GET", "/api/me", "", admin2).status, 200);
  EXPECT_EQ(call("GET", "/api/tokens").status, 200);
  EXPECT_EQ(call("DELETE", "/api/tokens/leak-doomed").status, 204);
  EXPECT_EQ(call("GET", "/api/me", "", doomed).status, 401);
  for (int i = 1; i <= 5; ++i) {
    std::string near = server.admin;
    near.back() = near.back() == 'a' ? 'b' : 'a';
    if (i > 1) near = near.substr(0, near.size() - static_cast<size_t>(i)) + std::string(i, '0');
    secrets.push_back({"near-miss " + std::to_string(i), near});
    EXPECT_EQ(call("GET", "/api/fleet/nodes", "", near).status, 401);
  }
  EXPECT_EQ(call("GET", "/api/fleet/nodes", "", viewer + "x").status, 401);
  EXPECT_EQ(call("POST", "/api/tokens", R"({"name":"x","role":"admin"})", op).status, 403);
  {
    auto ex = rawExchange(
        server.process->host(), server.process->port(),
        "GET /api/events?access_token=" + viewer + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        std::chrono::milliseconds(500));
    ASSERT_FALSE(ex.responses.empty()) << ex.describe();
    EXPECT_EQ(ex.responses[0].status, 200);
    collected.push_back({"GET /api/events", ex.raw, {}});
  }

  // The worker in the fleet: registration, detection, probe, model load, routed inference.
  const std::string wport = std::to_string(worker.port());
  auto node =
      call("POST", "/api/fleet/nodes",
           R"({"name":"w1","ip":"127.0.0.1","npuPort":)" + wport + R"(,"roles":["npu-worker"]})");
  ASSERT_EQ(node.status, 201) << node.body;
  const std::string id(node.json().at("id").as_string());
  auto detect = call("POST", "/api/nodes/" + id + "/npu/detect", "", op);
  ASSERT_EQ(detect.status, 200) << detect.body;
  EXPECT_EQ(detect.json().at("detectionStatus"), "detected") << detect.body;
  EXPECT_EQ(call("POST", "/api/npu/detect", "", op).status, 200);
  EXPECT_EQ(call("POST", "/api/npu/probe", R"({"ip":"127.0.0.1","npuPort":)" + wport + "}").status,
            200);
  auto load = call("POST", "/api/nodes/" + id + "/npu/models/embedding-mlp/load", "", op);
  EXPECT_EQ(load.status, 200) << load.body;
  EXPECT_EQ(
      call("POST", "/api/npu/load-balancing", R"({"strategy":"least-loaded","modelAffinity":{}})")
          .status,
      200);
  int inference_status = 0;
  for (int i = 0; i < 50 && inference_status != 200; ++i) {
    inference_status = call("POST", "/api/npu/inference", mlpBody(), infer).status;
    if (inference_status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(inference_status, 200) << "routed inference never succeeded";
  for (const std::string& t : std::vector<std::string>{
           "/api/fleet/nodes", "/api/fleet/nodes/" + id, "/api/nodes/" + id + "/npu/status",
           "/api/npu/nodes", "/api/npu/summary", "/api/npu/routing/stats",
           "/api/nodes/" + id + "/npu/history", "/api/npu/load-balancing",
           "/api/audit?per_page=200", "/metrics", "/readyz"}) {
    EXPECT_EQ(call("GET", t).status, 200) << t;
  }
  EXPECT_EQ(call("POST", "/api/nodes/" + id + "/npu/models/embedding-mlp/unload", "", op).status,
            200);

  // The worker directly: unsigned and badly signed requests are refused and logged.
  for (const auto& headers : std::vector<std::map<std::string, std::string>>{
           {},
           {{"X-Service-ID", "main-backend"},
            {"X-Service-Timestamp", "1"},
            {"X-Service-Signature", std::string(64, 'a')}}}) {
    auto r = request("127.0.0.1", worker.port(), "GET", "/health", "", headers);
    EXPECT_EQ(r.status, 401);
    collected.push_back({"worker GET /health", r.body, {}});
  }

  // The admin CLI.
  const std::string token_file = server.dir / "cli.token";
  writePrivate(token_file, admin2 + "\n");
  const std::string bad_file = server.dir / "bad.token";
  // One character off: the last one changed (never to itself, or the "bad" token is the token).
  const std::string near_miss =
      admin2.substr(0, admin2.size() - 1) + (admin2.back() == '0' ? "1" : "0");
  writePrivate(bad_file, near_miss + "\n");
  secrets.push_back({"cli near-miss", near_miss});
  int code = 0;
  run("token list", {"token", "list", "--server", base, "--token-file", token_file}, {}, &code);
  EXPECT_EQ(code, 0);
  run("nodes list", {"nodes", "list", "--server", base, "--token-file", token_file}, {}, &code);
  EXPECT_EQ(code, 0);
  run("nodes list, bad token", {"nodes", "list", "--server", base, "--token-file", bad_file}, {},
      &code);
  EXPECT_NE(code, 0);
  {
    ProcessFixture p;
    ProcessFixture::Options o;
    o.binary = NPUFLEET_BINARY;
    o.args = {"token",  "create",   "--name", "cli-made",     "--role",
              "viewer", "--server", base,     "--token-file", token_file};
    o.ready_marker = "";
    ASSERT_TRUE(p.start(o));
    EXPECT_EQ(p.wait(std::chrono::seconds(30)), 0) << p.stderrText();
    std::string out = trim(p.stdoutText());
    const std::string made = out.substr(out.find_last_of('\n') + 1);
    EXPECT_EQ(made.rfind("npf_", 0), 0u) << out;
    secrets.push_back({"token cli-made", made});
    collected.push_back({"token create", p.stdoutText() + p.stderrText(), made});
  }

  // Configuration with secrets in it, printed and wrong.
  const std::string canary = "cafe0123456789abcdef0123456789abcdeftrusted";
  const std::string env_canary = "beef0123456789abcdef0123456789abcdefenvvar";
  secrets.push_back({"trusted key via --set", canary});
  secrets.push_back({"trusted key via environment", env_canary});
  const std::map<std::string, std::string> env{
      {"NPUFLEET_AUTH_TRUSTED_KEYS", "other:" + env_canary}};
  auto printed = run("server --print-config",
                     {"server", "--print-config", "--data-dir", data, "--set",
                      "auth.trusted_keys=main-backend:" + canary, "--set", "log.level=debug"},
                     env, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(printed.find("trusted_keys = \"********\""), std::string::npos) << printed;
  // The worker has no --set: its configuration comes from flags, a file and the environment.
  printed = run("worker --print-config",
                {"worker", "--print-config", "--models-dir", wdir / "models", "--trusted-keys",
                 wdir / "keys"},
                {{"NPUFLEET_AUTH_TRUSTED_KEYS", "main-backend:" + canary}}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(printed.find("trusted_keys = \"********\""), std::string::npos) << printed;
  // Start-up errors about keys name the file or entry, never the key.
  TempDir bad("npufleet-secret-badkeys");
  const std::string short_key = canary.substr(2, 14);
  secrets.push_back({"short trusted key entry", short_key});
  const std::vector<std::pair<std::string, std::string>> bad_entries = {
      {"trusted key entry without a service id", canary},
      {"short trusted key entry", "main-backend:" + short_key},
  };
  for (const auto& [label, entry] : bad_entries) {
    run(label,
        {"worker", "--listen", "127.0.0.1:0", "--models-dir", wdir / "models", "--device", "cpu",
         "--log-level", "debug"},
        {{"NPUFLEET_AUTH_TRUSTED_KEYS", entry}}, &code);
    EXPECT_NE(code, 0) << label;
  }
  fs::create_directories(bad / "short");
  writePrivate(bad / "short/main-backend.key", canary.substr(4, 14) + "\n");
  secrets.push_back({"short key in a key file", canary.substr(4, 14)});
  fs::create_directories(bad / "open");
  writePrivate(bad / "open/main-backend.key", canary + "\n", 0644);
  for (const char* sub : {"short", "open"}) {
    run(std::string("worker with ") + sub + " key file",
        {"worker", "--listen", "127.0.0.1:0", "--models-dir", wdir / "models", "--trusted-keys",
         bad / sub, "--device", "cpu", "--log-level", "debug"},
        {}, &code);
    EXPECT_NE(code, 0) << sub;
  }

  // Everything the long-running processes wrote, after they have stopped.
  EXPECT_EQ(worker.stop(), 0);
  EXPECT_EQ(server.process->stop(), 0);
  collected.push_back(
      {"server stdout+stderr", server.process->stdoutText() + server.process->stderrText(), {}});
  collected.push_back({"worker stdout+stderr", worker.stdoutText() + worker.stderrText(), {}});
  // The logs are real: debug level was on and requests were logged.
  EXPECT_NE(collected.back().text.find("GET /health"), std::string::npos);
  EXPECT_NE(collected[collected.size() - 2].text.find("POST /api/tokens"), std::string::npos);

  // The hashes of every token are secrets too (they are what the database stores).
  const size_t n = secrets.size();
  for (size_t i = 0; i < n; ++i) {
    if (secrets[i].label.rfind("token", 0) == 0 || secrets[i].label == "admin token") {
      secrets.push_back({"SHA-256 of " + secrets[i].label, sha256Hex(secrets[i].value)});
    }
  }

  size_t bytes = 0;
  for (const auto& h : collected) bytes += h.text.size();
  EXPECT_GT(bytes, 10000u) << "too little was captured to mean anything";
  for (const auto& s : secrets) {
    ASSERT_GE(s.value.size(), kPiece) << s.label;
    for (const auto& h : collected) {
      const size_t at = findLeak(s.value, h.text, h.allowed_secret);
      if (at != std::string::npos) {
        ADD_FAILURE() << s.label << " (or a piece of it) appears in " << h.label << ": ..."
                      << h.text.substr(at > 60 ? at - 60 : 0, 160) << "...";
      }
    }
  }
  // The search itself finds a piece of a secret.
  const std::string planted = "x" + server.admin.substr(20, kPiece) + "y";
  EXPECT_NE(findLeak(server.admin, planted, ""), std::string::npos);
  EXPECT_EQ(findLeak(server.admin, planted, server.admin), std::string::npos);
  // The issuing answers carry their token and nothing else secret: checked above, since each is
  // searched for every other secret.
}

}  // namespace
}  // namespace npufleet::testing
