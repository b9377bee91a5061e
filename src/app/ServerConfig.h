// The control plane's configuration schema, its database migrations, and the wiring of the
// capabilities that run beside the registry (detection and monitoring, the inference router).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/ApiContext.h"
#include "common/Config.h"
#include "http/Router.h"
#include "store/Database.h"
#include "store/SqliteNodeRepository.h"

namespace boost::asio {
class io_context;
}
namespace CLI {
class App;
}

namespace npufleet::app {

struct ConfigFlags;

ConfigSchema serverConfigSchema();
std::vector<store::Migration> allMigrations();

// --service-id and --service-key-file (DESIGN.md 4.5), bound to the [auth] keys.
void addServiceFlags(CLI::App& cmd, ConfigFlags& flags, std::string& service_id,
                     std::string& service_key_file);

// Builds the NPU detection/monitoring and routing capabilities, registers their routes and
// hooks them to the registry. start() after the server listens; stop() on shutdown.
class ControlPlaneExtensions {
 public:
  // Fails when the signing key cannot be read or created, or stored state cannot be loaded.
  // ephemeral_key: sign with a key made in memory and never written (--print-routes, which
  // must leave the disk as it found it).
  static Result<std::unique_ptr<ControlPlaneExtensions>> create(
      boost::asio::io_context& io, const Config& config, api::ApiContext& ctx,
      http::Router& router, std::shared_ptr<store::Database> db, store::SqliteNodeRepository& nodes,
      bool ephemeral_key = false);
  ~ControlPlaneExtensions();
  void start();
  void stop();

 private:
  ControlPlaneExtensions();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npufleet::app
