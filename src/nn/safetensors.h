// The safetensors file format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// u64 header length N, N bytes of JSON header
//   {"__metadata__": {"key": "value"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}
// padded with spaces to a multiple of 8, then the raw little-endian tensor data; offsets are relative to
// the start of the data area, and the tensors tile it exactly. attend reads and writes F32, F64, I32, I64.
// Reading validates everything and raises attend::Error naming the file and the problem.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nn/optim.h"
#include "tensor/tensor.h"

namespace attend::nn {

using Metadata = std::map<std::string, std::string>;

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t begin = 0;  // byte offsets into the data area
  uint64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // in data-offset order
  Metadata metadata;
  uint64_t header_bytes = 0;  // N, the JSON header length including padding
  uint64_t data_bytes = 0;    // size of the data area
};

struct SafetensorsFile {
  NamedTensors tensors;  // in data-offset order, contiguous, freshly allocated
  Metadata metadata;
};

// Writes tensors (any layout; names unique, not "__metadata__") in the given order. With sync the
// file is fsync'ed before returning. Overwrites `path`.
void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {},
                      bool sync = false);

// Reads and validates the header only (cheap: no tensor data is read).
SafetensorsHeader read_safetensors_header(const std::string& path);

// Reads every tensor.
SafetensorsFile load_safetensors(const std::string& path);

// The format's dtype codes: "F32", "F64", "I32", "I64".
const char* safetensors_dtype_code(DType dtype);

}  // namespace attend::nn
