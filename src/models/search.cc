// Batched beam search and greedy search over StepModel (conventions in search.h). Hypotheses live in a
// per-sentence trellis of back-pointers (token, parent, attention row), so reordering the beam copies
// nothing but indices; the token lists and weights are read back once a hypothesis is returned.
#include "models/search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "base/error.h"
#include "data/reversal.h"

namespace attend::models {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// One token of some hypothesis: its predecessor (-1: BOS) and, with keep_weights, where its attention row
// starts in Sentence::weights.
struct Node {
  int64_t parent;
  int64_t token;
  int64_t weight_offset;
};

struct Live {
  int64_t node;  // last token's node, -1 before the first token
  double log_prob;
};

struct Finished {
  int64_t node;
  double log_prob;
  double score;
  bool eos;
};

// A candidate extension: live hypothesis `live` (index within its sentence) followed by `token`.
struct Candidate {
  double log_prob;
  int64_t live;
  int64_t token;
};

// Candidate order: higher log-prob first, then the earlier live hypothesis, then the smaller token.
bool ranks_before(const Candidate& a, const Candidate& b) {
  if (a.log_prob != b.log_prob) return a.log_prob > b.log_prob;
  if (a.live != b.live) return a.live < b.live;
  return a.token < b.token;
}

struct Sentence {
  int64_t limit = 1;                // L_b: tokens at most
  std::vector<int64_t> positions;   // real source positions (src_mask nonzero)
  std::vector<Node> nodes;
  std::vector<float> weights;       // rows of positions.size() floats, addressed by Node::weight_offset
  std::vector<Live> live;
  std::vector<Finished> pool;       // best first, at most beam
};

void check_options(const char* op, const SearchOptions& o, bool beam_matters) {
  if (beam_matters) {
    ATTEND_CHECK(o.beam >= 1, "{}: beam must be >= 1, got {}", op, o.beam);
    ATTEND_CHECK(o.nbest >= 1 && o.nbest <= o.beam, "{}: nbest must be in [1, beam = {}], got {}", op, o.beam,
                 o.nbest);
  }
  ATTEND_CHECK(std::isfinite(o.length_penalty) && o.length_penalty >= 0,
               "{}: length_penalty (alpha) must be finite and >= 0, got {}", op, o.length_penalty);
  ATTEND_CHECK(std::isfinite(o.max_length_ratio) && o.max_length_ratio >= 0,
               "{}: max_length_ratio must be finite and >= 0, got {}", op, o.max_length_ratio);
  ATTEND_CHECK(o.max_length_offset >= 0, "{}: max_length_offset must be >= 0, got {}", op, o.max_length_offset);
  ATTEND_CHECK(o.max_length >= 0, "{}: max_length must be >= 0 (0 = from the ratio), got {}", op, o.max_length);
  ATTEND_CHECK(o.min_length >= 0, "{}: min_length must be >= 0, got {}", op, o.min_length);
}

// Checks src/src_mask and sets up one Sentence per column: real positions and length limit.
std::vector<Sentence> prepare(const char* op, const Tensor& src, const Tensor& src_mask, const SearchOptions& o) {
  ATTEND_CHECK(src.defined() && src.ndim() == 2, "{}: src must be [Ts, B], got {}", op,
               src.defined() ? fmt::format("{}", src.shape()) : std::string("an undefined tensor"));
  ATTEND_CHECK(src.dtype() == DType::I64, "{}: src must be int64, got {}", op, dtype_name(src.dtype()));
  ATTEND_CHECK(src_mask.defined() && src_mask.shape() == src.shape(), "{}: src_mask {} must have src's shape {}", op,
               src_mask.defined() ? fmt::format("{}", src_mask.shape()) : std::string("(undefined)"), src.shape());
  const int64_t ts = src.size(0), batch = src.size(1);
  const std::vector<double> mask = src_mask.to_vector<double>();  // [Ts, B]
  std::vector<Sentence> sentences(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) {
    Sentence& s = sentences[static_cast<size_t>(b)];
    for (int64_t i = 0; i < ts; ++i)
      if (mask[static_cast<size_t>(i * batch + b)] != 0) s.positions.push_back(i);
    s.limit = max_target_length(static_cast<int64_t>(s.positions.size()), o);
  }
  return sentences;
}

// Runs one step of the model: the k best tokens of every row (EOS banned when ban_eos) and, when asked
// for, the weights [N, Ts]; checks what it returned.
TopTokens run_step(const char* op, StepModel& model, DecoderState& state, const std::vector<int64_t>& prev, int64_t ts,
                   int64_t k, Tensor* weights, bool ban_eos) {
  const int64_t n = static_cast<int64_t>(prev.size());
  ATTEND_CHECK(state.rows() == n, "{}: the model's state has {} rows, the search expected {}", op, state.rows(), n);
  TopTokens top;
  try {
    top = model.step_top(state, Tensor::from(prev, {n}), k, ban_eos ? data::kEos : -1, weights);
  } catch (const Error& e) {
    ATTEND_FAIL("{}: {}", op, e.what());
  }
  const Shape want{n, k};
  ATTEND_CHECK(top.ids.defined() && top.log_probs.defined() && top.ids.shape() == want &&
                   top.log_probs.shape() == want && top.ids.dtype() == DType::I64 &&
                   top.log_probs.dtype() == DType::F32 && top.ids.is_contiguous() && top.log_probs.is_contiguous(),
               "{}: step_top must return contiguous int64 ids and float32 log-probs [N = {}, k = {}]", op, n, k);
  const int64_t vocab = model.target_vocab();
  const int64_t* ids = top.ids.data<int64_t>();
  for (int64_t i = 0; i < n * k; ++i)
    ATTEND_CHECK(ids[i] >= -1 && ids[i] < vocab, "{}: step_top returned token {} outside the vocabulary of {}", op,
                 ids[i], vocab);
  if (weights != nullptr) {
    ATTEND_CHECK(weights->defined(), "{}: keep_weights needs a model whose step returns attention weights", op);
    ATTEND_CHECK(weights->ndim() == 2 && weights->size(0) == n && weights->size(1) == ts,
                 "{}: step must return weights [N = {}, Ts = {}], got {}", op, n, ts, weights->shape());
    if (weights->dtype() != DType::F32 || !weights->is_contiguous()) *weights = weights->copy(DType::F32);
  }
  return top;
}

// Token list and weights of the hypothesis ending at `node`.
Hypothesis read_back(const Sentence& s, int64_t node, double log_prob, double score, bool eos, bool keep_weights) {
  Hypothesis h;
  h.log_prob = log_prob;
  h.score = score;
  h.ended_by_eos = eos;
  const size_t width = s.positions.size();
  for (int64_t at = node; at >= 0; at = s.nodes[static_cast<size_t>(at)].parent) {
    const Node& nd = s.nodes[static_cast<size_t>(at)];
    h.tokens.push_back(nd.token);
    if (keep_weights) {
      const float* row = s.weights.data() + nd.weight_offset;
      h.weights.emplace_back(row, row + width);
    }
  }
  std::reverse(h.tokens.begin(), h.tokens.end());
  std::reverse(h.weights.begin(), h.weights.end());
  return h;
}

// Appends a node for `token` after `parent`, copying the sentence's real positions of attention row `w_row`.
int64_t add_node(Sentence& s, int64_t parent, int64_t token, const float* w_row) {
  int64_t offset = -1;
  if (w_row != nullptr) {
    offset = static_cast<int64_t>(s.weights.size());
    for (int64_t p : s.positions) s.weights.push_back(w_row[p]);
  }
  s.nodes.push_back({parent, token, offset});
  return static_cast<int64_t>(s.nodes.size()) - 1;
}

// Inserts into the pool (best first, ties after the earlier ones) and keeps the best `capacity`.
void add_finished(std::vector<Finished>& pool, const Finished& f, int64_t capacity) {
  auto at = std::upper_bound(pool.begin(), pool.end(), f,
                             [](const Finished& a, const Finished& b) { return a.score > b.score; });
  if (at - pool.begin() >= capacity) return;
  pool.insert(at, f);
  if (static_cast<int64_t>(pool.size()) > capacity) pool.pop_back();
}

// One beam step for one sentence whose k live hypotheses are rows [row0, row0 + k) of the step's best
// tokens (`per_row` per row) and weights. `length` is the live hypotheses' token count before this step.
// Fills s.live with the survivors and `parents` with their rows; returns whether the sentence is done.
bool advance(Sentence& s, const SearchOptions& o, const float* top_lp, const int64_t* top_ids, int64_t per_row,
             const float* weights, int64_t ts, int64_t row0, int64_t length, std::vector<int64_t>& parents,
             std::vector<Candidate>& cands) {
  const int64_t beam = o.beam, k = static_cast<int64_t>(s.live.size());
  // A row contributes at most `beam` live extensions and its EOS: its best beam + 1 tokens are enough.
  cands.clear();
  for (int64_t j = 0; j < k; ++j) {
    const double base = s.live[static_cast<size_t>(j)].log_prob;
    const int64_t at = (row0 + j) * per_row;
    for (int64_t e = 0; e < per_row; ++e)
      if (top_ids[at + e] >= 0 && top_lp[at + e] != -std::numeric_limits<float>::infinity())  // never a -inf token
        cands.push_back({base + static_cast<double>(top_lp[at + e]), j, top_ids[at + e]});
  }
  // At most k <= beam candidates are EOS, so the best 2 * beam hold `beam` non-EOS ones when there are.
  const auto m = std::min<int64_t>(static_cast<int64_t>(cands.size()), 2 * beam);
  std::nth_element(cands.begin(), cands.begin() + m, cands.end(), ranks_before);
  std::sort(cands.begin(), cands.begin() + m, ranks_before);

  std::vector<Live> next;
  next.reserve(static_cast<size_t>(beam));
  parents.clear();
  const int64_t ended_len = length + 1;  // |Y| of a hypothesis ending with EOS now, or of a new live one
  const double norm = length_normaliser(ended_len, o.length_penalty);
  for (int64_t r = 0; r < m && static_cast<int64_t>(next.size()) < beam; ++r) {
    const Candidate& c = cands[static_cast<size_t>(r)];
    const Live& from = s.live[static_cast<size_t>(c.live)];
    if (c.token == data::kEos) {
      if (r < beam) add_finished(s.pool, {from.node, c.log_prob, c.log_prob / norm, true}, beam);
      continue;
    }
    const float* w_row = weights != nullptr ? weights + (row0 + c.live) * ts : nullptr;
    next.push_back({add_node(s, from.node, c.token, w_row), c.log_prob});
    parents.push_back(row0 + c.live);
  }
  s.live = std::move(next);
  if (ended_len >= s.limit) {  // cut at the limit: finished as they are, in rank order
    for (const Live& l : s.live) add_finished(s.pool, {l.node, l.log_prob, l.log_prob / norm, false}, beam);
    s.live.clear();
  }
  if (s.live.empty()) return true;
  // The usual stopping rule: the pool is full and the best live hypothesis, scored at its current length,
  // does not beat the pool's worst.
  return static_cast<int64_t>(s.pool.size()) == beam && s.live.front().log_prob / norm <= s.pool.back().score;
}

bool is_identity(const std::vector<int64_t>& rows, int64_t n) {
  if (static_cast<int64_t>(rows.size()) != n) return false;
  for (int64_t i = 0; i < n; ++i)
    if (rows[static_cast<size_t>(i)] != i) return false;
  return true;
}

}  // namespace

