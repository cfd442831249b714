// The weight gradient of a linear map over many rows, grad[N,K] += g^T a (g: [rows,N] output gradients,
// a: [rows,K] inputs), as recurrent layers and cells take it for W_ih and W_hh.
#pragma once
#include <cstdint>

namespace attend::kernels {

// kDirect: one GEMM straight into grad (beta = 1).
// kTransposed: the product a^T g ([K,N]) into scratch, then added to grad transposed. oneDNN's sgemm runs
//   this orientation faster when rows and N are large against K (an LSTM's 4H x I gradient over a whole
//   sequence), but the transposed add touches all N*K entries twice, which a few hundred rows cannot pay for.
// kAuto: kTransposed for rows >= 1024 and N >= 2K, else kDirect, and kDirect whenever the product goes to
//   the bf16 path (no orientation penalty there). Measurements: BENCHMARKS.md, "recurrent weight gradients".
enum class WeightGradientOrder { kAuto, kDirect, kTransposed };

template <class T>
void add_weight_gradient(const T* g, const T* a, int64_t rows, int64_t N, int64_t K, T* grad,
                         WeightGradientOrder order = WeightGradientOrder::kAuto);

// The orientation kAuto picks for these sizes (float; double always goes direct).
WeightGradientOrder auto_weight_gradient_order(const float* a, int64_t rows, int64_t N, int64_t K);

}  // namespace attend::kernels
