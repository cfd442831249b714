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
  // Keeps rows `rows` of the state (indices into the current N; repeats allowed), in that order.
  virtual void select(DecoderState& state, const std::vector<int64_t>& rows) = 0;
  // For a model with a dedicated alignment head (one that reads the predicted token, see
  // EncoderDecoder's "alignment_head"): its weights [N, Ts] for the tokens `next` [N] that the last step()
  // predicted. Undefined for other models, whose step weights are their alignment.
  virtual Tensor alignment(DecoderState& /*state*/, const Tensor& /*next*/) { return Tensor(); }
  virtual int64_t target_vocab() const = 0;
};

}  // namespace attend::models
