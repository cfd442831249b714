// `attend bench seq2seq`: trains the Bahdanau encoder-decoder at fixed sizes (vocabulary 8000 both sides,
// embeddings 256, bidirectional GRU encoder 2x256, GRU decoder 256, batch 64, source and target length 30)
// on random tokens, and beam-decodes (beam 5) the same batch. One training step = forward, backward,
// clipping, Adam. Prints train_tokens_per_s ((source + target tokens) / median step time) and
// decode_sentences_per_s. The PyTorch peer with the same model and protocol is bench/peers/seq2seq_peer.py.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "autograd/tape.h"
#include "bench_timer.h"
#include "command.h"
#include "data/batch.h"
#include "kernels/gemm_bf16.h"
#include "models/encoder_decoder.h"
#include "models/search.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "tensor/threads.h"

namespace attend::app {
namespace {

struct Seq2SeqBenchOptions {
  int64_t vocab = 8000;
  int64_t batch = 64;
  int64_t src_len = 30;
  int64_t tgt_len = 30;
  int64_t beam = 5;
  int steps = 5;
  int decode_runs = 3;
  bool json = false;
};

models::EncoderDecoderConfig bench_model(const Seq2SeqBenchOptions& o) {
  models::EncoderDecoderConfig c;
  c.src_vocab = c.tgt_vocab = o.vocab;
  c.embed = 256;
  c.encoder_hidden = 256;
  c.bidirectional = true;
  c.hidden = 256;
  c.decoder = models::DecoderKind::Bahdanau;
  attention::AttentionConfig a;
  a.score = attention::Score::Additive;
  a.hidden_dim = 256;
  c.attention = a;
  return c;
}

// Random tokens in [4, vocab), all sentences full length: tgt_len - 1 target tokens plus EOS, so the decoder
// runs tgt_len steps, as in the peer.
data::SeqBatch random_batch(const Seq2SeqBenchOptions& o, Rng& rng) {
  auto ids = [&](int64_t n) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = 4 + static_cast<int64_t>(rng.next_u64() % static_cast<uint64_t>(o.vocab - 4));
    return v;
  };
  std::vector<data::Example> examples(static_cast<size_t>(o.batch));
  std::vector<int64_t> positions;
  for (int64_t i = 0; i < o.batch; ++i) {
    examples[static_cast<size_t>(i)] = {ids(o.src_len), ids(o.tgt_len - 1), i};
    positions.push_back(i);
  }
  return data::make_seq_batch(examples, positions);
}

int run_seq2seq_bench(const Seq2SeqBenchOptions& o) {
  Rng rng(1);
  models::EncoderDecoder model(bench_model(o), rng);
  nn::Adam adam(model.named_parameters(), {.lr = 1e-3});
  const data::SeqBatch batch = random_batch(o, rng);

  model.train();
  double last_loss = 0;  // reported, so a run that diverged (NaN) is visible
  const double step_ms = median_ms(
      [&] {
        auto frozen = model.freeze_parameters_for_bf16();  // as the trainer: fixed weights until the update
        Tensor loss = model.loss(batch, 0.0, rng).loss;
        last_loss = loss.item();
        loss.backward();
        frozen.reset();
        nn::clip_grad_norm(adam.params(), 1.0);
        adam.step();
        adam.zero_grad();
      },
      o.steps, 2);

  model.eval();
  models::SearchOptions search;
  search.beam = o.beam;
  search.max_length = o.tgt_len;
  search.min_length = o.tgt_len;  // every hypothesis runs all tgt_len steps, on both sides, however trained
  double output_tokens = 0;  // the best hypotheses' mean length: a decode that stops early is visible
  const double decode_ms = median_ms(
      [&] {
        const auto out = models::beam_search(model, batch.src, batch.src_mask, search);
        output_tokens = 0;
        for (const auto& n : out) output_tokens += static_cast<double>(n.front().tokens.size());
        output_tokens /= static_cast<double>(out.size());
      },
      o.decode_runs, 1);

  const double tokens = static_cast<double>(o.batch * (o.src_len + o.tgt_len));
  auto round1 = [](double v) { return std::round(v * 10) / 10; };
  nlohmann::ordered_json j;
  j["bench"] = "seq2seq";
  j["impl"] = "attend";
  j["threads"] = num_threads();
  // The precision the GEMMs ran in: bf16 asked for on a CPU without a bf16 matmul ran float32.
  const bool bf16_asked = kernels::gemm_precision() == kernels::GemmPrecision::Bf16;
  const bool bf16_ran = bf16_asked && kernels::bf16_gemm_native();
  j["precision"] = bf16_ran ? kernels::gemm_precision_name(kernels::GemmPrecision::Bf16)
                            : kernels::gemm_precision_name(kernels::GemmPrecision::F32);
  if (bf16_asked) {
    j["requested_precision"] = kernels::gemm_precision_name(kernels::GemmPrecision::Bf16);
    j["bf16_gemm"] = kernels::bf16_gemm_impl();
  }
  j["vocab"] = o.vocab;
  j["batch"] = o.batch;
  j["src_len"] = o.src_len;
  j["tgt_len"] = o.tgt_len;
  j["beam"] = o.beam;
  j["params"] = model.parameter_count();
  j["train_step_ms"] = round1(step_ms);
  j["train_tokens_per_s"] = round1(tokens / (step_ms / 1e3));
  j["decode_ms"] = round1(decode_ms);
  j["decode_sentences_per_s"] = round1(static_cast<double>(o.batch) / (decode_ms / 1e3));
  j["decode_mean_tokens"] = round1(output_tokens);
  j["last_loss"] = std::round(last_loss * 1000) / 1000;
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("seq2seq (Bahdanau, V=%lld, B=%lld, Ts=Tt=%lld)  threads=%d  params=%lld\n",
                static_cast<long long>(o.vocab), static_cast<long long>(o.batch), static_cast<long long>(o.src_len),
                num_threads(), static_cast<long long>(model.parameter_count()));
    std::printf("  training step   %9.1f ms  %9.1f tokens/s\n", step_ms, tokens / (step_ms / 1e3));
    std::printf("  beam-%lld decode  %9.1f ms  %9.1f sentences/s\n", static_cast<long long>(o.beam), decode_ms,
                static_cast<double>(o.batch) / (decode_ms / 1e3));
  }
  return 0;
}

}  // namespace

ATTEND_BENCHMARK("seq2seq",
                 "Bahdanau encoder-decoder training tokens/s and beam-5 decoding (peer: bench/peers/seq2seq_peer.py)",
                 [](CLI::App& cmd) -> std::function<int()> {
                   auto o = std::make_shared<Seq2SeqBenchOptions>();
                   cmd.add_option("--vocab", o->vocab, "vocabulary size (both sides)")->check(CLI::Range(8, 1 << 22));
                   cmd.add_option("--batch", o->batch, "batch size")->check(CLI::Range(1, 1 << 16));
                   cmd.add_option("--src-len", o->src_len, "source length")->check(CLI::Range(1, 4096));
                   cmd.add_option("--tgt-len", o->tgt_len, "target length")->check(CLI::Range(1, 4096));
                   cmd.add_option("--beam", o->beam, "beam size for decoding")->check(CLI::Range(1, 256));
                   cmd.add_option("--steps", o->steps, "timed training steps (median)")->check(CLI::Range(1, 10000));
                   cmd.add_option("--decode-runs", o->decode_runs, "timed decodes (median)")->check(CLI::Range(1, 1000));
                   cmd.add_flag("--json", o->json, "print one JSON line");
                   return [o] { return run_seq2seq_bench(*o); };
                 });

}  // namespace attend::app
