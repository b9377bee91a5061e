// Known-answer tests: the expected v1 and v2 values are computed here with OpenSSL directly from
// strings written out by hand, never with the code under test.
#include "auth/ServiceSigner.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "auth/SignatureFormat.h"

namespace npufleet::auth {
namespace {

std::string hexOf(const unsigned char* p, size_t n) {
  std::string out;
  char buf[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    out += buf;
  }
  return out;
}

std::string opensslHmac(const std::string& key, const std::string& msg) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  return hexOf(mac, len);
}

std::string opensslSha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hexOf(md, len);
}

const std::string kKey = "4f1c2a9e7b3d5f60818293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
const std::string kNonce = "000102030405060708090a0b0c0d0e0f";
constexpr int64_t kTs = 1767225600;

http::ClientRequest sampleRequest() {
  http::ClientRequest r;
  r.method = "POST";
  r.host = "10.0.0.7";
  r.port = 8081;
  r.target = "/models/load?force=true";
  r.body = R"({"model_id":"phi-3-mini"})";
  return r;
}

TEST(ServiceSigner, V1SignatureIsSeedFormatOverPathWithoutQueryUsingKeyStringBytes) {
  FakeClock clock(kTs);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  auto req = sampleRequest();
  ASSERT_TRUE(signer->signWith(req, kTs, kNonce).ok());
  EXPECT_EQ(req.headers.get("X-Service-ID"), "main-backend");
  EXPECT_EQ(req.headers.get("X-Service-Timestamp"), "1767225600");
  EXPECT_EQ(req.headers.get("X-Service-Signature"),
            opensslHmac(kKey, "main-backend:POST:/models/load:1767225600"));
}

TEST(ServiceSigner, V2SignatureCoversNonceBodyQueryHostAndKeyId) {
  FakeClock clock(kTs);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  auto req = sampleRequest();
  ASSERT_TRUE(signer->signWith(req, kTs, kNonce).ok());
  const std::string key_id = opensslSha256(kKey).substr(0, 16);
  const std::string body_sha = opensslSha256(R"({"model_id":"phi-3-mini"})");
  const std::string to_sign = "NPUFLEET-HMAC-SHA256-V2\nmain-backend\n" + key_id +
                              "\n1767225600\n000102030405060708090a0b0c0d0e0f\nPOST\n"
                              "10.0.0.7:8081\n/models/load\nforce=true\n" +
                              body_sha;
  EXPECT_EQ(req.headers.get("X-Service-Key-Id"), key_id);
  EXPECT_EQ(req.headers.get("X-Service-Nonce"), kNonce);
  EXPECT_EQ(req.headers.get("X-Service-Content-SHA256"), body_sha);
  EXPECT_EQ(req.headers.get("X-Service-Signature-V2"), opensslHmac(kKey, to_sign));
}

// "Host: ::1:8081" is no host and port (issue 20, item 6); the signer covers the Host that
// http::Client sends, both from common/HostPort.
TEST(ServiceSigner, CoversAnIpv6LiteralsHostInBrackets) {
  FakeClock clock(kTs);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  auto req = sampleRequest();
  req.host = "::1";
  ASSERT_TRUE(signer->signWith(req, kTs, kNonce).ok());
  const std::string key_id = opensslSha256(kKey).substr(0, 16);
  const std::string to_sign = "NPUFLEET-HMAC-SHA256-V2\nmain-backend\n" + key_id +
                              "\n1767225600\n000102030405060708090a0b0c0d0e0f\nPOST\n"
                              "[::1]:8081\n/models/load\nforce=true\n" +
                              opensslSha256(R"({"model_id":"phi-3-mini"})");
  EXPECT_EQ(req.headers.get("X-Service-Signature-V2"), opensslHmac(kKey, to_sign));
}

// The worked example of docs/security.md; the literals come from `openssl dgst -sha256 -hmac`.
TEST(ServiceSigner, MatchesTheWorkedExampleInSecurityDoc) {
  FakeClock clock(kTs);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  auto req = sampleRequest();
  ASSERT_TRUE(signer->signWith(req, kTs, kNonce).ok());
  EXPECT_EQ(req.headers.get("X-Service-Key-Id"), "679e801d83f2424e");
  EXPECT_EQ(req.headers.get("X-Service-Content-SHA256"),
            "4d7e833615942ba135690085db25ef315f9451ba258ca25e0aa19444815a3a6a");
  EXPECT_EQ(req.headers.get("X-Service-Signature-V2"),
            "90269694414073c3002da2b27acf1f2470cbc1c6a0ab149b31403fdce7a4f0de");
  EXPECT_EQ(req.headers.get("X-Service-Signature"),
            "22d6d1ad4c0ff25a897e474fdbf2e3bde2199de1e437ff868386f895b5b9abe6");
}

