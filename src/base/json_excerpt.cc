// json_excerpt(): a depth- and length-bounded serialisation that never throws.
#include "base/json_excerpt.h"

#include "base/printable.h"

namespace attend {
namespace {

constexpr int kMaxDepth = 3;

template <class Json>
std::string scalar_text(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

template <class Json>
void put(const Json& v, int depth, size_t max_chars, std::string& out) {
  if (out.size() > max_chars) return;
  if (!v.is_structured()) {
    out += scalar_text(v);
    return;
  }
  const bool array = v.is_array();
  if (v.empty()) {
    out += array ? "[]" : "{}";
    return;
  }
  if (depth >= kMaxDepth) {
    out += array ? "[...]" : "{...}";
    return;
  }
  out += array ? '[' : '{';
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ',';
    first = false;
    if (out.size() > max_chars) {
      out += "...";
      break;
    }
    if (!array) out += scalar_text(Json(it.key())) + ':';
    put(*it, depth + 1, max_chars, out);
  }
  out += array ? ']' : '}';
}

template <class Json>
std::string excerpt(const Json& v, size_t max_chars) {
  std::string out;
  put(v, 0, max_chars, out);
  return printable(out, max_chars);
}

}  // namespace

std::string json_excerpt(const nlohmann::json& v, size_t max_chars) { return excerpt(v, max_chars); }
std::string json_excerpt(const nlohmann::ordered_json& v, size_t max_chars) { return excerpt(v, max_chars); }

}  // namespace attend
