// Each subcommand of the single `npufleet` binary registers itself on the CLI11 app here.
// The callbacks store their exit status in `exit_code`; main() returns it.
#pragma once

namespace CLI {
class App;
}

namespace npufleet::app {

void addServerCommand(CLI::App& app, int& exit_code);
void addWorkerCommand(CLI::App& app, int& exit_code);
void addDevCommand(CLI::App& app, int& exit_code);
void addAdminCommands(CLI::App& app, int& exit_code);  // nodes, token, npu, lb
void addKeysCommand(CLI::App& app, int& exit_code);
void addModelsCommand(CLI::App& app, int& exit_code);  // models check

}  // namespace npufleet::app
