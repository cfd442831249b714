// nn recurrent layers: PyTorch parameter names, masks that leave state untouched, the reverse direction
// starting at each sequence's own end, and stacking/bidirectional wiring against direct op calls.
#include "nn/rnn.h"

#include <gtest/gtest.h>

#include "autograd/ops/copy.h"
#include "autograd/ops/shape.h"

namespace attend::nn {
namespace {

Tensor random(const Shape& s, Rng& rng) {
  Tensor t = Tensor::empty(s);
  rng.fill_uniform(t, -1, 1);
  return t;
}

// [T,B,I] -> the first `len` steps of batch column b, as a [len,1,I] tensor.
Tensor column(const Tensor& x, int64_t b, int64_t len) {
  return contiguous(slice(slice(x, 1, b, b + 1), 0, 0, len));
}

TEST(Recurrent, ParameterNamesFollowPyTorch) {
  Rng rng(1);
  LSTM lstm({.input_size = 3, .hidden_size = 4, .num_layers = 2, .bidirectional = true}, rng);
  auto named = lstm.named_parameters();
  ASSERT_EQ(named.size(), 16u);
  EXPECT_EQ(named[0].first, "weight_ih_l0");
  EXPECT_EQ(named[4].first, "weight_ih_l0_reverse");
  EXPECT_EQ(named[8].first, "weight_ih_l1");
  EXPECT_EQ(named[8].second.shape(), (Shape{16, 8}));  // layer 1 reads both directions
  GRU gru({.input_size = 3, .hidden_size = 5}, rng);
  EXPECT_EQ(gru.named_parameters()[1].second.shape(), (Shape{15, 5}));
}

TEST(Recurrent, PaddedStepsLeaveStateUntouched) {
  Rng rng(2);
  for (RnnKind kind : {RnnKind::LSTM, RnnKind::GRU, RnnKind::Elman}) {
    Recurrent net(kind, {.input_size = 3, .hidden_size = 5, .num_layers = 2, .bidirectional = true}, rng);
    const int64_t T = 6;
    Tensor x = random({T, 2, 3}, rng);
    Tensor mask = Tensor::ones({T, 2});
    for (int64_t t = 4; t < T; ++t) mask.data<float>()[t * 2 + 1] = 0.f;  // column 1 has 4 tokens
    RnnOutput both = net.forward(x, mask);
    RnnOutput alone = net.forward(column(x, 1, 4));  // the short sequence on its own, no padding
    auto hb = both.h.to_vector<float>(), ha = alone.h.to_vector<float>();
    // h: [layers*dirs, B, H]; compare column 1 of the batch with the lone run
    for (int64_t s = 0; s < 4; ++s)
      for (int64_t k = 0; k < 5; ++k) EXPECT_NEAR(hb[(s * 2 + 1) * 5 + k], ha[s * 5 + k], 1e-5) << s << "," << k;
    // outputs at valid steps match too, padded steps are zero
    auto ob = both.out.to_vector<float>(), oa = alone.out.to_vector<float>();
    for (int64_t t = 0; t < T; ++t)
      for (int64_t k = 0; k < 10; ++k) {
        const float v = ob[(t * 2 + 1) * 10 + k];
        if (t < 4) EXPECT_NEAR(v, oa[t * 10 + k], 1e-5);
        else EXPECT_EQ(v, 0.f);
      }
  }
}

TEST(Recurrent, SingleLayerMatchesDirectOpCall) {
  Rng rng(3);
  LSTM lstm({.input_size = 4, .hidden_size = 3}, rng);
  Tensor x = random({5, 2, 4}, rng);
  Tensor h0 = random({1, 2, 3}, rng), c0 = random({1, 2, 3}, rng);
  RnnOutput o = lstm.forward(x, Tensor(), h0, c0);
  auto p = lstm.named_parameters();
  RnnLayerResult r = lstm_layer(x, p[0].second, p[1].second, p[2].second, p[3].second, select(h0, 0, 0),
                                select(c0, 0, 0));
  EXPECT_EQ(o.out.to_vector<float>(), r.out.to_vector<float>());
  EXPECT_EQ(o.c.to_vector<float>(), r.c.to_vector<float>());
}

TEST(Recurrent, CellStepsEqualTheLayer) {
  Rng rng(4);
  LSTM layer({.input_size = 2, .hidden_size = 3}, rng);
  LSTMCell cell(2, 3, rng);
  // copy the layer's weights into the cell
  auto lp = layer.named_parameters(), cp = cell.named_parameters();
  for (size_t i = 0; i < 4; ++i) cp[i].second.copy_from_(lp[i].second);
  Tensor x = random({4, 3, 2}, rng);
  RnnOutput o = layer.forward(x);
  Tensor h, c;
  for (int64_t t = 0; t < 4; ++t) {
    LstmState s = cell.forward(contiguous(select(x, 0, t)), h, c);
    h = s.h;
    c = s.c;
  }
  auto a = o.h.to_vector<float>(), b = h.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
}

TEST(Recurrent, GradientsReachEveryParameter) {
  Rng rng(5);
  GRU gru({.input_size = 3, .hidden_size = 4, .num_layers = 2, .bidirectional = true}, rng);
  Tensor x = random({3, 2, 3}, rng);
  RnnOutput o = gru.forward(x);
  o.out.backward(Tensor::ones(o.out.shape()));
  for (auto& [name, p] : gru.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    double s = 0;
    for (float v : p.grad().to_vector<float>()) s += std::abs(v);
    EXPECT_GT(s, 0) << name;
  }
}

TEST(Recurrent, BadShapesAreErrors) {
  Rng rng(6);
  LSTM lstm({.input_size = 3, .hidden_size = 4}, rng);
  EXPECT_THROW(lstm.forward(Tensor::zeros({5, 2, 7})), Error);
  EXPECT_THROW(lstm.forward(Tensor::zeros({5, 2, 3}), Tensor(), Tensor::zeros({2, 2, 4})), Error);
  EXPECT_THROW(LSTM({.input_size = 0, .hidden_size = 4}, rng), Error);
}

}  // namespace
}  // namespace attend::nn
