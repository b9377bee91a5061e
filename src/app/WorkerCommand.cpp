// `npufleet worker`: the agent on each accelerator node (DESIGN.md 4.5). Wiring only: config
// layers, device detection, the WorkerService routes on an http::Server with the service
// signature middleware in front, and graceful shutdown on SIGTERM/SIGINT.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/Commands.h"
#include "auth/ServiceAuthConfig.h"
#include "common/Clock.h"
#include "common/Config.h"
#include "common/Log.h"
#include "http/AccessLog.h"
#include "http/EventLoops.h"
#include "http/Server.h"
#include "http/ConnectionLimitsConfig.h"
#include "http/TlsConfig.h"
#include "worker/ModelCheck.h"
#include "worker/WorkerConfig.h"
#include "worker/WorkerService.h"
#include "worker/device/DeviceDetector.h"

namespace npufleet::app {
namespace {

struct WorkerFlags {
  std::string listen;
  std::string models_dir;
  std::string trusted_keys;
  std::string config_file;
  std::string device;
  std::string tls_cert;
  std::string tls_key;
  std::string log_level = "info";
  bool print_config = false;
};

int fail(const std::string& message) {
  std::cerr << "npufleet worker: " << message << "\n";
  return 1;
}

int runWorker(const WorkerFlags& flags) {
  if (auto st = configureLogging(flags.log_level); !st) return fail(st.error().message);
  ConfigSchema schema;
  worker::addWorkerConfigKeys(schema);
  auth::addServiceAuthConfigKeys(schema);
  http::addServerTlsConfigKeys(schema, "worker");
  http::addServerConnectionLimitKeys(schema, "worker");
  Config config(schema);
  if (!flags.config_file.empty()) {
    if (auto st = config.loadTomlFile(flags.config_file); !st) return fail(st.error().message);
  }
  if (auto st = config.loadProcessEnvironment(); !st) return fail(st.error().message);
  auto setFlag = [&](const std::string& key, const std::string& value, const char* flag) {
    if (value.empty()) return okStatus();
    return config.set(key, value, flag);
  };
  for (auto st : {setFlag("worker.listen", flags.listen, "--listen"),
                  setFlag("worker.models_dir", flags.models_dir, "--models-dir"),
                  setFlag("auth.trusted_keys_dir", flags.trusted_keys, "--trusted-keys"),
                  setFlag("worker.device", flags.device, "--device"),
                  setFlag("worker.tls_cert_file", flags.tls_cert, "--tls-cert"),
                  setFlag("worker.tls_key_file", flags.tls_key, "--tls-key")}) {
    if (!st) return fail(st.error().message);
  }
  if (flags.print_config) {
    std::cout << config.render();
    return 0;
  }

  auto settings = worker::WorkerSettings::fromConfig(config);
  settings.model_check_binary = worker::currentExecutable();
  std::error_code ec;
  if (!std::filesystem::is_directory(settings.models_dir, ec)) {
    return fail("models directory '" + settings.models_dir + "' does not exist (--models-dir)");
  }
  const Clock& clock = SystemClock::instance();
  auto auth_setup = auth::makeServiceAuthFromConfig(config, clock);
  if (!auth_setup) return fail(auth_setup.error().message);

  worker::DeviceDetectorOptions detect;
  detect.sys_root = settings.sys_root;
  detect.proc_root = settings.proc_root;
  detect.device = settings.device;
  detect.clock = &clock;
  auto probe = worker::DeviceDetector(detect).detect();
  spdlog::info("device: {} ({})", worker::deviceTypeName(probe->info().type), probe->info().name);
  for (const auto& note : probe->info().notes) spdlog::info("device note: {}", note);

  worker::WorkerService service(settings, std::move(probe), clock, NPUFLEET_VERSION);
  service.preload();

  // Event loops, one thread each: the main one accepts, connections go to the others (2 to 8,
  // as many as the CPUs).
  const unsigned connection_loops = std::clamp(std::thread::hardware_concurrency(), 2u, 8u);
  http::EventLoops loops(static_cast<int>(connection_loops) + 1);
  http::ServerOptions server_options;
  server_options.listen = settings.listen;
  server_options.service_name = "npufleet-worker";
  server_options.access_log = http::AccessLog::forLogLevel(flags.log_level);
  http::applyServerConnectionLimits(config, "worker", server_options);
  if (auto st = http::applyServerTlsConfig(config, "worker", server_options); !st) {
    return fail(st.error().message);
  }
  http::Server server(loops, service.router(), server_options, service.metricsRegistry());
  // The signature is checked from the head before the body is read, the digest after.
  auth::installServiceAuth(server, auth_setup->hooks());
  auto bound = server.start();
  if (!bound) return fail(bound.error().message);
  // The Host a signed request names must be one of this worker's (a request signed for another
  // worker is refused): the configured names, or those of the address it now listens on.
  auth::applyAcceptedHosts(*auth_setup, settings.listen.substr(0, settings.listen.rfind(':')),
                           bound->port);
  spdlog::info("worker ready on {}://{}: max_concurrent={} memory_gb={} models_dir={}",
               bound->tls ? "https" : "http", bound->str(), service.maxConcurrent(),
               service.memoryGb(), settings.models_dir);
  std::cout << "npufleet worker listening on " << bound->str() << std::endl;

  boost::asio::signal_set signals(loops.main(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& err, int signo) {
    if (err) return;
    spdlog::info("signal {}: shutting down", signo);
    server.shutdown(std::chrono::seconds(10), [&loops] { loops.stop(); });
  });
  int status = 0;
  try {
    loops.run();
  } catch (const std::exception& e) {
    spdlog::error("worker stopping: a handler failed: {}", e.what());
    status = 1;
  }
  service.stop();  // before the loops go: a finishing engine job still posts to its request's loop
  spdlog::info("worker stopped");
  return status;
}

}  // namespace

void addWorkerCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<WorkerFlags>();
  auto* cmd = app.add_subcommand("worker", "Run the worker agent on an accelerator node");
  cmd->add_option("--listen", flags->listen, "HOST:PORT (default 0.0.0.0:8081; port 0 = any)");
  cmd->add_option("--models-dir", flags->models_dir, "directory of <name>.onnx models");
  cmd->add_option("--trusted-keys", flags->trusted_keys,
                  "directory of <service-id>.key files (mode 0600)");
  cmd->add_option("--config", flags->config_file, "TOML configuration file");
  cmd->add_option("--device", flags->device,
                  "auto|intel-npu|amd-npu|nvidia-gpu|amd-gpu|cpu (default auto)");
  cmd->add_option("--tls-cert", flags->tls_cert,
                  "PEM certificate chain: serve HTTPS [worker.tls_cert_file]");
  cmd->add_option("--tls-key", flags->tls_key, "PEM private key of --tls-cert [worker.tls_key_file]");
  cmd->add_option("--log-level", flags->log_level, "trace|debug|info|warn|error|off");
  cmd->add_flag("--print-config", flags->print_config,
                "print the effective configuration and exit");
  cmd->callback([flags, &exit_code] { exit_code = runWorker(*flags); });
}

}  // namespace npufleet::app
