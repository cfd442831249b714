// Building padded time-major batches from tokenised examples.
#include "data/batch.h"

#include <algorithm>

#include "base/error.h"

namespace attend::data {

SeqBatch make_seq_batch(std::span<const Example* const> examples) {
  const int64_t batch = static_cast<int64_t>(examples.size());
  ATTEND_CHECK(batch >= 1, "make_seq_batch: no examples");
  int64_t ts = 0, tt = 0;
  for (const Example* e : examples) {
    ATTEND_CHECK(!e->src.empty(), "make_seq_batch: example {} has an empty source", e->index);
    ts = std::max(ts, static_cast<int64_t>(e->src.size()));
    tt = std::max(tt, static_cast<int64_t>(e->tgt.size()) + 1);
  }
  SeqBatch b;
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
    const Example& e = *examples[static_cast<size_t>(j)];
    const int64_t n = static_cast<int64_t>(e.src.size());
    const int64_t m = static_cast<int64_t>(e.tgt.size());
    for (int64_t i = 0; i < n; ++i) {
      src[i * batch + j] = e.src[static_cast<size_t>(i)];
      sm[i * batch + j] = 1.f;
    }
    ti[j] = kBos;
    for (int64_t i = 0; i < m; ++i) {
      ti[(i + 1) * batch + j] = e.tgt[static_cast<size_t>(i)];
      to[i * batch + j] = e.tgt[static_cast<size_t>(i)];
      tm[i * batch + j] = 1.f;
    }
    to[m * batch + j] = kEos;
    tm[m * batch + j] = 1.f;
    b.lengths.push_back(n);
    b.tgt_lengths.push_back(m);
    b.indices.push_back(e.index);
    b.tokens += n + m + 1;
  }
  return b;
}

SeqBatch make_seq_batch(std::span<const Example> examples, std::span<const int64_t> positions) {
  std::vector<const Example*> picked;
  picked.reserve(positions.size());
  for (int64_t p : positions) {
    ATTEND_CHECK(p >= 0 && p < static_cast<int64_t>(examples.size()),
                 "make_seq_batch: position {} outside the {} examples", p, examples.size());
    picked.push_back(&examples[static_cast<size_t>(p)]);
  }
  return make_seq_batch(picked);
}

}  // namespace attend::data
