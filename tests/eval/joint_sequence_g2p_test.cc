// The joint-sequence G2P model: perfect on held-out words of a regular spelling system, a context rule
// (c is S before e and i, K elsewhere) learnt only when the n-gram order lets it see the next letter's
// graphone, letters never seen in training passed over, and the beam's effect against a wide search.
#include "eval/joint_sequence_g2p.h"

#include "base/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

namespace {

using attend::eval::JointSequenceG2p;
using attend::eval::JointSequenceOptions;
using attend::eval::LetterPhoneEntry;
using Tokens = std::vector<std::string>;

// Words over the letters c, a, e, i, o, t: vowels say their capital, t says T, and c says S before e or i
// and K otherwise (the English rule for c).
LetterPhoneEntry make_word(std::mt19937& gen) {
  static const Tokens letters = {"c", "a", "e", "i", "o", "t"};
  LetterPhoneEntry e;
  const int n = 2 + static_cast<int>(gen() % 7);
  for (int k = 0; k < n; ++k) e.letters.push_back(letters[gen() % letters.size()]);
  for (size_t k = 0; k < e.letters.size(); ++k) {
    const std::string& l = e.letters[k];
    if (l == "c") {
      const bool soft = k + 1 < e.letters.size() && (e.letters[k + 1] == "e" || e.letters[k + 1] == "i");
      e.phones.push_back(soft ? "S" : "K");
    } else {
      e.phones.push_back(l == "t" ? "T" : std::string(1, static_cast<char>(std::toupper(l[0]))));
    }
  }
  return e;
}

std::vector<LetterPhoneEntry> make_words(int n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<LetterPhoneEntry> words;
  for (int i = 0; i < n; ++i) words.push_back(make_word(gen));
  return words;
}

int errors(const JointSequenceG2p& model, const std::vector<LetterPhoneEntry>& test) {
  int wrong = 0;
  for (const LetterPhoneEntry& e : test) wrong += model.pronounce(e.letters) != e.phones;
  return wrong;
}

TEST(JointSequenceG2p, LearnsAContextRuleWithEnoughOrder) {
  const std::vector<LetterPhoneEntry> train = make_words(3000, 1), test = make_words(300, 2);
  JointSequenceOptions trigram;
  trigram.order = 3;
  const JointSequenceG2p model(train, trigram);
  EXPECT_EQ(errors(model, test), 0);
  EXPECT_EQ(model.stats().unalignable, 0u);
  EXPECT_EQ(model.stats().graphones, 7u);  // six letters, c twice
  // A unigram model cannot see what follows c: it says the commoner K everywhere and misses every soft c.
  JointSequenceOptions unigram;
  unigram.order = 1;
  const JointSequenceG2p blind(train, unigram);
  int soft_c = 0;
  for (const LetterPhoneEntry& e : test)
    for (const std::string& p : e.phones) soft_c += p == "S";
  int words_with_soft_c = 0;
  for (const LetterPhoneEntry& e : test) words_with_soft_c += std::find(e.phones.begin(), e.phones.end(), "S") != e.phones.end();
  ASSERT_GT(soft_c, 20);
  EXPECT_EQ(errors(blind, test), words_with_soft_c);
}

TEST(JointSequenceG2p, PassesOverUnseenLetters) {
  const JointSequenceG2p model(make_words(500, 3), JointSequenceOptions{});
  EXPECT_EQ(model.pronounce(Tokens{"t", "z", "o"}), (Tokens{"T", "O"}));
  EXPECT_EQ(model.pronounce(Tokens{"q"}), Tokens{});
  EXPECT_EQ(model.pronounce(Tokens{}), Tokens{});
}

TEST(JointSequenceG2p, NarrowBeamNeverBeatsWideSearch) {
  const std::vector<LetterPhoneEntry> train = make_words(400, 4), test = make_words(200, 5);
  JointSequenceOptions narrow, wide;
  narrow.beam = 1;
  wide.beam = 100000;
  narrow.order = wide.order = 4;
  const JointSequenceG2p a(train, narrow), b(train, wide);
  EXPECT_EQ(errors(b, test), 0);
  EXPECT_GT(errors(a, test), 0);  // one hypothesis must commit to K or S for c before seeing the next letter
}

TEST(JointSequenceG2p, SegmentsIntoGraphones) {
  const JointSequenceG2p model(make_words(500, 6), JointSequenceOptions{});
  const auto parts = model.segment({{"c", "e", "t"}, {"S", "E", "T"}});
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].letters, Tokens{"c"});
  EXPECT_EQ(parts[0].phones, Tokens{"S"});
}

TEST(JointSequenceG2p, RejectsEmptyTrainingAndBadBeam) {
  EXPECT_THROW(JointSequenceG2p(std::vector<LetterPhoneEntry>{{{"w"}, {"A", "B", "C"}}}, JointSequenceOptions{}),
               attend::Error);
  JointSequenceOptions opt;
  opt.beam = 0;
  EXPECT_THROW(JointSequenceG2p(make_words(10, 7), opt), attend::Error);
}

}  // namespace

