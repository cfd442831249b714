// straight_through op: forward copies `hard`, backward adds dy into both inputs' gradients.
#include "autograd/ops/straight_through.h"

#include "autograd/ops/binary.h"
#include "autograd/registry.h"
#include "autograd/tape.h"

namespace attend {

ATTEND_REGISTER_OP("straight_through");

Tensor straight_through(const Tensor& hard, const Tensor& soft) {
  ATTEND_CHECK(hard.defined() && soft.defined(), "straight_through: undefined input");
  ATTEND_CHECK(hard.shape() == soft.shape(), "straight_through: shapes differ: hard {} vs soft {}", hard.shape(),
               soft.shape());
  ATTEND_CHECK(is_floating(hard.dtype()) && hard.dtype() == soft.dtype(),
               "straight_through: expected one float dtype, got hard {} and soft {}", dtype_name(hard.dtype()),
               dtype_name(soft.dtype()));
  Tensor y = hard.copy();
  if (any_requires_grad({&hard, &soft})) {
    y.set_requires_grad();
    // forward was y = hard + (soft - stop_gradient(soft)), whose value is hard, so
    // d hard = dy and d soft = dy.
    tape().record([hard, soft, y] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      if (soft.requires_grad()) accumulate_broadcast(g, grad_buffer(soft));
      if (hard.requires_grad()) accumulate_broadcast(g, grad_buffer(hard));
    });
  }
  return y;
}

}  // namespace attend
