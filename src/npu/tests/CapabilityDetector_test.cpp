// What a worker's (or any probed target's) failed answer may put into an error: the error
// reaches the admin's probe preview, every viewer's detectionError and the log.
#include "npu/CapabilityDetector.h"

#include <gtest/gtest.h>

namespace npufleet::npu {
namespace {

TEST(WorkerHttpError, NeverCopiesABodyThatIsNotJson) {
  const std::string page =
      "<html><body>Jenkins console: AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG</body></html>";
  for (int status : {200, 400, 401, 403, 404, 500, 502}) {
    Error e = workerHttpError(status, "/health", page);
    EXPECT_EQ(e.message.find("AWS_SECRET"), std::string::npos) << status << ": " << e.message;
    EXPECT_EQ(e.message.find("<html"), std::string::npos) << status;
    EXPECT_EQ(e.message.find("Jenkins"), std::string::npos) << status;
  }
  EXPECT_EQ(workerHttpError(500, "/health", page).message,
            "500 from worker on /health: an answer that is not JSON, not shown");
  EXPECT_EQ(workerHttpError(500, "/health", "").message, "500 from worker on /health");
}

TEST(WorkerHttpError, KeepsAShortSanitisedExcerptOfAJsonExplanation) {
  EXPECT_EQ(workerHttpError(404, "/models/load", R"({"detail":"model not found: m1"})").message,
            "404 from worker on /models/load: model not found: m1");
  EXPECT_EQ(workerHttpError(409, "/x", R"({"error":{"message":"busy"}})").message,
            "409 from worker on /x: busy");
  const std::string long_detail(5000, 'A');
  Error e = workerHttpError(500, "/health", R"({"detail":")" + long_detail + "\"}");
  EXPECT_LT(e.message.size(), 200u) << e.message;
  EXPECT_NE(e.message.find("AAAA..."), std::string::npos);
  Error marked = workerHttpError(400, "/x", R"({"message":"bad\r\nSet-Cookie: x\u0000<script>"})");
  EXPECT_EQ(marked.message.find('\n'), std::string::npos);
  EXPECT_EQ(marked.message.find('\r'), std::string::npos);
  EXPECT_EQ(marked.message.find('\0'), std::string::npos);
  EXPECT_EQ(marked.message.find('<'), std::string::npos);
  EXPECT_EQ(marked.message.find('>'), std::string::npos);
  // Non-JSON fields of a JSON answer are not copied either.
  Error other = workerHttpError(500, "/health", R"({"config":{"password":"hunter2"}})");
  EXPECT_EQ(other.message.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace npufleet::npu
