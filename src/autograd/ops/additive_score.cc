// additive_score op: the backward recomputes each tanh from the saved inputs (no [B, Tq, Tk, H] tensor kept).
#include "autograd/ops/additive_score.h"

#include "autograd/ops/binary.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/dense_input.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/additive_score.h"

namespace attend {

ATTEND_REGISTER_OP("additive_score");

Tensor additive_score(const Tensor& wq, const Tensor& wk, const Tensor& loc, const Tensor& v) {
  ATTEND_CHECK(wq.defined() && wk.defined() && v.defined(), "additive_score: undefined input");
  ATTEND_CHECK(wq.ndim() == 3 && wk.ndim() == 3 && v.ndim() == 1 && wq.size(0) == wk.size(0) &&
                   wq.size(2) == wk.size(2) && v.size(0) == wq.size(2),
               "additive_score: expected wq [B, Tq, H], wk [B, Tk, H], v [H], got {}, {}, {}", wq.shape(), wk.shape(),
               v.shape());
  const kernels::AdditiveScoreShape s{wq.size(0), wq.size(1), wk.size(1), wq.size(2)};
  if (loc.defined())
    ATTEND_CHECK(loc.shape() == Shape({s.batch, s.queries, s.keys, s.hidden}),
                 "additive_score: location features {} are not [B, Tq, Tk, H] = [{}, {}, {}, {}]", loc.shape(), s.batch,
                 s.queries, s.keys, s.hidden);
  for (const Tensor* t : {&wk, &loc, &v})
    ATTEND_CHECK(!t->defined() || t->dtype() == wq.dtype(), "additive_score: dtypes differ: {} vs {}",
                 dtype_name(t->dtype()), dtype_name(wq.dtype()));
  const Tensor qd = dense(wq), kd = dense(wk), ld = dense(loc), vd = dense(v);
  Tensor scores = Tensor::empty({s.batch, s.queries, s.keys}, wq.dtype());
  dispatch_float(wq.dtype(), "additive_score", [&]<class T>() {
    kernels::additive_score_forward(s, qd.data<T>(), kd.data<T>(), data_or_null<T>(ld), vd.data<T>(), scores.data<T>());
  });
  if (any_requires_grad({&wq, &wk, &loc, &v})) {
    scores.set_requires_grad();
    tape().record([wq, wk, loc, v, qd, kd, ld, vd, scores, s] {
      Tensor g = scores.grad();
      if (!g.defined()) return;
      const Tensor gd = dense(g);
      // dwq and dwk are always written (scratch when an input needs no gradient); dv comes per batch row.
      auto target = [](const Tensor& t, const Shape& shape) {
        return t.requires_grad() ? grad_buffer(t) : Tensor::zeros(shape, t.dtype());
      };
      const Tensor dq = target(wq, wq.shape()), dk = target(wk, wk.shape());
      const Tensor dv_rows = Tensor::empty({s.batch, s.hidden}, wq.dtype());
      dispatch_float(wq.dtype(), "additive_score_backward", [&]<class T>() {
        T* dloc = loc.defined() && loc.requires_grad() ? grad_buffer(loc).template data<T>() : nullptr;
        kernels::additive_score_backward(s, qd.data<T>(), kd.data<T>(), data_or_null<T>(ld), vd.data<T>(),
                                         gd.data<T>(), dq.data<T>(), dk.data<T>(), dloc, dv_rows.data<T>());
      });
      if (v.requires_grad()) accumulate_broadcast(sum(dv_rows, 0), grad_buffer(v));
    });
  }
  return scores;
}

}  // namespace attend
