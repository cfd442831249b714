// Hard attention: statistical checks of REINFORCE (unbiased gradient, variance reduction by both baselines),
// a hard-attention model learning a toy retrieval task, Gumbel-softmax straight-through (one-hot forward, the
// soft sample's gradient), sampling frequencies, masks and argmax inference.
#include "attention/hard.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "nn/optim.h"

namespace attend::attention {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// [N, 1, K] float64 leaf holding theta in every row.
Tensor repeated_logits(const std::vector<double>& theta, int64_t n) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.insert(v.end(), theta.begin(), theta.end());
  Tensor t = Tensor::from<double>(v, {n, 1, static_cast<int64_t>(theta.size())});
  t.set_requires_grad();
  return t;
}

// [N, K, 1] values whose entry k is k, so the context names the selected key.
Tensor key_index_values(int64_t n, int64_t k) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) v.push_back(static_cast<double>(j));
  return Tensor::from<double>(v, {n, k, 1});
}

struct GradientSamples {
  std::vector<std::vector<double>> g;  // [N][K]: per-sample estimates of grad_theta E[r]
  std::vector<int64_t> picks;
};

// N independent REINFORCE estimates of grad_theta E_{k ~ softmax(theta)}[r(k) + extra_n], from one batched
// forward/backward: row n of the surrogate's gradient is -(1/N) (R_n - b_n) grad log p(k_n).
// baseline_fn(picks, rewards) returns the baseline [N] (or an undefined tensor for none).
template <class BaselineFn>
GradientSamples reinforce_samples(const std::vector<double>& theta, const std::vector<double>& r,
                                  const std::vector<double>& extra, int64_t n, Rng& rng, BaselineFn&& baseline_fn) {
  const int64_t K = static_cast<int64_t>(theta.size());
  Tensor logits = repeated_logits(theta, n);
  AttentionResult res = hard_select(softmax(logits, -1), key_index_values(n, K), Selection::HardReinforce, 1.0,
                                    true, rng);
  GradientSamples out;
  std::vector<double> reward(static_cast<size_t>(n));
  const std::vector<double> ctx = res.context.to_vector<double>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = static_cast<int64_t>(ctx[static_cast<size_t>(i)]);
    out.picks.push_back(k);
    reward[static_cast<size_t>(i)] = r[static_cast<size_t>(k)] + (extra.empty() ? 0.0 : extra[static_cast<size_t>(i)]);
  }
  const Tensor reward_t = Tensor::from<double>(reward, {n});
  const Tensor baseline = baseline_fn(reward_t);
  reinforce_loss(res.log_prob, reward_t, baseline, Tensor(), 0.0).backward();
  const std::vector<double> g = logits.grad().to_vector<double>();
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> row(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) row[static_cast<size_t>(k)] = -static_cast<double>(n) * g[static_cast<size_t>(i * K + k)];
    out.g.push_back(row);
  }
  return out;
}

struct Moments {
  std::vector<double> mean, variance;
  double total_variance = 0;
};
Moments moments(const std::vector<std::vector<double>>& g) {
  const size_t n = g.size(), K = g[0].size();
  Moments m;
  m.mean.assign(K, 0);
  m.variance.assign(K, 0);
  for (const auto& row : g)
    for (size_t k = 0; k < K; ++k) m.mean[k] += row[k] / static_cast<double>(n);
  for (const auto& row : g)
    for (size_t k = 0; k < K; ++k) m.variance[k] += (row[k] - m.mean[k]) * (row[k] - m.mean[k]) / (n - 1.0);
  for (double v : m.variance) m.total_variance += v;
  return m;
}

// grad_theta E[r] = sum_k r_k grad p_k = p * (r - E[r]) for p = softmax(theta).
std::vector<double> exact_gradient(const std::vector<double>& theta, const std::vector<double>& r) {
  double z = 0, er = 0;
  for (double t : theta) z += std::exp(t);
  std::vector<double> p;
  for (double t : theta) p.push_back(std::exp(t) / z);
  for (size_t k = 0; k < r.size(); ++k) er += p[k] * r[k];
  std::vector<double> g;
  for (size_t k = 0; k < r.size(); ++k) g.push_back(p[k] * (r[k] - er));
  return g;
}

