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
  bool confidence = false;  // each score's bootstrap mean and 95% interval
  int samples = 0;
  uint64_t seed = 12345;
  const CLI::Option* samples_option = nullptr;
  const CLI::Option* seed_option = nullptr;
};

// --baseline, --paired, --confidence, --samples, --seed on a scoring subcommand.
void add_paired_options(CLI::App& sub, PairedCli& p);
// --samples and --seed mean nothing without --baseline or --confidence: an error says so.
void check_paired_options(const PairedCli& p);
eval::PairedTestOptions paired_test_options(const PairedCli& p);

// The bootstrap draws of --confidence: --samples, except with --paired ar (shuffles) where it is 1,000.
int confidence_draws(const PairedCli& p);
// --confidence: {"samples", "seed", metric: {"score", "mean", "ci"}, ...} and "BLEU 24.72 (mean 24.70 +- 0.71)".
nlohmann::ordered_json confidence_header(const PairedCli& p);
template <class Json>
void add_confidence_metric(Json& confidence, const char* metric, const eval::ScoreEstimate& e) {
  confidence[metric] = {{"score", e.score}, {"mean", e.mean}, {"ci", e.ci}};
}
void print_confidence_header(const PairedCli& p);
void print_confidence_metric(const char* metric, const eval::ScoreEstimate& e);

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
