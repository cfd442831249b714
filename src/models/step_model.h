// StepModel: what a decoding algorithm (greedy, beam search) needs from an encoder-decoder, one target
// step at a time. A model encodes a batch of sources once, then advances N live hypotheses by one token;
// the search keeps, drops and repeats hypotheses through select(). Token ids follow data/: kPad 0,
// kBos 1, kEos 2.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/tensor.h"

namespace attend::models {

// A model's decoder state for N hypotheses (encoder memory, recurrent state, previous weights...).
struct DecoderState {
  virtual ~DecoderState() = default;
  virtual int64_t rows() const = 0;  // N, the number of live hypotheses
};

// A row's best next tokens (StepModel::step_top), best first.
struct TopTokens {
  Tensor ids;        // [N, k] int64; -1 where the row has fewer than k possible tokens
  Tensor log_probs;  // [N, k] float32; -inf there
};

// The k best tokens of every row of log-probs [N, V] (float32), as StepModel::step_top describes them.
TopTokens top_tokens(const Tensor& log_probs, int64_t k, int64_t banned);

class StepModel {
 public:
  virtual ~StepModel() = default;
  // src: [Ts, B] int64 (time-major, padded with kPad), src_mask: [Ts, B] float (1 = token) -> a state with
  // one hypothesis per sentence (row b = sentence b).
  virtual std::unique_ptr<DecoderState> start(const Tensor& src, const Tensor& src_mask) = 0;
  // Advances every row by one token: prev [N] int64 (kBos on the first step) -> log-probabilities [N, V]
  // float32. When `weights` is not null and the model attends, *weights = this step's attention [N, Ts]
  // (left undefined for a model without attention).
  virtual Tensor step(DecoderState& state, const Tensor& prev, Tensor* weights) = 0;
  // What the searches call: the k best tokens of every row of step()'s log-probs (larger first, ties to the
  // smaller id), never token `banned` (-1: none) nor a token of log-prob -inf. The default takes them from
  // step(); a model may find them without forming the [N, V] log-probs (EncoderDecoder fuses the choice
  // with its output layer and ranks by logits: of two tokens whose log-probs round to the same float, the
  // one with the larger logit comes first). Fails naming the row when a log-prob is NaN or +inf.
  virtual TopTokens step_top(DecoderState& state, const Tensor& prev, int64_t k, int64_t banned, Tensor* weights);
  // Keeps rows `rows` of the state (indices into the current N; repeats allowed), in that order.
  virtual void select(DecoderState& state, const std::vector<int64_t>& rows) = 0;
  // For a model with a dedicated alignment head (one that reads the predicted token, see
  // EncoderDecoder's "alignment_head"): its weights [N, Ts] for the tokens `next` [N] that the last step()
  // predicted. Undefined for other models, whose step weights are their alignment.
  virtual Tensor alignment(DecoderState& /*state*/, const Tensor& /*next*/) { return Tensor(); }
  virtual int64_t target_vocab() const = 0;
};

}  // namespace attend::models
