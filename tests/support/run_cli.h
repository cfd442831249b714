// The short form of run_cli (cli_runner.h) for tests that only check exit codes and what was printed:
// stdout then stderr in one string.
#pragma once
#include <string>

#include "support/cli_runner.h"

namespace attend::testing_util {

struct RunResult {
  int exit_code;
  std::string out;  // stdout + stderr
};

inline RunResult run(const std::string& args) {
  const CliResult r = run_cli(args);
  return {r.exit_code, r.all()};
}

// Line breaks in s.
inline int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace attend::testing_util
