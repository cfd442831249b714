// The demos behind `attend demo`: the pronunciation model (default, cmd_demo.cc) and `attend demo reversal`
// (cmd_synthetic.cc), reversal with and without attention side by side.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace attend::app {

// Adds the reversal demo's options to `cmd` and returns what runs it.
std::function<int()> setup_reversal_demo(CLI::App& cmd);

}  // namespace attend::app
