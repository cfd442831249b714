// attend::Error and the ATTEND_CHECK macro: every user-facing failure in the library is an Error
// whose message names the op, the offending shapes or values, and the source location.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdexcept>
#include <string>

namespace attend {

class Error : public std::runtime_error {
 public:
  Error(std::string message, std::string where)
      : std::runtime_error(message + " (at " + where + ")"), message_(std::move(message)), where_(std::move(where)) {}
  // The message without the source location, for one-line CLI output.
  const std::string& message() const { return message_; }
  const std::string& where() const { return where_; }

 private:
  std::string message_;
  std::string where_;
};

namespace detail {
[[noreturn]] void throw_error(const char* file, int line, std::string message);
}  // namespace detail

}  // namespace attend

// ATTEND_CHECK(cond, "matmul: inner dims differ: {} x {}", a.shape(), b.shape())
#define ATTEND_CHECK(cond, ...)                                                        \
  do {                                                                                 \
    if (!(cond)) [[unlikely]]                                                          \
      ::attend::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__));   \
  } while (0)

#define ATTEND_FAIL(...) ::attend::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__))

// Checks that cost time inside hot loops: compiled only in debug builds.
#ifdef NDEBUG
#define ATTEND_DCHECK(cond, ...) \
  do {                           \
  } while (0)
#else
#define ATTEND_DCHECK(cond, ...) ATTEND_CHECK(cond, __VA_ARGS__)
#endif