const std::vector<double> kTheta{0.3, -0.5, 1.0, 0.0, -1.2};

TEST(HardAttention, ReinforceGradientIsUnbiased) {
  const std::vector<double> r{1.0, -2.0, 0.5, 3.0, 0.0};
  const int64_t N = 20000;
  Rng rng(101);
  GradientSamples s = reinforce_samples(kTheta, r, {}, N, rng, [](const Tensor&) { return Tensor(); });
  const Moments m = moments(s.g);
  const std::vector<double> exact = exact_gradient(kTheta, r);
  for (size_t k = 0; k < exact.size(); ++k) {
    const double se = std::sqrt(m.variance[k] / N);
    EXPECT_LT(std::abs(m.mean[k] - exact[k]), 4 * se) << "component " << k << ": mean " << m.mean[k] << " exact "
                                                      << exact[k] << " standard error " << se;
    EXPECT_GT(std::abs(exact[k]), 10 * se);  // the check has power: the gradient is far from 0 in SE units
  }
}

TEST(HardAttention, MovingAverageBaselineReducesVarianceAndStaysUnbiased) {
  // A large common offset in the reward: without a baseline every sample pushes its key up hard.
  const std::vector<double> r{10.0, 11.0, 9.0, 12.0, 10.5};
  const int64_t N = 20000;
  Rng rng(102);
  ReinforceBaseline baseline(ReinforceBaselineOptions{BaselineKind::MovingAverage, 0.8});
  for (int round = 0; round < 30; ++round)  // warm the average up on separate batches
    reinforce_samples(kTheta, r, {}, 200, rng, [&](const Tensor& reward) {
      baseline.observe(reward);
      return Tensor();
    });
  const Moments plain =
      moments(reinforce_samples(kTheta, r, {}, N, rng, [](const Tensor&) { return Tensor(); }).g);
  const Moments with_baseline = moments(
      reinforce_samples(kTheta, r, {}, N, rng, [&](const Tensor&) { return baseline.predict(N, DType::F64); }).g);
  const double ratio = with_baseline.total_variance / plain.total_variance;
  EXPECT_LT(ratio, 0.5) << "variance with baseline " << with_baseline.total_variance << " without "
                        << plain.total_variance;
  double expected_reward = 0, z = 0;  // E[r] under softmax(kTheta), about 10.0
  for (double t : kTheta) z += std::exp(t);
  for (size_t k = 0; k < r.size(); ++k) expected_reward += std::exp(kTheta[k]) / z * r[k];
  EXPECT_NEAR(baseline.average(), expected_reward, 0.2);
  const std::vector<double> exact = exact_gradient(kTheta, r);
  for (size_t k = 0; k < exact.size(); ++k)
    EXPECT_LT(std::abs(with_baseline.mean[k] - exact[k]), 4 * std::sqrt(with_baseline.variance[k] / N)) << k;
  RecordProperty("variance_ratio", std::to_string(ratio));
}

