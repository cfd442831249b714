// Subcommand registration for the `attend` CLI. Each apps/cmd_*.cc registers itself with
// ATTEND_COMMAND; main() builds the CLI11 app from the registry, so adding a command touches one file.
// `bench` has its own registry of benchmarks (ATTEND_BENCHMARK) that become `attend bench <name>`.
#pragma once
#include <CLI/CLI.hpp>

#include <cctype>
#include <functional>
#include <string>
#include <vector>

namespace attend::app {

// setup adds options to `cmd` and returns the function to run when the command was chosen (it
// returns the process exit code). Errors propagate as attend::Error; main prints them in one line.
using CommandSetup = std::function<std::function<int()>(CLI::App& cmd)>;

struct CommandInfo {
  std::string name;
  std::string description;
  CommandSetup setup;
};

struct CommandRegistration {
  CommandRegistration(const char* name, const char* description, CommandSetup setup);
};
std::vector<CommandInfo>& commands();

struct BenchmarkRegistration {
  BenchmarkRegistration(const char* name, const char* description, CommandSetup setup);
};
std::vector<CommandInfo>& benchmarks();

// --split NAME: a data split is a file-name stem beside the model's data (dev, test, train, len100, ...):
// letters, digits, '_', '-' and inner dots only, so it can never point outside the data directory.
inline CLI::Validator split_name_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        bool ok = !s.empty() && s.front() != '.' && s.back() != '.';
        for (char ch : s) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.');
        return ok ? std::string() : "split '" + s + "' must be a file-name stem such as dev, test or len100";
      },
      "SPLIT");
}

}  // namespace attend::app

#define ATTEND_APP_CONCAT_INNER(a, b) a##b
#define ATTEND_APP_CONCAT(a, b) ATTEND_APP_CONCAT_INNER(a, b)
// Variadic so that a lambda with several captures can be passed as the setup.
#define ATTEND_COMMAND(name, description, ...)                                                          \
  static const ::attend::app::CommandRegistration ATTEND_APP_CONCAT(attend_cmd_, __LINE__)(name, description, \
                                                                                          __VA_ARGS__)
#define ATTEND_BENCHMARK(name, description, ...)                                                            \
  static const ::attend::app::BenchmarkRegistration ATTEND_APP_CONCAT(attend_bench_, __LINE__)(name, description, \
                                                                                              __VA_ARGS__)
