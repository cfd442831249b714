// metrics.jsonl helpers.
#include "metrics_file.h"

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attend::app {

void truncate_metrics(const std::filesystem::path& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::vector<std::string> keep;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() <= step)
      keep.push_back(line);
  }
  in.close();
  std::ofstream out(path, std::ios::trunc);
  for (auto& l : keep) out << l << '\n';
}

}  // namespace attend::app
