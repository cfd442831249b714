// Soft attention: score -> window -> masked normaliser (-> local-p Gaussian) -> weights, and the context
// as the weights' expectation of the values. Every mechanism of AttentionConfig with selection "soft".
//   query [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv] -> context [B, Tq, Dv], weights [B, Tq, Tk]
// Empty inputs: Tk = 0 gives a zero context and [B, Tq, 0] weights (nothing to attend to, like an
// all-masked row); B = 0 or Tq = 0 give empty results. These constant results carry no gradient.
#pragma once
#include <memory>

#include "attention/attention.h"
#include "attention/scores.h"
#include "attention/window.h"
#include "autograd/ops/masked_softmax.h"

namespace attend::attention {

class SoftAttention : public Attention {
 public:
  SoftAttention(const AttentionConfig& config, Rng& rng, DType dtype = DType::F32);
  AttentionResult forward(const AttentionInputs& in, Rng& rng) const override;
  const AttentionConfig& config() const override { return config_; }
  Tensor prepare_keys(const Tensor& keys) const override { return score_->prepare_keys(keys); }

  // The weights [B, Tq, Tk] alone (no context), for mechanisms that select keys from them (hard attention).
  // Empty inputs give zero weights [B, Tq, Tk].
  Tensor weights(const AttentionInputs& in) const;
  const ScoreFunction& score() const { return *score_; }
  const PositionPredictor* position_predictor() const { return predictor_.get(); }
  const LocationFeatures* location_features() const { return location_.get(); }

 private:
  AttentionConfig config_;
  DType dtype_;
  bool has_parameters_ = false;
  std::unique_ptr<ScoreFunction> score_;
  std::unique_ptr<LocationFeatures> location_;
  std::unique_ptr<PositionPredictor> predictor_;
};

// The normaliser step, the one place that maps a Normalizer to code: scores [B, Tq, Tk] (or [B, H, Tq, Tk])
// -> weights, masked keys exactly 0, all-masked rows all 0.
Tensor normalise_scores(Normalizer normalizer, const Tensor& scores, const MaskedSoftmaxOptions& masks);

// For a normaliser without built-in masks (sparsemax): normaliser(scale * scores + additive - 1e9 at every
// disallowed key), then multiplied by the allowed pattern so masked keys and all-masked rows get exactly 0
// weight and zero gradient. `normaliser` normalises along the last axis.
Tensor normalise_with_masks(const Tensor& scores, const MaskedSoftmaxOptions& masks,
                            Tensor (*normaliser)(const Tensor& scores));

}  // namespace attend::attention
