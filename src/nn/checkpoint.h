// Training checkpoints: a directory holding
//   model.safetensors      every parameter by its dotted name
//   optimizer.safetensors  optimizer moment buffers ("adam.m.encoder.weight"; empty without an optimizer) and
//                          the caller's own tensors, if any ("extra.<name>", e.g. a parameter average)
//   state.json             {"format": "attend.checkpoint", "version": 1, "save_id": "...", "step": N,
//                           "config": {...}, "optimizer": {...} | null, "rng": [4 x u64] | null, "extra": ...}
// Saving is crash-safe: every file goes to "<name>.tmp" in the same directory and is fsync'ed, then the
// tensors files are renamed over the old ones and state.json last. All three files carry the same random
// save_id (the safetensors ones in their metadata), so a loader can tell which files belong together: a
// kill before the renames leaves the previous checkpoint in place, and a kill between the renames is
// completed from the fsync'ed state.json.tmp (the next save finishes those renames on disk first).
// Loading validates everything before changing the model or the optimizer.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "nn/module.h"
#include "nn/optim.h"

namespace attend::nn {

struct CheckpointState {
  int64_t step = 0;
  nlohmann::json config = nlohmann::json::object();  // the caller's model/training config (an object)
  std::optional<std::array<uint64_t, 4>> rng{};       // attend::Rng::state()
  nlohmann::json extra = nlohmann::json::object();    // anything else the caller wants back
  NamedTensors tensors{};  // the caller's tensors (filled on load with an optimizer or with caller_tensors)
  nlohmann::json optimizer{};                         // filled on load: Optimizer::state_json() or null
};

// Creates `dir` if needed. optimizer may be null.
void save_checkpoint(const std::string& dir, const Module& model, const Optimizer* optimizer,
                     const CheckpointState& state);

// Loads weights into `model` (every parameter must be in the file with the same shape and dtype, and
// the file must hold nothing else) and, when optimizer is non-null, its state. Returns the saved state, with
// the caller's tensors when there is an optimizer or caller_tensors is set.
CheckpointState load_checkpoint(const std::string& dir, Module& model, Optimizer* optimizer,
                                bool caller_tensors = false);

// Reads only state.json (still checking that it belongs with the tensor files), e.g. to rebuild a model
// from its config before loading the weights.
CheckpointState read_checkpoint_state(const std::string& dir);

// Weights alone: one safetensors file, parameters by name, checked as in load_checkpoint.
void save_module_weights(const std::string& path, const Module& model);
void load_module_weights(const std::string& path, Module& model);

namespace detail {
// Test hook: called during save_checkpoint at "tensors_written" (all temporary files written and
// fsync'ed, nothing renamed), "model_renamed" and "optimizer_renamed" (state.json not yet renamed).
// A hook that throws simulates a crash at that point. nullptr removes it.
using CheckpointFaultHook = void (*)(std::string_view stage);
void set_checkpoint_fault_hook(CheckpointFaultHook hook);
}  // namespace detail

}  // namespace attend::nn
