// metrics.jsonl of a training run: one JSON object per line, each with a "step".
#pragma once
#include <cstdint>
#include <filesystem>

namespace attend::app {

// Keeps the metric lines up to `step` (a resumed run rewrites what came after its checkpoint).
void truncate_metrics(const std::filesystem::path& path, int64_t step);

}  // namespace attend::app
