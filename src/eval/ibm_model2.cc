#include "eval/ibm_model2.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "base/error.h"
#include "eval/text.h"

namespace attend::eval {
namespace {

inline double position_feature(int32_t i, int32_t j, int32_t m, int32_t n) {
  return -std::abs(static_cast<double>(i + 1) / n - static_cast<double>(j + 1) / m);
}
// max_i h(i, j): the prior exp(λ h) is computed as exp(λ (h - max h)), which cancels in the normalisation and
// keeps the largest term at 1 however large λ is (a one-word source facing a long target would underflow).
inline double max_position_feature(int32_t j, int32_t m, int32_t n) {
  // h peaks at the source position nearest (j + 1) n / m; check the two integers around it.
  const double centre = static_cast<double>(j + 1) * n / m - 1;
  double best = -2;
  for (int32_t i : {static_cast<int32_t>(std::floor(centre)), static_cast<int32_t>(std::ceil(centre))})
    if (i >= 0 && i < n) best = std::max(best, position_feature(i, j, m, n));
  if (best == -2) best = position_feature(centre < 0 ? 0 : n - 1, j, m, n);
  return best;
}

// An open-addressing map from a (source, target) word pair to a dense id; the corpus has millions of
// co-occurring pairs, which std::unordered_map would store node by node.
class PairIndex {
 public:
  explicit PairIndex(size_t expected) {
    size_t cap = 16;
    while (cap < 2 * expected) cap *= 2;
    keys_.assign(cap, kEmpty);
    ids_.assign(cap, -1);
  }
  int32_t find_or_add(int32_t e, int32_t f, std::vector<int32_t>& src, std::vector<int32_t>& tgt) {
    const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(e)) << 32) | static_cast<uint32_t>(f);
    size_t mask = keys_.size() - 1;
    size_t h = (key * 0x9E3779B97F4A7C15ull) >> 17 & mask;
    while (keys_[h] != kEmpty && keys_[h] != key) h = (h + 1) & mask;
    if (keys_[h] == key) return ids_[h];
    keys_[h] = key;
    ids_[h] = static_cast<int32_t>(src.size());
    src.push_back(e);
    tgt.push_back(f);
    if (2 * src.size() > keys_.size()) grow(src, tgt);
    return static_cast<int32_t>(src.size() - 1);
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  void grow(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt) {
    PairIndex bigger(keys_.size());
    std::vector<int32_t> s2, t2;
    for (size_t k = 0; k < src.size(); ++k) bigger.find_or_add(src[k], tgt[k], s2, t2);
    keys_ = std::move(bigger.keys_);
    ids_ = std::move(bigger.ids_);
  }
  std::vector<uint64_t> keys_;
  std::vector<int32_t> ids_;
};

}  // namespace

