// safetensors: hand-built files, round trips, interchange with PyTorch through /usr/bin/python3, and
// every kind of corruption yielding an attend::Error that names the file and the problem.
#include "nn/safetensors.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "support/temp_dir.h"

namespace attend::nn {
namespace {

using testing_util::read_bytes;
using testing_util::TempDir;
using testing_util::write_bytes;

std::string u64_le(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s;
}

template <class T>
std::string raw(std::initializer_list<T> values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), std::data(values), s.size());
  return s;
}

// A file from a header text and data bytes, the header length written as given.
std::string file_bytes(const std::string& header, const std::string& data) {
  return u64_le(header.size()) + header + data;
}

// Loading `path` must raise attend::Error whose message names the file and contains `needle`.
void expect_load_error(const std::string& path, const std::string& needle) {
  try {
    load_safetensors(path);
    ADD_FAILURE() << "loaded without error; expected: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(e.message().find(needle), std::string::npos) << "message: " << e.message();
    EXPECT_NE(e.message().find(path), std::string::npos) << "message does not name the file: " << e.message();
    EXPECT_EQ(e.message().find('\n'), std::string::npos) << "not one line: " << e.message();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an attend::Error: " << e.what();
  }
}

const Tensor& tensor_named(const SafetensorsFile& f, const std::string& name) {
  for (const auto& [n, t] : f.tensors)
    if (n == name) return t;
  throw std::runtime_error("no tensor " + name);
}

TEST(Safetensors, ReadsAHandBuiltFile) {
  TempDir dir;
  // Header order differs from data order on purpose; no padding (readers must not require it).
  const std::string header =
      R"({"ids":{"dtype":"I64","shape":[1,2],"data_offsets":[12,28]},)"
      R"("__metadata__":{"format":"pt","note":"hand made"},)"
      R"("w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
      R"("d":{"dtype":"F64","shape":[],"data_offsets":[28,36]},)"
      R"("n":{"dtype":"I32","shape":[2],"data_offsets":[36,44]},)"
      R"("empty":{"dtype":"F32","shape":[0,4],"data_offsets":[44,44]}})";
  const std::string data = raw<float>({1.5f, -2.25f, 1e-30f}) + raw<int64_t>({42, -7}) + raw<double>({3.125}) +
                           raw<int32_t>({-1, 2147483647});
  const std::string path = dir.file("hand.safetensors");
  write_bytes(path, file_bytes(header, data));

  const SafetensorsFile f = load_safetensors(path);
  ASSERT_EQ(f.tensors.size(), 5u);
  EXPECT_EQ(f.tensors[0].first, "w");  // data order
  EXPECT_EQ(f.metadata.at("format"), "pt");
  EXPECT_EQ(f.metadata.at("note"), "hand made");
  const Tensor& w = tensor_named(f, "w");
  EXPECT_EQ(w.dtype(), DType::F32);
  EXPECT_EQ(w.shape(), (Shape{3}));
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{1.5f, -2.25f, 1e-30f}));
  const Tensor& ids = tensor_named(f, "ids");
  EXPECT_EQ(ids.dtype(), DType::I64);
  EXPECT_EQ(ids.shape(), (Shape{1, 2}));
  EXPECT_EQ(ids.to_vector<int64_t>(), (std::vector<int64_t>{42, -7}));
  EXPECT_EQ(tensor_named(f, "d").shape().ndim(), 0);
  EXPECT_EQ(tensor_named(f, "d").item(), 3.125);
  EXPECT_EQ(tensor_named(f, "n").to_vector<int32_t>(), (std::vector<int32_t>{-1, 2147483647}));
  EXPECT_EQ(tensor_named(f, "empty").shape(), (Shape{0, 4}));
}

