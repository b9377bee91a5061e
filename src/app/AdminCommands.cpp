#include <CLI/CLI.hpp>

#include "app/Commands.h"

namespace npufleet::app {

void addAdminCommands(CLI::App& app, int& exit_code) { (void)app; (void)exit_code; }

}  // namespace npufleet::app
