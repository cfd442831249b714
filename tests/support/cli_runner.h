// Running the built attend binary (ATTEND_CLI_PATH) from a test: arguments through the shell, optional stdin
// from a file, stdout and stderr kept apart; plus small text helpers for checking what it printed.
#pragma once
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace attend::testing_util {

struct CliResult {
  int exit_code = -1;  // 128 + signal when the process was killed by one
  std::string out;     // stdout
  std::string err;     // stderr
  std::string all() const { return out + err; }
};

// Runs `attend <args>` with one thread (the machine is shared); `stdin_path` (optional) is fed as stdin.
inline CliResult run_cli(const std::string& args, const std::string& stdin_path = "") {
  char err_path[] = "/tmp/attend_cli_stderr_XXXXXX";
  const int fd = ::mkstemp(err_path);
  if (fd >= 0) ::close(fd);
  std::string cmd = "ATTEND_THREADS=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive " + std::string(ATTEND_CLI_PATH) +
                    " " + args + (stdin_path.empty() ? " < /dev/null" : " < " + stdin_path) + " 2> " + err_path;
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = read_bytes(err_path);
  ::unlink(err_path);
  return r;
}

// Newline-terminated lines (a last line without '\n' counts too).
inline std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : s) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

inline std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

}  // namespace attend::testing_util