TEST(HardAttention, LearnedBaselineFitsRewardAndBeatsMovingAverage) {
  // The reward depends on a per-example feature x in {-1, +1}: r = r_k + 4 x. A moving average cannot
  // follow x; the learned baseline b = w x + c, fitted by reinforce_loss's MSE term, can (w -> 4).
  const std::vector<double> r{1.0, 0.0, 2.0, -1.0, 0.5};
  const int64_t N = 256;
  Rng rng(103);
  ReinforceBaselineOptions opt;
  opt.kind = BaselineKind::Learned;
  opt.feature_dim = 1;
  opt.dtype = DType::F64;
  ReinforceBaseline learned(opt);
  nn::AdamOptions adam_opt;
  adam_opt.lr = 0.05;
  nn::Adam adam(learned.named_parameters(), adam_opt);
  ReinforceBaseline average(ReinforceBaselineOptions{BaselineKind::MovingAverage, 0.9});
  auto features_of = [](const std::vector<double>& x) {
    return Tensor::from<double>(x, {static_cast<int64_t>(x.size()), 1});
  };
  auto random_signs = [&](int64_t n) {
    std::vector<double> x;
    for (int64_t i = 0; i < n; ++i) x.push_back(rng.uniform() < 0.5 ? -1.0 : 1.0);
    return x;
  };
  auto times4 = [](std::vector<double> x) {
    for (double& v : x) v *= 4;
    return x;
  };
  for (int step = 0; step < 300; ++step) {
    const std::vector<double> x = random_signs(N);
    adam.zero_grad();
    reinforce_samples(kTheta, r, times4(x), N, rng, [&](const Tensor& reward) {
      average.observe(reward);
      return learned.predict(N, DType::F64, features_of(x));
    });
    adam.step();
  }
  double expected_reward = 0;  // E[r_k] under softmax(kTheta)
  double z = 0;
  for (double t : kTheta) z += std::exp(t);
  for (size_t k = 0; k < r.size(); ++k) expected_reward += std::exp(kTheta[k]) / z * r[k];
  const auto params = learned.named_parameters();
  EXPECT_NEAR(params[0].second.item(), 4.0, 0.25);              // weight
  EXPECT_NEAR(params[1].second.item(), expected_reward, 0.25);  // bias

  const int64_t M = 20000;
  const std::vector<double> x = random_signs(M);
  Rng r1(104), r2(104);  // the same samples for both baselines
  const Moments with_average = moments(
      reinforce_samples(kTheta, r, times4(x), M, r1, [&](const Tensor&) { return average.predict(M, DType::F64); }).g);
  const Moments with_learned = moments(reinforce_samples(kTheta, r, times4(x), M, r2, [&](const Tensor&) {
                                         return learned.predict(M, DType::F64, features_of(x)).detach();
                                       }).g);
  EXPECT_LT(with_learned.total_variance, 0.5 * with_average.total_variance)
      << with_learned.total_variance << " vs " << with_average.total_variance;
}

TEST(HardAttention, ReinforceLossFormula) {
  // loss = -mean((R - b) * sum log_prob) - lambda mean(entropy) + mean((b - R)^2) for a learned b.
  Tensor lp = Tensor::from<double>({-0.5, -1.0, -2.0, -0.25}, {2, 2}).set_requires_grad();
  Tensor reward = Tensor::from<double>({1.0, 0.0}, {2});
  Tensor b = Tensor::from<double>({0.25, 0.5}, {2}).set_requires_grad();
  Tensor ent = Tensor::from<double>({0.5, 0.7, 0.1, 0.3}, {2, 2}).set_requires_grad();
  Tensor loss = reinforce_loss(lp, reward, b, ent, 0.1);
  const double expect = -((0.75 * -1.5) + (-0.5 * -2.25)) / 2 - 0.1 * (1.6 / 4) + (0.75 * 0.75 + 0.25) / 2;
  EXPECT_NEAR(loss.item(), expect, 1e-12);
  loss.backward();
  EXPECT_NEAR(lp.grad().at({0, 1}), -0.75 / 2, 1e-12);  // advantage is a constant
  EXPECT_NEAR(lp.grad().at({1, 0}), 0.5 / 2, 1e-12);
  EXPECT_NEAR(b.grad().at({0}), (0.25 - 1.0), 1e-12);  // only the MSE term: 2 (b - R) / B
  EXPECT_NEAR(ent.grad().at({1, 1}), -0.1 / 4, 1e-12);
  EXPECT_THROW(reinforce_loss(lp, Tensor::zeros({3}, DType::F64), Tensor(), Tensor(), 0), Error);
  EXPECT_THROW(reinforce_loss(lp, reward, Tensor(), Tensor(), 0.5), Error);  // entropy needed
}

