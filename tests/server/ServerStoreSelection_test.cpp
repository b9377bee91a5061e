// `npufleet server --database postgresql://...` ([store] url, NPUFLEET_STORE_URL): until every
// repository has a PostgreSQL implementation the server refuses it, naming what is missing,
// before it touches the data dir; a password in the URL is refused without being echoed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/ProcessFixture.h"

namespace npufleet::testing {
namespace {

constexpr const char* kUrl = "postgresql://fleet@127.0.0.1:1/npufleet";

struct Outcome {
  int exit_code = -1;
  std::string stderr_text;
};

Outcome runServer(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  ProcessFixture p;
  ProcessFixture::Options o{NPUFLEET_BINARY, std::move(args), std::move(env), ""};
  if (!p.start(std::move(o))) return {};
  return {p.wait(std::chrono::seconds(20)).value_or(-1), p.stderrText()};
}

void expectRefusedNamingTheMissingParts(const Outcome& out, const std::string& data_dir) {
  EXPECT_EQ(out.exit_code, 2) << out.stderr_text;
  EXPECT_NE(out.stderr_text.find(std::string("--database ") + kUrl), std::string::npos) << out.stderr_text;
  EXPECT_NE(out.stderr_text.find("NPU state, utilization history and load-balancing settings do not"),
            std::string::npos)
      << out.stderr_text;
  EXPECT_NE(out.stderr_text.find("Leave out --database"), std::string::npos) << out.stderr_text;
  EXPECT_FALSE(std::filesystem::exists(data_dir)) << "refused, yet it created the data dir";
}

TEST(ServerStoreSelection, PostgresqlByFlagIsRefusedNamingWhatIsNotAvailable) {
  TempDir dir;
  expectRefusedNamingTheMissingParts(
      runServer({"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data", "--database", kUrl}),
      dir / "data");
}

TEST(ServerStoreSelection, PostgresqlByEnvironmentOrConfigFileIsRefusedTheSameWay) {
  TempDir dir;
  expectRefusedNamingTheMissingParts(
      runServer({"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data"},
                {{"NPUFLEET_STORE_URL", kUrl}}),
      dir / "data");
  {
    std::ofstream config(dir / "server.toml");
    config << "[store]\nurl = \"" << kUrl << "\"\npassword_file = \"" << (dir / "pw") << "\"\n";
  }
  expectRefusedNamingTheMissingParts(
      runServer({"server", "--config", dir / "server.toml", "--listen", "127.0.0.1:0", "--data-dir",
                 dir / "data"}),
      dir / "data");
}

TEST(ServerStoreSelection, APasswordInTheUrlIsRefusedWithoutBeingShown) {
  TempDir dir;
  auto out = runServer({"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data", "--database",
                        "postgresql://fleet:hunter2-secret@db.example/npufleet"});
  EXPECT_EQ(out.exit_code, 2) << out.stderr_text;
  EXPECT_NE(out.stderr_text.find("store.password_file"), std::string::npos) << out.stderr_text;
  EXPECT_NE(out.stderr_text.find("postgresql://fleet:***@db.example/npufleet"), std::string::npos)
      << out.stderr_text;
  EXPECT_EQ(out.stderr_text.find("hunter2-secret"), std::string::npos) << out.stderr_text;
}

TEST(ServerStoreSelection, AnythingButAPostgresqlUrlIsRefused) {
  TempDir dir;
  auto out = runServer({"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data", "--database",
                        dir / "other.db"});
  EXPECT_EQ(out.exit_code, 2) << out.stderr_text;
  EXPECT_NE(out.stderr_text.find("takes a postgresql://USER@HOST:PORT/DB URL"), std::string::npos)
      << out.stderr_text;
}

TEST(ServerStoreSelection, APasswordFileWithoutAUrlIsRefused) {
  TempDir dir;
  auto out = runServer({"server", "--listen", "127.0.0.1:0", "--data-dir", dir / "data"},
                       {{"NPUFLEET_STORE_PASSWORD_FILE", dir / "pw"}});
  EXPECT_EQ(out.exit_code, 2) << out.stderr_text;
  EXPECT_NE(out.stderr_text.find("store.password_file is set but store.url is not"), std::string::npos)
      << out.stderr_text;
}

}  // namespace
}  // namespace npufleet::testing
