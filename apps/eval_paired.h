// `attend eval bleu|per --baseline FILE`: the options and output of the paired significance tests
// (eval/significance.h) shared by the file scorers, so both print the same fields the same way.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/significance.h"

namespace attend::app {

struct PairedCli {
  std::string baseline;  // empty: no test
  std::string test = "bs";
  int samples = 0;
  uint64_t seed = 12345;
};

// --baseline, --paired, --samples, --seed on a scoring subcommand.
void add_paired_options(CLI::App& sub, PairedCli& p);
eval::PairedTestOptions paired_test_options(const PairedCli& p);

// {"test", "samples", "seed", "baseline"}: the header of the JSON "paired" object; each metric is then added
// by add_paired_metric.
nlohmann::ordered_json paired_header(const PairedCli& p, const eval::PairedTestResult& any);
void add_paired_metric(nlohmann::ordered_json& paired, const char* metric, const eval::PairedTestResult& r);

// "paired bootstrap (1000 draws, seed 12345) against BASELINE:" then one line per metric.
void print_paired_header(const PairedCli& p, const eval::PairedTestResult& any);
void print_paired_metric(const char* metric, const eval::PairedTestResult& r);
// Four decimals, or two significant digits below 1e-4 (McNemar's p can be 1e-30).
std::string format_p_value(double p);

}  // namespace attend::app
