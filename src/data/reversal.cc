// Synthetic batch generation.
#include "data/reversal.h"

#include <algorithm>

namespace attend::data {

std::vector<int64_t> synthetic_target(const SyntheticOptions& opt, const std::vector<int64_t>& src) {
  std::vector<int64_t> t = src;
  if (opt.task == SyntheticTask::Reverse) std::reverse(t.begin(), t.end());
  return t;
}

SeqBatch make_synthetic_batch(const SyntheticOptions& opt, int64_t batch, Rng& rng, int64_t length) {
  ATTEND_CHECK(opt.vocab > kFirstSymbol, "synthetic: vocabulary {} leaves no symbols (ids 0-2 are special)",
               opt.vocab);
  ATTEND_CHECK(opt.min_length >= 1 && opt.min_length <= opt.max_length,
               "synthetic: bad length range [{}, {}]", opt.min_length, opt.max_length);
  ATTEND_CHECK(batch >= 1, "synthetic: batch size must be positive, got {}", batch);
  std::vector<std::vector<int64_t>> seqs(static_cast<size_t>(batch));
  int64_t max_len = 0;
  SeqBatch b;
  for (auto& s : seqs) {
    int64_t n = length > 0 ? length
                           : opt.min_length + static_cast<int64_t>(rng.below(
                                                  static_cast<uint64_t>(opt.max_length - opt.min_length + 1)));
    s.resize(static_cast<size_t>(n));
    for (auto& v : s) v = kFirstSymbol + static_cast<int64_t>(rng.below(static_cast<uint64_t>(opt.vocab - kFirstSymbol)));
    max_len = std::max(max_len, n);
    b.lengths.push_back(n);
  }
  const int64_t ts = max_len, tt = max_len + 1;
  b.src = Tensor::zeros({ts, batch}, DType::I64);
  b.src_mask = Tensor::zeros({ts, batch});
  b.tgt_in = Tensor::zeros({tt, batch}, DType::I64);
  b.tgt_out = Tensor::zeros({tt, batch}, DType::I64);
  b.tgt_mask = Tensor::zeros({tt, batch});
  int64_t* src = b.src.data<int64_t>();
  float* sm = b.src_mask.data<float>();
  int64_t* ti = b.tgt_in.data<int64_t>();
  int64_t* to = b.tgt_out.data<int64_t>();
  float* tm = b.tgt_mask.data<float>();
  for (int64_t j = 0; j < batch; ++j) {
    const auto& s = seqs[static_cast<size_t>(j)];
    const auto t = synthetic_target(opt, s);
    const int64_t n = static_cast<int64_t>(s.size());
    for (int64_t i = 0; i < n; ++i) {
      src[i * batch + j] = s[static_cast<size_t>(i)];
      sm[i * batch + j] = 1.f;
    }
    ti[j] = kBos;
    for (int64_t i = 0; i < n; ++i) {
      ti[(i + 1) * batch + j] = t[static_cast<size_t>(i)];
      to[i * batch + j] = t[static_cast<size_t>(i)];
      tm[i * batch + j] = 1.f;
    }
    to[n * batch + j] = kEos;
    tm[n * batch + j] = 1.f;
    b.tokens += 2 * n + 1;
  }
  return b;
}

}  // namespace attend::data
