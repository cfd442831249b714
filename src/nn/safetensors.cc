// safetensors writer and validating reader, over POSIX file descriptors (pread, fsync).
#include "nn/safetensors.h"
#include "base/json_duplicates.h"
#include "base/json_excerpt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

namespace attend::nn {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

using ordered_json = nlohmann::ordered_json;

// The reference implementation refuses headers above 100 MB; so do we, before allocating.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes and reports the error, for writers (close can report a deferred write failure).
  int close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

std::string errno_text() { return std::strerror(errno); }

// Reads exactly n bytes at offset; returns the number read (less only at end of file).
uint64_t read_at(int fd, void* dst, uint64_t n, uint64_t offset, const std::string& path) {
  uint64_t done = 0;
  auto* out = static_cast<char*>(dst);
  while (done < n) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(n - done, 1u << 30));
    const ssize_t r = ::pread(fd, out + done, chunk, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    ATTEND_CHECK(r >= 0, "safetensors '{}': read failed: {}", path, errno_text());
    if (r == 0) break;
    done += static_cast<uint64_t>(r);
  }
  return done;
}

void write_all(int fd, const void* src, uint64_t n, const std::string& path) {
  uint64_t done = 0;
  const auto* in = static_cast<const char*>(src);
  while (done < n) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(n - done, 1u << 30));
    const ssize_t r = ::write(fd, in + done, chunk);
    if (r < 0 && errno == EINTR) continue;
    ATTEND_CHECK(r > 0, "safetensors '{}': write failed: {}", path, r < 0 ? errno_text() : "no progress");
    done += static_cast<uint64_t>(r);
  }
}

bool parse_dtype(const std::string& code, DType* out) {
  if (code == "F32") *out = DType::F32;
  else if (code == "F64") *out = DType::F64;
  else if (code == "I32") *out = DType::I32;
  else if (code == "I64") *out = DType::I64;
  else return false;
  return true;
}

bool is_known_unsupported_dtype(const std::string& code) {
  static const char* const kOthers[] = {"BOOL", "U8",  "I8",  "I16",     "U16",     "F16", "BF16",
                                        "U32",  "U64", "F8_E4M3", "F8_E5M2", "F4",  "F6_E2M3", "F6_E3M2",
                                        "E8M0", "C64", "F8_E8M0"};
  for (const char* o : kOthers)
    if (code == o) return true;
  return false;
}

// Parses the header JSON, flagging duplicate keys at any depth (a JSON parser keeps only one of them,
// which would hide a tensor).
ordered_json parse_header_json(const std::string& text, const std::string& path) {
  // nlohmann's lexer stops at a NUL byte as at end of input, which would accept trailing garbage;
  // JSON text never holds a raw NUL.
  const size_t nul = text.find('\0');
  ATTEND_CHECK(nul == std::string::npos, "safetensors '{}': header is not valid JSON: NUL byte at header offset {}",
               path, nul);
  ParsedJson<ordered_json> parsed;
  try {
    parsed = parse_json_noting_duplicates<ordered_json>(text);
  } catch (const nlohmann::json::exception& e) {
    ATTEND_FAIL("safetensors '{}': header is not valid JSON: {}", path, e.what());
  }
  const std::string& duplicate = parsed.duplicate;
  ATTEND_CHECK(duplicate.empty(), "safetensors '{}': duplicate {} '{}' in the header", path,
               parsed.duplicate_depth == 1 ? "tensor name" : "key",
               parsed.duplicate_key);
  return std::move(parsed.value);
}

uint64_t json_offset(const ordered_json& v, const std::string& path, const std::string& name) {
  ATTEND_CHECK(v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0),
               "safetensors '{}': tensor '{}': data_offsets must be non-negative integers, got {}", path, name,
               json_excerpt(v));
  return v.get<uint64_t>();
}

