// Out-of-line thrower so that ATTEND_CHECK stays small at every call site.
#include "base/error.h"

#include <cstring>

namespace attend::detail {

void throw_error(const char* file, int line, std::string message) {
  const char* base = std::strrchr(file, '/');
  std::string where = fmt::format("{}:{}", base ? base + 1 : file, line);
  throw Error(std::move(message), std::move(where));
}

}  // namespace attend::detail
