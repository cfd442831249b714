// Graphone inventory and the EM letter-phone aligner (see graphone_alignment.h).
#include "eval/graphone_alignment.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace attend::eval {

std::string GraphoneInventory::key(std::span<const std::string> letters, std::span<const std::string> phones) {
  // Unit separator between tokens, record separator between the sides: neither occurs in dictionary text.
  std::string k = letters_key(letters) + '\x1e';
  for (const std::string& p : phones) k += p + '\x1f';
  return k;
}

std::string GraphoneInventory::letters_key(std::span<const std::string> letters) {
  std::string k;
  for (const std::string& l : letters) k += l + '\x1f';
  return k;
}

int32_t GraphoneInventory::add(std::span<const std::string> letters, std::span<const std::string> phones) {
  auto [it, fresh] = ids_.emplace(key(letters, phones), static_cast<int32_t>(units_.size()));
  if (fresh) units_.push_back({{letters.begin(), letters.end()}, {phones.begin(), phones.end()}});
  return it->second;
}

int32_t GraphoneInventory::find(std::span<const std::string> letters, std::span<const std::string> phones) const {
  const auto it = ids_.find(key(letters, phones));
  return it == ids_.end() ? -1 : it->second;
}

bool GraphoneAligner::shape_allowed(int letters, int phones) const {
  if (letters < 1 || letters > opt_.max_letters || phones < 0 || phones > opt_.max_phones) return false;
  if (phones == 0) return opt_.letter_deletion && letters == 1;
  return opt_.many_to_many || letters == 1 || phones == 1;
}

std::vector<GraphoneAligner::Edge> GraphoneAligner::lattice(const LetterPhoneEntry& e, GraphoneInventory* grow) const {
  const int n = static_cast<int>(e.letters.size()), m = static_cast<int>(e.phones.size());
  if (n == 0 || n > kMaxEntryLength || m > kMaxEntryLength) return {};
  const std::span<const std::string> letters(e.letters), phones(e.phones);
  const int width = m + 1;
  // Every graphone shape that fits, in origin order (each advances a letter, so a forward pass is one sweep).
  struct Shape {
    int i, j, a, b;
  };
  std::vector<Shape> shapes;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= m; ++j)
      for (int a = 1; a <= opt_.max_letters && i + a <= n; ++a)
        for (int b = 0; b <= opt_.max_phones && j + b <= m; ++b)
          if (shape_allowed(a, b)) shapes.push_back({i, j, a, b});
  // Keep only the pieces of some complete segmentation: reachable from (0, 0) and able to reach (n, m). Dead
  // ends would add graphones EM can never count, and an entry with none complete is unalignable.
  std::vector<char> from_start(static_cast<size_t>(n + 1) * width, 0), to_end(from_start.size(), 0);
  from_start[0] = 1;
  for (const Shape& s : shapes)
    if (from_start[s.i * width + s.j]) from_start[(s.i + s.a) * width + s.j + s.b] = 1;
  to_end.back() = 1;
  for (auto s = shapes.rbegin(); s != shapes.rend(); ++s)
    if (to_end[(s->i + s->a) * width + s->j + s->b]) to_end[s->i * width + s->j] = 1;
  std::vector<Edge> edges;
  if (!to_end[0]) return edges;
  for (const Shape& s : shapes) {
    if (!from_start[s.i * width + s.j] || !to_end[(s.i + s.a) * width + s.j + s.b]) continue;
    const auto l = letters.subspan(s.i, s.a);
    const auto p = phones.subspan(s.j, s.b);
    const int32_t unit = grow ? grow->add(l, p) : inventory_.find(l, p);
    if (unit >= 0)
      edges.push_back({static_cast<int16_t>(s.i), static_cast<int16_t>(s.j), static_cast<int8_t>(s.a),
                       static_cast<int8_t>(s.b), unit});
  }
  return edges;
}

