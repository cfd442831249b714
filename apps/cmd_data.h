// `attend data <name>`: corpus preparation commands, each in its own apps/cmd_data_*.cc file.
//
// `data` is one top-level command (apps/cmd_data.cc) whose subcommands come from a registry, the way
// ATTEND_COMMAND works one level up. To add `attend data bible`, write apps/cmd_data_bible.cc with
//
//     #include "cmd_data.h"
//     ATTEND_DATA_SUBCOMMAND("bible", "write the verse-aligned Bible corpus", [](CLI::App& cmd) {
//       auto opt = std::make_shared<BibleOptions>();
//       cmd.add_option("--out", opt->out, "output directory")->required();
//       return [opt] { /* ... */ return 0; };
//     });
//
// The setup adds options to `cmd` and returns the function to run when the subcommand was chosen (its
// return value is the exit code); errors propagate as attend::Error and main prints them in one line.
// (add_data_subcommand does the same as the macro, for code that registers from a function.)
#pragma once
#include <vector>

#include "command.h"

namespace attend::app {

void add_data_subcommand(const char* name, const char* description, CommandSetup setup);
// The registered subcommands, in registration order.
std::vector<CommandInfo>& data_subcommands();

struct DataSubcommandRegistration {
  DataSubcommandRegistration(const char* name, const char* description, CommandSetup setup) {
    add_data_subcommand(name, description, std::move(setup));
  }
};

}  // namespace attend::app

#define ATTEND_DATA_SUBCOMMAND(name, description, setup)                                               \
  static const ::attend::app::DataSubcommandRegistration ATTEND_APP_CONCAT(attend_data_cmd_, __LINE__)( \
      name, description, setup)
