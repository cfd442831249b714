// Guided-alignment training (Chen et al. 2016; Marian's --guided-alignment): an extra loss term pulls the
// decoder's attention towards given word links. Here the links are the training split's gold alignment
// (<dir>/train.gold, Pharaoh, source word first; sure and possible links alike), mapped to token pairs: every
// piece of the target word attends to every piece of its linked source words, uniformly.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/batch.h"
#include "data/parallel_corpus.h"
#include "data/text_codec.h"

namespace attend::app {

// Per line: (source token, target token) pairs, EOS not included.
using TokenLinks = std::vector<std::vector<std::pair<int32_t, int32_t>>>;

// The gold's word links of every line pair as token links under the codecs. gold.size() must equal the
// number of lines; links outside a sentence are an error naming the line.
TokenLinks token_links(const std::vector<std::vector<std::pair<int32_t, int32_t>>>& word_links,
                       const data::ParallelLines& lines, const data::TextCodec& src, const data::TextCodec& tgt);

// The batch's guide [B, Tt, Ts] (batch-major, like the attention weights): row t of column b is uniform over
// the source tokens linked to target token t of example batch.indices[b], all zero when t has no link (or is
// the EOS step).
Tensor guide_matrix(const data::SeqBatch& batch, const TokenLinks& links);

}  // namespace attend::app
