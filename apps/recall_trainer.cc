// Recall training loop.
#include "recall_trainer.h"

#include <chrono>
#include <deque>
#include <memory>

#include "autograd/ops.h"
#include "data/recall.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "progress.h"

namespace attend::app {

RecallReport train_recall(const RecallTrainOptions& opt) {
  ATTEND_CHECK(opt.kind == "lstm" || opt.kind == "hierarchical", "recall: --model must be lstm or hierarchical, got '{}'",
               opt.kind);
  Rng init(opt.seed), data_rng(opt.seed * 31 + 7);
  std::unique_ptr<models::RecallModel> model;
  if (opt.kind == "lstm") model = std::make_unique<models::RecallLstm>(opt.model, init);
  else model = std::make_unique<models::RecallHierarchical>(opt.model, init);
  nn::AdamOptions adam;
  adam.lr = opt.lr;
  nn::Adam optimizer(model->named_parameters(), adam);
  Progress progress(opt.steps, 0, std::max<int64_t>(1, opt.steps / 10));
  std::deque<double> recent;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 1; step <= opt.steps; ++step) {
    data::RecallBatch b = data::make_recall_batch(opt.batch, opt.length, opt.model.vocab, data_rng);
    Tensor loss = cross_entropy(model->logits(b.tokens, b.prev_tokens), b.answer);
    const double lv = loss.item();
    loss.backward();
    if (opt.clip > 0) nn::clip_grad_norm(optimizer.params(), opt.clip);
    optimizer.step();
    optimizer.zero_grad();
    recent.push_back(lv);
    if (recent.size() > 20) recent.pop_front();
    if (!opt.quiet) progress.update(step, lv, opt.batch * opt.length);
  }
  if (!opt.quiet) progress.finish();
  RecallReport report;
  report.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (double v : recent) report.final_loss += v / static_cast<double>(recent.size());

  NoGradGuard no_grad;
  // Held-out accuracy at one length; every length draws from its own seeded stream.
  auto accuracy = [&](int64_t length) {
    Rng eval_rng(opt.seed + 99991 + (length == opt.length ? 0 : static_cast<uint64_t>(length) * 7919));
    int64_t correct = 0, seen = 0;
    while (seen < opt.eval_sequences) {
      const int64_t n = std::min(opt.batch, opt.eval_sequences - seen);
      data::RecallBatch b = data::make_recall_batch(n, length, opt.model.vocab, eval_rng);
      auto pred = argmax(model->logits(b.tokens, b.prev_tokens), -1).to_vector<int64_t>();
      auto ans = b.answer.to_vector<int64_t>();
      for (size_t i = 0; i < pred.size(); ++i) correct += pred[i] == ans[i];
      seen += n;
    }
    return static_cast<double>(correct) / static_cast<double>(seen);
  };
  report.accuracy = accuracy(opt.length);
  for (int64_t L : opt.eval_lengths) report.accuracy_at.emplace_back(L, accuracy(L));
  return report;
}

}  // namespace attend::app
