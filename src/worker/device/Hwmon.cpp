#include "worker/device/Hwmon.h"

namespace npufleet::worker {
namespace {

// Outside these bounds a reading is a broken sensor or file, not a fact worth showing.
constexpr double kMinCelsius = -60;
constexpr double kMaxCelsius = 250;
constexpr double kMaxWatts = 5000;

}  // namespace

Hwmon::Readings Hwmon::read(const HostFileReader& sys, const std::string& device_dir,
                            DeviceInfo& info) {
  Readings readings;
  const std::string hwmon_root = device_dir + "/hwmon";
  for (const std::string& entry : sys.numberedEntries(hwmon_root, "hwmon")) {
    const std::string dir = hwmon_root + "/" + entry;
    if (!readings.temperature_c && sys.exists(dir + "/temp1_input")) {
      if (auto milli = sys.readSigned(dir + "/temp1_input"); !milli) {
        addNote(info, "temperature not reported: " + milli.error().message);
      } else if (const double c = static_cast<double>(*milli) / 1000.0;
                 c < kMinCelsius || c > kMaxCelsius) {
        addNote(info, "temperature not reported: " + sys.path(dir + "/temp1_input").string() +
                          " reads " + std::to_string(*milli) + " milli-degrees C");
      } else {
        readings.temperature_c = c;
      }
    }
    for (const char* file : {"/power1_input", "/power1_average"}) {
      if (readings.power_w || !sys.exists(dir + file)) continue;
      if (auto micro = sys.readUnsigned(dir + file); !micro) {
        addNote(info, "power not reported: " + micro.error().message);
      } else if (const double w = static_cast<double>(*micro) / 1e6; w > kMaxWatts) {
        addNote(info, "power not reported: " + sys.path(dir + file).string() + " reads " +
                          std::to_string(*micro) + " microwatts");
      } else {
        readings.power_w = w;
      }
    }
  }
  return readings;
}

}  // namespace npufleet::worker