// Toy retrieval: 8 random keys of size 32; the query is the first half of one of them; the model scores
// s_k = q W k and must learn to pick the tagged key with REINFORCE (reward 1 when the retrieved value, the
// key itself, is the tagged one).
TEST(HardAttention, ReinforceLearnsToyRetrieval) {
  const int64_t Tk = 8, D = 32, Dq = 16, B = 64;
  Rng rng(105);
  Tensor W = Tensor::empty({Dq, D});
  rng.fill_uniform(W, -0.05, 0.05);
  W.set_requires_grad();
  nn::AdamOptions adam_opt;
  adam_opt.lr = 0.03;
  nn::Adam adam({{"W", W}}, adam_opt);
  ReinforceBaseline baseline(ReinforceBaselineOptions{BaselineKind::MovingAverage, 0.9});

  struct Batch {
    Tensor keys, query;
    std::vector<int64_t> target;
  };
  auto make_batch = [&](int64_t n) {
    Batch b;
    b.keys = Tensor::empty({n, Tk, D});
    rng.fill_normal(b.keys, 0, 1);
    b.query = Tensor::empty({n, 1, Dq});
    const float* kp = b.keys.data<float>();
    float* qp = b.query.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t t = static_cast<int64_t>(rng.below(Tk));
      b.target.push_back(t);
      for (int64_t d = 0; d < Dq; ++d) qp[i * Dq + d] = kp[(i * Tk + t) * D + d];
    }
    return b;
  };
  auto rewards = [&](const Batch& b, const Tensor& context) {  // 1 where the context is the tagged key
    const std::vector<float> c = context.to_vector<float>();
    const float* kp = b.keys.data<float>();
    std::vector<float> r;
    for (size_t i = 0; i < b.target.size(); ++i) {
      bool same = true;
      for (int64_t d = 0; d < D; ++d)
        same = same && c[i * D + static_cast<size_t>(d)] == kp[(static_cast<int64_t>(i) * Tk + b.target[i]) * D + d];
      r.push_back(same ? 1.f : 0.f);
    }
    return Tensor::from<float>(r, {static_cast<int64_t>(r.size())});
  };
  auto weights_of = [&](const Batch& b) {
    return softmax(matmul(matmul(b.query, W), b.keys, false, true), -1);  // [n, 1, Tk]
  };
  auto accuracy = [&](const Tensor& r) {
    double s = 0;
    for (float v : r.to_vector<float>()) s += v;
    return s / static_cast<double>(r.numel());
  };

  const auto start = std::chrono::steady_clock::now();
  double first_accuracy = -1;
  for (int step = 0; step < 400; ++step) {
    Batch b = make_batch(B);
    AttentionResult res = hard_select(weights_of(b), b.keys, Selection::HardReinforce, 1.0, true, rng);
    Tensor reward = rewards(b, res.context);
    if (first_accuracy < 0) first_accuracy = accuracy(reward);
    adam.zero_grad();
    reinforce_loss(res.log_prob, reward, baseline.predict(B, DType::F32), res.entropy, 0.01).backward();
    adam.step();
    baseline.observe(reward);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  NoGradGuard no_grad;
  Batch test = make_batch(1000);
  AttentionResult res = hard_select(weights_of(test), test.keys, Selection::HardReinforce, 1.0, false, rng);
  const double test_accuracy = accuracy(rewards(test, res.context));
  EXPECT_LT(first_accuracy, 0.4);  // it starts near chance (1/8)
  EXPECT_GT(test_accuracy, 0.9) << "argmax accuracy after training";
  // ~0.3 s on an idle machine; not asserted, since wall-clock bounds fail spuriously on a loaded one.
  RecordProperty("test_accuracy", std::to_string(test_accuracy));
  RecordProperty("train_seconds", std::to_string(seconds));
}