SafetensorsEntry parse_entry(const std::string& name, const ordered_json& info, const std::string& path) {
  ATTEND_CHECK(info.is_object(), "safetensors '{}': tensor '{}': expected an object with dtype, shape and "
               "data_offsets, got {}", path, name, json_excerpt(info));
  for (auto it = info.begin(); it != info.end(); ++it)
    ATTEND_CHECK(it.key() == "dtype" || it.key() == "shape" || it.key() == "data_offsets",
                 "safetensors '{}': tensor '{}': unknown field '{}'", path, name, it.key());
  for (const char* key : {"dtype", "shape", "data_offsets"})
    ATTEND_CHECK(info.contains(key), "safetensors '{}': tensor '{}': missing '{}'", path, name, key);
  SafetensorsEntry e;
  e.name = name;

  const ordered_json& dtype = info["dtype"];
  ATTEND_CHECK(dtype.is_string(), "safetensors '{}': tensor '{}': dtype must be a string, got {}", path, name,
               json_excerpt(dtype));
  const std::string code = dtype.get<std::string>();
  if (!parse_dtype(code, &e.dtype)) {
    ATTEND_CHECK(!is_known_unsupported_dtype(code),
                 "safetensors '{}': tensor '{}': dtype {} is not supported (attend reads F32, F64, I32, I64)", path,
                 name, code);
    ATTEND_FAIL("safetensors '{}': tensor '{}': unknown dtype '{}'", path, name, code);
  }

  const ordered_json& shape = info["shape"];
  ATTEND_CHECK(shape.is_array(), "safetensors '{}': tensor '{}': shape must be an array, got {}", path, name,
               json_excerpt(shape));
  ATTEND_CHECK(shape.size() <= static_cast<size_t>(Shape::kMaxDims),
               "safetensors '{}': tensor '{}': shape has {} dimensions, attend supports at most {}", path, name,
               shape.size(), Shape::kMaxDims);
  uint64_t bytes = dtype_size(e.dtype);
  bool overflow = false;
  for (const auto& d : shape) {
    ATTEND_CHECK(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0),
                 "safetensors '{}': tensor '{}': shape must hold non-negative integers, got {}", path, name,
                 json_excerpt(shape));
    const uint64_t dim = d.get<uint64_t>();
    ATTEND_CHECK(dim <= static_cast<uint64_t>(INT64_MAX), "safetensors '{}': tensor '{}': dimension {} too large",
                 path, name, dim);
    overflow = overflow || __builtin_mul_overflow(bytes, dim, &bytes);
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  ATTEND_CHECK(!overflow, "safetensors '{}': tensor '{}': shape {} is too large", path, name, json_excerpt(shape));

  const ordered_json& offsets = info["data_offsets"];
  ATTEND_CHECK(offsets.is_array() && offsets.size() == 2,
               "safetensors '{}': tensor '{}': data_offsets must be [begin, end], got {}", path, name,
               json_excerpt(offsets));
  e.begin = json_offset(offsets[0], path, name);
  e.end = json_offset(offsets[1], path, name);
  ATTEND_CHECK(e.begin <= e.end, "safetensors '{}': tensor '{}': data_offsets [{}, {}] end before they begin", path,
               name, e.begin, e.end);
  ATTEND_CHECK(e.end - e.begin == bytes,
               "safetensors '{}': tensor '{}': {} shape {} needs {} bytes but data_offsets [{}, {}] span {}", path,
               name, code, json_excerpt(shape), bytes, e.begin, e.end, e.end - e.begin);
  return e;
}

