// make_seq_batch: exact padded layout, masks, counts and indices; the synthetic tasks still draw the same
// stream through it.
#include "data/batch.h"

#include <gtest/gtest.h>

#include "data/reversal.h"
#include "support/expect_error.h"

namespace attend::data {
namespace {

std::vector<int64_t> column(const Tensor& t, int64_t j) {
  const int64_t rows = t.shape()[0], cols = t.shape()[1];
  std::vector<int64_t> v;
  for (int64_t i = 0; i < rows; ++i) v.push_back(t.data<int64_t>()[i * cols + j]);
  return v;
}
std::vector<float> fcolumn(const Tensor& t, int64_t j) {
  const int64_t rows = t.shape()[0], cols = t.shape()[1];
  std::vector<float> v;
  for (int64_t i = 0; i < rows; ++i) v.push_back(t.data<float>()[i * cols + j]);
  return v;
}

TEST(SeqBatch, PadsTimeMajorWithBosEosAndMasks) {
  std::vector<Example> ex = {{{5, 6, 7}, {8}, 10}, {{9}, {11, 12, 13}, 4}};
  const std::vector<int64_t> pos = {1, 0};
  SeqBatch b = make_seq_batch(ex, pos);
  ASSERT_EQ(b.src.shape(), (Shape{3, 2}));
  ASSERT_EQ(b.tgt_in.shape(), (Shape{4, 2}));
  EXPECT_EQ(b.src.dtype(), DType::I64);
  EXPECT_EQ(b.src_mask.dtype(), DType::F32);
  // Column 0 is example 1 (src 9, tgt 11 12 13), column 1 is example 0.
  EXPECT_EQ(column(b.src, 0), (std::vector<int64_t>{9, kPad, kPad}));
  EXPECT_EQ(column(b.src, 1), (std::vector<int64_t>{5, 6, 7}));
  EXPECT_EQ(fcolumn(b.src_mask, 0), (std::vector<float>{1, 0, 0}));
  EXPECT_EQ(fcolumn(b.src_mask, 1), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(column(b.tgt_in, 0), (std::vector<int64_t>{kBos, 11, 12, 13}));
  EXPECT_EQ(column(b.tgt_out, 0), (std::vector<int64_t>{11, 12, 13, kEos}));
  EXPECT_EQ(fcolumn(b.tgt_mask, 0), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(column(b.tgt_in, 1), (std::vector<int64_t>{kBos, 8, kPad, kPad}));
  EXPECT_EQ(column(b.tgt_out, 1), (std::vector<int64_t>{8, kEos, kPad, kPad}));
  EXPECT_EQ(fcolumn(b.tgt_mask, 1), (std::vector<float>{1, 1, 0, 0}));
  EXPECT_EQ(b.lengths, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(b.tgt_lengths, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(b.indices, (std::vector<int64_t>{4, 10}));
  EXPECT_EQ(b.tokens, (1 + 3 + 1) + (3 + 1 + 1));
}

TEST(SeqBatch, EmptyTargetIsJustEos) {
  std::vector<Example> ex = {{{4, 5}, {}, 0}};
  SeqBatch b = make_seq_batch(ex, std::vector<int64_t>{0});
  ASSERT_EQ(b.tgt_out.shape(), (Shape{1, 1}));
  EXPECT_EQ(b.tgt_out.data<int64_t>()[0], kEos);
  EXPECT_EQ(b.tgt_in.data<int64_t>()[0], kBos);
}

TEST(SeqBatch, RejectsEmptySourcesAndBadPositions) {
  std::vector<Example> ex = {{{}, {4}, 7}};
  testing::expect_error_containing([&] { make_seq_batch(ex, std::vector<int64_t>{0}); }, "example 7 has an empty source");
  testing::expect_error_containing([&] { make_seq_batch(ex, std::vector<int64_t>{3}); }, "position 3");
  testing::expect_error_containing([&] { make_seq_batch(ex, std::vector<int64_t>{}); }, "no examples");
}

// The synthetic batch draws, per example, its length and then its symbols; a twin of that stream must give the
// same sources, and the targets must be the reversal.
TEST(SeqBatch, SyntheticBatchesKeepTheirRandomStream) {
  SyntheticOptions opt;
  opt.vocab = 11;
  opt.min_length = 2;
  opt.max_length = 6;
  Rng rng(42), twin(42);
  SeqBatch b = make_synthetic_batch(opt, 5, rng);
  for (int64_t j = 0; j < 5; ++j) {
    const int64_t n = opt.min_length + static_cast<int64_t>(twin.below(static_cast<uint64_t>(opt.max_length - opt.min_length + 1)));
    std::vector<int64_t> s(static_cast<size_t>(n));
    for (auto& v : s) v = kFirstSymbol + static_cast<int64_t>(twin.below(static_cast<uint64_t>(opt.vocab - kFirstSymbol)));
    ASSERT_EQ(b.lengths[static_cast<size_t>(j)], n);
    auto col = column(b.src, j);
    EXPECT_EQ(std::vector<int64_t>(col.begin(), col.begin() + n), s);
    auto out = column(b.tgt_out, j);
    std::vector<int64_t> want(s.rbegin(), s.rend());
    want.push_back(kEos);
    EXPECT_EQ(std::vector<int64_t>(out.begin(), out.begin() + n + 1), want);
  }
  EXPECT_EQ(rng.state(), twin.state());
}

}  // namespace
}  // namespace attend::data
