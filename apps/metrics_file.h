// metrics.jsonl of a training run: one JSON object per line, each with a "step".
#pragma once
#include <cstdint>
#include <filesystem>

namespace attend::app {

// Keeps the metric lines up to `step` (a resumed run rewrites what came after its checkpoint), atomically.
// Lines that are not a JSON object with an integer "step" are dropped, counted on stderr and returned.
int64_t truncate_metrics(const std::filesystem::path& path, int64_t step);

}  // namespace attend::app