TEST(Safetensors, RoundTripAllDtypesPaddedHeader) {
  TempDir dir;
  const std::string path = dir.file("rt.safetensors");
  Tensor m = Tensor::from(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor transposed = m.view_strided(Shape{3, 2}, Shape{1, 3}, 0);  // written in logical order
  NamedTensors in = {{"a.weight", m},
                     {"a.t", transposed},
                     {"b", Tensor::from(std::vector<double>{-0.5, 1e300}, Shape{2})},
                     {"c", Tensor::from(std::vector<int32_t>{7}, Shape{1, 1, 1})},
                     {"d", Tensor::arange(5)},
                     {"z", Tensor::zeros(Shape{0})}};
  save_safetensors(path, in, {{"step", "12"}});
  const std::string bytes = read_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes[8], '{');
  EXPECT_EQ(bytes.size(), 8 + n + 24 + 24 + 16 + 4 + 40);
  const SafetensorsHeader h = read_safetensors_header(path);
  EXPECT_EQ(h.header_bytes, n);
  EXPECT_EQ(h.data_bytes, 108u);

  const SafetensorsFile out = load_safetensors(path);
  ASSERT_EQ(out.tensors.size(), in.size());
  EXPECT_EQ(out.metadata.at("step"), "12");
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out.tensors[i].first, in[i].first);
    EXPECT_EQ(out.tensors[i].second.shape(), in[i].second.shape());
    EXPECT_EQ(out.tensors[i].second.dtype(), in[i].second.dtype());
    EXPECT_EQ(out.tensors[i].second.to_vector<double>(), in[i].second.to_vector<double>()) << in[i].first;
  }
  EXPECT_EQ(out.tensors[1].second.to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Safetensors, WriterRejectsBadNames) {
  TempDir dir;
  Tensor t = Tensor::zeros(Shape{1});
  EXPECT_THROW(save_safetensors(dir.file("x"), {{"a", t}, {"a", t}}), Error);
  EXPECT_THROW(save_safetensors(dir.file("x"), {{"__metadata__", t}}), Error);
  EXPECT_THROW(save_safetensors((dir.path() / "no" / "such" / "dir").string(), {{"a", t}}), Error);
}

// Runs a script with /usr/bin/python3; returns its exit status. Scripts exit 77 when torch is missing.
constexpr int kNoTorch = 77;
int run_python(const TempDir& dir, const std::string& script, const std::string& arg) {
  const std::string script_path = dir.file("check.py");
  write_bytes(script_path, "import sys\ntry:\n    import torch\nexcept ImportError:\n    sys.exit(77)\n" + script);
  const int status = std::system(("/usr/bin/python3 " + script_path + " " + arg).c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 127 ? kNoTorch : WEXITSTATUS(status);  // 127: no /usr/bin/python3
}

// The Python side parses the format with json + struct + torch.frombuffer only (no safetensors package).
const char* kPythonReader = R"PY(
import json, struct, sys, torch
data = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', data[:8])[0]
assert n % 8 == 0, 'header not padded to 8'
header = json.loads(data[8:8 + n].decode('utf-8'))
base = 8 + n
dtypes = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32, 'I64': torch.int64}
def get(name):
    info = header[name]
    b, e = info['data_offsets']
    if e == b:
        return torch.zeros(info['shape'], dtype=dtypes[info['dtype']])
    return torch.frombuffer(bytearray(data[base + b:base + e]), dtype=dtypes[info['dtype']]).reshape(info['shape'])
assert header['__metadata__'] == {'origin': 'attend'}, header['__metadata__']
assert set(header) == {'__metadata__', 'enc.w', 'enc.b', 'ids', 'count', 'empty'}, sorted(header)
assert torch.equal(get('enc.w'), torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.25 - 1)
assert torch.equal(get('enc.b'), torch.tensor([1e-300, -2.5, 1e300], dtype=torch.float64))
assert torch.equal(get('ids'), torch.tensor([[0, -1], [2**62, -2**63]], dtype=torch.int64))
assert torch.equal(get('count'), torch.tensor(-123456, dtype=torch.int32))
assert get('empty').shape == (2, 0)
total = max(i['data_offsets'][1] for k, i in header.items() if k != '__metadata__')
assert len(data) == base + total
)PY";

TEST(Safetensors, PyTorchReadsWhatAttendWrites) {
  TempDir dir;
  std::vector<float> w(12);
  for (int i = 0; i < 12; ++i) w[i] = i * 0.25f - 1;
  const std::string path = dir.file("attend.safetensors");
  save_safetensors(path,
                   {{"enc.w", Tensor::from(w, Shape{3, 4})},
                    {"enc.b", Tensor::from(std::vector<double>{1e-300, -2.5, 1e300}, Shape{3})},
                    {"ids", Tensor::from(std::vector<int64_t>{0, -1, int64_t{1} << 62, INT64_MIN}, Shape{2, 2})},
                    {"count", Tensor::from(std::vector<int32_t>{-123456}, Shape{})},
                    {"empty", Tensor::zeros(Shape{2, 0})}},
                   {{"origin", "attend"}});
  const int status = run_python(dir, kPythonReader, path);
  if (status == kNoTorch) FAIL() << "/usr/bin/python3 cannot import torch: run scripts/install-deps.sh --with-peer";
  EXPECT_EQ(status, 0) << "the Python check failed (see its output above)";
}

