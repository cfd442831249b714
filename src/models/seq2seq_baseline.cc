// The fixed-vector encoder-decoder: embed -> LSTM encoder -> final (h, c) -> LSTM decoder -> vocabulary.
#include "models/seq2seq_baseline.h"

#include "autograd/ops.h"

namespace attend::models {

nlohmann::json Seq2SeqConfig::to_json() const {
  return {{"src_vocab", src_vocab}, {"tgt_vocab", tgt_vocab}, {"embed", embed},
          {"hidden", hidden},       {"layers", layers},       {"dropout", dropout}};
}

Seq2SeqConfig Seq2SeqConfig::from_json(const nlohmann::json& j) {
  ATTEND_CHECK(j.is_object(), "seq2seq config: expected a JSON object, got {}", j.dump());
  Seq2SeqConfig c;
  for (auto& [key, value] : j.items()) {
    auto need_int = [&](int64_t& field, int64_t lo) {
      ATTEND_CHECK(value.is_number_integer() && value.get<int64_t>() >= lo,
                   "seq2seq config: '{}' must be an integer >= {}, got {}", key, lo, value.dump());
      field = value.get<int64_t>();
    };
    if (key == "src_vocab") need_int(c.src_vocab, 4);
    else if (key == "tgt_vocab") need_int(c.tgt_vocab, 4);
    else if (key == "embed") need_int(c.embed, 1);
    else if (key == "hidden") need_int(c.hidden, 1);
    else if (key == "layers") need_int(c.layers, 1);
    else if (key == "dropout") {
      ATTEND_CHECK(value.is_number() && value.get<double>() >= 0 && value.get<double>() < 1,
                   "seq2seq config: 'dropout' must be in [0, 1), got {}", value.dump());
      c.dropout = value.get<double>();
    } else {
      ATTEND_FAIL("seq2seq config: unknown key '{}'", key);
    }
  }
  return c;
}

Seq2SeqNoAttention::Seq2SeqNoAttention(const Seq2SeqConfig& cfg, Rng& rng)
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
  register_module("out", &out_);
}

Tensor Seq2SeqNoAttention::loss(const data::SeqBatch& batch, Rng& dropout_rng) {
  Tensor src = drop_.forward(src_embed_.forward(batch.src), dropout_rng);       // [Ts,B,E]
  auto enc = encoder_.forward(src, batch.src_mask);                               // h, c: [L,B,H]
  Tensor tgt = drop_.forward(tgt_embed_.forward(batch.tgt_in), dropout_rng);     // [Tt,B,E]
  auto dec = decoder_.forward(tgt, batch.tgt_mask, enc.h, enc.c);                 // out: [Tt,B,H]
  Tensor logits = out_.forward(drop_.forward(dec.out, dropout_rng));              // [Tt,B,V]
  return cross_entropy(logits, batch.tgt_out, {.ignore_index = data::kPad});
}

std::vector<std::vector<int64_t>> Seq2SeqNoAttention::greedy(const Tensor& src_ids, const Tensor& src_mask,
                                                              int64_t max_len) {
  NoGradGuard no_grad;
  const int64_t batch = src_ids.size(1);
  auto enc = encoder_.forward(src_embed_.forward(src_ids), src_mask);
  Tensor h = enc.h, c = enc.c;                                        // [L,B,H]
  Tensor prev = Tensor::full({1, batch}, static_cast<double>(data::kBos), DType::I64);  // [1,B]
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(batch));
  std::vector<bool> done(static_cast<size_t>(batch), false);
  for (int64_t t = 0; t < max_len; ++t) {
    auto dec = decoder_.forward(tgt_embed_.forward(prev), Tensor(), h, c);  // out: [1,B,H]
    h = dec.h;
    c = dec.c;
    Tensor logits = out_.forward(dec.out);                                   // [1,B,V]
    const float* lp = logits.data<float>();
    const int64_t v = cfg_.tgt_vocab;
    prev = Tensor::empty({1, batch}, DType::I64);
    int64_t* pp = prev.data<int64_t>();
    bool all_done = true;
    for (int64_t b = 0; b < batch; ++b) {
      int64_t best = 0;
      for (int64_t k = 1; k < v; ++k)
        if (lp[b * v + k] > lp[b * v + best]) best = k;
      pp[b] = best;
      if (!done[static_cast<size_t>(b)]) {
        if (best == data::kEos) done[static_cast<size_t>(b)] = true;
        else out[static_cast<size_t>(b)].push_back(best);
      }
      all_done = all_done && done[static_cast<size_t>(b)];
    }
    if (all_done) break;
  }
  return out;
}

}  // namespace attend::models
