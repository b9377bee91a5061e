// npufleet: one binary for the control plane, the worker agent, the dev fleet and the admin CLI.
#include <CLI/CLI.hpp>

#include "app/Commands.h"

int main(int argc, char** argv) {
  CLI::App app{"npufleet: a fleet manager for AI-accelerator inference workers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(NPUFLEET_VERSION));
  int exit_code = 0;
  npufleet::app::addServerCommand(app, exit_code);
  npufleet::app::addWorkerCommand(app, exit_code);
  npufleet::app::addDevCommand(app, exit_code);
  npufleet::app::addAdminCommands(app, exit_code);
  npufleet::app::addKeysCommand(app, exit_code);
  npufleet::app::addModelsCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
