#include "auth/SignatureVerifier.h"

#include <gtest/gtest.h>

#include <memory>

#include "AuthTestSupport.h"
#include "auth/ServiceSigner.h"
#include "auth/SignatureFormat.h"

namespace npufleet::auth {
namespace {

using testing::toServerRequest;

const std::string kOldKey = "old-key-0123456789abcdef0123456789abcdef";
const std::string kNewKey = "new-key-fedcba9876543210fedcba9876543210";

std::shared_ptr<const Keyring> ringWith(std::initializer_list<std::string> keys) {
  auto ring = std::make_shared<Keyring>();
  for (const auto& k : keys) EXPECT_TRUE(ring->add("main-backend", k).ok());
  return ring;
}

class SignatureVerifierTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  VerifierOptions options_;

  std::unique_ptr<SignatureVerifier> verifier(std::shared_ptr<const Keyring> ring = nullptr) {
    return std::make_unique<SignatureVerifier>(options_, ring ? ring : ringWith({kOldKey}),
                                               clock_);
  }
  http::ClientRequest signedRequest(const std::string& key = kOldKey, SignerOptions so = {}) {
    http::ClientRequest c;
    c.method = "POST";
    c.host = "10.0.0.7";
    c.port = 8081;
    c.target = "/models/load?force=true";
    c.body = R"({"model_id":"phi-3-mini"})";
    auto signer = ServiceSigner::create("main-backend", key, clock_, so);
    EXPECT_TRUE(signer.ok());
    EXPECT_TRUE(signer->sign(c).ok());
    return c;
  }
  static http::Request without(http::Request r, std::string_view header) {
    http::Headers kept;
    for (const auto& [k, v] : r.headers.all()) {
      if (k != header) kept.add(k, v);
    }
    r.headers = kept;
    return r;
  }
  static void expectRejected(const Result<VerifiedCaller>& r, std::string_view reason_part) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_NE(r.error().message.find(reason_part), std::string::npos) << r.error().message;
  }
};

TEST_F(SignatureVerifierTest, AcceptsAV2SignedRequestAndNamesTheService) {
  auto v = verifier();
  auto r = v->verify(toServerRequest(signedRequest()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->service_id, "main-backend");
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->key_id, keyIdFor(kOldKey));
}

TEST_F(SignatureVerifierTest, V1OnlyRequestIsRefusedAtDefaultMinVersion) {
  auto v = verifier();
  auto req = without(toServerRequest(signedRequest()), "X-Service-Signature-V2");
  expectRejected(v->verify(req), "v1 signatures are not accepted");
}

TEST_F(SignatureVerifierTest, V1OnlyRequestIsAcceptedWhenMinVersionIsOne) {
  options_.min_version = 1;
  auto v = verifier();
  auto req = without(toServerRequest(signedRequest()), "X-Service-Signature-V2");
  auto r = v->verify(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->version, 1);
}

TEST_F(SignatureVerifierTest, V1WithWrongKeyIsABadSignature) {
  options_.min_version = 1;
  auto v = verifier();
  auto req = without(toServerRequest(signedRequest(kNewKey)), "X-Service-Signature-V2");
  expectRejected(v->verify(req), "bad signature");
}

TEST_F(SignatureVerifierTest, EachMissingHeaderIsNamed) {
  auto v = verifier();
  const auto good = toServerRequest(signedRequest());
  for (std::string_view h : {"X-Service-ID", "X-Service-Timestamp", "X-Service-Signature-V2",
                             "X-Service-Nonce", "X-Service-Content-SHA256", "X-Service-Key-Id"}) {
    expectRejected(v->verify(without(good, h)), "missing header " + std::string(h));
  }
  options_.min_version = 1;
  auto v1 = verifier();
  auto bare = without(without(good, "X-Service-Signature-V2"), "X-Service-Signature");
  expectRejected(v1->verify(bare), "missing header X-Service-Signature");
}

TEST_F(SignatureVerifierTest, UnknownServiceIdIsRefused) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.headers.set("X-Service-ID", "other-service");
  expectRejected(v->verify(req), "unknown service id");
}

