// EncoderDecoder: the recurrent encoder-decoder with attention for real data (CMUdict, Bible es->en), one
// code path for every variant, every hyperparameter in EncoderDecoderConfig (JSON in model configs).
//   encoder: embeddings -> (bidirectional) GRU or LSTM -> memory h_1..h_S          [B, Ts, He]
//   s_0 = tanh(W_init mean_j h_j), or with "init": "final" tanh(W_init [h->_last; h<-_first])  [B, H]
//   decoder "bahdanau" (Bahdanau et al. 2015): c_t = attend(s_{t-1}, h), s_t = cell([e_t; c_t], s_{t-1}),
//            logits = W_o tanh(W_r [s_t; c_t; e_t])          (e_t = embedding of the previous target token)
//   decoder "luong" (Luong et al. 2015): s_t = cell([e_t; h~_{t-1}], s_{t-1}) with input feeding (or cell(e_t)),
//            c_t = attend(s_t, h), h~_t = tanh(W_c [c_t; s_t]), logits = W_o h~_t
//   decoder "none": s_t = cell(e_t, s_{t-1}), logits = W_o s_t — the fixed-vector baseline (the source reaches
//            the decoder only through s_0).
// "decoder_layers": L > 1 stacks L cells (OpenNMT's and Marian's deep RNN decoder): "cell" above is the stack,
//   the first cell reads the input, each next one the previous one's output (dropout between them), s_t is the
//   top cell's state, and every layer starts from s_0.
// "alignment_head": true adds a second, additive attention that is never used to translate: its query is
//   [s_t; E y_t], the decoder state and the embedding of the token the step predicts, so it reads alignment
//   off the token itself (as a word aligner does) instead of predicting where the next word will come from.
//   Its parameters learn only from the guided-alignment loss (which then applies to it instead of the
//   decoder's attention; that loss also reaches the shared encoder, states and embeddings, multi-task style,
//   as in Garg et al. 2019, who supervise a dedicated head the same way), and teacher-forced alignment
//   (models/forced_attention.h) reads it.
// The attention is any mechanism of attention/ (additive, dot, general, location, cosine; global, local-m,
// local-p; location-aware; soft, hard REINFORCE, Gumbel). Hard REINFORCE attention is trained with the
// sentence log-likelihood as reward, a moving-average baseline and an entropy bonus.
// Training runs the recurrence step by step and the output layer once over all steps (one large GEMM).
// Decoding goes through the StepModel interface (greedy and beam search in models/search.h).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attention/attention.h"
#include "attention/hard.h"
#include "data/reversal.h"
#include "models/step_model.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/rnn.h"
#include "tensor/rng.h"

namespace attend::models {

enum class CellKind { Gru, Lstm };
enum class DecoderKind { Bahdanau, Luong, None };
// What s_0 is computed from: the mean of the encoder outputs over the real positions, or the encoder's final
// states (the forward direction at the last real position and the backward direction at the first, as in
// Bahdanau et al. and Sutskever et al.) — the usual bridge of a fixed-vector model.
enum class InitKind { Mean, Final };

struct EncoderDecoderConfig {
  int64_t src_vocab = 0;  // 0 in a config file: taken from the data's vocabulary
  int64_t tgt_vocab = 0;
  CellKind cell = CellKind::Gru;
  int64_t embed = 256;
  int64_t encoder_hidden = 256;  // per direction
  int64_t encoder_layers = 1;
  bool bidirectional = true;
  int64_t hidden = 256;  // decoder state
  int64_t decoder_layers = 1;
  DecoderKind decoder = DecoderKind::Bahdanau;
  bool input_feeding = true;  // luong only
  double dropout = 0.0;
  InitKind init = InitKind::Mean;
  std::optional<attention::AttentionConfig> attention;  // required unless decoder is "none"
  double entropy_weight = 0.0;  // hard REINFORCE attention: entropy bonus
  double baseline_decay = 0.9;  // hard REINFORCE attention: moving-average baseline
  bool alignment_head = false;  // a dedicated, guided alignment attention (see above)

