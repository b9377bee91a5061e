// The real control plane and worker over HTTPS, with a self-signed certificate made by the test:
// the API over TLS, plain HTTP and untrusted or misnamed clients refused cleanly, and the control
// plane detecting and routing inference to a TLS worker (npu.worker_tls + npu.worker_ca_file),
// every call still signed.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "auth/KeyFile.h"
#include "auth/ServiceSigner.h"
#include "common/Clock.h"
#include "http/Client.h"
#include "support/ProcessFixture.h"
#include "tls/TestCertificate.h"

namespace npufleet::testing {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

std::string embeddingBody() {
  bj::array data;
  for (int i = 0; i < 64; ++i) data.push_back(0.5 + i * 0.01);
  return bj::serialize(bj::object{
      {"model", "embedding-mlp"},
      {"inputs", bj::object{{"input", bj::object{{"shape", bj::array{1, 64}}, {"data", data}}}}}});
}

bj::value parse(const std::string& body) {
  boost::system::error_code ec;
  auto v = bj::parse(body, ec);
  return ec ? bj::value() : v;
}

// One worker and one control plane, both on HTTPS with the same certificate (IP:127.0.0.1), and
// one service key: the control plane signs with it, the worker trusts it.
struct TlsFleet {
  TempDir dir{"npufleet-tls-it"};
  TestCertificate cert;
  std::string key;
  ProcessFixture worker;
  ProcessFixture server;
  std::string admin;
  std::string error;

  bool start() {
    cert = makeSelfSignedCertificate(dir.path(), "fleet", "127.0.0.1", {"IP:127.0.0.1"});
    fs::create_directories(dir / "models");
    fs::create_directories(dir / "keys");
    for (const char* ext : {".onnx", ".json"}) {
      fs::copy_file(std::string(NPUFLEET_SOURCE_DIR) + "/models/samples/embedding-mlp" + ext,
                    dir / (std::string("models/embedding-mlp") + ext));
    }
    key = *auth::generateKey();
    if (!auth::writeKeyLine(dir / "keys/main-backend.key", key, false) ||
        !auth::writeKeyLine(dir / "service.key", key, false)) {
      error = "cannot write the service key";
      return false;
    }
    ProcessFixture::Options w;
    w.binary = NPUFLEET_BINARY;
    w.args = {"worker", "--listen", "127.0.0.1:0", "--models-dir", dir / "models",
              "--trusted-keys", dir / "keys", "--device", "cpu", "--log-level", "warn",
              "--tls-cert", cert.cert_file, "--tls-key", cert.key_file};
    w.env = {{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp"}};
    if (!worker.start(w, &error)) {
      error = "worker: " + error + " " + worker.stderrText();
      return false;
    }
    ProcessFixture::Options s;
    s.binary = NPUFLEET_BINARY;
    s.args = {"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data",
              "--web-dir", dir / "web", "--service-key-file", dir / "service.key",
              "--tls-cert", cert.cert_file, "--tls-key", cert.key_file,
              "--set", "npu.worker_tls=true", "--set", "npu.worker_ca_file=" + cert.cert_file,
              "--set", "npu.monitor_interval_ms=300", "--set", "log.level=warn"};
    if (!server.start(s, &error)) {
      error = "server: " + error + " " + server.stderrText();
      return false;
    }
    std::ifstream(dir / "data/admin.token") >> admin;
    if (admin.empty()) error = "no admin token";
    return !admin.empty();
  }
};

class TlsFleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fleet_ = new TlsFleet();
    ready_ = fleet_->start();
  }
  static void TearDownTestSuite() {
    delete fleet_;
    fleet_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(ready_) << fleet_->error; }

  // A control-plane API call; HTTPS trusting the test's certificate unless told otherwise.
  static http::ClientRequest apiRequest(const std::string& method, const std::string& target,
                                        std::string body = {}) {
    http::ClientRequest r;
    r.method = method;
    r.host = "127.0.0.1";
    r.port = fleet_->server.port();
    r.target = target;
    r.tls = true;
    r.tls_ca_file = fleet_->cert.cert_file;
    r.body = std::move(body);
    if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
    r.headers.set("Authorization", "Bearer " + fleet_->admin);
    r.total_timeout = std::chrono::seconds(30);
    return r;
  }
  static http::ClientResult api(const std::string& method, const std::string& target,
                                std::string body = {}) {
    return http::sendBlocking(apiRequest(method, target, std::move(body)));
  }

  static std::string exitAndStderr(std::vector<std::string> args) {
    ProcessFixture p;
    ProcessFixture::Options o;
    o.binary = NPUFLEET_BINARY;
    o.args = std::move(args);
    o.ready_marker.clear();
    std::string error;
    if (!p.start(o, &error)) return "not started: " + error;
    auto code = p.wait(std::chrono::seconds(30));
    return "exit " + (code ? std::to_string(*code) : std::string("none")) + ": " +
           p.stdoutText() + p.stderrText();
  }

