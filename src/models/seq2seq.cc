// Seq2Seq forward, loss and greedy decoding; attention is optional and pluggable.
#include "models/seq2seq.h"

#include "autograd/ops.h"
#include "base/json_excerpt.h"

namespace attend::models {

nlohmann::json Seq2SeqConfig::to_json() const {
  nlohmann::json j = {{"src_vocab", src_vocab}, {"tgt_vocab", tgt_vocab}, {"embed", embed},
                      {"hidden", hidden},       {"layers", layers},       {"dropout", dropout}};
  j["attention"] = attention ? attention->to_json() : nlohmann::json(nullptr);
  return j;
}

Seq2SeqConfig Seq2SeqConfig::from_json(const nlohmann::json& j) {
  ATTEND_CHECK(j.is_object(), "seq2seq config: expected a JSON object, got {}", json_excerpt(j));
  Seq2SeqConfig c;
  for (auto& [key, value] : j.items()) {
    auto need_int = [&](int64_t& field, int64_t lo) {
      ATTEND_CHECK(value.is_number_integer() && value.get<int64_t>() >= lo,
                   "seq2seq config: '{}' must be an integer >= {}, got {}", key, lo, json_excerpt(value));
      field = value.get<int64_t>();
    };
    if (key == "src_vocab") need_int(c.src_vocab, 4);
    else if (key == "tgt_vocab") need_int(c.tgt_vocab, 4);
    else if (key == "embed") need_int(c.embed, 1);
    else if (key == "hidden") need_int(c.hidden, 1);
    else if (key == "layers") need_int(c.layers, 1);
    else if (key == "dropout") {
      ATTEND_CHECK(value.is_number() && value.get<double>() >= 0 && value.get<double>() < 1,
                   "seq2seq config: 'dropout' must be in [0, 1), got {}", json_excerpt(value));
      c.dropout = value.get<double>();
    } else if (key == "attention") {
      if (!value.is_null()) c.attention = attention::AttentionConfig::from_json(value);
    } else {
      ATTEND_FAIL("seq2seq config: unknown key '{}'", key);
    }
  }
  return c;
}

Seq2Seq::Seq2Seq(const Seq2SeqConfig& cfg, Rng& rng)
    : cfg_(cfg),
      src_embed_(cfg.src_vocab, cfg.embed, rng),
      tgt_embed_(cfg.tgt_vocab, cfg.embed, rng),
      encoder_({.input_size = cfg.embed, .hidden_size = cfg.hidden, .num_layers = cfg.layers}, rng),
      decoder_({.input_size = cfg.embed, .hidden_size = cfg.hidden, .num_layers = cfg.layers}, rng),
      drop_(cfg.dropout),
      out_(cfg.hidden, cfg.tgt_vocab, rng) {
  register_module("src_embed", &src_embed_);
  register_module("tgt_embed", &tgt_embed_);
  register_module("encoder", &encoder_);
  register_module("decoder", &decoder_);
  register_module("dropout", &drop_);  // so that eval() turns it off
  if (cfg.attention) {
    attention::AttentionConfig ac = *cfg.attention;
    ac.query_dim = ac.query_dim ? ac.query_dim : cfg.hidden;
    ac.key_dim = ac.key_dim ? ac.key_dim : cfg.hidden;
    if (ac.hidden_dim == 0) ac.hidden_dim = cfg.hidden;
    attention_ = attention::make_attention(ac, rng);
    combine_ = std::make_unique<nn::Linear>(2 * cfg.hidden, cfg.hidden, rng, false);
    register_module("attention", attention_.get());
    register_module("combine", combine_.get());
  }
  register_module("out", &out_);
}

Tensor Seq2Seq::predict(const Tensor& dec_out, const Tensor& memory, const Tensor& memory_mask,
                        const Tensor& positions, Rng& rng, Tensor* weights) {
  Tensor q = contiguous(transpose(dec_out, 0, 1));  // [B,Tt,H]
  if (!attention_) return out_.forward(drop_.forward(q, rng));
  attention::AttentionInputs in;
  in.query = q;
  in.keys = memory;        // [B,Ts,H]
  in.values = memory;
  in.key_mask = memory_mask;  // [B,Ts]
  in.query_positions = positions;
  attention::AttentionResult r = attention_->forward(in, rng);
  if (weights) *weights = r.weights;  // [B,Tt,Ts]
  Tensor attentional = tanh(combine_->forward(concat({r.context, q}, 2)));  // [B,Tt,H]
  return out_.forward(drop_.forward(attentional, rng));                      // [B,Tt,V]
}

Tensor Seq2Seq::loss(const data::SeqBatch& batch, Rng& rng) {
  Tensor src = drop_.forward(src_embed_.forward(batch.src), rng);             // [Ts,B,E]
  nn::RnnOutput enc = encoder_.forward(src, batch.src_mask);                  // out [Ts,B,H]; h, c [L,B,H]
  Tensor tgt = drop_.forward(tgt_embed_.forward(batch.tgt_in), rng);          // [Tt,B,E]
  nn::RnnOutput dec = decoder_.forward(tgt, batch.tgt_mask, enc.h, enc.c);    // out [Tt,B,H]
  Tensor memory, memory_mask;
  if (attention_) {
    memory = contiguous(transpose(enc.out, 0, 1));                            // [B,Ts,H]
    memory_mask = contiguous(transpose(batch.src_mask, 0, 1));                // [B,Ts]
  }
  Tensor logits = predict(dec.out, memory, memory_mask, Tensor(), rng, nullptr);  // [B,Tt,V]
  Tensor targets = contiguous(transpose(batch.tgt_out, 0, 1));                    // [B,Tt]
  return cross_entropy(logits, targets, {.ignore_index = data::kPad});
}

DecodeResult Seq2Seq::greedy(const Tensor& src_ids, const Tensor& src_mask, int64_t max_len, Rng& rng) {
  NoGradGuard no_grad;
  const int64_t batch = src_ids.size(1), src_len = src_ids.size(0);
  nn::RnnOutput enc = encoder_.forward(src_embed_.forward(src_ids), src_mask);
  Tensor memory, memory_mask;
  if (attention_) {
    memory = contiguous(transpose(enc.out, 0, 1));     // [B,Ts,H]
    memory_mask = contiguous(transpose(src_mask, 0, 1));  // [B,Ts]
  }
  Tensor h = enc.h, c = enc.c;                          // [L,B,H]
  Tensor prev = Tensor::full({1, batch}, static_cast<double>(data::kBos), DType::I64);  // [1,B]
  DecodeResult result;
  result.tokens.resize(static_cast<size_t>(batch));
  if (attention_) result.weights.resize(static_cast<size_t>(batch));
  std::vector<bool> done(static_cast<size_t>(batch), false);
  for (int64_t t = 0; t < max_len; ++t) {
    nn::RnnOutput dec = decoder_.forward(tgt_embed_.forward(prev), Tensor(), h, c);  // out [1,B,H]
    h = dec.h;
    c = dec.c;
    Tensor weights;
    Tensor positions = Tensor::full({batch, 1}, static_cast<double>(t));
    Tensor logits = predict(dec.out, memory, memory_mask, positions, rng, attention_ ? &weights : nullptr);
    Tensor best = argmax(logits, -1);  // [B,1]
    auto ids = best.to_vector<int64_t>();
    std::vector<float> w = weights.defined() ? weights.to_vector<float>() : std::vector<float>();
    bool all_done = true;
    for (int64_t b = 0; b < batch; ++b) {
      const size_t bi = static_cast<size_t>(b);
      if (!done[bi]) {
        if (ids[bi] == data::kEos) {
          done[bi] = true;
        } else {
          result.tokens[bi].push_back(ids[bi]);
          if (!w.empty())
            result.weights[bi].emplace_back(w.begin() + b * src_len, w.begin() + (b + 1) * src_len);
        }
      }
      all_done = all_done && done[bi];
    }
    if (all_done) break;
    prev = best.view_as_shape({1, batch});
  }
  return result;
}

}  // namespace attend::models
