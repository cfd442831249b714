// Local-window pieces composed from ops: the local-p position predictor and Gaussian, local-m centres.
#include "attention/window.h"

#include "autograd/ops.h"

namespace attend::attention {

PositionPredictor::PositionPredictor(int64_t query_dim, int64_t hidden_dim, Rng& rng, DType dtype)
    : proj_(query_dim, hidden_dim, rng, false, dtype), v_(hidden_dim, 1, rng, false, dtype) {
  register_module("proj", &proj_);
  register_module("v", &v_);
}

Tensor PositionPredictor::forward(const Tensor& query, const Tensor& key_counts) const {
  const Tensor unit = squeeze(sigmoid(v_.forward(tanh(proj_.forward(query)))), -1);  // [B, Tq] in (0, 1)
  return mul(unit, key_counts);                                                      // [B, Tq] * [B, 1]
}

Tensor key_counts(const Tensor& key_mask, int64_t batch, int64_t tk, DType dtype) {
  Tensor s = Tensor::empty({batch, 1}, dtype);
  if (!key_mask.defined()) return s.fill_(static_cast<double>(tk));
  ATTEND_CHECK(key_mask.ndim() == 2 && key_mask.size(0) == batch && key_mask.size(1) == tk,
               "attention local_p: key_mask {} does not match [B, Tk] = [{}, {}]", key_mask.shape(), batch, tk);
  const Tensor m = key_mask.copy(DType::F64);  // any dtype in, exact counts
  const double* mp = m.data<double>();
  dispatch_float(dtype, "key_counts", [&]<class T>() {
    T* out = s.data<T>();
    for (int64_t b = 0; b < batch; ++b) {
      int64_t n = 0;
      for (int64_t j = 0; j < tk; ++j) n += mp[b * tk + j] != 0.0;
      out[b] = static_cast<T>(n);
    }
  });
  return s;
}

Tensor monotonic_centres(const Tensor& query_positions, int64_t batch, int64_t tq, DType dtype) {
  if (query_positions.defined()) {
    ATTEND_CHECK(query_positions.ndim() == 2 && query_positions.size(0) == batch && query_positions.size(1) == tq,
                 "attention local_m: query_positions {} does not match [B, Tq] = [{}, {}]", query_positions.shape(),
                 batch, tq);
    return query_positions;
  }
  return Tensor::arange(tq, DType::I64).copy(dtype).view_as_shape({1, tq});
}

Tensor gaussian_window(const Tensor& centres, int64_t tk, int64_t radius) {
  const double sigma = static_cast<double>(radius) / 2.0;
  const Tensor positions = Tensor::arange(tk, DType::I64).copy(centres.dtype());  // [Tk]
  const Tensor d = sub(positions, unsqueeze(centres, -1));                       // [B, Tq, Tk]
  return exp(mul(mul(d, d), -1.0 / (2.0 * sigma * sigma)));
}

}  // namespace attend::attention
