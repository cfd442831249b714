// Runs the built `attend` binary (ATTEND_CLI_PATH) through the shell with stdout and stderr merged, for
// CLI tests that check exit codes and one-line errors.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace attend::testing_util {

struct RunResult {
  int exit_code;
  std::string out;  // stdout + stderr
};

inline RunResult run(const std::string& args) {
  std::string cmd = std::string(ATTEND_CLI_PATH) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

// Line breaks in s.
inline int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace attend::testing_util