// Opens and validates: returns the header, leaves the descriptor open for the data reads.
SafetensorsHeader read_header(int fd, const std::string& path) {
  struct stat st {};
  ATTEND_CHECK(::fstat(fd, &st) == 0, "safetensors '{}': cannot stat: {}", path, errno_text());
  ATTEND_CHECK(S_ISREG(st.st_mode), "safetensors '{}': not a regular file", path);
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  ATTEND_CHECK(file_size >= 8, "safetensors '{}': file is {} bytes, shorter than the 8-byte header length", path,
               file_size);
  unsigned char len_bytes[8];
  ATTEND_CHECK(read_at(fd, len_bytes, 8, 0, path) == 8, "safetensors '{}': file shrank while reading", path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  ATTEND_CHECK(n <= file_size - 8, "safetensors '{}': header length {} is larger than the {} bytes after it", path,
               n, file_size - 8);
  ATTEND_CHECK(n <= kMaxHeaderBytes, "safetensors '{}': header length {} exceeds the {}-byte limit", path, n,
               kMaxHeaderBytes);
  ATTEND_CHECK(n > 0, "safetensors '{}': header length is 0 (header is not valid JSON)", path);
  std::string text(static_cast<size_t>(n), '\0');
  ATTEND_CHECK(read_at(fd, text.data(), n, 8, path) == n, "safetensors '{}': file shrank while reading", path);

  const ordered_json j = parse_header_json(text, path);
  ATTEND_CHECK(j.is_object(), "safetensors '{}': header must be a JSON object, got {}", path, j.type_name());

  SafetensorsHeader h;
  h.header_bytes = n;
  h.data_bytes = file_size - 8 - n;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      ATTEND_CHECK(it->is_object(), "safetensors '{}': __metadata__ must be an object of strings, got {}", path,
                   json_excerpt(*it));
      for (auto m = it->begin(); m != it->end(); ++m) {
        ATTEND_CHECK(m->is_string(), "safetensors '{}': __metadata__ value of '{}' must be a string, got {}", path,
                     m.key(), json_excerpt(*m));
        h.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    h.entries.push_back(parse_entry(it.key(), *it, path));
  }

  // The tensors must tile the data area: sorted by offset, each begins where the previous one ends.
  std::stable_sort(h.entries.begin(), h.entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  const SafetensorsEntry* prev = nullptr;
  for (const SafetensorsEntry& e : h.entries) {
    ATTEND_CHECK(e.begin <= h.data_bytes && e.end <= h.data_bytes,
                 "safetensors '{}': tensor '{}' data_offsets [{}, {}] run past the {}-byte data area (truncated file?)",
                 path, e.name, e.begin, e.end, h.data_bytes);
    ATTEND_CHECK(e.begin >= covered, "safetensors '{}': tensors '{}' and '{}' overlap (bytes [{}, {}))", path,
                 prev ? prev->name : "", e.name, e.begin, covered);
    ATTEND_CHECK(e.begin == covered, "safetensors '{}': bytes [{}, {}) of the data area belong to no tensor{}", path,
                 covered, e.begin, prev ? fmt::format(" (after '{}')", prev->name) : std::string());
    covered = e.end;
    prev = &e;
  }
  ATTEND_CHECK(covered == h.data_bytes, "safetensors '{}': {} trailing bytes after the last tensor's data", path,
               h.data_bytes - covered);
  return h;
}

int open_for_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ATTEND_CHECK(fd >= 0, "safetensors '{}': cannot open: {}", path, errno_text());
  return fd;
}

}  // namespace

const char* safetensors_dtype_code(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
  }
  return "?";
}

void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata, bool sync) {
  ordered_json header = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json meta = ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    ATTEND_CHECK(name != "__metadata__", "safetensors '{}': '__metadata__' cannot name a tensor", path);
    ATTEND_CHECK(names.insert(name).second, "safetensors '{}': tensor name '{}' given twice", path, name);
    ATTEND_CHECK(t.defined(), "safetensors '{}': tensor '{}' is undefined", path, name);
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    header[name] = ordered_json{{"dtype", safetensors_dtype_code(t.dtype())},
                                {"shape", t.shape().vec()},
                                {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // e.g. a name or metadata value that is not UTF-8
    ATTEND_FAIL("safetensors '{}': cannot encode the header: {}", path, e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as the reference writer does

  const int raw_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ATTEND_CHECK(raw_fd >= 0, "safetensors '{}': cannot create: {}", path, errno_text());
  Fd fd(raw_fd);
  unsigned char len_bytes[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(n >> (8 * i));
  write_all(fd.get(), len_bytes, 8, path);
  write_all(fd.get(), text.data(), text.size(), path);
  for (const auto& [name, t] : tensors) {
    const Tensor c = t.is_contiguous() ? t : t.copy();
    write_all(fd.get(), c.raw_data(), static_cast<uint64_t>(c.numel()) * dtype_size(c.dtype()), path);
  }
  if (sync) ATTEND_CHECK(::fsync(fd.get()) == 0, "safetensors '{}': fsync failed: {}", path, errno_text());
  ATTEND_CHECK(fd.close() == 0, "safetensors '{}': close failed: {}", path, errno_text());
}

SafetensorsHeader read_safetensors_header(const std::string& path) {
  Fd fd(open_for_read(path));
  return read_header(fd.get(), path);
}

SafetensorsFile load_safetensors(const std::string& path) {
  Fd fd(open_for_read(path));
  SafetensorsHeader h = read_header(fd.get(), path);
  SafetensorsFile out;
  out.metadata = std::move(h.metadata);
  out.tensors.reserve(h.entries.size());
  const uint64_t data_start = 8 + h.header_bytes;
  for (const SafetensorsEntry& e : h.entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    const uint64_t bytes = e.end - e.begin;
    if (bytes > 0)
      ATTEND_CHECK(read_at(fd.get(), t.raw_data(), bytes, data_start + e.begin, path) == bytes,
                   "safetensors '{}': truncated data for tensor '{}' (file shrank while reading)", path, e.name);
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

}  // namespace attend::nn
