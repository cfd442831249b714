// StepModel's default step_top: the full log-probs from step(), then a top-k per row (threaded over rows).
#include "models/step_model.h"

#include <atomic>
#include <limits>
#include <string>
#include <vector>

#include "base/error.h"
#include "kernels/parallel_chunks.h"
#include "kernels/top_k.h"

namespace attend::models {

TopTokens StepModel::step_top(DecoderState& state, const Tensor& prev, int64_t k, int64_t banned, Tensor* weights) {
  const int64_t n = prev.numel();
  const Tensor logp = step(state, prev, weights);
  ATTEND_CHECK(logp.defined() && logp.ndim() == 2 && logp.size(0) == n && logp.size(1) >= 1,
               "step must return log-probs [N = {}, V], got {}", n,
               logp.defined() ? fmt::format("{}", logp.shape()) : std::string("an undefined tensor"));
  return top_tokens(logp, k, banned);
}

TopTokens top_tokens(const Tensor& log_probs, int64_t k, int64_t banned) {
  ATTEND_CHECK(k >= 1, "step_top: k must be >= 1, got {}", k);
  ATTEND_CHECK(log_probs.defined() && log_probs.ndim() == 2, "top_tokens: log-probs must be [N, V]");
  Tensor logp = log_probs;
  if (logp.dtype() != DType::F32 || !logp.is_contiguous()) logp = logp.copy(DType::F32);
  const int64_t n = logp.size(0), vocab = logp.size(1);
  TopTokens out{Tensor::empty({n, k}, DType::I64), Tensor::empty({n, k}, DType::F32)};
  const float* lp = logp.data<float>();
  int64_t* ids = out.ids.data<int64_t>();
  float* best = out.log_probs.data<float>();
  std::atomic<int64_t> first_bad{n};
  kernels::parallel_chunks(n, n * vocab, [&](int64_t r0, int64_t r1) {
    std::vector<kernels::TopEntry> entries(static_cast<size_t>(k));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t count = kernels::top_k_row(lp + r * vocab, vocab, k, banned, entries.data());
      if (count < 0) {
        int64_t seen = first_bad.load();
        while (r < seen && !first_bad.compare_exchange_weak(seen, r)) {
        }
        continue;
      }
      for (int64_t j = 0; j < k; ++j) {
        const bool real = j < count;
        ids[r * k + j] = real ? entries[static_cast<size_t>(j)].index : -1;
        best[r * k + j] = real ? entries[static_cast<size_t>(j)].value : -std::numeric_limits<float>::infinity();
      }
    }
  });
  ATTEND_CHECK(first_bad.load() == n, "step returned a NaN or +inf log-probability in row {}", first_bad.load());
  return out;
}

}  // namespace attend::models
