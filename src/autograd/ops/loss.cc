// cross_entropy op on kernels/cross_entropy: checks targets (naming the first bad one), reduces the
// per-token losses, and saves only the per-token log-sum-exp for the backward.
#include "autograd/ops/loss.h"

#include "autograd/ops/index.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/cross_entropy.h"

namespace attend {

ATTEND_REGISTER_OP("cross_entropy");

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& options) {
  ATTEND_CHECK(logits.defined() && targets.defined(), "cross_entropy: undefined input");
  ATTEND_CHECK(logits.ndim() >= 1, "cross_entropy: logits must be [..., V], got a scalar");
  const int64_t classes = logits.shape()[logits.ndim() - 1];
  bool shapes_match = targets.ndim() == logits.ndim() - 1;
  for (int d = 0; shapes_match && d < targets.ndim(); ++d) shapes_match = targets.shape()[d] == logits.shape()[d];
  ATTEND_CHECK(shapes_match, "cross_entropy: targets {} must match the leading axes of logits {}", targets.shape(),
               logits.shape());
  ATTEND_CHECK(targets.dtype() == DType::I32 || targets.dtype() == DType::I64,
               "cross_entropy: targets must be int32 or int64, got {}", dtype_name(targets.dtype()));
  ATTEND_CHECK(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0,
               "cross_entropy: label_smoothing must be in [0, 1], got {}", options.label_smoothing);
  ATTEND_CHECK(classes > 0, "cross_entropy: logits {} have no classes", logits.shape());
  check_ids_in_range(targets, classes, "cross_entropy", "target", [&] { return fmt::format("{} classes", classes); },
                     options.ignore_index);

  const kernels::CrossEntropyShape s{targets.numel(), classes, options.ignore_index, options.label_smoothing};
  const Tensor x = logits.is_contiguous() ? logits : logits.copy();
  const Tensor t = targets.is_contiguous() ? targets : targets.copy();
  Tensor token_loss = Tensor::empty(targets.shape(), logits.dtype());
  Tensor lse = Tensor::empty({s.rows}, logits.dtype());
  int64_t count = 0;
  Tensor y;
  dispatch_float(logits.dtype(), "cross_entropy", [&]<class T>() {
    dispatch_index(t.dtype(), "cross_entropy", [&]<class I>() {
      const I* tp = t.data<I>();
      for (int64_t r = 0; r < s.rows; ++r) count += static_cast<int64_t>(tp[r]) != options.ignore_index;
      kernels::cross_entropy_forward(s, x.data<T>(), tp, token_loss.data<T>(), lse.data<T>());
      if (options.token_nll) {
        *options.token_nll = Tensor::empty(targets.shape(), logits.dtype());
        T* nll = options.token_nll->data<T>();
        const T* xp = x.data<T>();
        const T* lp = lse.data<T>();
        for (int64_t r = 0; r < s.rows; ++r) {
          const int64_t target = static_cast<int64_t>(tp[r]);
          nll[r] = target == options.ignore_index ? T(0) : lp[r] - xp[r * classes + target];
        }
      }
    });
    if (options.reduction == Reduction::None) {
      y = token_loss;
      return;
    }
    double total = 0;
    const T* lp = token_loss.data<T>();
    for (int64_t r = 0; r < s.rows; ++r) total += static_cast<double>(lp[r]);
    if (options.reduction == Reduction::Mean) total = count > 0 ? total / static_cast<double>(count) : 0.0;
    y = Tensor::scalar(total, logits.dtype());
  });

  if (any_requires_grad({&logits})) {
    y.set_requires_grad();
    // forward was loss_r = lse_r - sum_j q_rj x_rj with q_r = (1 - eps) onehot(t_r) + eps / V and
    // sum_j q_rj = 1, so dloss_r/dx_rj = softmax(x_r)_j - q_rj = exp(x_rj - lse_r) - q_rj, times the
    // upstream gradient (per token for None; shared and divided by the token count for Mean).
    const double scale = options.reduction == Reduction::Mean ? (count > 0 ? 1.0 / static_cast<double>(count) : 0.0)
                                                              : 1.0;
    const int64_t dloss_stride = options.reduction == Reduction::None ? 1 : 0;
    tape().record([logits, x, t, lse, y, s, scale, dloss_stride] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor gd = g.is_contiguous() ? g : g.copy();
      kernels::CrossEntropyShape sb = s;
      Tensor& dlogits = grad_buffer_for_overwrite(logits, &sb.overwrite);  // fresh: written, not zeroed then added
      dispatch_float(logits.dtype(), "cross_entropy_backward", [&]<class T>() {
        dispatch_index(t.dtype(), "cross_entropy_backward", [&]<class I>() {
          kernels::cross_entropy_backward(sb, x.data<T>(), t.data<I>(), lse.data<T>(), gd.data<T>(), dloss_stride,
                                          static_cast<T>(scale), dlogits.template data<T>());
        });
      });
    });
  }
  return y;
}

}  // namespace attend