  static inline TlsFleet* fleet_ = nullptr;
  static inline bool ready_ = false;
};

TEST_F(TlsFleetTest, ApiAnswersOverHttpsToAClientTrustingTheGeneratedCertificate) {
  auto health = api("GET", "/healthz");
  ASSERT_TRUE(health.ok()) << health.message;
  EXPECT_EQ(health.response.status, 200);
  auto nodes = api("GET", "/api/fleet/nodes");
  ASSERT_TRUE(nodes.ok()) << nodes.message;
  EXPECT_EQ(nodes.response.status, 200);
  EXPECT_TRUE(parse(nodes.response.body).is_object()) << nodes.response.body;
}

TEST_F(TlsFleetTest, PlainHttpToTheTlsPortFailsCleanlyAndTheServerKeepsServing) {
  auto plain = apiRequest("GET", "/api/fleet/nodes");
  plain.tls = false;
  auto r = http::sendBlocking(plain);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 400);
  EXPECT_NE(r.response.body.find("https://"), std::string::npos) << r.response.body;
  // Nothing of the API leaked over plain HTTP, and the server is still up.
  EXPECT_EQ(r.response.body.find("nodes"), std::string::npos) << r.response.body;
  EXPECT_TRUE(fleet_->server.alive());
  auto again = api("GET", "/api/fleet/nodes");
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_EQ(again.response.status, 200);
}

TEST_F(TlsFleetTest, ClientThatDoesNotTrustTheCertificateGetsAVerifyError) {
  auto untrusting = apiRequest("GET", "/api/fleet/nodes");
  untrusting.tls_ca_file.clear();  // the system's store
  auto r = http::sendBlocking(untrusting);
  EXPECT_EQ(r.failure, http::ClientFailure::kTls);
  EXPECT_NE(r.message.find("certificate verify failed"), std::string::npos) << r.message;
  EXPECT_TRUE(fleet_->server.alive());
}

TEST_F(TlsFleetTest, HostnameMismatchIsRejected) {
  auto by_name = apiRequest("GET", "/api/fleet/nodes");
  by_name.host = "localhost";  // the certificate names IP 127.0.0.1 only
  auto r = http::sendBlocking(by_name);
  EXPECT_EQ(r.failure, http::ClientFailure::kTls);
  EXPECT_NE(r.message.find("hostname mismatch"), std::string::npos) << r.message;
}

TEST_F(TlsFleetTest, WorkerServesSignedRequestsOverHttps) {
  http::ClientRequest r;
  r.host = "127.0.0.1";
  r.port = fleet_->worker.port();
  r.target = "/health";
  r.tls = true;
  r.tls_ca_file = fleet_->cert.cert_file;
  r.total_timeout = std::chrono::seconds(30);
  auto signer = auth::ServiceSigner::create("main-backend", fleet_->key, SystemClock::instance());
  ASSERT_TRUE(signer.ok());
  auto signed_request = r;
  ASSERT_TRUE(signer->sign(signed_request).ok());
  auto ok = http::sendBlocking(signed_request);
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.response.status, 200) << ok.response.body;
  // TLS does not replace the signature: unsigned is still refused.
  auto unsigned_ = http::sendBlocking(r);
  ASSERT_TRUE(unsigned_.ok()) << unsigned_.message;
  EXPECT_EQ(unsigned_.response.status, 401);
  // And plain HTTP to the worker's TLS port is refused before any route runs.
  signed_request.tls = false;
  auto plain = http::sendBlocking(signed_request);
  ASSERT_TRUE(plain.ok()) << plain.message;
  EXPECT_EQ(plain.response.status, 400);
}

TEST_F(TlsFleetTest, ControlPlaneDetectsAndRoutesInferenceToTheTlsWorker) {
  const std::string node = R"({"name":"tls-worker","ip":"127.0.0.1","npuPort":)" +
                           std::to_string(fleet_->worker.port()) + R"(,"roles":["npu-worker"]})";
  auto added = api("POST", "/api/fleet/nodes", node);
  ASSERT_TRUE(added.ok()) << added.message;
  ASSERT_EQ(added.response.status, 201) << added.response.body;
  const std::string id(parse(added.response.body).at("id").as_string());

  bj::value status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto r = api("GET", "/api/nodes/" + id + "/npu/status");
    ASSERT_TRUE(r.ok()) << r.message;
    status = parse(r.response.body);
    const auto& o = status.as_object();
    if (o.at("detectionStatus") == "detected" && o.at("status") == "online") break;
    ASSERT_NE(o.at("detectionStatus"), "failed") << r.response.body;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << r.response.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto& caps = status.at("capabilities").as_object();
  EXPECT_EQ(caps.at("deviceType"), "cpu");
  bool has_model = false;
  for (const auto& m : caps.at("models").as_array()) has_model |= m == "embedding-mlp";
  EXPECT_TRUE(has_model) << bj::serialize(status);

  auto inference = api("POST", "/api/npu/inference", embeddingBody());
  ASSERT_TRUE(inference.ok()) << inference.message;
  ASSERT_EQ(inference.response.status, 200) << inference.response.body;
  EXPECT_EQ(inference.response.headers.get("X-Npufleet-Node"), id);
  EXPECT_TRUE(parse(inference.response.body).as_object().contains("outputs"))
      << inference.response.body;
}

