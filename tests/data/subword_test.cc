// SentencePiece wrapper: training on a generated text, deterministic model bytes, id mapping, encode/decode
// round trips, piece-to-word mapping and the errors for bad files.
#include "data/subword.h"

#include <gtest/gtest.h>

#include <fstream>

#include "data/batch.h"
#include "data/text_file.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "tensor/rng.h"

namespace attend::data {
namespace {

using testing_util::TempDir;

// Sentences over a small lexicon with shared stems and suffixes, so subwords are worth learning.
std::vector<std::string> sentences(int n, uint64_t seed) {
  const char* stems[] = {"walk", "talk", "jump", "play", "read", "look", "call", "work", "open", "turn"};
  const char* ends[] = {"", "s", "ed", "ing", "er", "ers"};
  const char* small[] = {"the", "a", "and", "then", "we", "they"};
  Rng rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string s;
    const int words = 3 + static_cast<int>(rng.below(8));
    for (int w = 0; w < words; ++w) {
      if (!s.empty()) s += ' ';
      if (rng.below(3) == 0)
        s += small[rng.below(6)];
      else
        s += std::string(stems[rng.below(10)]) + ends[rng.below(6)];
    }
    out.push_back(s);
  }
  return out;
}

std::string write_corpus(const TempDir& tmp, int n = 2000) {
  std::string text;
  for (const auto& s : sentences(n, 7)) text += s + "\n";
  const std::string path = tmp.file("corpus.txt");
  testing_util::write_bytes(path, text);
  return path;
}

TEST(Subword, TrainsDeterministicallyAndMapsIdsOneToOne) {
  TempDir tmp;
  const std::string corpus = write_corpus(tmp);
  SubwordTrainOptions opt;
  opt.vocab_size = 60;
  // The model records its own training paths, so the same prefix is trained twice and compared.
  train_subword_model(corpus, tmp.file("a"), opt);
  ASSERT_TRUE(std::filesystem::exists(tmp.file("a.model")));
  ASSERT_TRUE(std::filesystem::exists(tmp.file("a.vocab")));
  EXPECT_FALSE(std::filesystem::exists(tmp.file("a.tmp.model")));
  const std::string first = testing_util::read_bytes(tmp.file("a.model"));
  const std::string first_vocab = testing_util::read_bytes(tmp.file("a.vocab"));
  train_subword_model(corpus, tmp.file("a"), opt);
  EXPECT_TRUE(first == testing_util::read_bytes(tmp.file("a.model"))) << "model bytes differ between two trainings";
  EXPECT_EQ(first_vocab, testing_util::read_bytes(tmp.file("a.vocab")));
  // Training on a sample of the lines is repeatable too, and the sample does take effect.
  SubwordTrainOptions sampled = opt;
  sampled.input_sentence_size = 300;
  train_subword_model(corpus, tmp.file("s"), sampled);
  const std::string s1 = testing_util::read_bytes(tmp.file("s.vocab"));
  train_subword_model(corpus, tmp.file("s"), sampled);
  EXPECT_EQ(s1, testing_util::read_bytes(tmp.file("s.vocab")));
  EXPECT_NE(s1, first_vocab);

  SubwordModel m = SubwordModel::load(tmp.file("a.model"));
  const Vocab& v = m.vocab();
  EXPECT_EQ(v.size(), 60);
  EXPECT_EQ(v.token(kPad), "<pad>");
  EXPECT_EQ(v.token(kBos), "<s>");
  EXPECT_EQ(v.token(kEos), "</s>");
  EXPECT_EQ(v.token(kUnk), "<unk>");
  // The .vocab file lists SentencePiece's pieces in id order: ours must be the same list.
  const auto lines = read_lines(tmp.file("a.vocab"), "test");
  ASSERT_EQ(static_cast<int64_t>(lines.size()), v.size());
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i].substr(0, lines[i].find('\t')), v.token(static_cast<int64_t>(i)));
}

TEST(Subword, EncodeDecodeRoundTrips) {
  TempDir tmp;
  const std::string corpus = write_corpus(tmp);
  for (SubwordType type : {SubwordType::Unigram, SubwordType::Bpe}) {
    SubwordTrainOptions opt;
    opt.vocab_size = 80;
    opt.type = type;
    train_subword_model(corpus, tmp.file("m"), opt);
    SubwordModel m = SubwordModel::load(tmp.file("m.model"));
    for (const auto& s : sentences(50, 99)) {
      const auto pieces = m.encode_pieces(s);
      int64_t unk = 0;
      const auto ids = m.encode_ids(s, &unk);
      EXPECT_EQ(unk, 0);
      ASSERT_EQ(pieces.size(), ids.size());
      for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(m.vocab().token(ids[i]), pieces[i]);
      EXPECT_EQ(m.decode_pieces(pieces), s);
      EXPECT_EQ(m.decode_ids(ids), s);
      std::vector<int64_t> framed = {kBos};
      framed.insert(framed.end(), ids.begin(), ids.end());
      framed.push_back(kEos);
      framed.push_back(7);  // after kEos: ignored
      EXPECT_EQ(m.decode_ids(framed), s);
      // Pieces fall into exactly the sentence's words, in order.
      const auto words = word_index_of_pieces(pieces);
      EXPECT_EQ(words.back() + 1, static_cast<int64_t>(split_whitespace(s).size()));
    }
    // A character never seen in training is unknown.
    int64_t unk = 0;
    const auto ids = m.encode_ids("walk \xD0\xB6 talk", &unk);
    EXPECT_EQ(unk, 1);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), kUnk), 1);
  }
}

TEST(Subword, WordIndexOfPieces) {
  const std::string w = "\xE2\x96\x81";  // ▁
  EXPECT_EQ(word_index_of_pieces({w + "the", w + "cat", "s", w + "sat"}), (std::vector<int64_t>{0, 1, 1, 2}));
  EXPECT_EQ(word_index_of_pieces({w, "\xC3\xA9", "t", w + "a"}), (std::vector<int64_t>{0, 0, 0, 1}));
  EXPECT_EQ(word_index_of_pieces({"ab", "c", w + "d"}), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(word_index_of_pieces({w + "x", w, "y"}), (std::vector<int64_t>{0, 1, 1}));
  EXPECT_TRUE(word_index_of_pieces({}).empty());
}

TEST(Subword, ErrorsNameTheFile) {
  TempDir tmp;
  testing::expect_error_containing([&] { SubwordModel::load(tmp.file("none.model")); }, tmp.file("none.model"));
  testing_util::write_bytes(tmp.file("bad.model"), "this is not a protobuf at all");
  testing::expect_error_containing([&] { SubwordModel::load(tmp.file("bad.model")); },
                                   "cannot load model '" + tmp.file("bad.model") + "'");
  testing::expect_error_containing([&] { train_subword_model(tmp.file("none.txt"), tmp.file("m"), {}); },
                                   tmp.file("none.txt"));
  const std::string corpus = write_corpus(tmp, 20);
  SubwordTrainOptions opt;
  opt.vocab_size = 5000;  // far more pieces than 20 short lines hold
  testing::expect_error_containing([&] { train_subword_model(corpus, tmp.file("m"), opt); },
                                   "training on '" + corpus + "' failed");
  EXPECT_FALSE(std::filesystem::exists(tmp.file("m.model")));
}

}  // namespace
}  // namespace attend::data
