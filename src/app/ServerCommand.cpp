// `npufleet server`: the control plane. Wiring only: configuration, the store, the domain
// services, the API routes and the HTTP server.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <prometheus/registry.h>

#include "api/AdminRoutes.h"
#include "api/ApiContext.h"
#include "api/NodeRoutes.h"
#include "api/UserAuthMiddleware.h"
#include "app/Commands.h"
#include "app/ConfigLoading.h"
#include "app/ServerConfig.h"
#include "app/StoreSelection.h"
#include "app/WebAssets.h"
#include "auth/tokens/TokenService.h"
#include "common/Log.h"
#include "fleet/NodeService.h"
#include "http/AccessLog.h"
#include "http/EventLoops.h"
#include "http/Server.h"
#include "http/StaticFiles.h"
#include "http/ConnectionLimitsConfig.h"
#include "http/TlsConfig.h"
#include "store/Migrations.h"
#include "store/SqliteAuditLog.h"
#include "store/SqliteNodeRepository.h"
#include "store/SqliteTokenRepository.h"

namespace npufleet::app {
namespace {

struct ServerFlags {
  ConfigFlags config;
  std::string listen, data_dir, database, service_id, service_key_file, web_dir, tls_cert, tls_key;
  bool print_routes = false;
};

// Writes the first admin token to <data-dir>/admin.token (0600) when no token exists yet.
Status bootstrapAdminToken(auth::TokenService& tokens, const std::filesystem::path& data_dir) {
  auto count = tokens.count();
  if (!count) return count.error();
  if (*count > 0) return okStatus();
  auto issued = tokens.create("admin", auth::UserRole::kAdmin);
  if (!issued) return issued.error();
  const auto path = data_dir / "admin.token";
  const auto tmp = data_dir / "admin.token.tmp";
  {
    mode_t old = umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    umask(old);
    out << issued->secret << "\n";
    if (!out.flush()) return Error::internal("cannot write " + tmp.string());
  }
  chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
  spdlog::info("first start: admin token written to {} (mode 0600)", path.string());
  return okStatus();
}

std::string defaultWebDir() {
  // Beside a source checkout (make demo) or an installed share directory.
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::filesystem::path> candidates = {"web/dist"};
  if (!ec) {
    candidates.push_back(exe.parent_path() / "../../../web/dist");
    candidates.push_back(exe.parent_path() / "../share/npufleet/web");
  }
  for (const auto& c : candidates) {
    if (std::filesystem::exists(c / "index.html", ec)) return std::filesystem::weakly_canonical(c).string();
  }
  return "web/dist";
}

// An explicit web_dir wins; then the UI compiled into a release binary; then web/dist on disk.
http::StaticSource webSource(const std::string& configured) {
  if (!configured.empty()) return http::StaticSource::directory(configured);
  if (auto embedded = embeddedWebAssets(); !embedded.empty()) {
    return http::StaticSource::embedded(embedded);
  }
  return http::StaticSource::directory(defaultWebDir());
}

int runServer(ServerFlags& flags) {
  ConfigSchema schema = serverConfigSchema();
  auto loaded = loadConfig(schema, flags.config);
  if (!loaded) {
    std::cerr << "npufleet server: " << loaded.error().message << "\n";
    return 2;
  }
  Config& config = *loaded;
  if (flags.config.print) {
    std::cout << config.render();
    return 0;
  }
  if (auto st = configureLogging(config.getString("log.level")); !st) {
    std::cerr << "npufleet server: " << st.error().message << "\n";
    return 2;
  }

  if (auto st = checkStoreSelection(config); !st) {
    std::cerr << "npufleet server: " << st.error().message << "\n";
    return 2;
  }

  // The database, tokens and keys the server creates are private to its user.
  umask(077);
  // A file size limit makes a write fail (answered 503 by the store) instead of killing us.
  ::signal(SIGXFSZ, SIG_IGN);
  const std::filesystem::path data_dir = config.getString("server.data_dir");
  // --print-routes builds the same router over an in-memory database and an in-memory key, so
  // it creates no data directory, database, admin token or service key.
  const bool dry = flags.print_routes;
  std::error_code ec;
  if (!dry) std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::cerr << "npufleet server: cannot create data dir " << data_dir << ": " << ec.message() << "\n";
    return 2;
  }
  auto db = store::Database::open(dry ? ":memory:" : (data_dir / "npufleet.db").string(),
                                  allMigrations());
  if (!db) {
    std::cerr << "npufleet server: " << db.error().message << "\n";
    return 2;
  }
  const Clock& clock = SystemClock::instance();
  store::SqliteNodeRepository node_repo(*db);
  store::SqliteAuditLog audit(*db);
  store::SqliteTokenRepository token_repo(*db);
  fleet::NodeService nodes(node_repo, audit, clock);
  auth::TokenService tokens(token_repo, clock);
  if (auto st = dry ? okStatus() : bootstrapAdminToken(tokens, data_dir); !st) {
    std::cerr << "npufleet server: " << st.error().message << "\n";
    return 2;
  }

