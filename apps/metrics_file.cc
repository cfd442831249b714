// metrics.jsonl helpers.
#include "metrics_file.h"

#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "base/printable.h"
#include "data/text_file.h"

namespace attend::app {

int64_t truncate_metrics(const std::filesystem::path& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return 0;
  std::string keep;
  int64_t unreadable = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    const bool readable = !j.is_discarded() && j.is_object() && j.contains("step") && j["step"].is_number_integer();
    unreadable += !readable && !line.empty();
    if (readable && j["step"].get<int64_t>() <= step) keep += line + '\n';
  }
  in.close();
  // Atomic: a kill during the rewrite leaves the old file, not half of it.
  data::write_text_atomic(path.string(), keep, "metrics file");
  if (unreadable > 0)
    std::fprintf(stderr, "train: dropped %lld unreadable line%s from %s\n", static_cast<long long>(unreadable),
                 unreadable == 1 ? "" : "s", printable(path.string()).c_str());
  return unreadable;
}

}  // namespace attend::app
