// `attend data`: the subcommand registry (see cmd_data.h) and `attend data cmudict`, which writes the
// CMUdict grapheme-to-phoneme splits and prints what it parsed.
#include "cmd_data.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "base/error.h"
#include "base/printable.h"
#include "data/cmudict.h"

namespace attend::app {

std::vector<CommandInfo>& data_subcommands() {
  static std::vector<CommandInfo> v;
  return v;
}

void add_data_subcommand(const char* name, const char* description, CommandSetup setup) {
  data_subcommands().push_back({name, description, std::move(setup)});
}

namespace {

// Runs after static initialisation (from main), so every cmd_data_*.cc has registered by then.
std::function<int()> setup_data(CLI::App& cmd) {
  cmd.require_subcommand(1);
  auto chosen = std::make_shared<std::function<int()>>();
  for (auto& c : data_subcommands()) {
    CLI::App* sub = cmd.add_subcommand(c.name, c.description);
    auto fn = c.setup(*sub);
    sub->callback([chosen, fn] { *chosen = fn; });
  }
  return [chosen] { return *chosen ? (*chosen)() : 0; };
}

ATTEND_COMMAND("data", "prepare corpora (attend data cmudict, ...)", setup_data);

struct CmudictCli {
  std::string out;
  std::string dict = data::kFestlexCmuPath;
};

int run_cmudict(const CmudictCli& c) {
  ATTEND_CHECK(std::filesystem::is_regular_file(c.dict),
               "data cmudict: '{}' not found (apt-get install festlex-cmu, or pass --dict PATH)", c.dict);
  const data::CmuDict d = data::read_cmudict(c.dict);
  const data::CmuSplitStats s = data::write_cmudict_splits(d, c.out, c.dict);
  const auto& st = d.stats;
  std::printf("cmudict: %s: %lld entries, %lld parsed, %lld malformed, %lld duplicate pronunciations dropped\n",
              c.dict.c_str(), static_cast<long long>(st.entries), static_cast<long long>(st.parsed),
              static_cast<long long>(st.malformed), static_cast<long long>(st.duplicates));
  for (const auto& p : st.malformed_examples)
    std::printf("  malformed line %lld: %s: %s\n", static_cast<long long>(p.line), printable(p.reason).c_str(),
                printable(p.text).c_str());
  if (st.malformed > static_cast<int64_t>(st.malformed_examples.size()))
    std::printf("  (%lld more malformed lines)\n",
                static_cast<long long>(st.malformed - static_cast<int64_t>(st.malformed_examples.size())));
  std::printf("%lld words, %lld pronunciations\n", static_cast<long long>(s.words),
              static_cast<long long>(s.pronunciations));
  for (int k = 0; k < 3; ++k) {
    const auto& x = s.splits[k];
    std::printf("%-5s %6lld words (%5.2f%%) %6lld pronunciations\n", data::split_name(static_cast<data::Split>(k)),
                static_cast<long long>(x.words), s.words ? 100.0 * static_cast<double>(x.words) / static_cast<double>(s.words) : 0.0,
                static_cast<long long>(x.pronunciations));
  }
  std::printf("wrote %s/{train,dev,test}.{src,tgt,nostress.tgt} and stats.json\n", c.out.c_str());
  return 0;
}

ATTEND_DATA_SUBCOMMAND("cmudict", "write CMUdict grapheme-to-phoneme splits (90/5/5 by word hash)", [](CLI::App& cmd) {
  auto c = std::make_shared<CmudictCli>();
  cmd.add_option("--out", c->out, "output directory (created)")->required();
  cmd.add_option("--dict", c->dict, "Festival CMU lexicon (package festlex-cmu)")->capture_default_str();
  return [c] { return run_cmudict(*c); };
});

}  // namespace
}  // namespace attend::app
