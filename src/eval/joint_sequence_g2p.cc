// Joint-sequence G2P: training from graphone segmentations and beam-search pronunciation (see
// joint_sequence_g2p.h).
#include "eval/joint_sequence_g2p.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace attend::eval {
JointSequenceG2p::JointSequenceG2p(std::span<const LetterPhoneEntry> train, const JointSequenceOptions& opt)
    : opt_(opt) {
  ATTEND_CHECK(opt.beam >= 1, "joint-sequence g2p: beam must be at least 1, got {}", opt.beam);
  ATTEND_CHECK(opt.realign >= 0, "joint-sequence g2p: realign must be 0 or more, got {}", opt.realign);
  aligner_ = std::make_unique<GraphoneAligner>(train, opt.graphones);
  segmentations_ = aligner_->training_segmentations();
  size_t cut = 0;
  for (const auto& units : segmentations_) cut += !units.empty();
  ATTEND_CHECK(cut > 0, "joint-sequence g2p: none of the {} training entries could be cut into graphones",
               train.size());
  for (int r = 0; r < opt.realign; ++r) {
    // Cut with a low-order model first, growing the order each round as Sequitur ramps its models up: a
    // full-order model trained on the cuts only reproduces them (it has seen each entry's sequence).
    train_lm(std::min(opt.order, r + 2));
    std::vector<std::vector<int32_t>> next(segmentations_.size());
    stats_.realigned = 0;
    for (size_t k = 0; k < train.size(); ++k) {
      if (segmentations_[k].empty()) continue;
      next[k] = best_segmentation(train[k]);
      // The old cut is always a way through (its graphones all have LM tokens, and a reached point keeps at
      // least one hypothesis), so this only guards the invariant.
      if (next[k].empty()) next[k] = segmentations_[k];
      stats_.realigned += next[k] != segmentations_[k];
    }
    segmentations_ = std::move(next);
  }
  train_lm(opt.order);
  stats_.entries = train.size();
  stats_.unalignable = aligner_->unalignable();
}

void JointSequenceG2p::train_lm(int order) {
  const GraphoneInventory& inventory = aligner_->inventory();
  lm_token_.assign(inventory.size(), -1);
  int32_t next_token = kFirstUnit;
  for (const std::vector<int32_t>& units : segmentations_)
    for (int32_t u : units)
      if (lm_token_[u] < 0) lm_token_[u] = next_token++;
  std::vector<std::vector<int32_t>> sequences;
  for (const std::vector<int32_t>& units : segmentations_) {
    if (units.empty()) continue;
    std::vector<int32_t>& tokens = sequences.emplace_back();
    for (int32_t u : units) tokens.push_back(lm_token_[u]);
    tokens.push_back(kEos);
  }
  lm_ = std::make_unique<KneserNeyLm>(order, next_token, kBos, sequences);
  by_letters_.clear();
  stats_.graphones = 0;
  for (size_t u = 0; u < inventory.size(); ++u)
    if (lm_token_[u] >= 0) {
      const int32_t id = static_cast<int32_t>(u);
      by_letters_[GraphoneInventory::letters_key(inventory[id].letters)].push_back(id);
      ++stats_.graphones;
    }
  stats_.ngrams = lm_->ngram_counts();
}

double JointSequenceG2p::log_prob(std::span<const int32_t> units) const {
  KneserNeyLm::State state = lm_->begin_state();
  double lp = 0;
  for (int32_t u : units) {
    if (u < 0 || static_cast<size_t>(u) >= lm_token_.size() || lm_token_[u] < 0) return -INFINITY;
    lp += lm_->log_prob(state, lm_token_[u], &state);
  }
  return lp + lm_->log_prob(state, kEos);
}