// Python writes the bytes by the format: tensors in its own order, metadata last, padding spaces.
const char* kPythonWriter = R"PY(
import json, struct, sys, torch
tensors = {
    'b': torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float32).t(),
    'a': torch.tensor([7, -8, 9], dtype=torch.int64),
    'scalar': torch.tensor(3.25, dtype=torch.float64),
    'i': torch.tensor([-1, 2147483647], dtype=torch.int32),
}
codes = {torch.float32: 'F32', torch.float64: 'F64', torch.int32: 'I32', torch.int64: 'I64'}
header, blobs, offset = {}, [], 0
for name, t in tensors.items():
    blob = t.contiguous().numpy().tobytes()
    header[name] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
header['__metadata__'] = {'format': 'pt'}
text = json.dumps(header).encode('utf-8')
text += b' ' * ((8 - len(text) % 8) % 8)
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
)PY";

TEST(Safetensors, AttendReadsWhatPyTorchWrites) {
  TempDir dir;
  const std::string path = dir.file("python.safetensors");
  const int status = run_python(dir, kPythonWriter, path);
  if (status == kNoTorch) FAIL() << "/usr/bin/python3 cannot import torch: run scripts/install-deps.sh --with-peer";
  ASSERT_EQ(status, 0) << "the Python writer failed (see its output above)";
  const SafetensorsFile f = load_safetensors(path);
  EXPECT_EQ(f.metadata.at("format"), "pt");
  ASSERT_EQ(f.tensors.size(), 4u);
  EXPECT_EQ(tensor_named(f, "b").shape(), (Shape{2, 2}));
  EXPECT_EQ(tensor_named(f, "b").to_vector<float>(), (std::vector<float>{1, 3, 2, 4}));
  EXPECT_EQ(tensor_named(f, "a").to_vector<int64_t>(), (std::vector<int64_t>{7, -8, 9}));
  EXPECT_EQ(tensor_named(f, "scalar").dtype(), DType::F64);
  EXPECT_EQ(tensor_named(f, "scalar").item(), 3.25);
  EXPECT_EQ(tensor_named(f, "i").to_vector<int32_t>(), (std::vector<int32_t>{-1, 2147483647}));
}

// ---------------------------------------------------------------------------------------------
// Corruption

class SafetensorsCorrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    good_path_ = dir_.file("good.safetensors");
    save_safetensors(good_path_,
                     {{"w", Tensor::from(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3})},
                      {"b", Tensor::from(std::vector<double>{0.5, -0.5}, Shape{2})}},
                     {{"k", "v"}});
    good_ = read_bytes(good_path_);
    std::memcpy(&header_len_, good_.data(), 8);
  }
  // Writes `bytes` to a new file and expects loading it to fail naming `needle`.
  void expect_bytes_error(const std::string& bytes, const std::string& needle) {
    const std::string path = dir_.file("bad" + std::to_string(counter_++) + ".safetensors");
    write_bytes(path, bytes);
    expect_load_error(path, needle);
  }
  void expect_header_error(const std::string& header, const std::string& data, const std::string& needle) {
    expect_bytes_error(file_bytes(header, data), needle);
  }

  TempDir dir_;
  std::string good_path_;
  std::string good_;
  uint64_t header_len_ = 0;
  int counter_ = 0;
};

TEST_F(SafetensorsCorrupt, MissingFileAndDirectory) {
  expect_load_error(dir_.file("nope.safetensors"), "cannot open");
  expect_load_error(dir_.path().string(), "not a regular file");
}

TEST_F(SafetensorsCorrupt, TruncatedAtEveryLength) {
  for (size_t len = 0; len < good_.size(); ++len) {
    SCOPED_TRACE("truncated to " + std::to_string(len) + " bytes");
    const std::string needle = len < 8                  ? "shorter than the 8-byte header length"
                               : len < 8 + header_len_ ? "header length"
                                                       : "truncated file";
    expect_bytes_error(good_.substr(0, len), needle);
  }
}

TEST_F(SafetensorsCorrupt, LyingHeaderLength) {
  std::string bad = good_;
  bad.replace(0, 8, u64_le(uint64_t{1} << 63));
  expect_bytes_error(bad, "header length 9223372036854775808 is larger");
  bad.replace(0, 8, u64_le(header_len_ - 10));  // cuts the JSON short (padding is at most 7 bytes)
  expect_bytes_error(bad, "not valid JSON");
  bad.replace(0, 8, u64_le(header_len_ + 8));  // swallows data bytes (starting with NULs) into the header
  expect_bytes_error(bad, "not valid JSON: NUL byte");
  bad = good_;
  bad.replace(8 + header_len_ - 1, 1, "x");  // trailing garbage after the JSON object
  expect_bytes_error(bad, "not valid JSON");
  bad = good_;
  bad.replace(0, 8, u64_le(0));
  expect_bytes_error(bad, "header length is 0");
}

