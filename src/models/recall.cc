// Recall classifiers: composition of embedding, LSTM or hierarchical attention, and a linear readout.
#include "models/recall.h"

#include "autograd/ops.h"

namespace attend::models {

RecallLstm::RecallLstm(const RecallConfig& cfg, Rng& rng)
    : embed_(cfg.vocab, cfg.embed, rng),
      lstm_({.input_size = cfg.embed, .hidden_size = cfg.hidden}, rng),
      out_(cfg.hidden, cfg.vocab, rng) {
  register_module("embed", &embed_);
  register_module("lstm", &lstm_);
  register_module("out", &out_);
}

Tensor RecallLstm::logits(const Tensor& tokens, const Tensor& /*prev_tokens*/) const {
  Tensor x = embed_.forward(contiguous(transpose(tokens, 0, 1)));  // [N,B,E]
  nn::RnnOutput r = lstm_.forward(x);                              // h: [1,B,H]
  return out_.forward(select(r.h, 0, 0));                          // [B,V]
}

namespace {
attention::HierarchicalConfig hierarchical_config(const RecallConfig& cfg) {
  attention::HierarchicalConfig h;
  h.input_dim = cfg.hidden;
  h.hidden_dim = cfg.hidden;
  h.chunk_size = cfg.chunk;
  h.levels = cfg.levels;
  return h;
}
}  // namespace

RecallHierarchical::RecallHierarchical(const RecallConfig& cfg, Rng& rng)
    : embed_(cfg.vocab, cfg.embed, rng),
      local_(2 * cfg.embed, cfg.hidden, rng),
      attention_(hierarchical_config(cfg), rng),
      out_(cfg.hidden, cfg.vocab, rng) {
  register_module("embed", &embed_);
  register_module("local", &local_);
  register_module("attention", &attention_);
  register_module("out", &out_);
}

Tensor RecallHierarchical::logits(const Tensor& tokens, const Tensor& prev_tokens) const {
  Tensor pair = concat({embed_.forward(tokens), embed_.forward(prev_tokens)}, 2);   // [B,N,2E]
  Tensor features = tanh(local_.forward(pair));                                     // [B,N,H]
  attention::HierarchicalResult r = attention_.forward_levels(features, Tensor(), Tensor(), false);
  return out_.forward(select(r.context, 1, 0));                                     // [B,V]
}

}  // namespace attend::models
