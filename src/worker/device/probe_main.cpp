// npufleet-device-probe: runs device detection on this machine and prints the result as JSON,
// so that NVML, the accel subsystem and DRM can be checked on real hardware without a worker.
// Linked without Boost/spdlog shared libraries (Boost.JSON header-only, static libstdc++) so
// the binary can be copied to a bare accelerator machine and run there.
#include <CLI/CLI.hpp>
#include <boost/json/src.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "worker/device/DeviceDetector.h"

namespace {

using npufleet::worker::DeviceInfo;

template <typename T>
boost::json::value orNull(const std::optional<T>& value) {
  return value ? boost::json::value(*value) : boost::json::value(nullptr);
}

boost::json::object toJson(const DeviceInfo& info) {
  boost::json::array notes;
  for (const auto& note : info.notes) notes.emplace_back(note);
  return {
      {"device_type", npufleet::worker::deviceTypeName(info.type)},
      {"name", info.name},
      {"driver", info.driver},
      {"pci_address", info.pci_address},
      {"memory_total_gb", orNull(info.memory_total_gb)},
      {"memory_used_gb", orNull(info.memory_used_gb)},
      {"cpu_cores", orNull(info.cpu_cores)},
      {"frequency_mhz", orNull(info.frequency_mhz)},
      {"max_frequency_mhz", orNull(info.max_frequency_mhz)},
      {"temperature_c", orNull(info.temperature_c)},
      {"power_w", orNull(info.power_w)},
      {"notes", std::move(notes)},
  };
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Detect this machine's accelerator and print it as JSON"};
  npufleet::worker::DeviceDetectorOptions options;
  std::string sys_root = "/";
  std::string proc_root = "/";
  int samples = 3;
  int interval_ms = 500;
  app.add_option("--sys-root", sys_root, "directory that stands for / when reading sysfs");
  app.add_option("--proc-root", proc_root, "directory that stands for / when reading procfs");
  app.add_option("--device", options.device, "auto, intel-npu, amd-npu, nvidia-gpu, amd-gpu, cpu")
      ->check(CLI::IsMember(npufleet::worker::DeviceDetector::deviceChoices()));
  app.add_option("--nvml-library", options.nvml_library, "NVML library name or path");
  app.add_option("--samples", samples, "utilization samples to take")->check(CLI::Range(0, 1000));
  app.add_option("--interval-ms", interval_ms, "wait between samples")->check(CLI::Range(1, 60000));
  CLI11_PARSE(app, argc, argv);
  options.sys_root = sys_root;
  options.proc_root = proc_root;

  const auto started = std::chrono::steady_clock::now();
  auto probe = npufleet::worker::DeviceDetector(options).detect();
  const auto detect_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  boost::json::array utilization;
  for (int i = 0; i < samples; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    utilization.push_back(orNull(probe->utilizationPercent()));
  }
  probe->refresh();

  boost::json::object out = toJson(probe->info());
  out["utilization_samples"] = std::move(utilization);
  out["sample_interval_ms"] = interval_ms;
  out["detect_ms"] = detect_ms;
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}