TEST_F(TlsFleetTest, AdminCliReachesAnHttpsServerWithItsCaFile) {
  const std::string url = "https://127.0.0.1:" + std::to_string(fleet_->server.port());
  const std::string token = fleet_->dir / "data/admin.token";
  auto trusted = exitAndStderr({"nodes", "list", "--server", url, "--token-file", token,
                                "--ca-file", fleet_->cert.cert_file});
  EXPECT_EQ(trusted.rfind("exit 0:", 0), 0u) << trusted;
  auto untrusted = exitAndStderr({"nodes", "list", "--server", url, "--token-file", token});
  EXPECT_EQ(untrusted.rfind("exit 1:", 0), 0u) << untrusted;
  EXPECT_NE(untrusted.find("certificate verify failed"), std::string::npos) << untrusted;
}

TEST(TlsConfiguration, ServerWithAnUnreadableCertificateStopsNamingTheFile) {
  TempDir dir("npufleet-tls-cfg");
  auto cert = makeSelfSignedCertificate(dir.path(), "c", "127.0.0.1", {"IP:127.0.0.1"});
  ProcessFixture p;
  ProcessFixture::Options o;
  o.binary = NPUFLEET_BINARY;
  o.args = {"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data", "--web-dir",
            dir / "web", "--tls-cert", dir / "absent.crt", "--tls-key", cert.key_file};
  o.ready_marker.clear();
  ASSERT_TRUE(p.start(o));
  auto code = p.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(p.stderrText().find(dir / "absent.crt"), std::string::npos) << p.stderrText();

  ProcessFixture w;
  o.args = {"worker", "--listen", "127.0.0.1:0", "--models-dir", dir.path(), "--trusted-keys",
            dir.path(), "--tls-cert", cert.cert_file};
  ASSERT_TRUE(w.start(o));
  code = w.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(w.stderrText().find("worker.tls_key_file"), std::string::npos) << w.stderrText();
}

TEST(TlsConfiguration, CaFileWithoutWorkerTlsIsRefused) {
  TempDir dir("npufleet-tls-cfg");
  ProcessFixture p;
  ProcessFixture::Options o;
  o.binary = NPUFLEET_BINARY;
  o.args = {"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data", "--web-dir",
            dir / "web", "--set", "npu.worker_ca_file=" + (dir / "ca.pem")};
  o.ready_marker.clear();
  ASSERT_TRUE(p.start(o));
  auto code = p.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(p.stderrText().find("npu.worker_tls"), std::string::npos) << p.stderrText();
}

// ProcessFixture reads stdout on its own thread, which may still be at it when the exit is seen.
std::string stdoutOnceContains(const ProcessFixture& p, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (p.stdoutText().find(needle) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return p.stdoutText();
}

TEST(TlsConfiguration, PrintConfigShowsTheTlsKeys) {
  ProcessFixture p;
  ProcessFixture::Options o;
  o.binary = NPUFLEET_BINARY;
  o.args = {"server", "--print-config", "--tls-cert", "/etc/npufleet/tls/cp.crt"};
  o.ready_marker.clear();
  ASSERT_TRUE(p.start(o));
  ASSERT_EQ(p.wait(std::chrono::seconds(30)), 0);
  const auto out = stdoutOnceContains(p, "worker_ca_file");
  EXPECT_NE(out.find("tls_cert_file = '/etc/npufleet/tls/cp.crt'"), std::string::npos) << out;
  for (const char* key : {"tls_key_file", "tls_min_version", "worker_tls", "worker_ca_file"}) {
    EXPECT_NE(out.find(key), std::string::npos) << key << "\n" << out;
  }
  ProcessFixture w;
  o.args = {"worker", "--print-config"};
  ASSERT_TRUE(w.start(o));
  ASSERT_EQ(w.wait(std::chrono::seconds(30)), 0);
  const auto worker_out = stdoutOnceContains(w, "tls_min_version");
  EXPECT_NE(worker_out.find("tls_cert_file"), std::string::npos) << worker_out;
}

}  // namespace
}  // namespace npufleet::testing