double length_normaliser(int64_t length, double alpha) {
  if (alpha == 0) return 1.0;
  return std::pow((5.0 + static_cast<double>(length)) / 6.0, alpha);
}

int64_t max_target_length(int64_t source_length, const SearchOptions& o) {
  const double from_ratio = std::floor(o.max_length_ratio * static_cast<double>(source_length)) +
                            static_cast<double>(o.max_length_offset);
  double limit = from_ratio;
  if (o.max_length > 0) limit = std::min(limit, static_cast<double>(o.max_length));
  limit = std::min(limit, 1e15);  // a huge ratio stays representable
  return std::max<int64_t>(1, static_cast<int64_t>(limit));
}

std::vector<std::vector<Hypothesis>> beam_search(StepModel& model, const Tensor& src, const Tensor& src_mask,
                                                 const SearchOptions& o) {
  constexpr const char* op = "beam_search";
  check_options(op, o, true);
  std::vector<Sentence> sentences = prepare(op, src, src_mask, o);
  const int64_t ts = src.size(0), batch = src.size(1);
  if (batch == 0) return {};
  std::unique_ptr<DecoderState> state = model.start(src, src_mask);
  ATTEND_CHECK(state != nullptr, "{}: the model's start returned no state", op);

  std::vector<int64_t> active(static_cast<size_t>(batch));  // sentences still searching, in row order
  std::iota(active.begin(), active.end(), 0);
  for (Sentence& s : sentences) s.live.push_back({-1, 0.0});  // one BOS hypothesis, not beam copies
  std::vector<int64_t> prev(static_cast<size_t>(batch), data::kBos);
  std::vector<std::vector<int64_t>> parents(static_cast<size_t>(batch));
  std::vector<char> done(static_cast<size_t>(batch), 0);

  for (int64_t length = 0; !active.empty(); ++length) {
    Tensor weights;
    const int64_t per_row = o.beam + 1;  // a row's beam live extensions and its EOS
    const TopTokens top = run_step(op, model, *state, prev, ts, per_row, o.keep_weights ? &weights : nullptr,
                                   length < o.min_length);
    const int64_t n = top.ids.size(0);
    const float* top_lp = top.log_probs.data<float>();
    const int64_t* top_ids = top.ids.data<int64_t>();
    const float* w = o.keep_weights ? weights.data<float>() : nullptr;
    // First row of each active sentence.
    std::vector<int64_t> row0(active.size() + 1, 0);
    for (size_t i = 0; i < active.size(); ++i)
      row0[i + 1] = row0[i] + static_cast<int64_t>(sentences[static_cast<size_t>(active[i])].live.size());
    ATTEND_CHECK(row0.back() == n, "{}: internal row count {} != {}", op, row0.back(), n);

    std::vector<Candidate> cands;
    for (size_t i = 0; i < active.size(); ++i) {
      const auto b = static_cast<size_t>(active[i]);
      done[b] = advance(sentences[b], o, top_lp, top_ids, per_row, w, ts, row0[i], length, parents[b], cands);
    }

    std::vector<int64_t> rows, still;
    prev.clear();
    for (int64_t b : active) {
      Sentence& s = sentences[static_cast<size_t>(b)];
      if (done[static_cast<size_t>(b)]) {
        s.live.clear();
        continue;
      }
      still.push_back(b);
      for (size_t j = 0; j < s.live.size(); ++j) {
        rows.push_back(parents[static_cast<size_t>(b)][j]);
        prev.push_back(s.nodes[static_cast<size_t>(s.live[j].node)].token);
      }
    }
    active = std::move(still);
    if (!active.empty() && !is_identity(rows, n)) model.select(*state, rows);
  }

  std::vector<std::vector<Hypothesis>> out(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) {
    const Sentence& s = sentences[static_cast<size_t>(b)];
    const size_t count = std::min(s.pool.size(), static_cast<size_t>(o.nbest));
    for (size_t i = 0; i < count; ++i) {
      const Finished& f = s.pool[i];
      out[static_cast<size_t>(b)].push_back(read_back(s, f.node, f.log_prob, f.score, f.eos, o.keep_weights));
    }
  }
  return out;
}