TEST(HardAttention, GumbelStraightThroughForwardIsOneHotAndGradientIsTheSoftSample) {
  const int64_t B = 3, Tq = 2, Tk = 5, Dv = 4;
  Rng init(106);
  Tensor theta = testing::random_input({B, Tq, Tk}, init, -1, 1);
  Tensor values = testing::random_input({B, Tk, Dv}, init, -1, 1);
  Tensor upstream = Tensor::empty({B, Tq, Dv}, DType::F64);
  init.fill_uniform(upstream, -1, 1);
  const double tau = 0.7;

  Rng rng(107);
  AttentionResult hard = hard_select(softmax(theta, -1), values, Selection::HardGumbel, tau, true, rng);
  // Forward: the context is exactly one value row, selected by argmax(log w + g).
  Rng replay(107);
  const Tensor noise = gumbel_noise(theta.shape(), DType::F64, replay);
  const std::vector<double> w = softmax(theta.detach(), -1).to_vector<double>(), g = noise.to_vector<double>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t q = 0; q < Tq; ++q) {
      int64_t best = 0;
      for (int64_t k = 1; k < Tk; ++k) {
        const size_t i = static_cast<size_t>((b * Tq + q) * Tk);
        if (std::log(w[i + k]) + g[i + k] > std::log(w[i + best]) + g[i + best]) best = k;
      }
      for (int64_t d = 0; d < Dv; ++d) ASSERT_EQ(hard.context.at({b, q, d}), values.at({b, best, d}));
    }
  hard.context.backward(upstream);
  const std::vector<double> hard_grad = theta.grad().to_vector<double>();

  // The composed soft path with the same noise: y = softmax((log w + g) / tau), context = y @ values.
  theta.zero_grad();
  matmul(gumbel_softmax(softmax(theta, -1), noise, tau), values).backward(upstream);
  const std::vector<double> soft_grad = theta.grad().to_vector<double>();
  double norm = 0;
  for (size_t i = 0; i < hard_grad.size(); ++i) {
    ASSERT_NEAR(hard_grad[i], soft_grad[i], 1e-12) << i;
    norm += std::abs(soft_grad[i]);
  }
  EXPECT_GT(norm, 1e-3);  // a real gradient, not zeros on both sides

  // gumbel_softmax itself is (log w + g) / tau through softmax: check one row by hand.
  const Tensor y = gumbel_softmax(softmax(theta.detach(), -1), noise, tau);
  double z = 0;
  for (int64_t k = 0; k < Tk; ++k) z += std::exp((std::log(w[static_cast<size_t>(k)]) + g[static_cast<size_t>(k)]) / tau);
  EXPECT_NEAR(y.at({0, 0, 2}), std::exp((std::log(w[2]) + g[2]) / tau) / z, 1e-12);
}

TEST(HardAttention, InferenceIsArgmaxForBothKinds) {
  Tensor w = Tensor::from<float>({0.1f, 0.6f, 0.3f, 0.4f, 0.2f, 0.4f}, {2, 1, 3});  // row 1: tie -> first
  Tensor values = Tensor::from<float>({1, 2, 3, 4, 5, 6}, {2, 3, 1});
  for (Selection sel : {Selection::HardReinforce, Selection::HardGumbel})
    for (uint64_t seed : {1u, 2u, 3u}) {
      Rng rng(seed);
      AttentionResult r = hard_select(w, values, sel, 1.0, false, rng);
      EXPECT_EQ(r.context.to_vector<float>(), (std::vector<float>{2, 4}));
      EXPECT_NEAR(r.log_prob.at({0, 0}), std::log(0.6), 1e-6);
      EXPECT_NEAR(r.entropy.at({1, 0}), -(0.8 * std::log(0.4) + 0.2 * std::log(0.2)), 1e-6);
    }
}

TEST(HardAttention, SamplesFollowTheWeightsAndNeverPickMaskedKeys) {
  // weights from masked logits: key 1 masked; frequencies within 4.5 standard errors of w.
  const std::vector<double> w{0.1, 0.0, 0.45, 0.25, 0.2};
  const int64_t N = 20000, K = 5;
  std::vector<double> rows;
  for (int64_t i = 0; i < N; ++i) rows.insert(rows.end(), w.begin(), w.end());
  const Tensor weights = Tensor::from<double>(rows, {N, 1, K});
  for (Selection sel : {Selection::HardReinforce, Selection::HardGumbel}) {
    Rng rng(108);
    AttentionResult r = hard_select(weights, key_index_values(N, K), sel, 0.5, true, rng);
    std::vector<double> count(K, 0);
    for (double k : r.context.to_vector<double>()) count[static_cast<size_t>(k)] += 1;
    EXPECT_EQ(count[1], 0) << "a masked key was drawn";
    for (int64_t k = 0; k < K; ++k) {
      const double p = w[static_cast<size_t>(k)];
      const double se = std::sqrt(p * (1 - p) / N);
      EXPECT_NEAR(count[static_cast<size_t>(k)] / N, p, 4.5 * se + 1e-12) << "selection " << static_cast<int>(sel);
    }
  }
}

