// One-line, bounded, printable text for error messages: user input (a corrupt file's bytes, a config
// value) may hold newlines, control bytes, NULs or invalid UTF-8, any of which would break the CLI's
// one-line error or cut it short.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace attend {

// Valid UTF-8 and printable ASCII pass through; \n \r \t become those escapes, other control bytes and
// bytes that are not valid UTF-8 become \xNN. Past `max_bytes` of output the rest is dropped and
// " ... (N more bytes)" appended.
std::string printable(std::string_view s, size_t max_bytes = 2000);

}  // namespace attend