namespace realign_test {

using attend::eval::Graphone;
using attend::eval::GraphoneInventory;

// Spellings with silent letters and two-letter graphs, so an entry can be cut in several ways.
const std::vector<Graphone> kSpellings = {{{"a"}, {"AE"}}, {{"b"}, {"B"}},      {{"e"}, {}},         {{"x"}, {"K", "S"}},
                                          {{"p", "h"}, {"F"}}, {{"o"}, {"OW"}}, {{"t"}, {"T"}}, {{"s"}, {"S"}},
                                          {{"h"}, {"HH"}}, {{"p"}, {"P"}},      {{"k"}, {"K"}},
                                          {{"e"}, {"IY"}}, {{"e", "e"}, {"IY"}}, {{"o", "o"}, {"UW"}}};

std::vector<LetterPhoneEntry> draw(int n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<LetterPhoneEntry> out;
  for (int w = 0; w < n; ++w) {
    LetterPhoneEntry e;
    for (int k = 0, parts = 2 + static_cast<int>(gen() % 5); k < parts; ++k) {
      const Graphone& g = kSpellings[gen() % kSpellings.size()];
      e.letters.insert(e.letters.end(), g.letters.begin(), g.letters.end());
      e.phones.insert(e.phones.end(), g.phones.begin(), g.phones.end());
    }
    out.push_back(e);
  }
  return out;
}

// The best log P(cut, end) under `model` over every cut of `e` into graphones it knows, by enumeration.
double best_by_enumeration(const JointSequenceG2p& model, const LetterPhoneEntry& e) {
  const GraphoneInventory& inv = model.inventory();
  double best = -INFINITY;
  std::vector<int32_t> units;
  std::function<void(size_t, size_t)> walk = [&](size_t i, size_t j) {
    if (i == e.letters.size() && j == e.phones.size()) {
      best = std::max(best, model.log_prob(units));
      return;
    }
    for (size_t a = 1; a <= 2 && i + a <= e.letters.size(); ++a)
      for (size_t b = 0; b <= 2 && j + b <= e.phones.size(); ++b) {
        if ((b == 0 && a != 1) || (a == 2 && b != 1)) continue;  // the aligner's default shapes
        const int32_t u = inv.find(std::span(e.letters).subspan(i, a), std::span(e.phones).subspan(j, b));
        if (u < 0) continue;
        units.push_back(u);
        walk(i + a, j + b);
        units.pop_back();
      }
  };
  walk(0, 0);
  return best;
}

// Re-cuts `train` once and checks every cut against enumeration under the model that made it: `before`, the
// model at the cutting order (min(order, 2) in the first round) trained on the aligner's cuts.
void check_recut(const std::vector<LetterPhoneEntry>& train, JointSequenceOptions opt) {
  opt.realign = 0;
  opt.order = std::min(opt.order, 2);
  const JointSequenceG2p before(train, opt);
  opt.realign = 1;
  const JointSequenceG2p after(train, opt);
  size_t changed = 0;
  for (size_t k = 0; k < train.size(); ++k) {
    const std::vector<int32_t>& cut = after.training_segmentations()[k];
    ASSERT_FALSE(cut.empty()) << "entry " << k;
    Tokens spelled, said;
    for (int32_t u : cut) {
      const Graphone& g = after.inventory()[u];
      spelled.insert(spelled.end(), g.letters.begin(), g.letters.end());
      said.insert(said.end(), g.phones.begin(), g.phones.end());
    }
    EXPECT_EQ(spelled, train[k].letters) << "entry " << k;
    EXPECT_EQ(said, train[k].phones) << "entry " << k;
    EXPECT_NEAR(before.log_prob(cut), best_by_enumeration(before, train[k]), 1e-9) << "entry " << k;
    changed += cut != before.training_segmentations()[k];
  }
  EXPECT_EQ(after.stats().realigned, changed);
  EXPECT_GT(changed, 0u);  // so the search, not the kept cut, is what was checked
}

TEST(JointSequenceG2p, RealignCutsEachEntryAlongTheUnigramsBestSegmentation) {
  // Order 1: the unigram scores a graphone by its probability alone, where the aligner's cut also charged
  // longer graphones more, so some entries come out cut differently.
  JointSequenceOptions unigram;
  unigram.order = 1;
  unigram.beam = 100000;  // no pruning: the search must find the enumeration's best
  check_recut(draw(400, 21), unigram);
}

TEST(JointSequenceG2p, RealignCutsEachEntryAlongTheBigramsBestSegmentation) {
  // Order 2: hypotheses at a lattice point are merged by the bigram's state (the last graphone); a one-round
  // aligner leaves cuts the bigram disagrees with.
  JointSequenceOptions bigram;
  bigram.order = 2;
  bigram.beam = 100000;
  bigram.graphones.iterations = 1;
  check_recut(draw(1500, 7), bigram);
}

}  // namespace realign_test