GraphoneAligner::GraphoneAligner(std::span<const LetterPhoneEntry> entries, const GraphoneOptions& opt) : opt_(opt) {
  ATTEND_CHECK(opt.max_letters >= 1 && opt.max_letters <= 8 && opt.max_phones >= 1 && opt.max_phones <= 8,
               "graphones: at most 1..8 letters and 1..8 phones per graphone, got {} and {}", opt.max_letters,
               opt.max_phones);
  ATTEND_CHECK(opt.iterations >= 1, "graphones: iterations must be at least 1, got {}", opt.iterations);
  // Each entry's lattice, kept for all iterations; entries with no complete segmentation have none.
  struct Lattice {
    std::vector<Edge> edges;
    int n, m;
    size_t entry;  // index into `entries`
  };
  std::vector<Lattice> lattices;
  for (size_t k = 0; k < entries.size(); ++k) {
    const LetterPhoneEntry& e = entries[k];
    Lattice l{lattice(e, &inventory_), static_cast<int>(e.letters.size()), static_cast<int>(e.phones.size()), k};
    if (!l.edges.empty()) lattices.push_back(std::move(l));  // while growing, edges exist only on complete paths
    else ++unalignable_;
  }
  prob_.assign(inventory_.size(), inventory_.size() ? 1.0 / inventory_.size() : 0.0);
  std::vector<double> counts, alpha, beta;
  for (int it = 0; it < opt.iterations; ++it) {
    counts.assign(prob_.size(), 0.0);
    double ll = 0;
    for (const Lattice& l : lattices) {
      const int width = l.m + 1;
      alpha.assign(static_cast<size_t>(l.n + 1) * width, 0.0);
      beta.assign(alpha.size(), 0.0);
      alpha[0] = 1;
      for (const Edge& d : l.edges)  // edges are in origin order and always advance a letter
        alpha[(d.i + d.letters) * width + d.j + d.phones] += alpha[d.i * width + d.j] * prob_[d.unit];
      beta.back() = 1;
      for (auto d = l.edges.rbegin(); d != l.edges.rend(); ++d)
        beta[d->i * width + d->j] += prob_[d->unit] * beta[(d->i + d->letters) * width + d->j + d->phones];
      const double z = alpha.back();
      if (!(z > 0) || !std::isfinite(z)) continue;  // underflow on an extreme entry: it sits this round out
      ll += std::log(z);
      for (const Edge& d : l.edges)
        counts[d.unit] +=
            alpha[d.i * width + d.j] * prob_[d.unit] * beta[(d.i + d.letters) * width + d.j + d.phones] / z;
    }
    log_likelihood_.push_back(ll);
    double total = 0;
    for (double c : counts) total += c;
    if (total <= 0) break;
    for (size_t u = 0; u < prob_.size(); ++u) prob_[u] = counts[u] / total;
  }
  training_segmentations_.resize(entries.size());
  for (const Lattice& l : lattices) training_segmentations_[l.entry] = viterbi(l.edges, l.n, l.m);
}

std::vector<int32_t> GraphoneAligner::align(const LetterPhoneEntry& e) const {
  return viterbi(lattice(e, nullptr), static_cast<int>(e.letters.size()), static_cast<int>(e.phones.size()));
}

std::vector<int32_t> GraphoneAligner::viterbi(const std::vector<Edge>& edges, int n, int m) const {
  if (edges.empty()) return {};
  const int width = m + 1;
  // Viterbi in log space: best[p] = the best log-probability of reaching point p, via edge from[p].
  std::vector<double> best(static_cast<size_t>(n + 1) * width, -INFINITY);
  std::vector<int32_t> from(best.size(), -1);
  best[0] = 0;
  for (size_t k = 0; k < edges.size(); ++k) {
    const Edge& d = edges[k];
    const double weight = opt_.penalize_long ? std::max(d.letters, d.phones) : 1;
    const double s = best[d.i * width + d.j] + weight * std::log(prob_[d.unit]);
    const int to = (d.i + d.letters) * width + d.j + d.phones;
    if (s > best[to]) {
      best[to] = s;
      from[to] = static_cast<int32_t>(k);
    }
  }
  if (!std::isfinite(best.back())) return {};
  std::vector<int32_t> units;
  for (int p = n * width + m; p != 0;) {
    const Edge& d = edges[from[p]];
    units.push_back(d.unit);
    p = d.i * width + d.j;
  }
  return {units.rbegin(), units.rend()};
}

}  // namespace attend::eval
