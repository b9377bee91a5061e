#include <CLI/CLI.hpp>

#include "app/Commands.h"

namespace npufleet::app {

void addServerCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("server", "(not built yet)");
  cmd->callback([&exit_code] { exit_code = 2; });
}

}  // namespace npufleet::app