TEST_F(SignatureVerifierTest, MalformedServiceIdIsRefusedBeforeLookup) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.headers.set("X-Service-ID", "main-backend:POST");
  expectRejected(v->verify(req), "malformed header X-Service-ID");
}

TEST_F(SignatureVerifierTest, TimestampMustBeDigitsOnly) {
  auto v = verifier();
  for (const char* bad : {"1767225600.0", "+1767225600", "-1", "0x69", "17672256OO"}) {
    auto req = toServerRequest(signedRequest());
    req.headers.set("X-Service-Timestamp", bad);
    expectRejected(v->verify(req), "malformed header X-Service-Timestamp");
  }
}

TEST_F(SignatureVerifierTest, TimestampOutsideTheWindowIsRefusedEitherWay) {
  auto v = verifier();
  const auto req = toServerRequest(signedRequest());
  clock_.advance(std::chrono::seconds(301));
  expectRejected(v->verify(req), "301 s behind");

  auto v2 = verifier();
  auto signer = ServiceSigner::create("main-backend", kOldKey, clock_);
  http::ClientRequest ahead;
  ahead.host = "10.0.0.7";
  ahead.port = 8081;
  ASSERT_TRUE(signer->signWith(ahead, clock_.unixSeconds() + 301,
                               "000102030405060708090a0b0c0d0e0f").ok());
  expectRejected(v2->verify(toServerRequest(ahead)), "301 s ahead of");
}

TEST_F(SignatureVerifierTest, TimestampExactlyAtTheWindowEdgeIsAccepted) {
  options_.window = std::chrono::seconds(60);
  auto v = verifier();
  const auto req = toServerRequest(signedRequest());
  clock_.advance(std::chrono::seconds(60));
  EXPECT_TRUE(v->verify(req).ok());
}

TEST_F(SignatureVerifierTest, TamperedSignatureIsRefused) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  std::string sig(req.headers.get("X-Service-Signature-V2"));
  sig[0] = sig[0] == 'a' ? 'b' : 'a';
  req.headers.set("X-Service-Signature-V2", sig);
  expectRejected(v->verify(req), "bad signature");
}

TEST_F(SignatureVerifierTest, UppercaseHexIsMalformedNotCompared) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  std::string sig(req.headers.get("X-Service-Signature-V2"));
  for (auto& c : sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  req.headers.set("X-Service-Signature-V2", sig);
  expectRejected(v->verify(req), "malformed header X-Service-Signature-V2");
}

TEST_F(SignatureVerifierTest, ReplayedNonceIsRefused) {
  auto v = verifier();
  const auto req = toServerRequest(signedRequest());
  ASSERT_TRUE(v->verify(req).ok());
  expectRejected(v->verify(req), "replayed nonce");
}

TEST_F(SignatureVerifierTest, ReplayIsStillCaughtJustBeforeTheTimestampLeavesTheWindow) {
  auto v = verifier();
  const auto req = toServerRequest(signedRequest());
  ASSERT_TRUE(v->verify(req).ok());
  clock_.advance(std::chrono::seconds(300));
  expectRejected(v->verify(req), "replayed nonce");
}

TEST_F(SignatureVerifierTest, TamperedBodyIsABodyDigestMismatch) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.body = R"({"model_id":"evil"})";
  expectRejected(v->verify(req), "body digest mismatch");
}

// The split a server uses to refuse before reading the body (issue 20): the head alone decides
// everything but the digest, and the digest is checked once the body is in.
TEST_F(SignatureVerifierTest, HeadVerificationNeedsNoBodyAndTheDigestIsCheckedAfter) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  const std::string body = req.body;
  req.body.clear();  // not read yet
  ASSERT_TRUE(v->verifyHead(req).ok());
  req.body = R"({"model_id":"evil"})";
  const auto tampered = SignatureVerifier::verifyBody(req);
  ASSERT_FALSE(tampered.ok());
  EXPECT_NE(tampered.error().message.find("body digest mismatch"), std::string::npos);
  req.body = body;
  EXPECT_TRUE(SignatureVerifier::verifyBody(req).ok());
}

