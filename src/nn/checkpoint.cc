// Checkpoint directories: crash-safe save (temporary files, fsync, renames, state.json last), a
// validating load that matches state.json to the tensor files by save_id, and roll-forward of a save
// that was cut off between its renames (read-only on load; completed on disk by the next save).
#include "nn/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unordered_map>

#include "nn/json_fields.h"
#include "nn/safetensors.h"
#include "base/json_excerpt.h"

namespace attend::nn {
namespace fs = std::filesystem;
namespace jf = json_fields;
using nlohmann::json;

namespace detail {
namespace {
CheckpointFaultHook g_fault_hook = nullptr;
}
void set_checkpoint_fault_hook(CheckpointFaultHook hook) { g_fault_hook = hook; }
}  // namespace detail

namespace {

constexpr const char* kFormat = "attend.checkpoint";
constexpr int kVersion = 1;
constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr std::string_view kExtraPrefix = "extra.";  // the caller's tensors in the optimizer file
constexpr const char* kStateFile = "state.json";
constexpr const char* kSaveIdKey = "attend.save_id";

void fault_point(std::string_view stage) {
  if (detail::g_fault_hook) detail::g_fault_hook(stage);
}

std::string new_save_id() {
  static uint64_t counter = 0;
  std::random_device rd;
  const uint64_t t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const uint64_t id = ((static_cast<uint64_t>(rd()) << 32) ^ rd()) ^ (t * 0x9e3779b97f4a7c15ull) ^ ++counter;
  return fmt::format("{:016x}", id);
}

void write_file_synced(const fs::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ATTEND_CHECK(fd >= 0, "checkpoint: cannot create '{}': {}", path.string(), std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t r = ::write(fd, text.data() + done, text.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      const std::string err = r < 0 ? std::strerror(errno) : "no progress";
      ::close(fd);
      ATTEND_FAIL("checkpoint: write to '{}' failed: {}", path.string(), err);
    }
    done += static_cast<size_t>(r);
  }
  const bool synced = ::fsync(fd) == 0;
  const std::string err = synced ? "" : std::strerror(errno);
  const bool closed = ::close(fd) == 0;
  ATTEND_CHECK(synced && closed, "checkpoint: cannot flush '{}': {}", path.string(),
               synced ? std::strerror(errno) : err);
}

void fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some file systems refuse to open directories
  ::fsync(fd);
  ::close(fd);
}

void rename_or_throw(const fs::path& from, const fs::path& to) {
  ATTEND_CHECK(::rename(from.c_str(), to.c_str()) == 0, "checkpoint: cannot rename '{}' to '{}': {}", from.string(),
               to.string(), std::strerror(errno));
}

fs::path tmp_name(const fs::path& p) { return fs::path(p.string() + ".tmp"); }

void check_directory(const std::string& dir) {
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  ATTEND_CHECK(st.type() != fs::file_type::not_found, "checkpoint '{}': directory does not exist", dir);
  ATTEND_CHECK(!ec, "checkpoint '{}': cannot access: {}", dir, ec.message());
  ATTEND_CHECK(st.type() == fs::file_type::directory, "checkpoint '{}': not a directory", dir);
}

// The save_id stored in a tensor file's metadata (the header is fully validated on the way).
std::string file_save_id(const fs::path& path, const std::string& dir) {
  std::error_code ec;
  ATTEND_CHECK(fs::exists(path, ec), "checkpoint '{}': missing {}", dir, path.filename().string());
  const SafetensorsHeader h = read_safetensors_header(path.string());
  auto it = h.metadata.find(kSaveIdKey);
  ATTEND_CHECK(it != h.metadata.end(), "checkpoint '{}': {} has no '{}' in its metadata (not written by attend?)",
               dir, path.filename().string(), kSaveIdKey);
  return it->second;
}

// Parses and validates a state.json text into a CheckpointState plus its save_id.
CheckpointState parse_state(const std::string& text, const std::string& where, std::string* save_id) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  ATTEND_CHECK(!j.is_discarded(), "checkpoint '{}': not valid JSON", where);
  ATTEND_CHECK(j.is_object(), "checkpoint '{}': expected a JSON object, got {}", where, j.type_name());
  const std::string ctx = fmt::format("checkpoint '{}'", where);
  const std::string format = jf::string(jf::require(j, ctx, "format"), ctx, "format");
  ATTEND_CHECK(format == kFormat, "{}: 'format' is '{}', expected '{}'", ctx, format, kFormat);
  const int64_t version = jf::integer(jf::require(j, ctx, "version"), ctx, "version");
  ATTEND_CHECK(version == kVersion, "{}: version {} is not supported (this build reads version {})", ctx, version,
               kVersion);
  *save_id = jf::string(jf::require(j, ctx, "save_id"), ctx, "save_id");
  CheckpointState s;
  s.step = jf::integer(jf::require(j, ctx, "step"), ctx, "step");
  ATTEND_CHECK(s.step >= 0, "{}: 'step' must be >= 0, got {}", ctx, s.step);
  s.config = jf::require(j, ctx, "config");
  ATTEND_CHECK(s.config.is_object(), "{}: 'config' must be an object, got {}", ctx, s.config.type_name());
  s.optimizer = jf::require(j, ctx, "optimizer");
  ATTEND_CHECK(s.optimizer.is_null() || s.optimizer.is_object(), "{}: 'optimizer' must be an object or null", ctx);
  const json& rng = jf::require(j, ctx, "rng");
  if (!rng.is_null()) {
    ATTEND_CHECK(rng.is_array() && rng.size() == 4, "{}: 'rng' must be null or 4 unsigned 64-bit integers, got {}",
                 ctx, json_excerpt(rng));
    std::array<uint64_t, 4> words{};
    for (size_t i = 0; i < 4; ++i) {
      ATTEND_CHECK(rng[i].is_number_unsigned() || (rng[i].is_number_integer() && rng[i].get<int64_t>() >= 0),
                   "{}: 'rng' must be null or 4 unsigned 64-bit integers, got {}", ctx, json_excerpt(rng));
      words[i] = rng[i].get<uint64_t>();
    }
    s.rng = words;
  }
  s.extra = jf::require(j, ctx, "extra");
  return s;
}

