// matmul forward/backward on kernels::gemm.
#include "autograd/ops/matmul.h"

#include "autograd/ops/copy.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/gemm.h"

namespace attend {

ATTEND_REGISTER_OP("matmul");

namespace {

// A GEMM operand: a tensor whose last two axes are dense in either order.
struct Operand {
  Tensor t;      // contiguous, or a view whose last two axes are swapped-dense
  bool trans;    // logical transpose requested, adjusted for the stored layout
  int64_t ld;    // row stride of the stored matrix
  int64_t batch_stride;
};

// Makes t usable by GEMM without copying when its last two axes are a plain transpose of dense data.
Operand as_operand(const Tensor& t, bool trans) {
  const int nd = t.ndim();
  const Shape& sh = t.shape();
  const Shape& st = t.strides();
  const int64_t r = sh[nd - 2], c = sh[nd - 1];
  if (t.is_contiguous()) return {t, trans, c, r * c};
  // swapped: stride of rows == 1 and stride of columns == r, and leading dims dense on top of that
  bool swapped = st[nd - 2] == 1 && st[nd - 1] == r;
  int64_t expect = r * c;
  for (int i = nd - 3; i >= 0 && swapped; --i) {
    if (sh[i] != 1 && st[i] != expect) swapped = false;
    expect *= sh[i];
  }
  if (swapped) return {t, !trans, r, r * c};
  Tensor dense = t.copy();
  return {dense, trans, c, r * c};
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  ATTEND_CHECK(a.defined() && b.defined(), "matmul: undefined input");
  ATTEND_CHECK(a.dtype() == b.dtype(), "matmul: dtypes differ: {} x {}", dtype_name(a.dtype()), dtype_name(b.dtype()));
  ATTEND_CHECK(a.ndim() >= 2 && b.ndim() >= 2, "matmul: inputs must be at least 2-d, got {} x {}", a.shape(),
               b.shape());
  const int na = a.ndim(), nb = b.ndim();
  const int64_t m = trans_a ? a.size(-1) : a.size(-2);
  const int64_t k = trans_a ? a.size(-2) : a.size(-1);
  const int64_t kb = trans_b ? b.size(-1) : b.size(-2);
  const int64_t n = trans_b ? b.size(-2) : b.size(-1);
  ATTEND_CHECK(k == kb, "matmul: inner dimensions differ: {}{} x {}{}", a.shape(), trans_a ? "^T" : "", b.shape(),
               trans_b ? "^T" : "");
  const bool shared_b = nb == 2;
  int64_t batch = 1;
  Shape out_shape;
  for (int i = 0; i < na - 2; ++i) {
    if (!shared_b) {
      ATTEND_CHECK(na == nb && a.size(i) == b.size(i), "matmul: batch dimensions differ: {} x {}", a.shape(),
                   b.shape());
    }
    out_shape.push_back(a.size(i));
    batch *= a.size(i);
  }
  ATTEND_CHECK(shared_b || na == nb, "matmul: batch dimensions differ: {} x {}", a.shape(), b.shape());
  out_shape.push_back(m);
  out_shape.push_back(n);

  Operand A = as_operand(a, trans_a);
  Operand B = as_operand(b, trans_b);
  Tensor y = Tensor::empty(out_shape, a.dtype());
  dispatch_float(a.dtype(), "matmul", [&]<class T>() {
    kernels::GemmShape s{A.trans, B.trans, m, n, k, A.ld, B.ld, n};
    if (shared_b && !A.trans) {
      // Fold the batch into M: one large GEMM.
      s.m = batch * m;
      kernels::gemm(s, T(1), A.t.template data<T>(), B.t.template data<T>(), T(0), y.data<T>());
    } else {
      kernels::gemm_batched(s, batch, T(1), A.t.template data<T>(), A.batch_stride, B.t.template data<T>(),
                            shared_b ? 0 : B.batch_stride, T(0), y.data<T>(), m * n);
    }
  });

  if (any_requires_grad({&a, &b})) {
    y.set_requires_grad();
    // forward was C = op(A) op(B). With G = dC:
    //   op(A) = A   : dA += G op(B)^T          op(A) = A^T : dA += op(B) G^T
    //   op(B) = B   : dB += op(A)^T G          op(B) = B^T : dB += G^T op(A)
    // A shared 2-d B sums its gradient over the batch (one GEMM over the folded rows when possible).
    tape().record([a, b, y, trans_a, trans_b, m, n, k, batch, shared_b] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      Operand A = as_operand(a, trans_a);
      Operand B = as_operand(b, trans_b);
      dispatch_float(a.dtype(), "matmul_backward", [&]<class T>() {
        const T* gp = g.data<T>();
        if (a.requires_grad()) {
          bool fresh_a = false;
          T* da = grad_buffer_for_overwrite(a, &fresh_a).template data<T>();
          const T beta_a = fresh_a ? T(0) : T(1);  // a new buffer is overwritten, not zero-filled first
          const int64_t lda = trans_a ? m : k;  // row stride of the dense gradient of a
          if (!trans_a) {
            kernels::GemmShape s{false, !B.trans, m, k, n, n, B.ld, lda};
            if (shared_b) {
              s.m = batch * m;
              kernels::gemm(s, T(1), gp, B.t.template data<T>(), beta_a, da);
            } else {
              kernels::gemm_batched(s, batch, T(1), gp, m * n, B.t.template data<T>(), B.batch_stride, beta_a, da,
                                    m * k);
            }
          } else {
            kernels::GemmShape s{B.trans, true, k, m, n, B.ld, n, lda};
            kernels::gemm_batched(s, batch, T(1), B.t.template data<T>(), shared_b ? 0 : B.batch_stride, gp, m * n,
                                  beta_a, da, m * k);
          }
        }
        if (b.requires_grad()) {
          bool fresh_b = false;
          T* db = grad_buffer_for_overwrite(b, &fresh_b).template data<T>();
          const T beta_b = fresh_b ? T(0) : T(1);
          const int64_t ldb = trans_b ? k : n;
          if (!trans_b) {
            kernels::GemmShape s{!A.trans, false, k, n, m, A.ld, n, ldb};
            if (shared_b && !A.trans) {
              s.k = batch * m;
              kernels::gemm(s, T(1), A.t.template data<T>(), gp, beta_b, db);
            } else if (shared_b) {
              for (int64_t i = 0; i < batch; ++i)
                kernels::gemm(s, T(1), A.t.template data<T>() + i * A.batch_stride, gp + i * m * n, i == 0 ? beta_b : T(1), db);
            } else {
              kernels::gemm_batched(s, batch, T(1), A.t.template data<T>(), A.batch_stride, gp, m * n, beta_b, db,
                                    k * n);
            }
          } else {
            kernels::GemmShape s{true, A.trans, n, k, m, n, A.ld, ldb};
            if (shared_b && !A.trans) {
              s.k = batch * m;
              kernels::gemm(s, T(1), gp, A.t.template data<T>(), beta_b, db);
            } else if (shared_b) {
              for (int64_t i = 0; i < batch; ++i)
                kernels::gemm(s, T(1), gp + i * m * n, A.t.template data<T>() + i * A.batch_stride, i == 0 ? beta_b : T(1), db);
            } else {
              kernels::gemm_batched(s, batch, T(1), gp, m * n, A.t.template data<T>(), A.batch_stride, beta_b, db,
                                    k * n);
            }
          }
        }
      });
    });
  }
  return y;
}

}  // namespace attend
