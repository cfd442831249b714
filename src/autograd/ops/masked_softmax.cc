// masked_softmax op on kernels/masked_softmax: checks the masks against the scores, views them as the
// kernel's [B, M, Tq, Tk] geometry (no mask is materialised at the scores' size), and records a backward
// that feeds the scores and, when it is learned, the additive mask.
#include "autograd/ops/masked_softmax.h"

#include <cmath>

#include "autograd/ops/binary.h"
#include "autograd/ops/reduce.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/masked_softmax.h"

namespace attend {

ATTEND_REGISTER_OP("masked_softmax");

namespace {

// The options checked and converted to what the kernel reads.
struct Geometry {
  int64_t batch = 1, heads = 1, tq = 1, tk = 1;
  Tensor key_mask;  // contiguous, scores' dtype
  int64_t key_mask_batch_stride = 0;
  Tensor additive;  // scores' dtype, any layout
  int64_t additive_strides[4] = {0, 0, 0, 0};
  Tensor centres;   // contiguous, scores' dtype
  int64_t centres_batch_stride = 0;
};

Tensor as_dense(const Tensor& t, DType dtype) {
  return t.dtype() == dtype && t.is_contiguous() ? t : t.copy(dtype);
}

Geometry check_and_prepare(const char* op, const Shape& shape, DType dtype, const MaskedSoftmaxOptions& o) {
  ATTEND_CHECK(is_floating(dtype), "{}: scores must be float32 or float64, got {}", op, dtype_name(dtype));
  ATTEND_CHECK(shape.ndim() == 3 || shape.ndim() == 4, "{}: scores must be [B, Tq, Tk] or [B, H, Tq, Tk], got {}", op,
               shape);
  Geometry g;
  const int nd = shape.ndim();
  g.batch = shape[0];
  g.heads = nd == 4 ? shape[1] : 1;
  g.tq = shape[nd - 2];
  g.tk = shape[nd - 1];
  ATTEND_CHECK(std::isfinite(o.scale), "{}: scale must be finite, got {}", op, o.scale);

  if (o.key_mask.defined()) {
    const Shape& ks = o.key_mask.shape();
    const bool ok = (ks.ndim() == 1 && ks[0] == g.tk) ||
                    (ks.ndim() == 2 && ks[1] == g.tk && (ks[0] == g.batch || ks[0] == 1));
    ATTEND_CHECK(ok, "{}: key_mask {} does not match scores {}: expected [B, Tk] = [{}, {}] (or [1, Tk], [Tk])", op,
                 ks, shape, g.batch, g.tk);
    g.key_mask = as_dense(o.key_mask, dtype);
    g.key_mask_batch_stride = (ks.ndim() == 2 && ks[0] == g.batch && g.batch > 1) ? g.tk : 0;
  }

  if (o.additive_mask.defined()) {
    const Tensor& a = o.additive_mask;
    ATTEND_CHECK(is_floating(a.dtype()), "{}: additive_mask must be float, got {}", op, dtype_name(a.dtype()));
    ATTEND_CHECK(a.dtype() == dtype || !a.requires_grad(),
                 "{}: a learned additive_mask must have the scores' dtype: {} vs {}", op, dtype_name(a.dtype()),
                 dtype_name(dtype));
    bool ok = a.ndim() <= nd;
    for (int d = 0; ok && d < a.ndim(); ++d) {
      const int64_t am = a.size(a.ndim() - 1 - d), sm = shape[nd - 1 - d];
      ok = am == sm || am == 1;
    }
    ATTEND_CHECK(ok, "{}: additive_mask {} does not broadcast to scores {}", op, a.shape(), shape);
    g.additive = a.dtype() == dtype ? a : a.copy(dtype);
    // Strides over the kernel's [B, M, Tq, Tk] axes; scores axis s maps to kernel axis s (4-d) or {0, 2, 3} (3-d).
    const int kernel_axis_3d[3] = {0, 2, 3};
    for (int d = 0; d < g.additive.ndim(); ++d) {
      const int score_axis = nd - g.additive.ndim() + d;
      const int kernel_axis = nd == 4 ? score_axis : kernel_axis_3d[score_axis];
      g.additive_strides[kernel_axis] = g.additive.size(d) == 1 ? 0 : g.additive.strides()[d];
    }
  }

  if (o.window_centres.defined()) {
    const Shape& cs = o.window_centres.shape();
    ATTEND_CHECK(cs.ndim() == 2 && cs[1] == g.tq && (cs[0] == g.batch || cs[0] == 1),
                 "{}: window_centres {} does not match scores {}: expected [B, Tq] = [{}, {}] (or [1, Tq])", op, cs,
                 shape, g.batch, g.tq);
    ATTEND_CHECK(is_floating(o.window_centres.dtype()), "{}: window_centres must be float, got {}", op,
                 dtype_name(o.window_centres.dtype()));
    ATTEND_CHECK(o.window_radius >= 0, "{}: window_radius must be >= 0, got {}", op, o.window_radius);
    g.centres = as_dense(o.window_centres, dtype);
    g.centres_batch_stride = cs[0] == g.batch && g.batch > 1 ? g.tq : 0;
  }
  return g;
}

template <class T>
kernels::MaskedSoftmaxParams<T> kernel_params(const Geometry& g, const MaskedSoftmaxOptions& o) {
  kernels::MaskedSoftmaxParams<T> p;
  p.batch = g.batch;
  p.heads = g.heads;
  p.tq = g.tq;
  p.tk = g.tk;
  p.scale = static_cast<T>(o.scale);
  p.causal = o.causal;
  if (g.key_mask.defined()) {
    p.key_mask = g.key_mask.data<T>();
    p.key_mask_batch_stride = g.key_mask_batch_stride;
  }
  if (g.additive.defined()) {
    p.additive = g.additive.data<T>();
    for (int d = 0; d < 4; ++d) p.additive_strides[d] = g.additive_strides[d];
  }
  if (g.centres.defined()) {
    p.window_centres = g.centres.data<T>();
    p.centres_batch_stride = g.centres_batch_stride;
    p.window_radius = o.window_radius;
  }
  return p;
}

}  // namespace

Tensor masked_softmax(const Tensor& scores, const MaskedSoftmaxOptions& options) {
  ATTEND_CHECK(scores.defined(), "masked_softmax: undefined scores");
  const Geometry g = check_and_prepare("masked_softmax", scores.shape(), scores.dtype(), options);
  const Tensor x = scores.is_contiguous() ? scores : scores.copy();
  Tensor y = Tensor::empty(scores.shape(), scores.dtype());
  dispatch_float(scores.dtype(), "masked_softmax", [&]<class T>() {
    kernels::masked_softmax_forward(kernel_params<T>(g, options), x.data<T>(), y.data<T>());
  });
  const Tensor& additive = g.additive;
  if (!any_requires_grad({&scores, &additive})) return y;
  y.set_requires_grad();
  // forward was y = softmax(z) over the allowed keys with z = scale * x + a (y = 0 elsewhere), so
  // dz = y * (dy - sum(dy * y)) (zero wherever y is), dx = scale * dz, da = sum_to_shape(dz).
  tape().record([scores, additive, y, g, options] {
    Tensor dy = y.grad();
    if (!dy.defined()) return;
    const Tensor dyd = dy.is_contiguous() ? dy : dy.copy();
    dispatch_float(y.dtype(), "masked_softmax_backward", [&]<class T>() {
      const auto p = kernel_params<T>(g, options);
      if (additive.defined() && additive.requires_grad()) {
        Tensor dz = Tensor::zeros(y.shape(), y.dtype());
        kernels::masked_softmax_backward(p, y.data<T>(), dyd.data<T>(), T(1), dz.data<T>());
        accumulate_sum_to_shape(dz, grad_buffer(additive), 1.0);
        if (scores.requires_grad()) accumulate_broadcast(dz, grad_buffer(scores), options.scale);
      } else if (scores.requires_grad()) {
        kernels::masked_softmax_backward(p, y.data<T>(), dyd.data<T>(), static_cast<T>(options.scale),
                                         grad_buffer(scores).template data<T>());
      }
    });
  });
  return y;
}

Tensor masked_softmax(const Tensor& scores, const Tensor& key_mask, bool causal, const Tensor& additive_mask) {
  MaskedSoftmaxOptions o;
  o.key_mask = key_mask;
  o.causal = causal;
  o.additive_mask = additive_mask;
  return masked_softmax(scores, o);
}

Tensor masked_softmax_allowed(const Shape& scores_shape, DType dtype, const MaskedSoftmaxOptions& options) {
  const Geometry g = check_and_prepare("masked_softmax_allowed", scores_shape, dtype, options);
  Tensor out = Tensor::empty(scores_shape, dtype);
  dispatch_float(dtype, "masked_softmax_allowed",
                 [&]<class T>() { kernels::masked_softmax_allowed(kernel_params<T>(g, options), out.data<T>()); });
  return out;
}

}  // namespace attend
