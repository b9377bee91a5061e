#include "fleet/RoleCatalog.h"

namespace npufleet::fleet {

const std::vector<RoleInfo>& roleCatalog() {
  static const std::vector<RoleInfo> roles = {
      {"npu-worker", "NPU Worker", "ai",
       "Runs npufleet worker: inference on an NPU, GPU or CPU; detected and load-balanced by the "
       "control plane"},
      {"llm-server", "LLM Server", "ai", "Serves large language models"},
      {"backend", "Backend", "core", "Application backend services"},
      {"frontend", "Frontend", "core", "Web front end"},
      {"database", "Database", "data", "Database server"},
      {"redis", "Redis", "data", "Cache and message broker"},
      {"vector-db", "Vector DB", "data", "Vector search database"},
      {"monitoring", "Monitoring", "ops", "Metrics, logs and alerting"},
      {"gateway", "Gateway", "network", "Reverse proxy or API gateway"},
      {"storage", "Storage", "data", "Object or file storage"},
  };
  return roles;
}

const RoleInfo* findRole(std::string_view id) {
  for (const auto& r : roleCatalog()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace npufleet::fleet
