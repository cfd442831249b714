// attend: the command-line entry point. Builds the CLI from the registered subcommands, applies the
// thread settings, and turns any attend::Error into one line on stderr and a non-zero exit.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "base/error.h"
#include "base/printable.h"
#include "command.h"
#include "kernels/gemm_bf16.h"
#include "tensor/threads.h"

namespace attend::app {

std::vector<CommandInfo>& commands() {
  static std::vector<CommandInfo> v;
  return v;
}
std::vector<CommandInfo>& benchmarks() {
  static std::vector<CommandInfo> v;
  return v;
}
CommandRegistration::CommandRegistration(const char* name, const char* description, CommandSetup setup) {
  commands().push_back({name, description, std::move(setup)});
}
BenchmarkRegistration::BenchmarkRegistration(const char* name, const char* description, CommandSetup setup) {
  benchmarks().push_back({name, description, std::move(setup)});
}

namespace {

int run(int argc, char** argv) {
  CLI::App app{"attend: build, train, run and inspect attention-based neural networks"};
  app.require_subcommand(1);
  int threads = -1;
  app.add_option("--threads", threads, "worker threads (default: ATTEND_THREADS, else all cores)")
      ->check(CLI::Range(0, 4096));
  std::string precision;
  app.add_option("--precision", precision,
                 "float GEMM precision: f32 (default) or bf16 (large GEMMs on bf16 inputs with float accumulation; "
                 "default: ATTEND_PRECISION, else f32)")
      ->check(CLI::IsMember({"f32", "bf16"}));

  // Options of the top level (--threads) are accepted after any subcommand too.
  app.fallthrough();
  std::function<int()> action;
  for (auto& c : commands()) {
    if (c.name == "bench") continue;
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    auto fn = c.setup(*sub);
    sub->callback([&action, fn] { action = fn; });
  }
  // bench: one sub-subcommand per registered benchmark.
  CLI::App* bench = app.add_subcommand("bench", "run speed benchmarks (one JSON line with --json)");
  bench->require_subcommand(1);
  for (auto& b : benchmarks()) {
    CLI::App* sub = bench->add_subcommand(b.name, b.description);
    auto fn = b.setup(*sub);
    sub->callback([&action, fn] { action = fn; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line: what was wrong, and where to look. A missing subcommand is usually a mistyped one, so
    // name the word that was not understood when there is one.
    std::vector<std::string> rest = app.remaining();
    for (CLI::App* sub : app.get_subcommands()) {
      auto more = sub->remaining();
      rest.insert(rest.end(), more.begin(), more.end());
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e) && !rest.empty()) {
      std::fprintf(stderr, "attend: unknown command or option '%s' (see attend --help)\n",
                   printable(rest.front()).c_str());
    } else {
      std::fprintf(stderr, "attend: %s (see attend --help)\n", printable(e.what()).c_str());
    }
    return 2;
  }
  init_threads_from_env();
  if (threads >= 0) set_num_threads(threads);
  if (precision.empty()) {
    const char* env = std::getenv("ATTEND_PRECISION");
    precision = env != nullptr && *env != '\0' ? env : "f32";
  }
  try {  // --precision is checked by CLI11 already; this catches a bad ATTEND_PRECISION
    kernels::set_gemm_precision(kernels::parse_gemm_precision(precision));
  } catch (const Error& e) {
    std::fprintf(stderr, "attend: ATTEND_PRECISION: %s\n", e.message().c_str());
    return 2;
  }
  if (kernels::gemm_precision() == kernels::GemmPrecision::Bf16 && !kernels::bf16_gemm_native())
    std::fprintf(stderr, "attend: note: this CPU has no bf16 matmul (AVX-512 BF16 or AMX); GEMMs run in float32\n");
  return action ? action() : 0;
}

}  // namespace
}  // namespace attend::app

int main(int argc, char** argv) {
  try {
    return attend::app::run(argc, argv);
  } catch (const attend::Error& e) {
    std::fprintf(stderr, "attend: error: %s\n", e.message().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "attend: error: %s\n", attend::printable(e.what()).c_str());
    return 1;
  }
}
