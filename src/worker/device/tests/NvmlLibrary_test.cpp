#include "worker/device/NvmlLibrary.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

namespace npufleet::worker {
namespace {

TEST(NvmlLibrary, AMissingLibraryIsAnErrorNamingIt) {
  auto nvml = NvmlLibrary::open("/nonexistent/libnvidia-ml.so.1");
  ASSERT_FALSE(nvml.ok());
  EXPECT_NE(nvml.error().message.find("/nonexistent/libnvidia-ml.so.1"), std::string::npos);
  EXPECT_NE(nvml.error().message.find("NVML not loaded"), std::string::npos);
}

TEST(NvmlLibrary, ReadsNameMemoryAndUtilizationThroughTheCAbi) {
  auto nvml = NvmlLibrary::open(FAKE_NVML_OK);
  ASSERT_TRUE(nvml.ok()) << nvml.error().message;
  EXPECT_EQ(*(*nvml)->deviceCount(), 2u);
  auto device = (*nvml)->deviceByIndex(0);
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(*(*nvml)->name(*device), "Fake NVIDIA H100 80GB HBM3");
  auto memory = (*nvml)->memory(*device);
  ASSERT_TRUE(memory.ok());
  EXPECT_EQ(memory->total_bytes, 80ULL << 30);
  EXPECT_EQ(memory->used_bytes, 10ULL << 30);
  EXPECT_EQ(*(*nvml)->gpuUtilization(*device), 42u);
  EXPECT_EQ(*(*nvml)->temperatureCelsius(*device), 55u);
  EXPECT_EQ(*(*nvml)->powerMilliwatts(*device), 123456u);
}

TEST(NvmlLibrary, AFailingCallCarriesNvmlsOwnMessage) {
  auto nvml = NvmlLibrary::open(FAKE_NVML_OK);
  ASSERT_TRUE(nvml.ok());
  auto device = (*nvml)->deviceByIndex(7);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().message, "nvmlDeviceGetHandleByIndex_v2 failed: Invalid Argument (2)");
}

TEST(NvmlLibrary, InitFailureIsAnErrorWithTheReason) {
  auto nvml = NvmlLibrary::open(FAKE_NVML_INIT_FAILS);
  ASSERT_FALSE(nvml.ok());
  EXPECT_EQ(nvml.error().message, "nvmlInit_v2 failed: Driver Not Loaded (9)");
}

TEST(NvmlLibrary, ALibraryLackingARequiredCallIsRefusedNamingIt) {
  auto nvml = NvmlLibrary::open(FAKE_NVML_MISSING_SYMBOLS);
  ASSERT_FALSE(nvml.ok());
  EXPECT_NE(nvml.error().message.find("lacks nvmlDeviceGetUtilizationRates"), std::string::npos);
}

TEST(NvmlLibrary, ShutsNvmlDownWhenDestroyed) {
  // Hold our own reference so that the library (and its counter) outlives NvmlLibrary's dlclose.
  void* self = dlopen(FAKE_NVML_OK, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(self, nullptr);
  auto open_count = reinterpret_cast<int (*)()>(dlsym(self, "fake_nvml_open_count"));
  ASSERT_NE(open_count, nullptr);
  const int before = open_count();
  {
    auto nvml = NvmlLibrary::open(FAKE_NVML_OK);
    ASSERT_TRUE(nvml.ok());
    EXPECT_EQ(open_count(), before + 1);
  }
  EXPECT_EQ(open_count(), before);
  dlclose(self);
}

}  // namespace
}  // namespace npufleet::worker