TEST_F(SignatureVerifierTest, HeadVerificationTakesTheNonceSoAReplayedHeadIsRefusedBeforeItsBody) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.body.clear();
  ASSERT_TRUE(v->verifyHead(req).ok());
  expectRejected(v->verifyHead(req), "replayed nonce");
}

TEST_F(SignatureVerifierTest, HeadVerificationRefusesAnUnsignedHead) {
  auto v = verifier();
  http::Request req;
  req.method = "POST";
  req.target = "/inference";
  req.headers.add("Host", "10.0.0.7:8081");
  expectRejected(v->verifyHead(req), "missing header");
}

TEST_F(SignatureVerifierTest, TamperedQueryIsRefused) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.target = "/models/load?force=false";
  req.query = "force=false";
  expectRejected(v->verify(req), "query");
}

TEST_F(SignatureVerifierTest, TamperedMethodOrPathIsRefused) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.method = "DELETE";
  expectRejected(v->verify(req), "bad signature");
  auto req2 = toServerRequest(signedRequest());
  req2.target = "/models/unload?force=true";
  expectRejected(v->verify(req2), "bad signature");
}

TEST_F(SignatureVerifierTest, RequestSignedForAnotherHostIsRefused) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.headers.set("Host", "10.0.0.8:8081");
  expectRejected(v->verify(req), "bad signature");

  options_.accepted_hosts = {"10.0.0.8:8081"};
  auto pinned = verifier();
  expectRejected(pinned->verify(toServerRequest(signedRequest())), "host mismatch");
}

TEST_F(SignatureVerifierTest, AcceptedHostsMatchIgnoringCase) {
  options_.accepted_hosts = {"WORKER-1.local:8081"};
  auto v = verifier();
  http::ClientRequest c;
  c.host = "worker-1.local";
  c.port = 8081;
  auto signer = ServiceSigner::create("main-backend", kOldKey, clock_);
  ASSERT_TRUE(signer->sign(c).ok());
  EXPECT_TRUE(v->verify(toServerRequest(c)).ok());
}

TEST_F(SignatureVerifierTest, DuplicatedAuthHeaderIsRefused) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest());
  req.headers.add("x-service-id", "main-backend");
  expectRejected(v->verify(req), "duplicate header X-Service-ID");
}

TEST_F(SignatureVerifierTest, RotationAcceptsBothKeysDuringOverlapAndOldOneNotAfterRemoval) {
  auto v = verifier(ringWith({kOldKey, kNewKey}));
  EXPECT_TRUE(v->verify(toServerRequest(signedRequest(kOldKey))).ok());
  EXPECT_TRUE(v->verify(toServerRequest(signedRequest(kNewKey))).ok());

  v->setKeyring(ringWith({kNewKey}));
  expectRejected(v->verify(toServerRequest(signedRequest(kOldKey))), "unknown key id");
  EXPECT_TRUE(v->verify(toServerRequest(signedRequest(kNewKey))).ok());
}

TEST_F(SignatureVerifierTest, RotationAppliesToV1Too) {
  options_.min_version = 1;
  auto v = verifier(ringWith({kOldKey, kNewKey}));
  SignerOptions so;
  auto v1_old = without(toServerRequest(signedRequest(kOldKey, so)), "X-Service-Signature-V2");
  EXPECT_TRUE(v->verify(v1_old).ok());
  v->setKeyring(ringWith({kNewKey}));
  expectRejected(v->verify(v1_old), "bad signature");
}

TEST_F(SignatureVerifierTest, FullReplayCacheAnswersUnavailableNotAccepted) {
  options_.replay_capacity = 1;
  auto v = verifier();
  ASSERT_TRUE(v->verify(toServerRequest(signedRequest())).ok());
  auto r = v->verify(toServerRequest(signedRequest()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message, "replay cache full; retry later");
}

TEST_F(SignatureVerifierTest, RejectionReasonsNeverContainTheKey) {
  auto v = verifier();
  auto req = toServerRequest(signedRequest(kNewKey));
  auto r = v->verify(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find(kOldKey), std::string::npos);
  EXPECT_EQ(r.error().message.find(kNewKey), std::string::npos);
}

}  // namespace
}  // namespace npufleet::auth
