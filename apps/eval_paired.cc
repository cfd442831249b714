// Options and output of the paired significance tests of `attend eval bleu|per` (see eval_paired.h).
#include "eval_paired.h"

#include <cstdio>

#include "base/error.h"

namespace attend::app {

void add_paired_options(CLI::App& sub, PairedCli& p) {
  CLI::Option* baseline = sub.add_option(
      "--baseline", p.baseline,
      "a second hypothesis file of the same sentences: test whether --hyp differs from it significantly (either way)");
  sub.add_option("--paired", p.test,
                 "with --baseline: bs = paired bootstrap resampling (default), ar = approximate randomisation")
      ->check(CLI::IsMember({"bs", "ar"}))
      ->needs(baseline);
  sub.add_flag("--confidence", p.confidence,
               "each score's bootstrap mean and 95% interval (1000 draws), as sacreBLEU's --confidence");
  p.samples_option =
      sub.add_option("--samples", p.samples, "bootstrap draws or randomisation shuffles (default 1000 for bs, 10000 for ar; with ar, --confidence still draws 1000)")
          ->check(CLI::Range(40, 1000000));  // a 95% interval needs at least 40 draws
  p.seed_option = sub.add_option("--seed", p.seed, "random seed of the draws (default 12345, as sacreBLEU's)");
}

void check_paired_options(const PairedCli& p) {
  const bool sampling = (p.samples_option && p.samples_option->count()) || (p.seed_option && p.seed_option->count());
  ATTEND_CHECK(!sampling || !p.baseline.empty() || p.confidence,
               "eval: --samples and --seed set the draws of --baseline or --confidence; give one of those");
}

int confidence_draws(const PairedCli& p) { return p.test == "ar" || p.samples == 0 ? 1000 : p.samples; }

nlohmann::ordered_json confidence_header(const PairedCli& p) {
  nlohmann::ordered_json j;
  j["samples"] = confidence_draws(p);
  j["seed"] = p.seed;
  return j;
}

void print_confidence_header(const PairedCli& p) {
  std::printf("bootstrap confidence (%d draws, seed %llu):\n", confidence_draws(p),
              static_cast<unsigned long long>(p.seed));
}

void print_confidence_metric(const char* metric, const eval::ScoreEstimate& e) {
  std::printf("  %-5s %.2f (mean %.2f +- %.2f, 95%% bootstrap interval)\n", metric, e.score, e.mean, e.ci);
}

eval::PairedTestOptions paired_test_options(const PairedCli& p) {
  eval::PairedTestOptions opt;
  opt.kind = p.test == "ar" ? eval::PairedTestKind::kRandomization : eval::PairedTestKind::kBootstrap;
  opt.samples = p.samples;
  opt.seed = p.seed;
  return opt;
}

nlohmann::ordered_json paired_header(const PairedCli& p, const eval::PairedTestResult& any) {
  nlohmann::ordered_json j;
  j["test"] = p.test;
  j["samples"] = any.samples;
  j["seed"] = p.seed;
  j["baseline"] = p.baseline;
  return j;
}

void add_paired_metric(nlohmann::ordered_json& paired, const char* metric, const eval::PairedTestResult& r) {
  paired[metric] = {{"baseline", r.baseline.score}, {"system", r.system.score},
                    {"baseline_mean", r.baseline.mean}, {"baseline_ci", r.baseline.ci},
                    {"system_mean", r.system.mean},     {"system_ci", r.system.ci},
                    {"p", r.p_value}};
}

std::string format_p_value(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, p >= 1e-4 ? "%.4f" : "%.1e", p);
  return buf;
}

void print_paired_header(const PairedCli& p, const eval::PairedTestResult& any) {
  std::printf("%s (%d %s, seed %llu) against %s:\n",
              p.test == "ar" ? "approximate randomisation" : "paired bootstrap", any.samples,
              p.test == "ar" ? "shuffles" : "draws", static_cast<unsigned long long>(p.seed), p.baseline.c_str());
}

void print_paired_metric(const char* metric, const eval::PairedTestResult& r) {
  std::printf("  %-5s baseline %.2f (mean %.2f +- %.2f)  system %.2f (mean %.2f +- %.2f)  p = %s\n", metric,
              r.baseline.score, r.baseline.mean, r.baseline.ci, r.system.score, r.system.mean, r.system.ci,
              format_p_value(r.p_value).c_str());
}

}  // namespace attend::app
