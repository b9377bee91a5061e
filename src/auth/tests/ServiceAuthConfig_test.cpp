#include "auth/ServiceAuthConfig.h"

#include <gtest/gtest.h>

#include "AuthTestSupport.h"

namespace npufleet::auth {
namespace {

using testing::TempDir;

const std::string kKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ServiceAuthConfig, DefaultsMatchTheDesign) {
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  EXPECT_EQ(config.getInt("auth.min_version"), 2);
  EXPECT_EQ(config.getInt("auth.window_s"), 300);
  EXPECT_EQ(config.getInt("auth.failure_limit"), 10);
  EXPECT_EQ(config.getInt("auth.failure_window_s"), 300);
  EXPECT_EQ(config.getString("auth.service_id"), "main-backend");
  EXPECT_EQ(config.getStringList("auth.exempt_paths"), std::vector<std::string>{"/livez"});
}

TEST(ServiceAuthConfig, MinVersionComesFromTheEnvironmentAndIsRangeChecked) {
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  ASSERT_TRUE(config.loadEnvironment({{"NPUFLEET_AUTH_MIN_VERSION", "1"}}).ok());
  EXPECT_EQ(config.getInt("auth.min_version"), 1);
  auto bad = config.set("auth.min_version", "3", "test");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("auth.min_version"), std::string::npos);
}

TEST(ServiceAuthConfig, TrustedKeysAreMaskedInRenderedConfig) {
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  ASSERT_TRUE(config.set("auth.trusted_keys", "main-backend:" + kKey, "test").ok());
  const std::string text = config.render();
  EXPECT_EQ(text.find(kKey), std::string::npos);
  EXPECT_NE(text.find("trusted_keys = \"********\""), std::string::npos);
}

TEST(ServiceAuthConfig, VerifierRefusesToStartWithoutAnyTrustedKey) {
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  FakeClock clock;
  auto setup = makeServiceAuthFromConfig(config, clock);
  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.error().field, "auth.trusted_keys_dir");
}

TEST(ServiceAuthConfig, SignerAndVerifierBuiltFromConfigAgree) {
  TempDir dir;
  dir.write("main-backend.key", kKey + "\n", 0600);
  const auto signer_file = dir.write("signing.key", kKey + "\n", 0600);
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  ASSERT_TRUE(config.set("auth.trusted_keys_dir", dir.path(), "test").ok());
  ASSERT_TRUE(config.set("auth.service_key_file", signer_file, "test").ok());
  FakeClock clock;
  auto setup = makeServiceAuthFromConfig(config, clock);
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  auto signer = makeSignerFromConfig(config, clock);
  ASSERT_TRUE(signer.ok()) << signer.error().message;

  http::ClientRequest c;
  c.host = "127.0.0.1";
  c.port = 8081;
  c.target = "/health";
  ASSERT_TRUE(signer->sign(c).ok());
  auto verified = setup->verifier->verify(testing::toServerRequest(c));
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->service_id, "main-backend");
}

// issue 20: the control plane can stop sending the seed's v1 header, which covers neither body
// nor query and, on a worker that accepts v1, can be replayed stripped of its v2 part.
TEST(ServiceAuthConfig, SendV1FalseSignsWithV2Alone) {
  TempDir dir;
  const auto signer_file = dir.write("signing.key", kKey + "\n", 0600);
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  EXPECT_TRUE(config.getBool("auth.send_v1"));
  ASSERT_TRUE(config.set("auth.service_key_file", signer_file, "test").ok());
  ASSERT_TRUE(config.loadEnvironment({{"NPUFLEET_AUTH_SEND_V1", "false"}}).ok());
  FakeClock clock;
  auto signer = makeSignerFromConfig(config, clock);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  http::ClientRequest c;
  c.host = "127.0.0.1";
  c.port = 8081;
  c.target = "/health";
  ASSERT_TRUE(signer->sign(c).ok());
  EXPECT_FALSE(c.headers.has("X-Service-Signature"));
  EXPECT_TRUE(c.headers.has("X-Service-Signature-V2"));
}

// With no auth.accepted_hosts the worker derives its own; ["*"] turns the check off.
TEST(ServiceAuthConfig, AcceptedHostsDefaultToTheListenAddressAndStarTurnsTheCheckOff) {
  TempDir dir;
  dir.write("main-backend.key", kKey + "\n", 0600);
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  ASSERT_TRUE(config.set("auth.trusted_keys_dir", dir.path(), "test").ok());
  FakeClock clock;
  auto setup = makeServiceAuthFromConfig(config, clock);
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  auto hosts = applyAcceptedHosts(*setup, "10.0.0.7", 8081);
  EXPECT_EQ(hosts, std::vector<std::string>{"10.0.0.7:8081"});
  EXPECT_EQ(setup->verifier->acceptedHosts(), hosts);

  ASSERT_TRUE(config.loadEnvironment({{"NPUFLEET_AUTH_ACCEPTED_HOSTS", "*"}}).ok());
  auto open = makeServiceAuthFromConfig(config, clock);
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(applyAcceptedHosts(*open, "10.0.0.7", 8081).empty());
  EXPECT_TRUE(open->verifier->acceptedHosts().empty());
}

TEST(ServiceAuthConfig, SignerNeedsAKeyFile) {
  ConfigSchema schema;
  addServiceAuthConfigKeys(schema);
  Config config(schema);
  FakeClock clock;
  auto signer = makeSignerFromConfig(config, clock);
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.error().field, "auth.service_key_file");
}

}  // namespace
}  // namespace npufleet::auth
