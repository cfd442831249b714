// Classifiers for the long-range recall task (data/recall.h): read N symbols, name the one after the marker.
//   RecallLstm:          embedding -> LSTM over all N steps -> final state -> vocabulary
//   RecallHierarchical:  each position sees its own and its predecessor's embedding (a width-2 local
//                        feature), hierarchical attention with a learned query summarises the sequence in
//                        O(log N) attention steps -> vocabulary
#pragma once
#include <memory>

#include "attention/hierarchical.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/rnn.h"

namespace attend::models {

struct RecallConfig {
  int64_t vocab = 16;
  int64_t embed = 32;
  int64_t hidden = 64;
  int64_t chunk = 32;  // hierarchical: positions per chunk
  int levels = 2;      // hierarchical: attention levels
};

class RecallModel : public nn::Module {
 public:
  // tokens, prev_tokens: [B, N] int64 -> logits [B, vocab]
  virtual Tensor logits(const Tensor& tokens, const Tensor& prev_tokens) const = 0;
};

class RecallLstm : public RecallModel {
 public:
  RecallLstm(const RecallConfig& cfg, Rng& rng);
  Tensor logits(const Tensor& tokens, const Tensor& prev_tokens) const override;

 private:
  nn::Embedding embed_;
  nn::LSTM lstm_;
  nn::Linear out_;
};

class RecallHierarchical : public RecallModel {
 public:
  RecallHierarchical(const RecallConfig& cfg, Rng& rng);
  Tensor logits(const Tensor& tokens, const Tensor& prev_tokens) const override;

 private:
  nn::Embedding embed_;
  nn::Linear local_;
  attention::HierarchicalAttention attention_;
  nn::Linear out_;
};

}  // namespace attend::models
