// Seq2Seq: an LSTM encoder-decoder, with or without attention (one code path for both).
//   no attention: the decoder sees the input only through the encoder's final state (Sutskever et al. 2014),
//                 the fixed-vector bottleneck;
//   attention:    Luong et al. 2015 — the decoder's states query the encoder's states with any mechanism from
//                 attention/ (dot, general, additive, location, cosine; global or local), and the attentional
//                 state h~ = tanh(W_c [c; h]) predicts the next token.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "attention/attention.h"
#include "data/reversal.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/rnn.h"
#include "tensor/rng.h"

namespace attend::models {

struct Seq2SeqConfig {
  int64_t src_vocab = 20;
  int64_t tgt_vocab = 20;
  int64_t embed = 64;
  int64_t hidden = 256;
  int64_t layers = 1;
  double dropout = 0.0;
  std::optional<attention::AttentionConfig> attention;  // none: the fixed-vector baseline

  nlohmann::json to_json() const;
  static Seq2SeqConfig from_json(const nlohmann::json& j);  // unknown keys and bad values are errors
};

struct DecodeResult {
  std::vector<std::vector<int64_t>> tokens;        // per sentence, up to (not including) EOS
  std::vector<std::vector<std::vector<float>>> weights;  // per sentence: [output step][source position] (attention only)
};

class Seq2Seq : public nn::Module {
 public:
  Seq2Seq(const Seq2SeqConfig& cfg, Rng& rng);
  // Mean cross-entropy per target token under teacher forcing.
  Tensor loss(const data::SeqBatch& batch, Rng& rng);
  // Greedy decoding of time-major source ids [Ts,B] with mask [Ts,B].
  DecodeResult greedy(const Tensor& src, const Tensor& src_mask, int64_t max_len, Rng& rng);
  const Seq2SeqConfig& config() const { return cfg_; }

 private:
  // Decoder states [Tt,B,H] (and the encoder memory) -> logits [B,Tt,V]; weights [B,Tt,Ts] when attending.
  Tensor predict(const Tensor& dec_out, const Tensor& memory, const Tensor& memory_mask, const Tensor& positions, Rng& rng,
                 Tensor* weights);

  Seq2SeqConfig cfg_;
  nn::Embedding src_embed_, tgt_embed_;
  nn::LSTM encoder_, decoder_;
  nn::Dropout drop_;
  std::unique_ptr<attention::Attention> attention_;
  std::unique_ptr<nn::Linear> combine_;  // W_c: [c; h] -> h~
  nn::Linear out_;
};

}  // namespace attend::models
