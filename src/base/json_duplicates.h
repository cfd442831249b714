// JSON parsing that notices a key given twice in one object. nlohmann keeps only one of the two values,
// silently: in a safetensors header that hides a tensor, in a config file it hides a setting the user
// believes is in force. Syntax errors still throw nlohmann's exceptions, as parse() does.
#pragma once
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace attend {

template <class Json>
struct ParsedJson {
  Json value;
  std::string duplicate;  // the first repeated key as a dotted path from the top ("train.lr"); empty if none
  std::string duplicate_key;  // that key alone (keys may hold dots themselves)
  int duplicate_depth = 0;  // objects open when it was seen (1 = the top-level object)
};

template <class Json, class Input>
ParsedJson<Json> parse_json_noting_duplicates(Input&& input) {
  ParsedJson<Json> out;
  std::vector<std::pair<std::set<std::string>, std::string>> open;  // each open object: its keys, its latest key
  auto callback = [&](int /*depth*/, nlohmann::detail::parse_event_t event, Json& parsed) {
    using E = nlohmann::detail::parse_event_t;
    if (event == E::object_start) {
      open.emplace_back();
    } else if (event == E::object_end && !open.empty()) {
      open.pop_back();
    } else if (event == E::key && !open.empty()) {
      std::string key = parsed.template get<std::string>();
      if (!open.back().first.insert(key).second && out.duplicate.empty()) {
        for (size_t k = 0; k + 1 < open.size(); ++k) out.duplicate += open[k].second + ".";
        out.duplicate += key;
        out.duplicate_key = key;
        out.duplicate_depth = static_cast<int>(open.size());
      }
      open.back().second = std::move(key);
    }
    return true;
  };
  out.value = Json::parse(std::forward<Input>(input), callback);
  return out;
}

}  // namespace attend
