// The probe preview and node registration make the control plane send requests where an admin
// says and show what comes back (issue 20, item 5): metadata, link-local, unspecified addresses,
// odd notations and the control plane itself are refused, one worker has one registration, a
// target's body never comes back in an error, and every probe is audited with its target.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "server/ServerHarness.h"

namespace npufleet::testing {
namespace {

// Not a worker: a service on loopback answering every request with an HTML error page that
// carries a secret, like an internal admin console would.
class HtmlService {
 public:
  static constexpr const char* kSecret = "AKIAIOSFODNN7EXAMPLE-secret-in-page";

  HtmlService() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
      throw std::runtime_error("cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HtmlService() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int served() const { return served_.load(); }

 private:
  void serve() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      const std::string body = std::string("<html><body><h1>Internal console</h1><pre>token=") +
                               kSecret + "</pre></body></html>";
      const std::string answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
                                 "Content-Length: " + std::to_string(body.size()) +
                                 "\r\nConnection: close\r\n\r\n" + body;
      (void)!::write(c, answer.data(), answer.size());
      ++served_;
      ::close(c);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> served_{0};
  std::thread thread_;
};

class ProbeTargetsTest : public SharedServerTest {
 protected:
  static HttpReply probe(const std::string& ip, int port) {
    return harness->call("POST", "/api/npu/probe",
                         R"({"ip":")" + ip + R"(","npuPort":)" + std::to_string(port) + "}");
  }
  static std::string field(const HttpReply& r) {
    const auto body = r.json();
    const auto& details = body.at("error").at("details").as_array();
    return details.empty() ? "" : std::string(details[0].at("field").as_string());
  }
};

TEST_F(ProbeTargetsTest, ProbeAndRegistrationRefuseMetadataLinkLocalUnspecifiedAndNotations) {
  for (std::string bad : {"169.254.169.254", "0.0.0.0", "0x7f000001", "2130706433",
                          "::ffff:127.0.0.1", "[::ffff:169.254.169.254]", "fe80::1", "::",
                          "metadata.google.internal"}) {
    auto p = probe(bad, 80);
    EXPECT_EQ(p.status, 400) << bad << ": " << p.body;
    EXPECT_EQ(field(p), "ip") << bad;
    auto r = harness->call("POST", "/api/fleet/nodes", R"({"name":"n","ip":")" + bad + R"("})");
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_EQ(field(r), "ip") << bad;
  }
}

TEST_F(ProbeTargetsTest, TheControlPlanesOwnPortIsRefused) {
  const int own = harness->process->port();
  for (std::string self : {"127.0.0.1", "localhost", "::1"}) {
    auto p = probe(self, own);
    EXPECT_EQ(p.status, 400) << self << ": " << p.body;
    EXPECT_NE(p.body.find("the control plane itself"), std::string::npos) << p.body;
  }
  auto r = harness->call("POST", "/api/fleet/nodes",
                         R"({"name":"self","ip":"127.0.0.1","npuPort":)" + std::to_string(own) + "}");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(ProbeTargetsTest, OneWorkerIsOneNodeWhateverItsSpelling) {
  auto first = harness->call("POST", "/api/fleet/nodes",
                             R"({"name":"w-local","ip":"localhost","npuPort":18999})");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json().at("ip"), "127.0.0.1");
  auto again = harness->call("POST", "/api/fleet/nodes",
                             R"({"name":"w-again","ip":"127.0.0.1","npuPort":18999})");
  EXPECT_EQ(again.status, 409) << again.body;
}

TEST_F(ProbeTargetsTest, AFailedProbeNeverShowsTheTargetsBodyAndIsAudited) {
  HtmlService html;
  auto p = probe("127.0.0.1", html.port());
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_GE(html.served(), 1);
  const auto body = p.json();
  EXPECT_EQ(body.at("ok"), false);
  const std::string error(body.at("error").as_string());
  EXPECT_EQ(error.find(HtmlService::kSecret), std::string::npos) << error;
  EXPECT_EQ(error.find("<html"), std::string::npos) << error;
  EXPECT_NE(error.find("500"), std::string::npos) << error;

  auto audit = harness->call("GET", "/api/audit?per_page=5");
  ASSERT_EQ(audit.status, 200);
  const auto entries = audit.json();
  const auto& latest = entries.at("entries").as_array().at(0);
  EXPECT_EQ(latest.at("action"), "npu.probe");
  EXPECT_EQ(latest.at("actor"), "admin");
  EXPECT_EQ(latest.at("target"), ("127.0.0.1:" + std::to_string(html.port())).c_str());
  EXPECT_EQ(latest.at("after").at("ok"), false);
  EXPECT_EQ(audit.body.find(HtmlService::kSecret), std::string::npos);
}

}  // namespace
}  // namespace npufleet::testing
