// `attend data bible --out DIR`: writes the Spanish-English Bible corpus with its Strong's-number gold
// alignment (src/data/bible.h). setup_data_bible adds the options to a CLI11 subcommand and returns the
// function to run, the shape of a command's setup in command.h.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "data/bible.h"

namespace attend::app {

// Writes the corpus to out_dir and prints a short summary (files, verses and links per split, time).
// Returns the exit code; errors propagate as attend::Error.
int run_data_bible(const std::string& out_dir, const data::BibleOptions& opt = {});

// Adds --out (required) and --sword-path to `sub`; the returned function runs the command.
std::function<int()> setup_data_bible(CLI::App& sub);

}  // namespace attend::app