  int64_t memory_dim() const { return encoder_hidden * (bidirectional ? 2 : 1); }
  nlohmann::json to_json() const;
  // Every key optional (defaults above); unknown keys and bad values are one-line errors.
  static EncoderDecoderConfig from_json(const nlohmann::json& j);
};

struct LossResult {
  Tensor loss;            // scalar to minimise: mean token cross-entropy (+ REINFORCE terms)
  double nll_sum = 0;     // sum of -log p(target) over target tokens (no label smoothing), for perplexity
  int64_t tokens = 0;     // target tokens scored (EOS included, padding not)
  double guide_loss = 0;  // guided alignment: the mean over guided rows of -sum(guide * log(weights))
};

class EncoderDecoder : public nn::Module, public StepModel {
 public:
  EncoderDecoder(const EncoderDecoderConfig& cfg, Rng& rng);
  ~EncoderDecoder() override;

  // Teacher-forced loss of a time-major batch. With a guide [B, Tt, Ts] (rows summing to 1, or all zero for an
  // unguided target token) and guide_weight > 0, adds guide_weight * mean over guided rows of the cross-entropy
  // -sum_s guide[t, s] log(weight[t, s] + 1e-6) between the guide and the attention (guided alignment).
  LossResult loss(const data::SeqBatch& batch, double label_smoothing, Rng& rng, const Tensor& guide = Tensor(),
                  double guide_weight = 0.0);

  std::unique_ptr<DecoderState> start(const Tensor& src, const Tensor& src_mask) override;
  Tensor step(DecoderState& state, const Tensor& prev, Tensor* weights) override;
  // The output layer fused with the choice (kernels::logits_top_k): the [N, V] logits are never formed.
  TopTokens step_top(DecoderState& state, const Tensor& prev, int64_t k, int64_t banned, Tensor* weights) override;
  void select(DecoderState& state, const std::vector<int64_t>& rows) override;
  Tensor alignment(DecoderState& state, const Tensor& next) override;
  int64_t target_vocab() const override { return cfg_.tgt_vocab; }

  const EncoderDecoderConfig& config() const { return cfg_; }
  const attention::ReinforceBaseline* baseline() const { return baseline_.get(); }
  attention::ReinforceBaseline* baseline() { return baseline_.get(); }

  struct Memory;     // the encoded source
  struct Recurrent;  // the decoder's running state

 private:
  Memory encode(const Tensor& src, const Tensor& src_mask, Rng& rng);
  Recurrent initial_state(const Memory& mem);  // s_0 (and h~_0 = 0 with input feeding)
  Tensor final_states(const Memory& mem) const;  // [h->_last; h<-_first] for init "final"
  // One decoder step for every row: emb [N, E] -> the output layer's input [N, F]; updates `st`.
  Tensor decode_step(const Memory& mem, const Tensor& emb, Recurrent& st, int64_t t, Rng& rng,
                     attention::AttentionResult* attended);
  Tensor output_logits(const Tensor& features, Rng& rng);  // [..., F] -> [..., V]
  Tensor output_input(const Tensor& features, Rng& rng);   // [..., F] -> what the output layer reads
  Tensor step_features(DecoderState& state, const Tensor& prev, Tensor* weights);  // step() up to the output layer
  Tensor cell_step(const Tensor& x, Recurrent& st, Rng& rng);
  // The alignment head's weights [N, T, Ts] for decoder states [N, T, H] and predicted-token embeddings [N, T, E].
  Tensor head_weights(const Memory& mem, const Tensor& states, const Tensor& next_emb, Rng& rng);

  EncoderDecoderConfig cfg_;
  nn::Embedding src_embed_, tgt_embed_;
  std::unique_ptr<nn::GRU> gru_encoder_;
  std::unique_ptr<nn::LSTM> lstm_encoder_;
  // The decoder's cells, first layer first: "decoder", then "decoder1", "decoder2", ... (one kind is empty).
  std::vector<std::unique_ptr<nn::GRUCell>> gru_cells_;
  std::vector<std::unique_ptr<nn::LSTMCell>> lstm_cells_;
  nn::Linear init_;
  std::unique_ptr<attention::Attention> attention_;
  std::unique_ptr<nn::Linear> key_bridge_;  // luong dot/scaled/cosine: memory -> decoder size
  std::unique_ptr<nn::Linear> combine_;     // luong: W_c
  std::unique_ptr<nn::Linear> readout_;     // bahdanau: W_r
  std::unique_ptr<attention::ReinforceBaseline> baseline_;
  std::unique_ptr<attention::Attention> align_head_;
  nn::Dropout drop_;
  nn::Linear out_;
  Rng decode_rng_{1};  // hard attention at inference takes the argmax; no draw happens, but the API wants one
};

const char* cell_name(CellKind c);
const char* decoder_name(DecoderKind d);

}  // namespace attend::models
