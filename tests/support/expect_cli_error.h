// expect_one_line_error: a CLI run failed (exit 1) with one line of output that contains the given text.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "support/cli_runner.h"

namespace attend::testing_util {

inline void expect_one_line_error(const CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(split_lines(r.all()).size(), 1u) << r.all();
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

}  // namespace attend::testing_util