bool read_text(const fs::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

// The save_id of a tensor file, or nullopt when it is missing or unreadable.
std::optional<std::string> try_save_id(const fs::path& path, const std::string& dir) {
  try {
    return file_save_id(path, dir);
  } catch (const Error&) {
    return std::nullopt;
  }
}

// Which files make up the checkpoint to load.
struct Resolved {
  CheckpointState state;
  fs::path model_path;
  fs::path optimizer_path;
  bool interrupted = false;  // found through state.json.tmp: a save was cut off between its renames
};

// Finds the state.json that belongs with the tensor files: state.json itself, or, when a save was
// interrupted between its renames, the complete, synced state.json.tmp it left behind together with
// whichever of each tensor file (renamed or still .tmp) carries the same save_id.
Resolved resolve_checkpoint(const std::string& dir) {
  check_directory(dir);
  const fs::path root(dir);
  const fs::path model_path = root / kModelFile, optimizer_path = root / kOptimizerFile,
                 state_path = root / kStateFile;

  std::string primary_error;
  try {
    const std::string model_id = file_save_id(model_path, dir);
    const std::string optimizer_id = file_save_id(optimizer_path, dir);
    std::string text;
    std::error_code ec;
    if (!fs::exists(state_path, ec))
      ATTEND_FAIL("checkpoint '{}': missing state.json (no completed save here)", dir);
    ATTEND_CHECK(read_text(state_path, &text), "checkpoint '{}': cannot read state.json", dir);
    std::string id;
    Resolved r{parse_state(text, state_path.string(), &id), model_path, optimizer_path, false};
    if (id == model_id && id == optimizer_id) return r;
    ATTEND_FAIL(
        "checkpoint '{}': state.json (save {}) does not belong with model.safetensors (save {}) and "
        "optimizer.safetensors (save {}): an interrupted save?",
        dir, id, model_id, optimizer_id);
  } catch (const Error& e) {
    primary_error = e.message();
  }

  // Roll forward a save that had written and synced everything before it was cut off mid-rename.
  std::string text;
  if (read_text(tmp_name(state_path), &text)) {
    try {
      std::string id;
      CheckpointState s = parse_state(text, tmp_name(state_path).string(), &id);
      auto pick = [&](const fs::path& final_path) -> std::optional<fs::path> {
        if (try_save_id(final_path, dir) == id) return final_path;
        if (try_save_id(tmp_name(final_path), dir) == id) return tmp_name(final_path);
        return std::nullopt;
      };
      const auto model = pick(model_path);
      const auto optimizer = pick(optimizer_path);
      if (model && optimizer) return Resolved{std::move(s), *model, *optimizer, true};
    } catch (const Error&) {
      // A torn temporary file from a save cut off before its renames: report the primary problem.
    }
  }
  ATTEND_FAIL("{}", primary_error);
}

// Finishes the renames of a save that was cut off between them, so that a new save cannot overwrite
// the state.json.tmp that the checkpoint depends on.
void complete_interrupted_save(const std::string& dir) {
  std::optional<Resolved> r;
  try {
    r = resolve_checkpoint(dir);
  } catch (const Error&) {
    return;  // nothing loadable here: the new save simply replaces whatever is there
  }
  if (!r->interrupted) return;
  const fs::path root(dir);
  if (r->model_path != root / kModelFile) rename_or_throw(r->model_path, root / kModelFile);
  if (r->optimizer_path != root / kOptimizerFile) rename_or_throw(r->optimizer_path, root / kOptimizerFile);
  rename_or_throw(tmp_name(root / kStateFile), root / kStateFile);
  fsync_directory(root);
}

// Checks that `file` holds exactly the model's parameters with equal shapes and dtypes; returns the
// file tensors in the order of model.named_parameters().
std::vector<Tensor> match_parameters(const SafetensorsFile& file, const Module& model, const std::string& path) {
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : file.tensors) by_name[name] = &t;
  const NamedTensors params = model.named_parameters();
  std::unordered_map<std::string, bool> is_param;
  std::vector<Tensor> out;
  out.reserve(params.size());
  for (const auto& [name, p] : params) {
    is_param[name] = true;
    auto it = by_name.find(name);
    ATTEND_CHECK(it != by_name.end(), "checkpoint '{}': missing parameter '{}' ({} {})", path, name,
                 dtype_name(p.dtype()), p.shape());
    const Tensor& t = *it->second;
    ATTEND_CHECK(t.shape() == p.shape() && t.dtype() == p.dtype(),
                 "checkpoint '{}': parameter '{}' is {} {} in the model but {} {} in the file", path, name,
                 dtype_name(p.dtype()), p.shape(), dtype_name(t.dtype()), t.shape());
    out.push_back(t);
  }
  for (const auto& [name, t] : file.tensors)
    ATTEND_CHECK(is_param.count(name), "checkpoint '{}': unexpected tensor '{}' {} (not a parameter of the model)",
                 path, name, t.shape());
  return out;
}