TEST(HardAttention, MaskedQueriesSelectNothingAndGiveNoNaN) {
  // logits with -inf for masked keys; query 1 of batch 0 is fully masked.
  Tensor theta = Tensor::from<double>({0.5, -kInf, 1.0, -kInf, -kInf, -kInf, 0.2, 0.3, 0.4}, {1, 3, 3})
                     .set_requires_grad();
  Tensor values = Tensor::from<double>({1, 2, 3, 4, 5, 6}, {1, 3, 2}).set_requires_grad();
  for (Selection sel : {Selection::HardReinforce, Selection::HardGumbel})
    for (bool training : {true, false}) {
      theta.zero_grad();
      values.zero_grad();
      Rng rng(109);
      AttentionResult r = hard_select(softmax(theta, -1), values, sel, 1.0, training, rng);
      EXPECT_EQ(r.context.at({0, 1, 0}), 0.0);
      EXPECT_EQ(r.context.at({0, 1, 1}), 0.0);
      EXPECT_EQ(r.log_prob.at({0, 1}), 0.0);
      EXPECT_EQ(r.entropy.at({0, 1}), 0.0);
      EXPECT_NE(r.context.at({0, 0, 0}), 3.0);  // key 1 masked in query 0
      (sum(r.context) + sum(r.log_prob) + sum(r.entropy)).backward();
      for (double v : theta.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(v));
      EXPECT_EQ(theta.grad().at({0, 0, 1}), 0.0);
      EXPECT_EQ(theta.grad().at({0, 1, 0}), 0.0);
      EXPECT_NEAR(values.grad().at({0, 0, 0}) + values.grad().at({0, 1, 0}) + values.grad().at({0, 2, 0}), 2.0,
                  1e-12);  // two queries selected a value row
    }
}

TEST(HardAttention, LogProbAndEntropyGradientsMatchFiniteDifferences) {
  Rng init(110);
  Tensor theta = testing::random_input({2, 3, 4}, init, -1, 1);
  Tensor values = testing::random_input({2, 4, 3}, init, -1, 1);
  Tensor offset = Tensor::zeros({2, 3, 4}, DType::F64);
  offset.data<double>()[5] = -kInf;  // one masked key
  for (Selection sel : {Selection::HardReinforce, Selection::HardGumbel}) {
    // log_prob and entropy w.r.t. the logits (the pick stays put under tiny perturbations).
    auto scores = [&, sel](const std::vector<Tensor>& v) {
      Rng rng(111);  // the same draws for every evaluation
      AttentionResult r = hard_select(softmax(v[0] + offset, -1), values.detach(), sel, 0.8, true, rng);
      return concat({r.log_prob, r.entropy}, 1);
    };
    testing::expect_gradients_match(scores, {theta}, {.eps = 1e-6, .atol = 1e-6, .rtol = 1e-5});
    // The context w.r.t. the values (its value is piecewise constant in the logits, so the Gumbel
    // straight-through gradient there is by design not the finite difference).
    auto context = [&, sel](const std::vector<Tensor>& v) {
      Rng rng(111);
      return hard_select(softmax(theta.detach() + offset, -1), v[0], sel, 0.8, true, rng).context;
    };
    testing::expect_gradients_match(context, {values});
  }
}

TEST(HardAttention, BadInputsAreErrors) {
  Rng rng(1);
  Tensor w = Tensor::ones({1, 2, 3}) / 3.0;
  EXPECT_THROW(hard_select(w, Tensor::zeros({1, 3, 4}), Selection::Soft, 1, true, rng), Error);
  EXPECT_THROW(hard_select(w, Tensor::zeros({1, 4, 4}), Selection::HardReinforce, 1, true, rng), Error);
  EXPECT_THROW(hard_select(w, Tensor::zeros({1, 3, 4}), Selection::HardGumbel, 0, true, rng), Error);
  EXPECT_THROW(hard_select(w, Tensor::zeros({1, 3, 4}, DType::F64), Selection::HardGumbel, 1, true, rng), Error);
  EXPECT_THROW(ReinforceBaseline(ReinforceBaselineOptions{BaselineKind::MovingAverage, 1.0}), Error);
  EXPECT_THROW(ReinforceBaseline(ReinforceBaselineOptions{BaselineKind::Learned, 0.9, 0}), Error);
}

}  // namespace
}  // namespace attend::attention
