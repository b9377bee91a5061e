#include "common/Log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace npufleet {

Status configureLogging(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return Error::badRequest("log level must be trace|debug|info|warn|error|off, got '" + level + "'",
                             "log.level");
  }
  auto logger = spdlog::stderr_logger_mt("npufleet");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return okStatus();
}

}  // namespace npufleet