  auto metrics = std::make_shared<prometheus::Registry>();
  api::ApiContext ctx{nodes, audit, tokens, clock, metrics, [db = *db] { return db->check(); }, {}};

  // Event loops, one thread each: the main one (io) accepts and runs the control plane's
  // background work (monitor sweeps, history, the detections NpuRegistry starts when a node
  // gains the role); connections go to the server.threads others (docs/architecture.md).
  http::EventLoops loops(static_cast<int>(config.getInt("server.threads")) + 1);
  boost::asio::io_context& io = loops.main();
  http::Router router;
  api::registerAdminRoutes(router, ctx);
  api::registerNodeRoutes(router, ctx);
  auto extensions = ControlPlaneExtensions::create(io, config, ctx, router, *db, node_repo, dry);
  if (!extensions) {
    std::cerr << "npufleet server: " << extensions.error().message << "\n";
    return 2;
  }
  http::serveSinglePageApp(router, webSource(config.getString("server.web_dir")));

  if (flags.print_routes) {
    for (const auto& r : router.routes()) std::cout << r.method << " " << r.pattern << "\n";
    return 0;
  }

  http::ServerOptions options;
  options.listen = config.getString("server.listen");
  options.idle_timeout = std::chrono::seconds(config.getInt("server.idle_timeout_s"));
  options.header_timeout = std::chrono::seconds(config.getInt("server.header_timeout_s"));
  options.service_name = "npufleet-server";
  if (config.getBool("log.access")) {
    options.access_log = http::AccessLog::forLogLevel(config.getString("log.level"));
  }
  http::applyServerConnectionLimits(config, "server", options);
  if (auto st = http::applyServerTlsConfig(config, "server", options); !st) {
    std::cerr << "npufleet server: " << st.error().message << "\n";
    return 2;
  }
  http::Server server(loops, router, options, metrics);
  // Bearer tokens are checked on the head, before a body is read (an unauthenticated client
  // cannot make the server hold its body).
  server.useBeforeBody(api::makeUserAuthMiddleware(tokens));
  auto bound = server.start();
  if (!bound) {
    std::cerr << "npufleet server: " << bound.error().message << "\n";
    return 2;
  }
  // Known only now that the port is bound (--listen 127.0.0.1:0): nodes may not point at the
  // control plane itself.
  auto address_policy = fleet::WorkerAddressPolicy::create(
      config.getStringList("fleet.allowed_worker_addresses"), bound->host, bound->port);
  if (!address_policy) {
    std::cerr << "npufleet server: " << address_policy.error().message << "\n";
    return 2;
  }
  nodes.setAddressPolicy(std::move(*address_policy));
  (*extensions)->start();
  std::cout << "npufleet server listening on " << bound->str() << std::endl;
  spdlog::info("control plane listening on {}://{} (data dir {})", bound->tls ? "https" : "http",
               bound->str(), data_dir.string());

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  const auto grace = std::chrono::milliseconds(config.getInt("server.shutdown_grace_ms"));
  signals.async_wait([&](const boost::system::error_code& e, int sig) {
    if (e) return;
    spdlog::info("signal {}: draining connections (grace {} ms)", sig, grace.count());
    (*extensions)->stop();
    server.shutdown(grace, [&loops] { loops.stop(); });
  });

  try {
    loops.run();
  } catch (const std::exception& e) {
    spdlog::error("control plane stopped: a handler failed: {}", e.what());
    return 1;
  }
  spdlog::info("control plane stopped");
  return 0;
}

}  // namespace

void addServerCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  auto* cmd = app.add_subcommand("server", "Run the control plane (API, detection, routing, UI)");
  addConfigFlags(*cmd, flags->config);
  bindFlag(*cmd, flags->config, "--listen", "server.listen", flags->listen, "HOST:PORT to listen on");
  bindFlag(*cmd, flags->config, "--data-dir", "server.data_dir", flags->data_dir,
           "Directory for the database and admin.token");
  bindFlag(*cmd, flags->config, "--database", "store.url", flags->database,
           "postgresql://USER@HOST:PORT/DB (password in [store] password_file); default SQLite in "
           "--data-dir");
  bindFlag(*cmd, flags->config, "--web-dir", "server.web_dir", flags->web_dir,
           "Directory of the built web UI");
  addServiceFlags(*cmd, flags->config, flags->service_id, flags->service_key_file);
  bindFlag(*cmd, flags->config, "--tls-cert", "server.tls_cert_file", flags->tls_cert,
           "PEM certificate chain: serve HTTPS");
  bindFlag(*cmd, flags->config, "--tls-key", "server.tls_key_file", flags->tls_key,
           "PEM private key of --tls-cert");
  cmd->add_flag("--print-routes", flags->print_routes, "Print every API route and exit");
  cmd->callback([flags, &exit_code] { exit_code = runServer(*flags); });
}

}  // namespace npufleet::app