TEST(ServiceSigner, EmptyBodyDigestIsSha256OfNothing) {
  FakeClock clock(kTs);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  http::ClientRequest req;
  req.host = "127.0.0.1";
  req.port = 8081;
  req.target = "/health";
  ASSERT_TRUE(signer->signWith(req, kTs, kNonce).ok());
  EXPECT_EQ(req.headers.get("X-Service-Content-SHA256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ServiceSigner, SignUsesClockSecondsAndAFresh128BitNonceEachTime) {
  FakeClock clock(kTs + 42);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  auto a = sampleRequest();
  auto b = sampleRequest();
  ASSERT_TRUE(signer->sign(a).ok());
  ASSERT_TRUE(signer->sign(b).ok());
  EXPECT_EQ(a.headers.get("X-Service-Timestamp"), std::to_string(kTs + 42));
  EXPECT_TRUE(isLowerHex(a.headers.get("X-Service-Nonce"), 32, 32));
  EXPECT_NE(a.headers.get("X-Service-Nonce"), b.headers.get("X-Service-Nonce"));
}

// Nonces are drawn in blocks per thread: across several blocks none repeats, and a forked child
// does not hand out the nonce its parent hands out next.
TEST(ServiceSigner, NoncesStayUniqueAcrossBlocksAndFork) {
  FakeClock clock(kTs);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  auto nonce = [&] {
    auto r = sampleRequest();
    EXPECT_TRUE(signer->sign(r).ok());
    return std::string(r.headers.get("X-Service-Nonce"));
  };
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(nonce()).second) << "repeat at " << i;

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string child = nonce();
    const ssize_t n = ::write(fds[1], child.data(), child.size());
    ::_exit(n == static_cast<ssize_t>(child.size()) ? 0 : 1);
  }
  const std::string parent = nonce();
  char buf[64] = {};
  const ssize_t n = ::read(fds[0], buf, sizeof buf);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  ASSERT_EQ(n, 32);
  EXPECT_NE(std::string(buf, 32), parent);
  EXPECT_EQ(seen.count(std::string(buf, 32)), 0u);
}

TEST(ServiceSigner, V1CanBeLeftOutForV2OnlyDeployments) {
  FakeClock clock(kTs);
  SignerOptions opts;
  opts.send_v1 = false;
  auto signer = ServiceSigner::create("main-backend", kKey, clock, opts);
  ASSERT_TRUE(signer.ok());
  auto req = sampleRequest();
  ASSERT_TRUE(signer->sign(req).ok());
  EXPECT_FALSE(req.headers.has("X-Service-Signature"));
  EXPECT_TRUE(req.headers.has("X-Service-Signature-V2"));
}

TEST(ServiceSigner, RefusesFieldsThatWouldBreakFieldBoundaries) {
  FakeClock clock(kTs);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());
  auto bad_method = sampleRequest();
  bad_method.method = "GET\nX";
  EXPECT_EQ(signer->sign(bad_method).error().field, "method");
  auto bad_target = sampleRequest();
  bad_target.target = "/a b";
  EXPECT_EQ(signer->sign(bad_target).error().field, "target");
  auto absolute = sampleRequest();
  absolute.target = "http://x/models";
  EXPECT_EQ(signer->sign(absolute).error().field, "target");
}

TEST(ServiceSigner, CreateRejectsBadServiceIdAndShortKeyWithoutEchoingTheKey) {
  FakeClock clock(kTs);
  auto bad_id = ServiceSigner::create("main backend", kKey, clock);
  ASSERT_FALSE(bad_id.ok());
  EXPECT_EQ(bad_id.error().field, "auth.service_id");
  auto short_key = ServiceSigner::create("main-backend", "s3cr3t-short", clock);
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().message.find("s3cr3t-short"), std::string::npos);
}

// RFC 4231 vectors, with keys interleaved (more than a thread caches) and from several threads:
// the per-thread prepared contexts must give the same MAC as a fresh computation every time.
TEST(SignatureFormat, HmacMatchesRfc4231WithManyKeysAndThreads) {
  const std::string key1(20, '\x0b');
  auto check = [&](int rounds) {
    for (int i = 0; i < rounds; ++i) {
      EXPECT_EQ(hmacSha256Hex(key1, "Hi There"),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
      EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
      for (int k = 0; k < 12; ++k) hmacSha256Hex("other-key-" + std::to_string(k), "x");
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(check, 50);
  check(50);
  for (auto& t : threads) t.join();
}

TEST(SignatureFormat, ParseTimestampAcceptsDigitsOnly) {
  EXPECT_EQ(parseTimestamp("1767225600"), 1767225600);
  for (const char* bad : {"", "-1", "+5", " 5", "5 ", "5.0", "0x10", "1234567890123456789"}) {
    EXPECT_FALSE(parseTimestamp(bad).has_value()) << bad;
  }
}

TEST(SignatureFormat, ServiceIdsAreRestrictedToTheSafeAlphabet) {
  EXPECT_TRUE(isValidServiceId("main-backend"));
  EXPECT_TRUE(isValidServiceId("svc_1.eu-west"));
  for (const char* bad : {"", "a:b", "a\nb", "a b", "ä"}) {
    EXPECT_FALSE(isValidServiceId(bad)) << bad;
  }
}

}  // namespace
}  // namespace npufleet::auth