double digamma(double x) {
  ATTEND_CHECK(x > 0, "digamma: argument {} is not positive", x);
  double r = 0;
  while (x < 10) {  // the asymptotic series below is then accurate to ~1e-15
    r -= 1 / x;
    x += 1;
  }
  const double f = 1 / (x * x);
  return r + std::log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

Ibm2Aligner::Ibm2Aligner(std::vector<WordIdPair> corpus, const Ibm2Options& opt)
    : opt_(opt), corpus_(std::move(corpus)), tension_(opt.tension) {
  ATTEND_CHECK(opt.iterations >= 1, "align: iterations must be at least 1 (got {})", opt.iterations);
  ATTEND_CHECK(opt.null_prob > 0 && opt.null_prob < 1, "align: null probability must be in (0, 1) (got {})",
               opt.null_prob);
  ATTEND_CHECK(opt.tension > 0, "align: tension must be positive (got {})", opt.tension);
  ATTEND_CHECK(opt.alpha >= 0, "align: alpha must not be negative (got {})", opt.alpha);
  for (size_t s = 0; s < corpus_.size(); ++s)
    for (int32_t e : corpus_[s].src) ATTEND_CHECK(e >= 1, "align: sentence {} has source id {} (0 is the null word)", s, e);
  build_pair_ids();
  // Uniform over the target vocabulary (Model 1's start): the first E-step follows the position prior
  // alone, as fast_align's does, and its likelihood is that of a proper model.
  int32_t tgt_vocab = 1;
  for (int32_t f : pair_tgt_) tgt_vocab = std::max(tgt_vocab, f + 1);
  t_.assign(pair_src_.size(), 1.0 / tgt_vocab);
  std::vector<double> counts, weights;
  for (int it = 0; it < opt_.iterations; ++it) {
    double expected_h = 0;
    log_likelihood_.push_back(e_step(counts, weights, expected_h));
    m_step(counts);
    if (opt_.optimise_tension) fit_tension(weights, expected_h);
  }
}

void Ibm2Aligner::build_pair_ids() {
  size_t total = 0;
  std::map<std::pair<int32_t, int32_t>, int32_t> shape_ids;
  offset_.reserve(corpus_.size() + 1);
  shape_of_.reserve(corpus_.size());
  for (const WordIdPair& p : corpus_) {
    offset_.push_back(static_cast<int64_t>(total));
    total += p.tgt.size() * (p.src.size() + 1);
    const auto shape = std::make_pair(static_cast<int32_t>(p.tgt.size()), static_cast<int32_t>(p.src.size()));
    auto [it, added] = shape_ids.emplace(shape, static_cast<int32_t>(shapes_.size()));
    if (added) shapes_.push_back(shape);
    shape_of_.push_back(it->second);
  }
  offset_.push_back(static_cast<int64_t>(total));
  int64_t positions = 0;
  for (const auto& [m, n] : shapes_) {
    shape_offset_.push_back(positions);
    positions += m;
  }
  pair_ids_.resize(total);
  PairIndex index(total / 8 + 1024);
  for (size_t s = 0; s < corpus_.size(); ++s) {
    const WordIdPair& p = corpus_[s];
    const size_t n1 = p.src.size() + 1;
    for (size_t j = 0; j < p.tgt.size(); ++j)
      for (size_t i = 0; i < n1; ++i)
        pair_ids_[offset_[s] + j * n1 + i] =
            index.find_or_add(i == 0 ? 0 : p.src[i - 1], p.tgt[j], pair_src_, pair_tgt_);
  }
}

double Ibm2Aligner::e_step(std::vector<double>& counts, std::vector<double>& weight_by_position,
                           double& expected_h) const {
  counts.assign(t_.size(), 0.0);
  weight_by_position.assign(shape_offset_.empty() ? 0 : shape_offset_.back() + shapes_.back().first, 0.0);
  expected_h = 0;
  double log_lik = 0;
  int64_t words = 0;
  std::vector<double> prior, post;
  for (size_t s = 0; s < corpus_.size(); ++s) {
    const auto m = static_cast<int32_t>(corpus_[s].tgt.size());
    const auto n = static_cast<int32_t>(corpus_[s].src.size());
    if (m == 0 || n == 0) continue;
    const int32_t* ids = pair_ids_.data() + offset_[s];
    double* weights = weight_by_position.data() + shape_offset_[shape_of_[s]];
    prior.resize(n);
    post.resize(n + 1);
    for (int32_t j = 0; j < m; ++j, ids += n + 1) {
      double z = 0;
      const double top = max_position_feature(j, m, n);
      for (int32_t i = 0; i < n; ++i) z += prior[i] = std::exp(tension_ * (position_feature(i, j, m, n) - top));
      const double scale = (1 - opt_.null_prob) / z;
      double sum = post[0] = opt_.null_prob * t_[ids[0]];
      for (int32_t i = 0; i < n; ++i) sum += post[i + 1] = scale * prior[i] * t_[ids[i + 1]];
      log_lik += std::log(sum);
      ++words;
      const double inv = 1 / sum;
      counts[ids[0]] += post[0] * inv;
      for (int32_t i = 0; i < n; ++i) {
        const double p = post[i + 1] * inv;
        counts[ids[i + 1]] += p;
        expected_h += p * position_feature(i, j, m, n);
      }
      weights[j] += 1 - post[0] * inv;
    }
  }
  return words ? log_lik / static_cast<double>(words) : 0.0;
}

void Ibm2Aligner::m_step(const std::vector<double>& counts) {
  // Normalise per source word; with alpha > 0 the variational-Bayes update exp ψ(c + α) / exp ψ(Σ c + α),
  // which shrinks rare pairs more than frequent ones.
  int32_t src_vocab = 0;
  for (int32_t e : pair_src_) src_vocab = std::max(src_vocab, e + 1);
  std::vector<double> totals(src_vocab, 0.0);
  for (size_t k = 0; k < counts.size(); ++k) totals[pair_src_[k]] += counts[k] + opt_.alpha;
  if (opt_.alpha > 0) {
    for (double& tot : totals) tot = tot > 0 ? std::exp(digamma(tot)) : 0.0;
    for (size_t k = 0; k < counts.size(); ++k) t_[k] = std::exp(digamma(counts[k] + opt_.alpha)) / totals[pair_src_[k]];
  } else {
    for (size_t k = 0; k < counts.size(); ++k) t_[k] = totals[pair_src_[k]] > 0 ? counts[k] / totals[pair_src_[k]] : 0.0;
  }
}

double Ibm2Aligner::expected_prior_h(const std::vector<double>& weight_by_position, double lambda) const {
  double total = 0;
  for (size_t k = 0; k < shapes_.size(); ++k) {
    const auto [m, n] = shapes_[k];
    if (m == 0 || n == 0) continue;
    const double* w = weight_by_position.data() + shape_offset_[k];
    for (int32_t j = 0; j < m; ++j) {
      if (w[j] == 0) continue;
      double z = 0, zh = 0;
      const double top = max_position_feature(j, m, n);
      for (int32_t i = 0; i < n; ++i) {
        const double h = position_feature(i, j, m, n);
        const double p = std::exp(lambda * (h - top));
        z += p;
        zh += p * h;
      }
      total += w[j] * zh / z;
    }
  }
  return total;
}

void Ibm2Aligner::fit_tension(const std::vector<double>& weight_by_position, double expected_h) {
  // The expected complete-data log-likelihood is concave in λ; its derivative
  //   Σ_j Σ_i post(i, j) h(i, j) - Σ_j (1 - post(null, j)) E_λ[h | j]
  // falls as λ grows (E_λ[h] rises), so the maximiser is found by bisection on the derivative's sign.
  double lo = 0.01, hi = 200.0;
  if (expected_prior_h(weight_by_position, lo) >= expected_h) {
    tension_ = lo;
    return;
  }
  if (expected_prior_h(weight_by_position, hi) <= expected_h) {
    tension_ = hi;
    return;
  }
  for (int it = 0; it < 40; ++it) {
    const double mid = std::sqrt(lo * hi);
    (expected_prior_h(weight_by_position, mid) < expected_h ? lo : hi) = mid;
  }
  tension_ = std::sqrt(lo * hi);
}

std::vector<Link> Ibm2Aligner::align(size_t s) const {
  ATTEND_CHECK(s < corpus_.size(), "align: sentence {} out of range ({} sentences)", s, corpus_.size());
  const auto m = static_cast<int32_t>(corpus_[s].tgt.size());
  const auto n = static_cast<int32_t>(corpus_[s].src.size());
  std::vector<Link> links;
  if (n == 0) return links;
  const int32_t* ids = pair_ids_.data() + offset_[s];
  for (int32_t j = 0; j < m; ++j, ids += n + 1) {
    double z = 0;
    const double top = max_position_feature(j, m, n);
    for (int32_t i = 0; i < n; ++i) z += std::exp(tension_ * (position_feature(i, j, m, n) - top));
    double best = opt_.null_prob * t_[ids[0]];
    int32_t best_i = -1;
    for (int32_t i = 0; i < n; ++i) {
      const double p =
          (1 - opt_.null_prob) * std::exp(tension_ * (position_feature(i, j, m, n) - top)) / z * t_[ids[i + 1]];
      if (p > best) {
        best = p;
        best_i = i;
      }
    }
    if (best_i >= 0) links.push_back({best_i, j});
  }
  std::sort(links.begin(), links.end());
  return links;
}

double Ibm2Aligner::translation_prob(int32_t e, int32_t f) const {
  for (size_t k = 0; k < pair_src_.size(); ++k)
    if (pair_src_[k] == e && pair_tgt_[k] == f) return t_[k];
  return 0.0;
}

std::vector<Link> grow_diag_final_and(std::span<const Link> forward, std::span<const Link> reverse) {
  std::vector<Link> alignment = intersect_links(forward, reverse);
  const std::vector<Link> uni = union_links(forward, reverse);
  // Sets keyed by the links and words present (not grids sized by the largest index, which a file can make huge).
  std::set<Link> in_alignment(alignment.begin(), alignment.end());
  std::set<int32_t> src_aligned, tgt_aligned;
  auto add = [&](Link l) {
    in_alignment.insert(l);
    src_aligned.insert(l.src);
    tgt_aligned.insert(l.tgt);
  };
  for (const Link& l : alignment) add(l);
  auto in_union = [&](Link l) { return std::binary_search(uni.begin(), uni.end(), l); };
  // grow-diag: repeatedly, for each link, add union neighbours (8-neighbourhood) that cover an unaligned word.
  for (bool grew = true; grew;) {
    grew = false;
    for (size_t k = 0; k < alignment.size(); ++k) {
      for (int di = -1; di <= 1; ++di)
        for (int dj = -1; dj <= 1; ++dj) {
          if (di == 0 && dj == 0) continue;
          const Link c{alignment[k].src + di, alignment[k].tgt + dj};
          if (in_alignment.count(c) || !in_union(c)) continue;
          if (src_aligned.count(c.src) && tgt_aligned.count(c.tgt)) continue;
          add(c);
          alignment.push_back(c);
          grew = true;
        }
    }
  }
  // final-and: links of either direction whose two words are both still unaligned.
  for (std::span<const Link> dir : {forward, reverse})
    for (const Link& l : dir)
      if (!src_aligned.count(l.src) && !tgt_aligned.count(l.tgt)) {
        add(l);
        alignment.push_back(l);
      }
  std::sort(alignment.begin(), alignment.end());
  return alignment;
}

std::string alignment_word_key(std::string_view word) {
  auto is_punct_at = [&](size_t i, size_t& len) {
    const auto c = static_cast<unsigned char>(word[i]);
    if (c < 0x80) {
      len = 1;
      return std::ispunct(c) != 0;
    }
    size_t k = i;
    const char32_t cp = decode_multibyte(word, k);
    len = k - i;
    // Curly quotes, inverted marks, guillemets, dashes.
    return cp == U'\u2018' || cp == U'\u2019' || cp == U'\u201C' || cp == U'\u201D' || cp == U'\u00BF' ||
           cp == U'\u00A1' || cp == U'\u00AB' || cp == U'\u00BB' || cp == U'\u2013' || cp == U'\u2014';
  };
  size_t begin = 0, end = word.size(), len = 0;
  while (begin < end && is_punct_at(begin, len)) begin += len;
  // Trailing punctuation: scan forward, remembering where the last run of punctuation started.
  size_t last_word_end = begin;
  for (size_t i = begin; i < end;) {
    const bool punct = is_punct_at(i, len);
    i += len;
    if (!punct) last_word_end = i;
  }
  end = last_word_end;
  if (begin >= end) return std::string(word);
  std::string key(word.substr(begin, end - begin));
  for (size_t i = 0; i < key.size(); ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 'A' && c <= 'Z') {
      key[i] = static_cast<char>(c + 32);
    } else if (c == 0xC3 && i + 1 < key.size()) {
      // Latin-1 capitals U+00C0..U+00DE (but not × U+00D7) are two bytes C3 80..9E; lower case is +0x20.
      auto d = static_cast<unsigned char>(key[i + 1]);
      if (d >= 0x80 && d <= 0x9E && d != 0x97) key[i + 1] = static_cast<char>(d + 0x20);
      ++i;
    }
  }
  return key;
}

}  // namespace attend::eval
