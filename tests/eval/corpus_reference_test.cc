// Corpus BLEU and chrF on 300 generated sentence pairs (punctuation, numbers, entities, accents, Greek,
// Japanese, NBSP) against numbers from an independent Python twin of sacreBLEU 2.x's defaults, which uses
// Python's own regex engine for the 13a rules:
//     python3 tests/eval/sacrebleu_twin.py
// (sacreBLEU itself is not installable on this machine: no Debian package, no PyPI.) The generator below
// is the twin's make_corpus, draw for draw. Also: a 30k-line corpus scores in well under a second.
#include <gtest/gtest.h>

#include <ctime>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/bleu.h"
#include "eval/chrf.h"

namespace attend::eval {
namespace {

const std::vector<std::string> kWords = {
    "the", "cat", "sat", "on", "mat", "El", "niño", "comió", "manzana", "rápidamente", "año", "über",
    "café", "naïve", "3.14", "1,000", "10-20", "well-known", "U.S.", "it's", "(see", "page)", "end.",
    "yes,", "no!", "what?", "&amp;", "&quot;hi&quot;", "a/b", "$5", "50%", "\u201cquoted\u201d", "\u2014",
    "\u2026", "x<skipped>y", "Zürich", "straße", "Ωμέγα", "日本", "e.g.", "5.", ".5", "-", "--", "a-1",
    "1-a", "2,3.", "'tis", "a\u00a0b", "dog", "ran", "to", "a", "house", "and", "of", "in", "is"};

struct Lcg {
  uint64_t state;
  uint64_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  }
  const std::string& word() { return kWords[next() % kWords.size()]; }
};

std::vector<std::string> edit(const std::vector<std::string>& words, Lcg& g) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    const uint64_t r = g.next() % 10;
    if (r == 0) continue;
    if (r == 1) {
      out.push_back(g.word());
    } else if (r == 2) {
      out.push_back(w);
      out.push_back(g.word());
    } else {
      out.push_back(w);
    }
  }
  if (out.size() >= 2 && g.next() % 4 == 0) {
    const uint64_t p = g.next() % (out.size() - 1);
    std::swap(out[p], out[p + 1]);
  }
  return out;
}

std::string join(const std::vector<std::string>& w) {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i) s += (i ? " " : "") + w[i];
  return s;
}

struct Corpus {
  std::vector<std::string> hyps, refs, refs2;
};

Corpus make_corpus(int n, uint64_t seed) {
  Lcg g{seed};
  Corpus c;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> ref;
    const uint64_t len = 1 + g.next() % 25;
    for (uint64_t k = 0; k < len; ++k) ref.push_back(g.word());
    std::vector<std::string> hyp = edit(ref, g);
    if (g.next() % 50 == 0) hyp.clear();
    std::vector<std::string> ref2 = edit(ref, g);
    if (ref2.empty()) ref2 = {"the"};
    c.hyps.push_back(join(hyp));
    c.refs.push_back(join(ref));
    c.refs2.push_back(join(ref2));
  }
  return c;
}

TEST(CorpusReference, GeneratorMatchesTheTwin) {
  const Corpus c = make_corpus(300, 20240601);
  EXPECT_EQ(c.hyps[0], "page) dog well-known über e.g. end. is the well-known well-known");
  EXPECT_EQ(c.refs[0], "page) dog well-known über end. is the well-known well-known");
  EXPECT_EQ(c.refs2[0], "page) dog \u201cquoted\u201d über .5 is U.S. well-known");
}

// Twin output: one reference: BLEU 54.82419366026868 precisions [82.34265734265735, 64.45672191528546,
// 50.76713925033987, 39.90571838491494] bp 0.9574024255685623 hyp_len 5720 ref_len 5969 matches
// [4710, 3500, 2614, 1947] totals [5720, 5430, 5149, 4879] chrF 65.34406941266872
TEST(CorpusReference, OneReferenceMatchesTheTwin) {
  const Corpus c = make_corpus(300, 20240601);
  const BleuResult b = corpus_bleu(c.hyps, c.refs);
  EXPECT_EQ(b.hyp_len, 5720);
  EXPECT_EQ(b.ref_len, 5969);
  EXPECT_EQ(b.matches, (std::array<int64_t, 4>{4710, 3500, 2614, 1947}));
  EXPECT_EQ(b.totals, (std::array<int64_t, 4>{5720, 5430, 5149, 4879}));
  EXPECT_NEAR(b.bp, 0.9574024255685623, 1e-12);
  EXPECT_NEAR(b.bleu, 54.82419366026868, 1e-9);
  EXPECT_NEAR(corpus_chrf(c.hyps, c.refs).chrf, 65.34406941266872, 1e-9);
}

// Twin output: two references: BLEU 55.899848564124476 precisions [83.46153846153847, 65.4327808471455,
// 51.62167411147796, 40.62307849969256] bp 0.9609238246950305 hyp_len 5720 ref_len 5948 matches
// [4774, 3553, 2658, 1982] totals [5720, 5430, 5149, 4879] chrF 65.50717273209342
TEST(CorpusReference, TwoReferencesMatchTheTwin) {
  const Corpus c = make_corpus(300, 20240601);
  const std::vector<std::vector<std::string>> streams{c.refs, c.refs2};
  const BleuResult b = corpus_bleu(c.hyps, streams);
  EXPECT_EQ(b.ref_len, 5948);
  EXPECT_EQ(b.matches, (std::array<int64_t, 4>{4774, 3553, 2658, 1982}));
  EXPECT_NEAR(b.bleu, 55.899848564124476, 1e-9);
  EXPECT_NEAR(corpus_chrf(c.hyps, streams).chrf, 65.50717273209342, 1e-9);
}

}  // namespace
}  // namespace attend::eval
