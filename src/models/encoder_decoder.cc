// EncoderDecoder: config, encoder, the shared decoder step (training and decoding), loss, StepModel.
#include "models/encoder_decoder.h"

#include <cmath>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/gemm_bf16.h"
#include "kernels/top_k.h"
#include "base/json_excerpt.h"

namespace attend::models {

using attention::AttentionConfig;
using attention::Score;
using attention::Selection;

const char* cell_name(CellKind c) { return c == CellKind::Gru ? "gru" : "lstm"; }
const char* decoder_name(DecoderKind d) {
  switch (d) {
    case DecoderKind::Bahdanau: return "bahdanau";
    case DecoderKind::Luong: return "luong";
    case DecoderKind::None: return "none";
  }
  return "?";
}

nlohmann::json EncoderDecoderConfig::to_json() const {
  nlohmann::json j = {{"src_vocab", src_vocab},
                      {"tgt_vocab", tgt_vocab},
                      {"cell", cell_name(cell)},
                      {"embed", embed},
                      {"encoder_hidden", encoder_hidden},
                      {"encoder_layers", encoder_layers},
                      {"bidirectional", bidirectional},
                      {"hidden", hidden},
                      {"decoder_layers", decoder_layers},
                      {"decoder", decoder_name(decoder)},
                      {"input_feeding", input_feeding},
                      {"dropout", dropout},
                      {"init", init == InitKind::Mean ? "mean" : "final"},
                      {"entropy_weight", entropy_weight},
                      {"baseline_decay", baseline_decay},
                      {"alignment_head", alignment_head}};
  j["attention"] = attention ? attention->to_json() : nlohmann::json(nullptr);
  return j;
}

EncoderDecoderConfig EncoderDecoderConfig::from_json(const nlohmann::json& j) {
  ATTEND_CHECK(j.is_object(), "model config: expected a JSON object, got {}", json_excerpt(j));
  EncoderDecoderConfig c;
  for (auto& [key, value] : j.items()) {
    // The upper bounds only catch typos (1e12) before they become an out-of-memory error without a key.
    auto need_int = [&](int64_t& field, int64_t lo, int64_t hi = int64_t{1} << 16) {
      ATTEND_CHECK(value.is_number_integer() && value.get<int64_t>() >= lo && value.get<int64_t>() <= hi,
                   "model config: '{}' must be an integer in [{}, {}], got {}", key, lo, hi, json_excerpt(value));
      field = value.get<int64_t>();
    };
    auto need_real = [&](double& field, double lo, double hi) {
      ATTEND_CHECK(value.is_number() && value.get<double>() >= lo && value.get<double>() < hi,
                   "model config: '{}' must be a number in [{}, {}), got {}", key, lo, hi, json_excerpt(value));
      field = value.get<double>();
    };
    auto need_bool = [&](bool& field) {
      ATTEND_CHECK(value.is_boolean(), "model config: '{}' must be true or false, got {}", key, json_excerpt(value));
      field = value.get<bool>();
    };
    if (key == "src_vocab") need_int(c.src_vocab, 0, int64_t{1} << 24);
    else if (key == "tgt_vocab") need_int(c.tgt_vocab, 0, int64_t{1} << 24);
    else if (key == "embed") need_int(c.embed, 1);
    else if (key == "encoder_hidden") need_int(c.encoder_hidden, 1);
    else if (key == "encoder_layers") need_int(c.encoder_layers, 1, 64);
    else if (key == "hidden") need_int(c.hidden, 1);
    else if (key == "decoder_layers") need_int(c.decoder_layers, 1, 64);
    else if (key == "bidirectional") need_bool(c.bidirectional);
    else if (key == "input_feeding") need_bool(c.input_feeding);
    else if (key == "alignment_head") need_bool(c.alignment_head);
    else if (key == "dropout") need_real(c.dropout, 0, 1);
    else if (key == "entropy_weight") need_real(c.entropy_weight, 0, 1e9);
    else if (key == "baseline_decay") need_real(c.baseline_decay, 0, 1);
    else if (key == "cell") {
      const std::string s = value.is_string() ? value.get<std::string>() : "";
      ATTEND_CHECK(s == "gru" || s == "lstm", "model config: 'cell' must be \"gru\" or \"lstm\", got {}", json_excerpt(value));
      c.cell = s == "gru" ? CellKind::Gru : CellKind::Lstm;
    } else if (key == "decoder") {
      const std::string s = value.is_string() ? value.get<std::string>() : "";
      ATTEND_CHECK(s == "bahdanau" || s == "luong" || s == "none",
                   "model config: 'decoder' must be \"bahdanau\", \"luong\" or \"none\", got {}", json_excerpt(value));
      c.decoder = s == "bahdanau" ? DecoderKind::Bahdanau : s == "luong" ? DecoderKind::Luong : DecoderKind::None;
    } else if (key == "init") {
      const std::string s = value.is_string() ? value.get<std::string>() : "";
      ATTEND_CHECK(s == "mean" || s == "final", "model config: 'init' must be \"mean\" or \"final\", got {}",
                   json_excerpt(value));
      c.init = s == "mean" ? InitKind::Mean : InitKind::Final;
    } else if (key == "attention") {
      if (!value.is_null()) c.attention = AttentionConfig::from_json(value);
    } else {
      ATTEND_FAIL("model config: unknown key '{}'", key);
    }
  }
  ATTEND_CHECK(c.decoder == DecoderKind::None || c.attention.has_value(),
               "model config: decoder \"{}\" needs an 'attention' section", decoder_name(c.decoder));
  ATTEND_CHECK(c.decoder != DecoderKind::None || !c.attention.has_value(),
               "model config: decoder \"none\" takes no 'attention' section (use \"bahdanau\" or \"luong\")");
  ATTEND_CHECK(c.decoder != DecoderKind::None || !c.alignment_head,
               "model config: 'alignment_head' needs a decoder with attention (\"bahdanau\" or \"luong\")");
  return c;
}

// ---- the encoded source and the decoder's running state ----

struct EncoderDecoder::Memory {
  Tensor values;    // [N, Ts, He] encoder outputs (0 at padding)
  Tensor prepared;  // [N, Ts, *] attention's per-key work on the keys (W_k h, unit rows, ...)
  Tensor keys;      // [N, Ts, Dk] keys the score compares with (values or bridged values)
  Tensor mask;      // [N, Ts] float 1 = token
  Tensor align_prepared;  // [N, Ts, *] the alignment head's per-key work
};

struct EncoderDecoder::Recurrent {
  Tensor h;             // [N, H] the top layer's state s_t
  Tensor c;             // [N, H] (LSTM)
  std::vector<Tensor> lower_h, lower_c;  // a deep decoder's layers below the top, first layer first
  Tensor feed;          // [N, H] h~_{t-1} (luong input feeding)
  Tensor prev_weights;  // [N, 1, Ts] (location-aware attention)
};

namespace {

struct StepState : DecoderState {
  std::unique_ptr<kernels::FrozenBf16Operands> frozen;  // bf16 copies of the weights, made once per decode
  EncoderDecoder::Memory memory;
  EncoderDecoder::Recurrent rec;
  std::vector<int64_t> sentence;  // sentence of each row
  int64_t t = 0;
  int64_t rows() const override { return static_cast<int64_t>(sentence.size()); }
};

Tensor row_index(const std::vector<int64_t>& rows) {
  return Tensor::from(rows, {static_cast<int64_t>(rows.size())});
}

Tensor take_rows(const Tensor& x, const Tensor& idx) { return x.defined() ? index_select(x, 0, idx) : x; }

}  // namespace

// ---- construction ----

EncoderDecoder::EncoderDecoder(const EncoderDecoderConfig& cfg, Rng& rng)
    : cfg_(cfg),
      src_embed_(cfg.src_vocab, cfg.embed, rng),
      tgt_embed_(cfg.tgt_vocab, cfg.embed, rng),
      init_(cfg.memory_dim(), cfg.hidden, rng),
      drop_(cfg.dropout),
      out_(cfg.hidden, cfg.tgt_vocab, rng) {
  ATTEND_CHECK(cfg.src_vocab >= 4 && cfg.tgt_vocab >= 4,
               "encoder-decoder: vocabularies must hold at least the 4 special tokens, got src {} tgt {}",
               cfg.src_vocab, cfg.tgt_vocab);
  ATTEND_CHECK(cfg.decoder == DecoderKind::None || cfg.attention,
               "encoder-decoder: decoder \"{}\" needs an attention config", decoder_name(cfg.decoder));
  const int64_t he = cfg.memory_dim(), h = cfg.hidden, e = cfg.embed;
  register_module("src_embed", &src_embed_);
  register_module("tgt_embed", &tgt_embed_);
  const nn::RnnOptions enc{.input_size = e, .hidden_size = cfg.encoder_hidden, .num_layers = cfg.encoder_layers,
                           .bidirectional = cfg.bidirectional};
  if (cfg.cell == CellKind::Gru) {
    gru_encoder_ = std::make_unique<nn::GRU>(enc, rng);
    register_module("encoder", gru_encoder_.get());
  } else {
    lstm_encoder_ = std::make_unique<nn::LSTM>(enc, rng);
    register_module("encoder", lstm_encoder_.get());
  }
  register_module("init", &init_);

  int64_t cell_input = e;
  if (cfg.decoder == DecoderKind::Bahdanau) cell_input = e + he;
  if (cfg.decoder == DecoderKind::Luong && cfg.input_feeding) cell_input = e + h;
  for (int64_t l = 0; l < cfg.decoder_layers; ++l) {
    // The first layer keeps the 1-layer decoder's name, so its checkpoints load.
    const std::string name = l == 0 ? "decoder" : "decoder" + std::to_string(l);
    const nn::RnnCellOptions cell{.input_size = l == 0 ? cell_input : h, .hidden_size = h};
    if (cfg.cell == CellKind::Gru) {
      gru_cells_.push_back(std::make_unique<nn::GRUCell>(cell, rng));
      register_module(name, gru_cells_.back().get());
    } else {
      lstm_cells_.push_back(std::make_unique<nn::LSTMCell>(cell, rng));
      register_module(name, lstm_cells_.back().get());
    }
  }

  if (cfg.decoder != DecoderKind::None) {
    AttentionConfig ac = *cfg.attention;
    const bool compares_directly = ac.score == Score::Dot || ac.score == Score::ScaledDot || ac.score == Score::Cosine;
    if (compares_directly && he != h) {
      // q . k needs equal sizes: the keys are the memory projected to the decoder's size (once per source).
      key_bridge_ = std::make_unique<nn::Linear>(he, h, rng, false);
      register_module("key_bridge", key_bridge_.get());
    }
    ac.query_dim = h;
    ac.key_dim = key_bridge_ ? h : he;
    if (ac.hidden_dim == 0) ac.hidden_dim = h;
    attention_ = attention::make_attention(ac, rng);
    register_module("attention", attention_.get());
    if (ac.selection == Selection::HardReinforce)
      baseline_ = std::make_unique<attention::ReinforceBaseline>(
          attention::ReinforceBaselineOptions{.decay = cfg.baseline_decay});
  }
  if (cfg.decoder == DecoderKind::Luong) {
    combine_ = std::make_unique<nn::Linear>(he + h, h, rng, false);
    register_module("combine", combine_.get());
  }
  if (cfg.decoder == DecoderKind::Bahdanau) {
    readout_ = std::make_unique<nn::Linear>(h + he + e, h, rng);
    register_module("readout", readout_.get());
  }
  if (cfg.alignment_head) {
    ATTEND_CHECK(cfg.decoder != DecoderKind::None, "encoder-decoder: an alignment head needs a decoder with attention");
    AttentionConfig ac;
    ac.score = Score::Additive;
    ac.query_dim = h + e;
    ac.key_dim = he;
    ac.hidden_dim = h;
    align_head_ = attention::make_attention(ac, rng);
    register_module("align_head", align_head_.get());
  }
  register_module("out", &out_);
  register_module("dropout", &drop_);  // so that eval() turns dropout off (it holds no parameters)
}

EncoderDecoder::~EncoderDecoder() = default;

// ---- encoder ----

EncoderDecoder::Memory EncoderDecoder::encode(const Tensor& src, const Tensor& src_mask, Rng& rng) {
  ATTEND_CHECK(src.ndim() == 2 && src_mask.ndim() == 2 && src.size(0) == src_mask.size(0) &&
                   src.size(1) == src_mask.size(1),
               "encoder-decoder: source {} and mask {} must both be [Ts, B]", src.shape(), src_mask.shape());
  ATTEND_CHECK(src.size(0) >= 1, "encoder-decoder: empty source batch {}", src.shape());
  const Tensor x = drop_.forward(src_embed_.forward(src), rng);  // [Ts, B, E]
  const nn::RnnOutput enc = gru_encoder_ ? gru_encoder_->forward(x, src_mask) : lstm_encoder_->forward(x, src_mask);
  Memory m;
  m.values = contiguous(transpose(enc.out, 0, 1));  // [B, Ts, He]
  m.mask = contiguous(transpose(src_mask, 0, 1));   // [B, Ts]
  if (attention_) {
    m.keys = key_bridge_ ? key_bridge_->forward(m.values) : m.values;
    m.prepared = attention_->prepare_keys(m.keys);
  }
  if (align_head_) m.align_prepared = align_head_->prepare_keys(m.values);
  return m;
}

// ---- the decoder step shared by training and decoding ----

// [h->_last; h<-_first] [B, He]: the forward half at each row's last real position (picked by a one-hot
// product, so the gradient reaches only that position) and the backward half at position 0.
Tensor EncoderDecoder::final_states(const Memory& mem) const {
  const int64_t b = mem.values.size(0), ts = mem.values.size(1);
  const std::vector<double> mask = mem.mask.copy(DType::F64).to_vector<double>();
  Tensor pick = Tensor::zeros({b, 1, ts}, mem.values.dtype());
  for (int64_t i = 0; i < b; ++i) {
    int64_t last = 0;
    for (int64_t j = 0; j < ts; ++j)
      if (mask[static_cast<size_t>(i * ts + j)] != 0.0) last = j;
    dispatch_float(pick.dtype(), "final_states", [&]<class T>() { pick.data<T>()[i * ts + last] = T(1); });
  }
  const Tensor last = squeeze(matmul(pick, mem.values), 1);  // [B, He]
  if (!cfg_.bidirectional) return last;
  const int64_t h = cfg_.encoder_hidden;
  return concat({slice(last, 1, 0, h), slice(attend::select(mem.values, 1, 0), 1, h, 2 * h)}, 1);
}

EncoderDecoder::Recurrent EncoderDecoder::initial_state(const Memory& mem) {
  Recurrent st;
  if (cfg_.init == InitKind::Mean) {
    // s_0 = tanh(W_init mean_j h_j) over the real source positions.
    const Tensor counts = unsqueeze(sum(mem.mask, 1), 1);  // [B, 1]
    st.h = tanh(init_.forward(div(sum(mem.values, 1), counts)));
  } else {
    st.h = tanh(init_.forward(final_states(mem)));
  }
  if (cfg_.decoder == DecoderKind::Luong && cfg_.input_feeding) st.feed = Tensor::zeros({mem.values.size(0), cfg_.hidden});
  // Every layer of a deep decoder starts from s_0 (the top layer's state is st.h).
  st.lower_h.assign(static_cast<size_t>(cfg_.decoder_layers - 1), st.h);
  st.lower_c.assign(st.lower_h.size(), Tensor());
  return st;
}

Tensor EncoderDecoder::cell_step(const Tensor& x, Recurrent& st, Rng& rng) {
  const size_t layers = static_cast<size_t>(cfg_.decoder_layers);
  Tensor input = x;
  for (size_t l = 0; l < layers; ++l) {
    const bool top = l + 1 == layers;
    Tensor& h = top ? st.h : st.lower_h[l];
    Tensor& c = top ? st.c : st.lower_c[l];
    if (l > 0) input = drop_.forward(input, rng);  // between stacked layers
    if (cfg_.cell == CellKind::Gru) {
      h = gru_cells_[l]->forward(input, h);
    } else {
      LstmState s = lstm_cells_[l]->forward(input, h, c);
      h = s.h;
      c = s.c;
    }
    input = h;
  }
  return st.h;
}

Tensor EncoderDecoder::decode_step(const Memory& mem, const Tensor& emb, Recurrent& st, int64_t t, Rng& rng,
                                   attention::AttentionResult* attended) {
  if (cfg_.decoder == DecoderKind::None) return cell_step(emb, st, rng);  // [N, H]
  auto attend_to = [&](const Tensor& query) {  // query [N, H] -> context [N, He]
    attention::AttentionInputs in;
    in.query = unsqueeze(query, 1);  // [N, 1, H]
    in.keys = mem.keys;
    in.values = mem.values;
    in.key_mask = mem.mask;
    in.prepared_keys = mem.prepared;
    in.prev_weights = st.prev_weights;
    if (cfg_.attention->window == attention::Window::LocalMonotonic)
      in.query_positions = Tensor::full({query.size(0), 1}, static_cast<double>(t), query.dtype());
    *attended = attention_->forward(in, rng);
    if (cfg_.attention->location_aware) st.prev_weights = attended->weights;
    return squeeze(attended->context, 1);
  };
  if (cfg_.decoder == DecoderKind::Bahdanau) {
    const Tensor context = attend_to(st.h);                // c_t from s_{t-1}
    const Tensor s = cell_step(concat({emb, context}, 1), st, rng);  // s_t
    return concat({s, context, emb}, 1);                   // [N, H + He + E] for the readout
  }
  const Tensor x = cfg_.input_feeding ? concat({emb, st.feed}, 1) : emb;
  const Tensor s = cell_step(x, st, rng);
  const Tensor context = attend_to(s);
  const Tensor attentional = tanh(combine_->forward(concat({context, s}, 1)));  // h~_t [N, H]
  st.feed = attentional;
  return attentional;
}

Tensor EncoderDecoder::head_weights(const Memory& mem, const Tensor& states, const Tensor& next_emb, Rng& rng) {
  attention::AttentionInputs in;
  in.query = concat({states, next_emb}, 2);  // [N, T, H + E]
  in.keys = mem.values;
  in.values = mem.values;
  in.key_mask = mem.mask;
  in.prepared_keys = mem.align_prepared;
  return align_head_->forward(in, rng).weights;  // [N, T, Ts]
}

Tensor EncoderDecoder::output_input(const Tensor& features, Rng& rng) {
  Tensor f = features;
  if (readout_) f = tanh(readout_->forward(f));
  return drop_.forward(f, rng);
}

Tensor EncoderDecoder::output_logits(const Tensor& features, Rng& rng) {
  return out_.forward(output_input(features, rng));
}

// ---- training ----

LossResult EncoderDecoder::loss(const data::SeqBatch& batch, double label_smoothing, Rng& rng, const Tensor& guide,
                                double guide_weight) {
  const Memory mem = encode(batch.src, batch.src_mask, rng);
  const int64_t b = batch.src.size(1), tt = batch.tgt_in.size(0);
  ATTEND_CHECK(batch.tgt_in.ndim() == 2 && batch.tgt_in.size(1) == b && batch.tgt_out.shape() == batch.tgt_in.shape(),
               "encoder-decoder: target {} / {} do not match the source batch of {}", batch.tgt_in.shape(),
               batch.tgt_out.shape(), b);
  Recurrent st = initial_state(mem);
  const Tensor emb = drop_.forward(tgt_embed_.forward(batch.tgt_in), rng);  // [Tt, B, E]

  const bool guided = guide.defined() && guide_weight > 0 && cfg_.decoder != DecoderKind::None;
  if (guided)
    ATTEND_CHECK(guide.shape() == Shape({b, tt, batch.src.size(0)}),
                 "encoder-decoder: guide {} is not [B, Tt, Ts] = [{}, {}, {}]", guide.shape(), b, tt, batch.src.size(0));
  std::vector<Tensor> features, log_probs, entropies, weights, states;
  features.reserve(static_cast<size_t>(tt));
  for (int64_t t = 0; t < tt; ++t) {
    attention::AttentionResult attended;
    features.push_back(decode_step(mem, attend::select(emb, 0, t), st, t, rng, &attended));
    if (guided && !align_head_) weights.push_back(attended.weights);  // [B, 1, Ts]
    if (guided && align_head_) states.push_back(st.h);                // s_t [B, H]
    if (baseline_) {
      log_probs.push_back(attended.log_prob);  // [B, 1]
      entropies.push_back(attended.entropy);
    }
  }
  const Tensor logits = output_logits(stack(features, 1), rng);      // [B, Tt, V]
  const Tensor targets = contiguous(transpose(batch.tgt_out, 0, 1));  // [B, Tt]
  LossResult r;
  // The per-token log-likelihood without smoothing (perplexity, and the REINFORCE reward) comes from the
  // same pass over the [B, Tt, V] logits.
  Tensor nll;
  r.loss = cross_entropy(logits, targets,
                         {.ignore_index = data::kPad, .label_smoothing = label_smoothing, .token_nll = &nll});
  const Tensor token_mask = contiguous(transpose(batch.tgt_mask, 0, 1));  // [B, Tt]
  Tensor token_logp;
  {
    NoGradGuard no_grad;
    token_logp = mul(neg(nll), token_mask);
  }
  const std::vector<float> logp = token_logp.to_vector<float>();
  const std::vector<float> maskv = token_mask.to_vector<float>();
  for (size_t i = 0; i < logp.size(); ++i) {
    r.nll_sum -= logp[i];
    r.tokens += maskv[i] != 0;
  }
  if (guided) {
    double rows = 0;
    {
      NoGradGuard no_grad;
      rows = sum(sum(guide, -1)).item();  // guided rows each sum to 1
    }
    if (rows > 0) {
      // The guided weights: the decoder's attention, or the alignment head's, which reads s_t and y_t.
      const Tensor attn =
          align_head_ ? head_weights(mem, stack(states, 1), tgt_embed_.forward(contiguous(transpose(batch.tgt_out, 0, 1))), rng)
                      : concat(weights, 1);
      const Tensor ce = neg(sum(mul(guide, log(add(attn, 1e-6)))));
      const Tensor term = div(ce, rows);
      r.guide_loss = term.item();
      r.loss = add(r.loss, mul(term, guide_weight));
    }
  }
  if (baseline_ && training()) {
    // REINFORCE for the sampled positions: reward = the sentence's log-likelihood (Xu et al. 2015).
    const Tensor reward = sum(token_logp, 1);                                     // [B]
    const Tensor chosen = mul(concat(log_probs, 1), token_mask);                  // [B, Tt]
    const Tensor entropy = mul(concat(entropies, 1), token_mask);                 // [B, Tt]
    const Tensor base = baseline_->predict(b, reward.dtype());
    r.loss = add(r.loss, div(attention::reinforce_loss(chosen, reward, base, entropy, cfg_.entropy_weight),
                             static_cast<double>(std::max<int64_t>(r.tokens, 1)) / static_cast<double>(b)));
    baseline_->observe(reward);
  }
  return r;
}

// ---- decoding (StepModel) ----

std::unique_ptr<DecoderState> EncoderDecoder::start(const Tensor& src, const Tensor& src_mask) {
  NoGradGuard no_grad;
  auto state = std::make_unique<StepState>();
  state->frozen = freeze_parameters_for_bf16();  // the parameters do not change while this state decodes
  state->memory = encode(src, src_mask, decode_rng_);
  const int64_t b = src.size(1);
  state->rec = initial_state(state->memory);
  state->sentence.resize(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i) state->sentence[static_cast<size_t>(i)] = i;
  return state;
}

Tensor EncoderDecoder::step_features(DecoderState& state, const Tensor& prev, Tensor* weights) {
  auto& s = dynamic_cast<StepState&>(state);
  ATTEND_CHECK(prev.ndim() == 1 && prev.size(0) == s.rows(), "encoder-decoder step: prev {} for {} rows",
               prev.shape(), s.rows());
  attention::AttentionResult attended;
  const Tensor features = decode_step(s.memory, tgt_embed_.forward(prev), s.rec, s.t, decode_rng_, &attended);
  ++s.t;
  if (weights && attended.weights.defined()) *weights = squeeze(attended.weights, 1);  // [N, Ts]
  return output_input(features, decode_rng_);
}

Tensor EncoderDecoder::step(DecoderState& state, const Tensor& prev, Tensor* weights) {
  NoGradGuard no_grad;
  return log_softmax(out_.forward(step_features(state, prev, weights)), -1);  // [N, V]
}

TopTokens EncoderDecoder::step_top(DecoderState& state, const Tensor& prev, int64_t k, int64_t banned,
                                   Tensor* weights) {
  NoGradGuard no_grad;
  ATTEND_CHECK(k >= 1, "step_top: k must be >= 1, got {}", k);
  const Tensor x = contiguous(step_features(state, prev, weights));  // [N, F]
  const Tensor& w = out_.weight();
  const Tensor& b = out_.bias();
  if (x.dtype() != DType::F32 || w.dtype() != DType::F32 || !w.is_contiguous())
    return top_tokens(log_softmax(out_.forward(x), -1), k, banned);
  ATTEND_CHECK(x.ndim() == 2 && x.size(1) == w.size(1), "encoder-decoder step: output layer input {} for weight {}",
               x.shape(), w.shape());
  const int64_t n = x.size(0);
  TopTokens top{Tensor::empty({n, k}, DType::I64), Tensor::empty({n, k}, DType::F32)};
  const Tensor bias = b.defined() ? contiguous(b) : Tensor();
  const int64_t bad = kernels::logits_top_k({n, x.size(1), w.size(0), k, banned}, x.data<float>(), w.data<float>(),
                                            bias.defined() ? bias.data<float>() : nullptr,
                                            top.log_probs.data<float>(), top.ids.data<int64_t>());
  ATTEND_CHECK(bad < 0, "step returned a NaN or +inf log-probability in row {}", bad);
  return top;
}

Tensor EncoderDecoder::alignment(DecoderState& state, const Tensor& next) {
  if (!align_head_) return Tensor();
  NoGradGuard no_grad;
  auto& s = dynamic_cast<StepState&>(state);
  ATTEND_CHECK(next.ndim() == 1 && next.size(0) == s.rows(), "encoder-decoder alignment: next {} for {} rows",
               next.shape(), s.rows());
  const Tensor w = head_weights(s.memory, unsqueeze(s.rec.h, 1), unsqueeze(tgt_embed_.forward(next), 1), decode_rng_);
  return squeeze(w, 1);  // [N, Ts]
}

void EncoderDecoder::select(DecoderState& state, const std::vector<int64_t>& rows) {
  NoGradGuard no_grad;
  auto& s = dynamic_cast<StepState&>(state);
  std::vector<int64_t> sentence(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    ATTEND_CHECK(rows[i] >= 0 && rows[i] < s.rows(), "encoder-decoder select: row {} of {}", rows[i], s.rows());
    sentence[i] = s.sentence[static_cast<size_t>(rows[i])];
  }
  const Tensor idx = row_index(rows);
  s.rec.h = take_rows(s.rec.h, idx);
  s.rec.c = take_rows(s.rec.c, idx);
  for (Tensor& h : s.rec.lower_h) h = take_rows(h, idx);
  for (Tensor& c : s.rec.lower_c) c = take_rows(c, idx);
  s.rec.feed = take_rows(s.rec.feed, idx);
  s.rec.prev_weights = take_rows(s.rec.prev_weights, idx);
  // The memory of every row of one sentence is the same: copy it only when rows change sentence.
  if (sentence != s.sentence) {
    s.memory.values = take_rows(s.memory.values, idx);
    s.memory.prepared = take_rows(s.memory.prepared, idx);
    s.memory.align_prepared = take_rows(s.memory.align_prepared, idx);
    s.memory.keys = key_bridge_ ? take_rows(s.memory.keys, idx) : s.memory.values;
    s.memory.mask = take_rows(s.memory.mask, idx);
    s.sentence = std::move(sentence);
  }
}

}  // namespace attend::models
