#include "http/AccessLog.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace npufleet::http {
namespace {

struct Pipe {
  Pipe() {
    EXPECT_EQ(::pipe(fds), 0);
  }
  ~Pipe() {
    ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  int fds[2] = {-1, -1};
};

AccessLog::Entry entry(std::string_view rid) {
  return {"10.0.0.7", "POST", "/api/npu/inference", 200, 1234, 0.0042, rid, "ci"};
}

TEST(AccessLog, LineShape) {
  EXPECT_EQ(AccessLog::format(entry("abc")),
            "10.0.0.7 \"POST /api/npu/inference\" 200 1234B 4.2ms rid=abc who=ci");
  AccessLog::Entry anonymous = entry("x");
  anonymous.principal = "";
  EXPECT_EQ(AccessLog::format(anonymous),
            "10.0.0.7 \"POST /api/npu/inference\" 200 1234B 4.2ms rid=x who=-");
}

TEST(AccessLog, EveryLineFromEveryThreadIsWrittenWithTimeAndLevel) {
  Pipe pipe;
  // A pipe holds 64 KiB: drain it while the log writes, or the writer would wait on it.
  std::string got;
  std::thread reader([&] {
    char buf[65536];
    for (ssize_t n; (n = ::read(pipe.fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  });
  {
    AccessLog log({pipe.fds[1], 4 * 1024 * 1024, std::chrono::milliseconds(100)});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < 2500; ++i) log.record(entry(std::to_string(t) + "-" + std::to_string(i)));
      });
    }
    for (auto& th : threads) th.join();
    log.flush();
    EXPECT_EQ(log.dropped(), 0u);
  }
  ::close(pipe.fds[1]);
  pipe.fds[1] = -1;
  reader.join();
  static const std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d info 10\.0\.0\.7 "POST /api/npu/inference" 200 1234B 4\.2ms rid=(\d)-(\d+) who=ci)");
  std::vector<int> next(4, 0);
  size_t lines = 0;
  std::istringstream in(got);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    const int t = std::stoi(m[1]);
    EXPECT_EQ(std::stoi(m[2]), next[static_cast<size_t>(t)]++) << "a thread's lines in order";
    ++lines;
  }
  EXPECT_EQ(lines, 10'000u);
}

TEST(AccessLog, AWriterThatCannotKeepUpDropsAndSaysSoInsteadOfBlocking) {
  Pipe pipe;
  ASSERT_GT(::fcntl(pipe.fds[1], F_SETPIPE_SZ, 4096), 0);
  std::string got;
  std::thread reader;
  {
    // Nobody reads the pipe yet: the writer stalls on it, the pending lines fill up and the rest
    // are dropped. record() returns all along (this test would hang otherwise).
    AccessLog log({pipe.fds[1], 16 * 1024, std::chrono::milliseconds(1)});
    for (int i = 0; i < 20'000; ++i) log.record(entry(std::to_string(i)));
    EXPECT_GT(log.dropped(), 0u);
    reader = std::thread([&] {
      char buf[65536];
      for (ssize_t n; (n = ::read(pipe.fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
    });
    log.flush();
  }
  ::close(pipe.fds[1]);
  pipe.fds[1] = -1;
  reader.join();
  EXPECT_NE(got.find(" warn access log: "), std::string::npos);
  EXPECT_NE(got.find("line(s) dropped"), std::string::npos);
}

}  // namespace
}  // namespace npufleet::http
