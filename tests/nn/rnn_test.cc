// Recurrent modules: PyTorch parameter names, shapes and init range; multi-layer bidirectional LSTM / GRU /
// RNN and the cells against torch 1.13 values (rnn_torch_fixtures.py), with padded sequences against
// torch's packed sequences; gradients of a whole stacked bidirectional module; errors.
#include "nn/rnn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "autograd/gradcheck.h"
#include "autograd/pack.h"

namespace attend::nn {
namespace {

using testing::expect_gradients_match;
using testing::pack;

std::vector<double> fill(int64_t n, double seed) {
  std::vector<double> v(n);
  for (int64_t k = 0; k < n; ++k) v[k] = 0.5 * std::sin(1.3 * double(k) + seed);
  return v;
}

// Sets the k-th parameter (registration order) to fill(numel, k + 1), as the fixture script does.
void fill_parameters(const Module& m) {
  int k = 0;
  for (auto& [name, p] : m.named_parameters()) {
    const std::vector<double> v = fill(p.numel(), ++k);
    for (int64_t i = 0; i < p.numel(); ++i) p.data<double>()[i] = v[i];
  }
}

void expect_values(const Tensor& t, const std::vector<double>& want, const char* what) {
  const std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << what << " element " << i;
}

// clang-format off
const std::vector<double> k_lstm_out = {-0.135448005199679, 0.0503148681822059, 0.127822096783128, -0.0169672684576551, 0.0334051085737276, -0.331458486026004, 0.136007410452302, 0.0140241182119566, -0.199156405011418, -0.143850700086935, 0.112595759738077, -0.014615084561124, -0.110516754788809, -0.311775562712029, 0.138376162639622, 0.0210167783026716, -0.27385513580944, -0.22385002238662, 0.0672798818248916, -0.00527536033589537, -0.193476850330462, -0.300054250342555, 0.132160405257113, 0.0459613882513624};
const std::vector<double> k_lstm_h = {0.12167150447836, -0.136357096854826, 0.0401005816065347, -0.162098998321559, 0.120783873144349, 0.218462201952546, -0.169261876471943, 0.161301589773844, -0.27385513580944, -0.22385002238662, -0.193476850330462, -0.300054250342555, 0.127822096783128, -0.0169672684576551, 0.136007410452302, 0.0140241182119566};
const std::vector<double> k_lstm_c = {0.446249897791165, -0.244007724736918, 0.168525413723, -0.3379846044899, 0.236846460609719, 0.602429756255501, -0.300920964313721, 0.683321244447805, -0.499114738631523, -0.324915282025461, -0.366023112098558, -0.44836911628448, 0.51489586412206, -0.0421645726065395, 0.608875874437176, 0.0372492686885928};
const std::vector<double> k_lstm_packed_out = {-0.135448005199679, 0.0503148681822059, 0.127822096783128, -0.0169672684576551, 0.0330248782073072, -0.334120748220326, 0.139347443305266, 0.0287236403574008, -0.199156405011418, -0.143850700086935, 0.112595759738077, -0.014615084561124, -0.117273143928359, -0.326171510937537, 0.129382918652954, 0.0497537952715191, -0.27385513580944, -0.22385002238662, 0.0672798818248916, -0.00527536033589537, 0, 0, 0, 0};
const std::vector<double> k_lstm_packed_h = {0.12167150447836, -0.136357096854826, 0.0662867733301165, -0.188815506137453, 0.120783873144349, 0.218462201952546, -0.166433154164955, 0.143681655325147, -0.27385513580944, -0.22385002238662, -0.117273143928359, -0.326171510937537, 0.127822096783128, -0.0169672684576551, 0.139347443305266, 0.0287236403574008};
const std::vector<double> k_lstm_packed_c = {0.446249897791165, -0.244007724736918, 0.182996933112943, -0.477666319950652, 0.236846460609719, 0.602429756255501, -0.292877384310099, 0.58697217564179, -0.499114738631523, -0.324915282025461, -0.20464452543738, -0.48129636741204, 0.51489586412206, -0.0421645726065395, 0.624983240127522, 0.0759394996391844};
const std::vector<double> k_gru_out = {-0.414326614105787, -0.0737594231246336, 0.521391703992813, 0.0246529901163391, 0.193164192291221, -0.0813147251739988, 0.687598380556326, 0.179590001276662, -0.424577036463857, -0.213695046917378, 0.486038775785601, -0.0517822457716076, 0.0229924377001186, -0.135017103552826, 0.577517529352014, 0.212830669614864, -0.479697628837185, -0.23844815558764, 0.406405367652479, -0.195780835432414, -0.059509131972698, -0.245711975637073, 0.425086431118558, 0.301420583707089};
const std::vector<double> k_gru_h = {0.522812805974256, 0.0171387482078265, 0.187632387218993, -0.234987641949456, 0.0866592591901229, 0.631015003160009, -0.354227055716644, 0.700812014527141, -0.479697628837185, -0.23844815558764, -0.059509131972698, -0.245711975637073, 0.521391703992813, 0.0246529901163391, 0.687598380556326, 0.179590001276662};
const std::vector<double> k_gru_packed_out = {-0.414326614105787, -0.0737594231246336, 0.521391703992813, 0.0246529901163391, 0.196903152646847, -0.102862385477368, 0.654745035945593, 0.265888332186373, -0.424577036463857, -0.213695046917378, 0.486038775785601, -0.0517822457716076, 0.0251130254142398, -0.187043507773635, 0.499589246544034, 0.33314630642262, -0.479697628837185, -0.23844815558764, 0.406405367652479, -0.195780835432414, 0, 0, 0, 0};
const std::vector<double> k_gru_packed_h = {0.522812805974256, 0.0171387482078265, 0.311498540658749, -0.440004793598365, 0.0866592591901229, 0.631015003160009, -0.30913741584013, 0.616664058998114, -0.479697628837185, -0.23844815558764, 0.0251130254142398, -0.187043507773635, 0.521391703992813, 0.0246529901163391, 0.654745035945593, 0.265888332186373};
const std::vector<double> k_rnn_out = {-0.512914202449754, -0.189934324765043, -0.67944293508506, -0.287891841334532, -0.85591390341132, -0.544637544250967, -0.393527830459584, -0.181280972865346, -0.248169689935852, -0.399996198395829, -0.700194642611077, -0.555709029210731, -0.522109904200067, -0.645422994516529, -0.388877050634654, 0.115116135330184, -0.588985569529207, -0.668933130644391, -0.554812604474312, -0.11707507644766, -0.0267036947788655, -0.536463986396257, -0.311428315628708, -0.833373074828735};
const std::vector<double> k_rnn_h = {-0.477468548652878, -0.514511029751117, -0.124237447093243, -0.760652029384828, 0.719019065005141, 0.425464644684705, 0.82846897982748, 0.511384483972228, -0.588985569529207, -0.668933130644391, -0.0267036947788655, -0.536463986396257, -0.67944293508506, -0.287891841334532, -0.393527830459584, -0.181280972865346};
const std::vector<double> k_rnn_packed_out = {-0.512914202449754, -0.189934324765043, -0.67944293508506, -0.287891841334532, -0.863678272272524, -0.533192165059275, -0.311062689298163, -0.0150688187091458, -0.248169689935852, -0.399996198395829, -0.700194642611077, -0.555709029210731, -0.438766220801032, -0.642573846217617, 0.00606892600792318, -0.623968256065661, -0.588985569529207, -0.668933130644391, -0.554812604474312, -0.11707507644766, 0, 0, 0, 0};
const std::vector<double> k_rnn_packed_h = {-0.477468548652878, -0.514511029751117, -0.4751288940813, -0.335825833797717, 0.719019065005141, 0.425464644684705, 0.863734155530044, 0.418091897386723, -0.588985569529207, -0.668933130644391, -0.438766220801032, -0.642573846217617, -0.67944293508506, -0.287891841334532, -0.311062689298163, -0.0150688187091458};
const std::vector<double> k_lstm_cell_h = {0.0251658323482493, 0.082287827072029, 0.138374629028337, -0.203793232160107};
const std::vector<double> k_lstm_cell_c = {0.0730174818821741, 0.208503776784246, 0.461507050880221, -0.367666370742904};
const std::vector<double> k_gru_cell_h = {-0.0743418245817887, 0.013795439258411, 0.602234508069703, -0.0401187814780368};
const std::vector<double> k_rnn_cell_h = {-0.198151744648502, -0.69551194461962, -0.440363610289512, -0.617577224127504};
// clang-format on

TEST(RnnModules, ParameterNamesAndShapesMatchTorch) {
  Rng rng(1);
  LSTM lstm({.input_size = 5, .hidden_size = 3, .num_layers = 2, .bidirectional = true}, rng);
  std::vector<std::string> names;
  for (auto& [n, p] : lstm.named_parameters()) names.push_back(n);
  const std::vector<std::string> want = {
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  EXPECT_EQ(names, want);
  auto params = lstm.named_parameters();
  EXPECT_EQ(params[0].second.shape(), Shape({12, 5}));
  EXPECT_EQ(params[1].second.shape(), Shape({12, 3}));
  EXPECT_EQ(params[8].second.shape(), Shape({12, 6}));  // layer 1 reads both directions
  EXPECT_EQ(params[10].second.shape(), Shape({12}));

  GRU gru({.input_size = 5, .hidden_size = 3, .bias = false}, rng);
  names.clear();
  for (auto& [n, p] : gru.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"}));
  EXPECT_EQ(gru.named_parameters()[0].second.shape(), Shape({9, 5}));

  RNNCell cell({.input_size = 4, .hidden_size = 2}, rng);
  names.clear();
  for (auto& [n, p] : cell.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
}

TEST(RnnModules, InitIsUniformWithinOneOverSqrtHidden) {
  Rng rng(2);
  LSTM lstm({.input_size = 40, .hidden_size = 25}, rng);
  double lo = 1, hi = -1;
  for (const Tensor& p : lstm.parameters())
    for (float v : p.to_vector<float>()) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
  EXPECT_GE(lo, -0.2);
  EXPECT_LE(hi, 0.2);
  EXPECT_LT(lo, -0.19);  // the whole range is used
  EXPECT_GT(hi, 0.19);
}

struct Expected {
  const std::vector<double>*out, *h, *c;
};

void check_module_against_torch(int kind, bool packed) {
  const int64_t T = 3, B = 2, I = 3, H = 2, L = 2;
  Rng rng(3);
  const RnnOptions o{.input_size = I, .hidden_size = H, .num_layers = L, .bidirectional = true, .dtype = DType::F64};
  const Tensor x = Tensor::from<double>(fill(T * B * I, 7), {T, B, I});
  const Tensor h0 = Tensor::from<double>(fill(L * 2 * B * H, 20), {L * 2, B, H});
  const Tensor c0 = Tensor::from<double>(fill(L * 2 * B * H, 21), {L * 2, B, H});
  // Sequence 1 has length 2: its step 2 is padding.
  const Tensor mask = packed ? Tensor::from<double>({1, 1, 1, 1, 1, 0}, {T, B}) : Tensor();
  RnnOutput r;
  Expected e;
  if (kind == 0) {
    LSTM m(o, rng);
    fill_parameters(m);
    r = m.forward(x, mask, h0, c0);
    e = packed ? Expected{&k_lstm_packed_out, &k_lstm_packed_h, &k_lstm_packed_c}
               : Expected{&k_lstm_out, &k_lstm_h, &k_lstm_c};
  } else if (kind == 1) {
    GRU m(o, rng);
    fill_parameters(m);
    r = m.forward(x, mask, h0);
    e = packed ? Expected{&k_gru_packed_out, &k_gru_packed_h, nullptr} : Expected{&k_gru_out, &k_gru_h, nullptr};
  } else {
    RNN m(o, rng);
    fill_parameters(m);
    r = m.forward(x, mask, h0);
    e = packed ? Expected{&k_rnn_packed_out, &k_rnn_packed_h, nullptr} : Expected{&k_rnn_out, &k_rnn_h, nullptr};
  }
  EXPECT_EQ(r.out.shape(), Shape({T, B, 2 * H}));
  EXPECT_EQ(r.h.shape(), Shape({L * 2, B, H}));
  expect_values(r.out, *e.out, "out");
  expect_values(r.h, *e.h, "h");
  if (e.c) expect_values(r.c, *e.c, "c");
}

TEST(RnnModules, TwoLayerBidirectionalMatchesTorch) {
  for (int kind : {0, 1, 2}) {
    SCOPED_TRACE(kind);
    check_module_against_torch(kind, false);
  }
}

TEST(RnnModules, PaddedBatchMatchesTorchPackedSequences) {
  for (int kind : {0, 1, 2}) {
    SCOPED_TRACE(kind);
    check_module_against_torch(kind, true);
  }
}

TEST(RnnModules, CellsMatchTorch) {
  const int64_t B = 2, I = 3, H = 2;
  Rng rng(4);
  const RnnCellOptions o{.input_size = I, .hidden_size = H, .dtype = DType::F64};
  const Tensor x = Tensor::from<double>(fill(B * I, 7), {B, I});
  const Tensor h = Tensor::from<double>(fill(B * H, 5), {B, H});
  const Tensor c = Tensor::from<double>(fill(B * H, 6), {B, H});
  LSTMCell lstm(o, rng);
  fill_parameters(lstm);
  LstmState s = lstm.forward(x, h, c);
  expect_values(s.h, k_lstm_cell_h, "lstm h");
  expect_values(s.c, k_lstm_cell_c, "lstm c");
  GRUCell gru(o, rng);
  fill_parameters(gru);
  expect_values(gru.forward(x, h), k_gru_cell_h, "gru h");
  RNNCell rnn(o, rng);
  fill_parameters(rnn);
  expect_values(rnn.forward(x, h), k_rnn_cell_h, "rnn h");
}

// The whole stacked bidirectional module, padded batch: gradients w.r.t. x, h0, c0 and every parameter
// (through the state slicing, the direction join and the state stacking).
TEST(RnnModules, StackedBidirectionalGradientsMatchFiniteDifferences) {
  const int64_t T = 3, B = 3, I = 2, H = 2, L = 2;
  Rng rng(5);
  const Tensor mask = Tensor::from<double>({1, 1, 1, 1, 0, 1, 1, 0, 0}, {T, B});
  for (int kind : {0, 1, 2}) {
    SCOPED_TRACE(kind);
    const RnnOptions o{.input_size = I, .hidden_size = H, .num_layers = L, .bidirectional = true, .dtype = DType::F64};
    LSTM lstm(o, rng);
    GRU gru(o, rng);
    RNN rnn(o, rng);
    const Module& m = kind == 0   ? static_cast<const Module&>(lstm)
                      : kind == 1 ? static_cast<const Module&>(gru)
                                  : static_cast<const Module&>(rnn);
    std::vector<Tensor> in = {testing::random_input({T, B, I}, rng), testing::random_input({L * 2, B, H}, rng),
                              testing::random_input({L * 2, B, H}, rng)};
    for (const Tensor& p : m.parameters()) in.push_back(p);
    expect_gradients_match(
        [&](const std::vector<Tensor>& v) {
          if (kind == 0) {
            RnnOutput r = lstm.forward(v[0], mask, v[1], v[2]);
            return pack({r.out, r.h, r.c});
          }
          RnnOutput r = kind == 1 ? gru.forward(v[0], mask, v[1]) : rnn.forward(v[0], mask, v[1]);
          return pack({r.out, r.h});
        },
        in);
  }
}

TEST(RnnModules, ForwardWithoutInitialStateStartsFromZeros) {
  Rng rng(6);
  LSTM lstm({.input_size = 4, .hidden_size = 3, .num_layers = 2, .bidirectional = true}, rng);
  Tensor x = Tensor::empty({5, 2, 4});
  rng.fill_uniform(x, -1, 1);
  RnnOutput a = lstm.forward(x);
  RnnOutput b = lstm.forward(x, {}, Tensor::zeros({4, 2, 3}), Tensor::zeros({4, 2, 3}));
  EXPECT_EQ(a.out.to_vector<float>(), b.out.to_vector<float>());
  EXPECT_EQ(a.h.to_vector<float>(), b.h.to_vector<float>());
  EXPECT_EQ(a.c.to_vector<float>(), b.c.to_vector<float>());
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(RnnModules, ErrorsNameShapes) {
  Rng rng(7);
  GRU gru({.input_size = 4, .hidden_size = 3, .num_layers = 2}, rng);
  EXPECT_NE(error_of([&] {
              gru.forward(Tensor::zeros({5, 2, 6}));
            }).find("GRU: x must be [T,B,4] (time-major, input_size 4), got [5,2,6]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              gru.forward(Tensor::zeros({5, 2, 4}), {}, Tensor::zeros({1, 2, 3}));
            }).find("GRU: h0 must be [2,2,3] ([layers*dirs,B,H]), got [1,2,3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              LSTM bad({.input_size = 4, .hidden_size = 0}, rng);
            }).find("LSTM: input_size, hidden_size and num_layers must be positive"),
            std::string::npos);
}

}  // namespace
}  // namespace attend::nn
