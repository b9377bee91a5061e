#include <CLI/CLI.hpp>

#include "app/Commands.h"

namespace npufleet::app {

void addKeysCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("keys", "(not built yet)");
  cmd->callback([&exit_code] { exit_code = 2; });
}

}  // namespace npufleet::app
