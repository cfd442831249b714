// `attend data bible`: the Bible parallel corpus with its gold word alignment.
#include "cmd_data_bible.h"

#include "cmd_data.h"

#include <chrono>
#include <cstdio>
#include <memory>

#include "command.h"

namespace attend::app {

int run_data_bible(const std::string& out_dir, const data::BibleOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const nlohmann::json stats = data::write_bible_corpus(out_dir, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("bible: %s (es) - %s (en): %lld verse keys, %lld present in both, %lld kept, %lld skipped\n",
              opt.src_module.c_str(), opt.tgt_module.c_str(), stats["verse_keys"].get<long long>(),
              stats["present_in_both"].get<long long>(), stats["kept"].get<long long>(),
              stats["skipped"]["total"].get<long long>());
  for (const char* s : {"train", "dev", "test"}) {
    const auto& js = stats["splits"][s];
    std::printf("  %-5s %6lld verses  %7lld es / %7lld en words  %7lld sure + %7lld possible links\n", s,
                js["verses"].get<long long>(), js["src_words"].get<long long>(), js["tgt_words"].get<long long>(),
                js["links_sure"].get<long long>(), js["links_possible_only"].get<long long>());
  }
  std::printf("wrote %s/{train,dev,test}.{es,en,ref,gold,tagged} and stats.json in %.1f s\n", out_dir.c_str(), secs);
  return 0;
}

std::function<int()> setup_data_bible(CLI::App& sub) {
  auto out = std::make_shared<std::string>();
  auto opt = std::make_shared<data::BibleOptions>();
  sub.add_option("--out", *out, "output folder for the corpus files")->required();
  sub.add_option("--sword-path", opt->sword_path, "SWORD library folder holding mods.d (default: the system's)");
  return [out, opt] { return run_data_bible(*out, *opt); };
}

ATTEND_DATA_SUBCOMMAND("bible", "Spanish-English Bible (RV1909 / KJV) with Strong's gold alignment",
                       [](CLI::App& sub) { return setup_data_bible(sub); });

}  // namespace attend::app