// A NaN or infinity saved in a checkpoint (a corrupt file, a diverged run) would otherwise surface steps
// later as an unrelated error; it is reported at load, with the file and the tensor.
void check_finite(const NamedTensors& tensors, const std::string& path) {
  for (const auto& [name, t] : tensors) {
    int64_t bad = -1;
    if (t.dtype() == DType::F32) {
      const float* p = t.data<float>();
      for (int64_t i = 0; i < t.numel() && bad < 0; ++i)
        if (!std::isfinite(p[i])) bad = i;
    } else if (t.dtype() == DType::F64) {
      const double* p = t.data<double>();
      for (int64_t i = 0; i < t.numel() && bad < 0; ++i)
        if (!std::isfinite(p[i])) bad = i;
    }
    ATTEND_CHECK(bad < 0, "checkpoint '{}': tensor '{}' holds a non-finite value ({}) at element {}", path, name,
                 t.dtype() == DType::F32 ? static_cast<double>(t.data<float>()[bad]) : t.data<double>()[bad], bad);
  }
}

void copy_into_parameters(const Module& model, const std::vector<Tensor>& values) {
  const NamedTensors params = model.named_parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i].second;
    p.copy_from_(values[i]);
  }
}

}  // namespace

void save_checkpoint(const std::string& dir, const Module& model, const Optimizer* optimizer,
                     const CheckpointState& state) {
  ATTEND_CHECK(state.step >= 0, "checkpoint '{}': step must be >= 0, got {}", dir, state.step);
  ATTEND_CHECK(state.config.is_object(), "checkpoint '{}': config must be a JSON object, got {}", dir,
               state.config.type_name());
  std::error_code ec;
  fs::create_directories(dir, ec);
  ATTEND_CHECK(!ec, "checkpoint '{}': cannot create the directory: {}", dir, ec.message());
  check_directory(dir);
  complete_interrupted_save(dir);

  const fs::path root(dir);
  const std::string save_id = new_save_id();
  const fs::path model_path = root / kModelFile, optimizer_path = root / kOptimizerFile,
                 state_path = root / kStateFile;

  json doc = json::object();
  doc["format"] = kFormat;
  doc["version"] = kVersion;
  doc["save_id"] = save_id;
  doc["step"] = state.step;
  doc["config"] = state.config;
  doc["optimizer"] = optimizer ? optimizer->state_json() : json();
  doc["rng"] = state.rng ? json(*state.rng) : json();
  doc["extra"] = state.extra;

  // Phase 1: temporary files, each synced. A failure here leaves the previous checkpoint untouched.
  try {
    const Metadata meta_model{{kSaveIdKey, save_id}, {"attend.step", std::to_string(state.step)},
                              {"attend.content", "model"}};
    save_safetensors(tmp_name(model_path).string(), model.named_parameters(), meta_model, /*sync=*/true);
    const Metadata meta_opt{{kSaveIdKey, save_id}, {"attend.step", std::to_string(state.step)},
                            {"attend.content", optimizer ? optimizer->kind() : "none"}};
    NamedTensors opt_tensors = optimizer ? optimizer->state_tensors() : NamedTensors{};
    for (const auto& [name, t] : state.tensors) opt_tensors.emplace_back(std::string(kExtraPrefix) + name, t);
    save_safetensors(tmp_name(optimizer_path).string(), opt_tensors, meta_opt, /*sync=*/true);
    std::string text;
    try {
      text = doc.dump(2) + "\n";
    } catch (const nlohmann::json::exception& e) {  // e.g. a config string that is not UTF-8
      ATTEND_FAIL("checkpoint '{}': cannot encode state.json: {}", dir, e.what());
    }
    write_file_synced(tmp_name(state_path), text);
    fsync_directory(root);
    fault_point("tensors_written");
  } catch (...) {
    for (const fs::path& p : {model_path, optimizer_path, state_path}) fs::remove(tmp_name(p), ec);
    throw;
  }
  // Phase 2: renames, state.json last. From here on state.json.tmp records the save for roll-forward.
  rename_or_throw(tmp_name(model_path), model_path);
  fault_point("model_renamed");
  rename_or_throw(tmp_name(optimizer_path), optimizer_path);
  fault_point("optimizer_renamed");
  rename_or_throw(tmp_name(state_path), state_path);
  fsync_directory(root);
}