std::vector<Hypothesis> greedy_search(StepModel& model, const Tensor& src, const Tensor& src_mask,
                                      const SearchOptions& o) {
  constexpr const char* op = "greedy_search";
  check_options(op, o, false);
  std::vector<Sentence> sentences = prepare(op, src, src_mask, o);
  const int64_t ts = src.size(0), batch = src.size(1);
  std::vector<Hypothesis> out(static_cast<size_t>(batch));
  if (batch == 0) return out;
  std::unique_ptr<DecoderState> state = model.start(src, src_mask);
  ATTEND_CHECK(state != nullptr, "{}: the model's start returned no state", op);

  std::vector<int64_t> active(static_cast<size_t>(batch));  // row i = sentence active[i]
  std::iota(active.begin(), active.end(), 0);
  std::vector<int64_t> prev(static_cast<size_t>(batch), data::kBos);
  std::vector<double> log_prob(static_cast<size_t>(batch), 0.0);
  for (int64_t length = 0; !active.empty(); ++length) {
    Tensor weights;
    const TopTokens top =
        run_step(op, model, *state, prev, ts, 1, o.keep_weights ? &weights : nullptr, length < o.min_length);
    const int64_t n = top.ids.size(0);
    const float* top_lp = top.log_probs.data<float>();
    const int64_t* top_ids = top.ids.data<int64_t>();
    const float* w = o.keep_weights ? weights.data<float>() : nullptr;
    std::vector<int64_t> rows, still;
    prev.clear();
    for (int64_t i = 0; i < n; ++i) {
      const auto b = static_cast<size_t>(active[static_cast<size_t>(i)]);
      Hypothesis& h = out[b];
      // The argmax over finite log-probs, the smaller id on ties; -1: none.
      const int64_t best = top_lp[i] == -std::numeric_limits<float>::infinity() ? -1 : top_ids[i];
      bool finished = true;
      if (best < 0) {
        h.log_prob = h.score = kNegInf;
      } else {
        log_prob[b] += static_cast<double>(top_lp[i]);
        h.log_prob = log_prob[b];
        if (best == data::kEos) {
          h.ended_by_eos = true;
        } else {
          h.tokens.push_back(best);
          if (w != nullptr) {
            const float* w_row = w + i * ts;
            std::vector<float>& kept = h.weights.emplace_back();
            for (int64_t p : sentences[b].positions) kept.push_back(w_row[p]);
          }
          finished = static_cast<int64_t>(h.tokens.size()) >= sentences[b].limit;
        }
        const auto len = static_cast<int64_t>(h.tokens.size()) + (h.ended_by_eos ? 1 : 0);
        h.score = h.log_prob / length_normaliser(len, o.length_penalty);
      }
      if (!finished) {
        still.push_back(static_cast<int64_t>(b));
        rows.push_back(i);
        prev.push_back(best);
      }
    }
    active = std::move(still);
    if (!active.empty() && !is_identity(rows, n)) model.select(*state, rows);
  }
  return out;
}

}  // namespace attend::models
