// HierarchicalAttention: chunk levels summarised by learned-query additive attention, then a top level over
// the last summaries. Masks are host vectors turned into 0 / -inf score offsets, so masked and padded
// positions get exactly zero weight (softmax of an all -inf row is all zeros) and no gradient.
#include "attention/hierarchical.h"

#include <cmath>
#include <limits>

#include "autograd/ops.h"
#include "nn/json_fields.h"

namespace attend::attention {
namespace {

namespace jf = nn::json_fields;

Tensor uniform_parameter(const Shape& shape, int64_t fan_in, DType dtype, Rng& rng) {
  const double k = 1.0 / std::sqrt(static_cast<double>(fan_in));
  Tensor t = Tensor::empty(shape, DType::F64);
  rng.fill_uniform(t, -k, k);
  return dtype == DType::F64 ? t : t.copy(dtype);
}

// Score offsets [B, rows, cols]: 0 where mask says real, -inf elsewhere. mask: B * rows * cols values.
Tensor mask_offsets(const std::vector<double>& mask, const Shape& shape, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  dispatch_float(dtype, "hierarchical_attention", [&]<class T>() {
    T* p = t.data<T>();
    for (size_t i = 0; i < mask.size(); ++i) p[i] = mask[i] != 0 ? T(0) : -std::numeric_limits<T>::infinity();
  });
  return t;
}

}  // namespace

nlohmann::json HierarchicalConfig::to_json() const {
  return {{"input_dim", input_dim}, {"hidden_dim", hidden_dim}, {"chunk_size", chunk_size},
          {"levels", levels},       {"query_dim", query_dim},   {"dtype", dtype_name(dtype)}};
}

HierarchicalConfig HierarchicalConfig::from_json(const nlohmann::json& j) {
  constexpr const char* ctx = "hierarchical attention config";
  jf::only_keys(j, ctx, {"input_dim", "hidden_dim", "chunk_size", "levels", "query_dim", "dtype"});
  HierarchicalConfig c;
  c.input_dim = jf::integer(jf::require(j, ctx, "input_dim"), ctx, "input_dim");
  c.hidden_dim = jf::integer(jf::require(j, ctx, "hidden_dim"), ctx, "hidden_dim");
  c.chunk_size = jf::integer(jf::require(j, ctx, "chunk_size"), ctx, "chunk_size");
  if (j.contains("levels")) {
    const int64_t levels = jf::integer(j["levels"], ctx, "levels");
    ATTEND_CHECK(levels >= 2 && levels <= 16, "{}: 'levels' must be in [2, 16], got {}", ctx, levels);
    c.levels = static_cast<int>(levels);
  }
  if (j.contains("query_dim")) c.query_dim = jf::integer(j["query_dim"], ctx, "query_dim");
  if (j.contains("dtype")) {
    const std::string d = jf::string(j["dtype"], ctx, "dtype");
    ATTEND_CHECK(d == "float32" || d == "float64", "{}: 'dtype' must be \"float32\" or \"float64\", got \"{}\"", ctx,
                 d);
    c.dtype = d == "float32" ? DType::F32 : DType::F64;
  }
  return c;
}

HierarchicalAttention::HierarchicalAttention(const HierarchicalConfig& config, Rng& rng) : config_(config) {
  ATTEND_CHECK(config.input_dim > 0 && config.hidden_dim > 0 && config.chunk_size > 0,
               "HierarchicalAttention: input_dim, hidden_dim and chunk_size must be positive, got {}, {}, {}",
               config.input_dim, config.hidden_dim, config.chunk_size);
  ATTEND_CHECK(config.levels >= 2, "HierarchicalAttention: levels must be >= 2 (chunks, then the query), got {}",
               config.levels);
  ATTEND_CHECK(config.query_dim >= 0, "HierarchicalAttention: query_dim must be >= 0, got {}", config.query_dim);
  ATTEND_CHECK(is_floating(config.dtype), "HierarchicalAttention: dtype must be float32 or float64, got {}",
               dtype_name(config.dtype));
  const int64_t D = config.input_dim, H = config.hidden_dim;
  auto make_level = [&](const std::string& name) {
    LevelParams p;
    p.weight = register_parameter(name + ".weight", uniform_parameter({H, D}, D, config.dtype, rng));
    p.bias = register_parameter(name + ".bias", uniform_parameter({H}, D, config.dtype, rng));
    p.score = register_parameter(name + ".score", uniform_parameter({1, H}, H, config.dtype, rng));
    return p;
  };
  for (int l = 0; l + 1 < config.levels; ++l) chunk_levels_.push_back(make_level(fmt::format("level{}", l)));
  top_ = make_level("top");
  if (config.query_dim > 0)
    query_weight_ = register_parameter(
        "top.query_weight", uniform_parameter({H, config.query_dim}, config.query_dim, config.dtype, rng));

  attention_config_.score = Score::Additive;
  attention_config_.query_dim = config.query_dim;
  attention_config_.key_dim = D;
  attention_config_.hidden_dim = H;
}

// x: [B, M, D], mask: B * M values -> summaries [B, P, D] of the P = ceil(M / C) chunks, their weights
// [B, P, C], and which chunks hold a real position.
HierarchicalAttention::LevelOutput HierarchicalAttention::summarise(const Tensor& x, const std::vector<double>& mask,
                                                                   const LevelParams& p) const {
  const int64_t B = x.size(0), M = x.size(1), D = x.size(2), C = config_.chunk_size;
  const int64_t P = (M + C - 1) / C;
  const Tensor padded = P * C == M ? x : concat({x, Tensor::zeros({B, P * C - M, D}, x.dtype())}, 1);  // [B, P*C, D]

  LevelOutput out;
  std::vector<double> position_mask(static_cast<size_t>(B * P * C), 0.0);
  out.chunk_mask.assign(static_cast<size_t>(B * P), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < M; ++j)
      if (mask[static_cast<size_t>(b * M + j)] != 0) {
        position_mask[static_cast<size_t>(b * P * C + j)] = 1;
        out.chunk_mask[static_cast<size_t>(b * P + j / C)] = 1;
      }

  const Tensor hidden = tanh(linear(padded, p.weight, p.bias));                  // [B, P*C, H]
  const Tensor scores = reshape(linear(hidden, p.score, Tensor()), {B, P, C});  // [B, P, C]
  out.weights = softmax(scores + mask_offsets(position_mask, {B, P, C}, x.dtype()), -1);
  out.summary = reshape(matmul(reshape(out.weights, {B * P, 1, C}), reshape(padded, {B * P, C, D})), {B, P, D});
  return out;
}

HierarchicalResult HierarchicalAttention::forward_levels(const Tensor& inputs, const Tensor& key_mask,
                                                         const Tensor& query, bool need_weights) const {
  ATTEND_CHECK(inputs.defined() && inputs.ndim() == 3 && inputs.size(2) == config_.input_dim && inputs.size(1) >= 1,
               "hierarchical_attention: inputs must be [B, N >= 1, D={}], got {}", config_.input_dim,
               inputs.defined() ? inputs.shape() : Shape{});
  ATTEND_CHECK(inputs.dtype() == config_.dtype, "hierarchical_attention: inputs are {} but parameters are {}",
               dtype_name(inputs.dtype()), dtype_name(config_.dtype));
  const int64_t B = inputs.size(0), N = inputs.size(1);
  std::vector<double> mask;
  if (key_mask.defined()) {
    ATTEND_CHECK(key_mask.shape() == Shape({B, N}), "hierarchical_attention: key_mask must be [B={}, N={}], got {}", B,
                 N, key_mask.shape());
    mask = key_mask.to_vector<double>();
  } else {
    mask.assign(static_cast<size_t>(B * N), 1.0);
  }

  HierarchicalResult result;
  std::vector<int64_t> lengths;  // M_l: the number of items entering chunk level l
  Tensor current = inputs;
  for (const LevelParams& level : chunk_levels_) {
    lengths.push_back(current.size(1));
    LevelOutput out = summarise(current, mask, level);
    result.chunk_weights.push_back(out.weights);
    current = out.summary;
    mask = std::move(out.chunk_mask);
  }

  // Top level over current: [B, M, D].
  const int64_t M = current.size(1);
  const Tensor keys = linear(current, top_.weight, top_.bias);  // [B, M, H]
  Tensor scores;                                                // [B, Tq, M]
  if (query.defined()) {
    ATTEND_CHECK(config_.query_dim > 0, "hierarchical_attention: built with query_dim = 0 (learned query only), "
                                        "but a query {} was given", query.shape());
    ATTEND_CHECK(query.ndim() == 3 && query.size(0) == B && query.size(2) == config_.query_dim,
                 "hierarchical_attention: query must be [B={}, Tq, Dq={}], got {}", B, config_.query_dim,
                 query.shape());
    ATTEND_CHECK(query.dtype() == config_.dtype, "hierarchical_attention: query is {} but parameters are {}",
                 dtype_name(query.dtype()), dtype_name(config_.dtype));
    const int64_t Tq = query.size(1);
    const Tensor projected = linear(query, query_weight_, Tensor());                    // [B, Tq, H]
    const Tensor hidden = tanh(unsqueeze(projected, 2) + unsqueeze(keys, 1));          // [B, Tq, M, H]
    scores = reshape(linear(hidden, top_.score, Tensor()), {B, Tq, M});
  } else {
    scores = reshape(linear(tanh(keys), top_.score, Tensor()), {B, 1, M});
  }
  result.top_weights = softmax(scores + mask_offsets(mask, {B, 1, M}, inputs.dtype()), -1);  // [B, Tq, M]
  result.context = matmul(result.top_weights, current);                                     // [B, Tq, D]

  if (need_weights) {
    // Down the levels: a position's weight = its chunk's weight times its weight within the chunk.
    const int64_t Tq = result.top_weights.size(1);
    Tensor effective = result.top_weights;  // [B, Tq, P] over the items of the level above
    for (size_t l = chunk_levels_.size(); l-- > 0;) {
      const Tensor& within = result.chunk_weights[l];  // [B, P, C]
      const int64_t P = within.size(1), C = within.size(2);
      effective = reshape(unsqueeze(effective, -1) * unsqueeze(within, 1), {B, Tq, P * C});
      if (P * C > lengths[l]) effective = slice(effective, 2, 0, lengths[l]);
    }
    result.weights = effective;  // [B, Tq, N]
  }
  return result;
}

AttentionResult HierarchicalAttention::forward(const AttentionInputs& in, Rng& /*rng*/) const {
  ATTEND_CHECK(in.keys.defined() || in.values.defined(), "hierarchical_attention: no sequence given (set keys)");
  const Tensor& sequence = in.keys.defined() ? in.keys : in.values;
  ATTEND_CHECK(!in.keys.defined() || !in.values.defined() || in.keys.impl() == in.values.impl(),
               "hierarchical_attention: summarises one sequence, but keys {} and values {} are different tensors "
               "(pass the sequence as keys and leave values unset or equal)",
               in.keys.shape(), in.values.shape());
  ATTEND_CHECK(!in.causal, "hierarchical_attention: causal masking is not supported (chunk summaries mix positions)");
  HierarchicalResult r = forward_levels(sequence, in.key_mask, in.query, true);
  AttentionResult out;
  out.context = r.context;
  out.weights = r.weights;
  return out;
}

}  // namespace attend::attention
