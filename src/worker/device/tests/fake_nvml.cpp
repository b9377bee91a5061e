// A stand-in for libnvidia-ml.so.1 with NVML's C ABI, built in three variants (FAKE_NVML_ok,
// FAKE_NVML_init_fails, FAKE_NVML_missing_symbols) so that NvmlLibrary's dlopen path, its
// struct layouts and its error handling are exercised on machines without an NVIDIA driver.
// Test-only: the real library is what production loads.

namespace {

struct FakeDevice {
  int index;
};
FakeDevice g_devices[2] = {{0}, {1}};
int g_open = 0;  // nvmlInit_v2 minus nvmlShutdown

struct Memory {
  unsigned long long total, free, used;
};
struct Utilization {
  unsigned int gpu, memory;
};

constexpr unsigned long long kGib = 1024ULL * 1024 * 1024;

}  // namespace

extern "C" {

int fake_nvml_open_count() { return g_open; }

int nvmlInit_v2() {
#ifdef FAKE_NVML_init_fails
  return 9;  // NVML_ERROR_DRIVER_NOT_LOADED
#else
  ++g_open;
  return 0;
#endif
}

int nvmlShutdown() {
  --g_open;
  return 0;
}

const char* nvmlErrorString(int result) {
  switch (result) {
    case 0:
      return "Success";
    case 2:
      return "Invalid Argument";
    case 9:
      return "Driver Not Loaded";
    default:
      return "Unknown Error";
  }
}

int nvmlDeviceGetCount_v2(unsigned* count) {
  *count = 2;
  return 0;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned index, FakeDevice** device) {
  if (index >= 2) return 2;
  *device = &g_devices[index];
  return 0;
}

int nvmlDeviceGetName(FakeDevice* device, char* name, unsigned length) {
  const char* text = device->index == 0 ? "Fake NVIDIA H100 80GB HBM3" : "Fake NVIDIA second GPU";
  unsigned i = 0;
  for (; text[i] != '\0' && i + 1 < length; ++i) name[i] = text[i];
  name[i] = '\0';
  return 0;
}

int nvmlDeviceGetMemoryInfo(FakeDevice*, Memory* memory) {
  memory->total = 80 * kGib;
  memory->used = 10 * kGib;
  memory->free = memory->total - memory->used;
  return 0;
}

#ifndef FAKE_NVML_missing_symbols
int nvmlDeviceGetUtilizationRates(FakeDevice*, Utilization* utilization) {
  utilization->gpu = 42;
  utilization->memory = 17;
  return 0;
}
#endif

int nvmlDeviceGetTemperature(FakeDevice*, int sensor, unsigned* celsius) {
  if (sensor != 0) return 2;
  *celsius = 55;
  return 0;
}

int nvmlDeviceGetPowerUsage(FakeDevice*, unsigned* milliwatts) {
  *milliwatts = 123456;
  return 0;
}

}  // extern "C"
