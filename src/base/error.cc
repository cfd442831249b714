// Out-of-line thrower so that ATTEND_CHECK stays small at every call site.
#include "base/error.h"

#include <cstring>

#include "base/printable.h"

namespace attend::detail {

void throw_error(const char* file, int line, std::string message) {
  const char* base = std::strrchr(file, '/');
  std::string where = fmt::format("{}:{}", base ? base + 1 : file, line);
  // Messages quote user input: keep them one printable line of bounded length.
  throw Error(printable(message), std::move(where));
}

}  // namespace attend::detail
