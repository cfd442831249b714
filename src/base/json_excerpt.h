// A short, safe rendering of a JSON value for error messages. nlohmann's dump() recurses once per level
// (a value nested 100,000 deep overflows the stack), prints megabytes for a large value and throws on
// strings that are not valid UTF-8; an error message needs none of that.
#pragma once
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace attend {

// Arrays and objects below depth 3 are shown as [...] / {...}; the text stops at about `max_chars`.
std::string json_excerpt(const nlohmann::json& v, size_t max_chars = 100);
// The same for ordered_json (RunConfig files keep their key order).
std::string json_excerpt(const nlohmann::ordered_json& v, size_t max_chars = 100);

}  // namespace attend
