// Token links from word links, and the dense guide of a batch.
#include "guided_alignment.h"

#include "base/error.h"

namespace attend::app {

TokenLinks token_links(const std::vector<std::vector<std::pair<int32_t, int32_t>>>& word_links,
                       const data::ParallelLines& lines, const data::TextCodec& src, const data::TextCodec& tgt) {
  ATTEND_CHECK(word_links.size() == lines.src.size(), "guided alignment: {} gold lines but {} sentence pairs",
               word_links.size(), lines.src.size());
  TokenLinks out(word_links.size());
  for (size_t i = 0; i < word_links.size(); ++i) {
    if (word_links[i].empty()) continue;
    const std::vector<int64_t> sw = src.word_of_line_tokens(lines.src[i]), tw = tgt.word_of_line_tokens(lines.tgt[i]);
    int64_t src_words = 0, tgt_words = 0;
    for (int64_t w : sw) src_words = std::max(src_words, w + 1);
    for (int64_t w : tw) tgt_words = std::max(tgt_words, w + 1);
    for (const auto& [s, t] : word_links[i]) {
      ATTEND_CHECK(s >= 0 && s < src_words && t >= 0 && t < tgt_words,
                   "guided alignment: line {}: link {}-{} outside the sentence pair ({} source, {} target words)", i + 1,
                   s, t, src_words, tgt_words);
      for (size_t a = 0; a < sw.size(); ++a)
        if (sw[a] == s)
          for (size_t b = 0; b < tw.size(); ++b)
            if (tw[b] == t) out[i].emplace_back(static_cast<int32_t>(a), static_cast<int32_t>(b));
    }
  }
  return out;
}

Tensor guide_matrix(const data::SeqBatch& batch, const TokenLinks& links) {
  const int64_t ts = batch.src.size(0), tt = batch.tgt_in.size(0), b = batch.src.size(1);
  Tensor g = Tensor::zeros({b, tt, ts});
  float* p = g.data<float>();
  for (int64_t k = 0; k < b; ++k) {
    const int64_t line = batch.indices[static_cast<size_t>(k)];
    ATTEND_CHECK(line >= 0 && static_cast<size_t>(line) < links.size(), "guided alignment: example {} has no links",
                 line);
    for (const auto& [s, t] : links[static_cast<size_t>(line)])
      if (s < ts && t < tt - 1) p[(k * tt + t) * ts + s] = 1.f;  // the last row is the EOS step
  }
  for (int64_t r = 0; r < b * tt; ++r) {
    float sum = 0;
    for (int64_t s = 0; s < ts; ++s) sum += p[r * ts + s];
    if (sum == 0) continue;
    for (int64_t s = 0; s < ts; ++s) p[r * ts + s] /= sum;
  }
  return g;
}

}  // namespace attend::app