std::vector<int32_t> JointSequenceG2p::best_segmentation(const LetterPhoneEntry& entry) const {
  using State = KneserNeyLm::State;
  struct Hyp {
    double score;
    int32_t node;  // into `nodes`: the last graphone of the path; -1 = none yet
  };
  struct Node {
    int32_t parent;
    int32_t unit;
  };
  const std::vector<GraphoneAligner::Edge> edges = aligner_->edges(entry);
  const int m = static_cast<int>(entry.phones.size()), width = m + 1;
  const int points = (static_cast<int>(entry.letters.size()) + 1) * width;
  std::vector<Node> nodes;
  // Hypotheses at each lattice point (letters, phones covered), merged by n-gram state; a point is pruned to
  // the beam when the first edge leaves it — edges come in origin order, so every way in has been offered.
  std::vector<std::unordered_map<State, Hyp>> at(points);
  at[0][lm_->begin_state()] = {0.0, -1};
  std::vector<std::pair<State, Hyp>> kept;
  int expanded = -1;
  for (const GraphoneAligner::Edge& e : edges) {
    const int from = e.i * width + e.j;
    if (from != expanded) {
      expanded = from;
      kept.assign(at[from].begin(), at[from].end());
      at[from].clear();
      const size_t keep = std::min(kept.size(), static_cast<size_t>(opt_.beam));
      std::partial_sort(kept.begin(), kept.begin() + keep, kept.end(),
                        [](const auto& a, const auto& b) { return a.second.score > b.second.score; });
      kept.resize(keep);
    }
    if (lm_token_[e.unit] < 0) continue;  // a graphone the model never saw in a cut
    const int to = (e.i + e.letters) * width + e.j + e.phones;
    for (const auto& [state, h] : kept) {
      State next;
      const double score = h.score + lm_->log_prob(state, lm_token_[e.unit], &next);
      auto it = at[to].find(next);
      if (it != at[to].end() && it->second.score >= score) continue;
      nodes.push_back({h.node, e.unit});
      at[to][next] = {score, static_cast<int32_t>(nodes.size() - 1)};
    }
  }
  const Hyp* best = nullptr;
  double best_score = -INFINITY;
  for (const auto& [state, h] : at[points - 1]) {
    const double s = h.score + lm_->log_prob(state, kEos);
    if (s > best_score) {
      best_score = s;
      best = &h;
    }
  }
  std::vector<int32_t> units;
  for (int32_t k = best ? best->node : -1; k >= 0; k = nodes[k].parent) units.push_back(nodes[k].unit);
  return {units.rbegin(), units.rend()};
}

std::vector<std::string> JointSequenceG2p::pronounce(std::span<const std::string> letters, int* passed_over) const {
  using State = KneserNeyLm::State;
  struct Node {  // a graphone on a hypothesis' path; unit -1 = a letter passed over
    int32_t parent;
    int32_t unit;
  };
  struct Hyp {
    double score;
    State state;
    int32_t node;
  };
  const int n = static_cast<int>(letters.size());
  const GraphoneInventory& inventory = aligner_->inventory();
  const double skip_cost = -std::log(static_cast<double>(lm_->vocab()));
  std::vector<Node> nodes;
  std::vector<std::unordered_map<State, Hyp>> at(n + 1);  // hypotheses by letters covered, merged by state
  auto offer = [&](int pos, const Hyp& from, int32_t unit, double score, State state) {
    auto it = at[pos].find(state);
    if (it != at[pos].end() && it->second.score >= score) return;
    nodes.push_back({from.node, unit});
    at[pos][state] = {score, state, static_cast<int32_t>(nodes.size() - 1)};
  };
  at[0][lm_->begin_state()] = {0.0, lm_->begin_state(), -1};
  std::vector<Hyp> hyps;
  for (int i = 0; i < n; ++i) {
    hyps.clear();
    for (const auto& [state, h] : at[i]) hyps.push_back(h);
    at[i].clear();  // expanded below: only the kept copies are needed (long words stay in bounded memory)
    if (hyps.empty()) continue;
    const size_t keep = std::min(hyps.size(), static_cast<size_t>(opt_.beam));
    std::partial_sort(hyps.begin(), hyps.begin() + keep, hyps.end(),
                      [](const Hyp& a, const Hyp& b) { return a.score > b.score; });
    hyps.resize(keep);
    bool any = false;
    for (int a = 1; a <= opt_.graphones.max_letters && i + a <= n; ++a) {
      const auto it = by_letters_.find(GraphoneInventory::letters_key(letters.subspan(i, a)));
      if (it == by_letters_.end()) continue;
      any = true;
      for (const Hyp& h : hyps)
        for (int32_t u : it->second) {
          State next;
          const double lp = lm_->log_prob(h.state, lm_token_[u], &next);
          offer(i + a, h, u, h.score + lp, next);
        }
    }
    if (!any) {
      for (const Hyp& h : hyps) offer(i + 1, h, -1, h.score + skip_cost, h.state);
      if (passed_over) ++*passed_over;
    }
  }
  const Hyp* best = nullptr;
  double best_score = -INFINITY;
  for (const auto& [state, h] : at[n]) {
    const double s = h.score + lm_->log_prob(state, kEos);
    if (s > best_score) {
      best_score = s;
      best = &h;
    }
  }
  std::vector<int32_t> path;
  for (int32_t k = best ? best->node : -1; k >= 0; k = nodes[k].parent)
    if (nodes[k].unit >= 0) path.push_back(nodes[k].unit);
  std::vector<std::string> phones;
  for (auto u = path.rbegin(); u != path.rend(); ++u)
    for (const std::string& p : inventory[*u].phones) phones.push_back(p);
  return phones;
}

std::vector<Graphone> JointSequenceG2p::segment(const LetterPhoneEntry& entry) const {
  std::vector<Graphone> out;
  for (int32_t u : aligner_->align(entry)) out.push_back(aligner_->inventory()[u]);
  return out;
}

}  // namespace attend::eval
