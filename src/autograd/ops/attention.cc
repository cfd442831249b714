// scaled_dot_product_attention: shape checks, then kernels::flash_attention_{forward,backward} (float,
// fused) or kernels::ref::attention_{forward,backward} (double, or fused = false).
#include "autograd/ops/attention.h"

#include <cmath>

#include "autograd/ops/dense_input.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/flash_attention.h"
#include "kernels/ref/attention.h"

namespace attend {

ATTEND_REGISTER_OP("scaled_dot_product_attention");

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

// key_lengths as a dense int32 [B] tensor with every value in [0, Tk] (undefined stays undefined).
Tensor checked_lengths(const Tensor& lengths, int64_t batch, int64_t tk) {
  if (!lengths.defined()) return lengths;
  ATTEND_CHECK(lengths.ndim() == 1 && lengths.size(0) == batch,
               "{}: key_lengths must have shape [B] = [{}], got {}", kOp, batch, lengths.shape());
  Tensor out = Tensor::empty({batch}, DType::I32);
  int32_t* dst = out.data<int32_t>();
  dispatch_index(lengths.dtype(), kOp, [&]<class I>() {
    const Tensor d = dense(lengths);
    const I* values = d.data<I>();
    for (int64_t b = 0; b < batch; ++b) {
      const I n = values[b];
      ATTEND_CHECK(n >= 0 && static_cast<int64_t>(n) <= tk,
                   "{}: key_lengths[{}] = {} is outside [0, Tk = {}] (hint: lengths count valid keys)", kOp, b,
                   static_cast<int64_t>(n), tk);
      dst[b] = static_cast<int32_t>(n);
    }
  });
  return out;
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaOptions& opt) {
  ATTEND_CHECK(q.defined() && k.defined() && v.defined(), "{}: undefined input", kOp);
  ATTEND_CHECK(q.ndim() == 4 && k.ndim() == 4 && v.ndim() == 4,
               "{}: expected q [B,H,Tq,D], k [B,H,Tk,D], v [B,H,Tk,Dv]; got q {}, k {}, v {}", kOp, q.shape(),
               k.shape(), v.shape());
  ATTEND_CHECK(q.dtype() == k.dtype() && q.dtype() == v.dtype(), "{}: dtypes differ: q {}, k {}, v {}", kOp,
               dtype_name(q.dtype()), dtype_name(k.dtype()), dtype_name(v.dtype()));
  ATTEND_CHECK(is_floating(q.dtype()), "{}: expected float32 or float64 inputs, got {}", kOp, dtype_name(q.dtype()));
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
  const int64_t Tk = k.size(2), Dv = v.size(3);
  ATTEND_CHECK(k.size(0) == B && k.size(1) == H && v.size(0) == B && v.size(1) == H,
               "{}: batch and head dims differ: q {}, k {}, v {}", kOp, q.shape(), k.shape(), v.shape());
  ATTEND_CHECK(k.size(3) == D, "{}: q and k must share the head size D: q {}, k {}", kOp, q.shape(), k.shape());
  ATTEND_CHECK(v.size(2) == Tk, "{}: v must have as many positions as k (Tk): k {}, v {}", kOp, k.shape(), v.shape());
  ATTEND_CHECK(std::isfinite(opt.scale), "{}: scale must be finite, got {}", kOp, opt.scale);
  const Tensor lengths = checked_lengths(opt.key_lengths, B, Tk);

  kernels::AttentionShape s{B, H, Tq, Tk, D, Dv};
  kernels::AttentionParams p;
  p.scale = opt.scale != 0 ? opt.scale : (D > 0 ? 1.0 / std::sqrt(static_cast<double>(D)) : 1.0);
  p.causal = opt.causal;
  p.key_lengths = lengths.defined() ? lengths.data<int32_t>() : nullptr;
  const bool fused = opt.fused && q.dtype() == DType::F32;

  const Tensor qd = dense(q), kd = dense(k), vd = dense(v);
  Tensor y = Tensor::empty({B, H, Tq, Dv}, q.dtype());
  Tensor lse;  // the fused backward needs the log-sum-exp of the forward
  if (fused) {
    lse = Tensor::empty({B, H, Tq}, DType::F32);
    kernels::flash_attention_forward(s, p, qd.data<float>(), kd.data<float>(), vd.data<float>(), y.data<float>(),
                                     lse.data<float>());
  } else {
    dispatch_float(q.dtype(), kOp, [&]<class T>() {
      Tensor scratch = Tensor::empty({kernels::ref::attention_forward_scratch_size(s)}, q.dtype());
      kernels::ref::attention_forward(s, p, qd.data<T>(), kd.data<T>(), vd.data<T>(), y.data<T>(),
                                      static_cast<T*>(nullptr), scratch.data<T>());
    });
  }

  if (any_requires_grad({&q, &k, &v})) {
    y.set_requires_grad();
    // forward was y = P v with P = softmax(scale q k^T + mask) along the keys, so with G = dy:
    //   dv = P^T G,  dP = G v^T,  dS = P * (dP - rowsum(G * y)),  dq = scale dS k,  dk = scale dS^T q.
    // The fused kernel recomputes P tile by tile from the saved log-sum-exp; the reference from scratch.
    tape().record([q, k, v, qd, kd, vd, y, lse, lengths, s, p, fused] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor gd = dense(g);
      kernels::AttentionParams pb = p;
      pb.key_lengths = lengths.defined() ? lengths.data<int32_t>() : nullptr;
      // Gradients of inputs that do not require one still have to go somewhere: pooled temporaries.
      auto target = [](const Tensor& x) { return x.requires_grad() ? grad_buffer(x) : Tensor::zeros(x.shape(), x.dtype()); };
      Tensor dq = target(q), dk = target(k), dv = target(v);
      if (fused) {
        kernels::flash_attention_backward(s, pb, qd.data<float>(), kd.data<float>(), vd.data<float>(), y.data<float>(),
                                          lse.data<float>(), gd.data<float>(), dq.data<float>(), dk.data<float>(),
                                          dv.data<float>());
        return;
      }
      dispatch_float(q.dtype(), "scaled_dot_product_attention_backward", [&]<class T>() {
        Tensor scratch = Tensor::empty({kernels::ref::attention_backward_scratch_size(s)}, q.dtype());
        kernels::ref::attention_backward(s, pb, qd.data<T>(), kd.data<T>(), vd.data<T>(), gd.data<T>(),
                                         dq.data<T>(), dk.data<T>(), dv.data<T>(), scratch.data<T>());
      });
    });
  }
  return y;
}

}  // namespace attend