CheckpointState read_checkpoint_state(const std::string& dir) { return resolve_checkpoint(dir).state; }

CheckpointState load_checkpoint(const std::string& dir, Module& model, Optimizer* optimizer, bool caller_tensors) {
  Resolved r = resolve_checkpoint(dir);
  CheckpointState& state = r.state;
  const std::string model_path = r.model_path.string();
  const SafetensorsFile weights = load_safetensors(model_path);
  const std::vector<Tensor> values = match_parameters(weights, model, model_path);
  check_finite(weights.tensors, model_path);
  if (optimizer) ATTEND_CHECK(!state.optimizer.is_null(), "checkpoint '{}': saved without optimizer state", dir);
  if (optimizer || caller_tensors) {
    const SafetensorsFile opt = load_safetensors(r.optimizer_path.string());
    check_finite(opt.tensors, r.optimizer_path.string());
    NamedTensors own;
    for (const auto& [name, t] : opt.tensors) {
      if (name.starts_with(kExtraPrefix)) state.tensors.emplace_back(name.substr(kExtraPrefix.size()), t);
      else own.emplace_back(name, t);
    }
    if (optimizer) optimizer->load_state(state.optimizer, own);  // validates before changing anything
  }
  copy_into_parameters(model, values);  // cannot fail: shapes and dtypes matched above
  return state;
}

void save_module_weights(const std::string& path, const Module& model) {
  save_safetensors(path, model.named_parameters(), {{"attend.content", "model"}});
}

void load_module_weights(const std::string& path, Module& model) {
  const SafetensorsFile weights = load_safetensors(path);
  copy_into_parameters(model, match_parameters(weights, model, path));
}

}  // namespace attend::nn