TEST_F(SafetensorsCorrupt, HeaderNotJsonOrNotAnObject) {
  expect_header_error("{\"w\": {\"dtype\": \"F32\",", "", "not valid JSON");
  expect_header_error("\x01\x02\x03\x04garbage", "", "not valid JSON");
  expect_header_error("[1, 2, 3]", "", "must be a JSON object");
  expect_header_error(R"({"w": [1, 2]})", "", "expected an object");
}

TEST_F(SafetensorsCorrupt, LyingDtypes) {
  const std::string four_floats = raw<float>({1, 2, 3, 4});
  expect_header_error(R"({"w":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}})", four_floats,
                      "unknown dtype 'F33'");
  expect_header_error(R"({"w":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}})", four_floats,
                      "dtype F16 is not supported");
  expect_header_error(R"({"w":{"dtype":7,"shape":[4],"data_offsets":[0,16]}})", four_floats, "dtype must be a string");
  // Says F64 for 4 floats: the shape needs 32 bytes but the offsets span 16.
  expect_header_error(R"({"w":{"dtype":"F64","shape":[4],"data_offsets":[0,16]}})", four_floats,
                      "F64 shape [4] needs 32 bytes but data_offsets [0, 16] span 16");
}

TEST_F(SafetensorsCorrupt, LyingShapes) {
  const std::string four_floats = raw<float>({1, 2, 3, 4});
  expect_header_error(R"({"w":{"dtype":"F32","shape":[3,3],"data_offsets":[0,16]}})", four_floats,
                      "needs 36 bytes");
  expect_header_error(R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", four_floats, "non-negative");
  expect_header_error(R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,16]}})", four_floats, "non-negative");
  expect_header_error(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", four_floats,
                      "shape must be an array");
  expect_header_error(
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,16]}})", four_floats,
      "too large");
  expect_header_error(R"({"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,4],"data_offsets":[0,16]}})", four_floats,
                      "at most 8");
}

TEST_F(SafetensorsCorrupt, BadOffsets) {
  const std::string data = raw<float>({1, 2, 3, 4});
  expect_header_error(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}})", data, "end before they begin");
  expect_header_error(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0]}})", data, "[begin, end]");
  expect_header_error(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}})", data, "non-negative");
  expect_header_error(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})", data, "run past");
  expect_header_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                      data, "'a' and 'b' overlap");
  expect_header_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                      data, "overlap");
  expect_header_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                      data, "bytes [4, 8) of the data area belong to no tensor");
  expect_header_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", data,
                      "bytes [0, 8) of the data area belong to no tensor");
  expect_header_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data, "8 trailing bytes");
  expect_header_error(R"({})", data, "16 trailing bytes");
}

TEST_F(SafetensorsCorrupt, DuplicatesAndUnknownFields) {
  const std::string data = raw<float>({1, 2});
  expect_header_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                      R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                      data, "duplicate tensor name 'a'");
  expect_header_error(R"({"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}})", data,
                      "duplicate key 'dtype'");
  expect_header_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", data,
                      "unknown field 'extra'");
  expect_header_error(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", data, "missing 'shape'");
  expect_header_error(R"({"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data,
                      "__metadata__ value of 'k' must be a string");
  expect_header_error(R"({"__metadata__":[],"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data,
                      "__metadata__ must be an object");
}

// Every single-byte change in the header either still loads or raises attend::Error: never another
// exception or a crash.
TEST_F(SafetensorsCorrupt, ByteFlipsInHeaderNeverCrash) {
  const char replacements[] = {'0', '9', '-', '"', '}', ']', ',', ' ', '\xff', '\0', 'e'};
  int errors = 0, loaded = 0;
  for (size_t pos = 0; pos < 8 + header_len_; ++pos) {
    for (char c : replacements) {
      std::string bad = good_;
      if (bad[pos] == c) continue;
      bad[pos] = c;
      const std::string path = dir_.file("flip.safetensors");
      write_bytes(path, bad);
      try {
        load_safetensors(path);
        ++loaded;
      } catch (const Error&) {
        ++errors;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "byte " << pos << " = " << int(c) << ": not an attend::Error: " << e.what();
      }
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_GT(loaded, 0);  // e.g. edits inside the metadata value or the padding that stay valid JSON
}

}  // namespace
}  // namespace attend::nn
