// Fused LSTM / GRU / Elman layers and cells. One driver serves all three cell kinds:
//   forward:  one GEMM projects every step's input (x W_ih^T for all T*B rows), then per step one GEMM
//             h W_hh^T and the fused pointwise kernel (kernels/rnn_cell.h) that writes the new state.
//   backward: per step (in reverse processing order) the pointwise backward kernel turns the saved gate
//             activations into gate gradients in place, and one GEMM carries dh back through W_hh;
//             after the loop dx, dW_ih, dW_hh and the bias gradients are each one large GEMM / sum
//             over all T*B rows.
// The step loops run in one OpenMP region per call with the hidden units split over threads (one
// barrier per step; see UnitRange below); the forward multiplies pre-packed slices of W_hh.
// Saved for backward: the gate activations [T,B,G*H] (GRU also W_hn h + b_hn), the hidden states
// [T+1,B,H] and (LSTM) the cell states [T+1,B,H]. The state buffers hold the initial state in slot 0
// (slot T when reversed) and the state after time step t in slot t+1 (slot t when reversed), so the
// states that fed the recurrence form one contiguous [T*B,H] block for the dW_hh GEMM.
#include "autograd/ops/rnn.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <memory>
#include <type_traits>
#include <vector>

#include "autograd/ops/dense_input.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"
#include "kernels/packed_gemm.h"
#include "kernels/rnn_cell.h"
#include "kernels/weight_gradient.h"

namespace attend {

ATTEND_REGISTER_OP("lstm_layer");
ATTEND_REGISTER_OP("gru_layer");
ATTEND_REGISTER_OP("rnn_layer");
ATTEND_REGISTER_OP("lstm_cell");
ATTEND_REGISTER_OP("gru_cell");
ATTEND_REGISTER_OP("rnn_cell");

namespace {

enum class CellKind { kLstm, kGru, kElman };

constexpr int64_t gate_count(CellKind k) { return k == CellKind::kLstm ? 4 : k == CellKind::kGru ? 3 : 1; }

// One call's inputs: as given (for requires_grad and the gradient buffers, which are contiguous in each
// input's logical shape) and, where GEMMs read them, contiguous.
struct RnnCall {
  const char* op = "";
  CellKind kind = CellKind::kLstm;
  bool reverse = false;
  int64_t T = 0, B = 0, I = 0, H = 0;
  Tensor x, w_ih, w_hh, b_ih, b_hh, h0, c0;
  Tensor x_dense, w_ih_dense, w_hh_dense;
  std::vector<uint8_t> valid;  // [T*B] 0 = padded step; empty = every step valid

  int64_t G() const { return gate_count(kind); }
  const uint8_t* valid_at(int64_t t) const { return valid.empty() ? nullptr : valid.data() + t * B; }
  // State-buffer slots (see the file comment).
  int64_t prev_slot(int64_t t) const { return reverse ? t + 1 : t; }
  int64_t next_slot(int64_t t) const { return reverse ? t : t + 1; }
  int64_t first_slot() const { return reverse ? T : 0; }
  int64_t last_slot() const { return reverse ? 0 : T; }
};

// What backward needs besides the call.
struct RnnSaved {
  Tensor gates_x;   // [T,B,G*H] activations; overwritten by the input-side gate gradients in backward
  Tensor gates_h;   // [T,B,3H] GRU only: the hidden projection (n slot: W_hn h + b_hn); then its gradient
  Tensor h_states;  // [T+1,B,H]
  Tensor c_states;  // [T+1,B,H] LSTM only
};

void check_same_dtype(const char* op, const char* name, const Tensor& t, DType dt) {
  ATTEND_CHECK(!t.defined() || t.dtype() == dt, "{}: {} is {} but x is {}", op, name, dtype_name(t.dtype()),
               dtype_name(dt));
}

RnnCall prepare(const char* op, CellKind kind, bool step_op, const Tensor& x, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0, const Tensor& c0, const Tensor& mask,
                bool reverse) {
  ATTEND_CHECK(x.defined() && w_ih.defined() && w_hh.defined(), "{}: x, w_ih and w_hh must be defined", op);
  const DType dt = x.dtype();
  ATTEND_CHECK(is_floating(dt), "{}: x must be float32 or float64, got {}", op, dtype_name(dt));
  RnnCall c;
  c.op = op;
  c.kind = kind;
  c.reverse = reverse;
  if (step_op) {
    ATTEND_CHECK(x.ndim() == 2, "{}: x must be [B,I], got {}", op, x.shape());
    c.T = 1, c.B = x.size(0), c.I = x.size(1);
  } else {
    ATTEND_CHECK(x.ndim() == 3, "{}: x must be [T,B,I], got {}", op, x.shape());
    c.T = x.size(0), c.B = x.size(1), c.I = x.size(2);
  }
  const int64_t G = gate_count(kind);
  ATTEND_CHECK(w_hh.ndim() == 2 && w_hh.size(1) > 0 && w_hh.size(0) == G * w_hh.size(1),
               "{}: w_hh must be [{}H,H] (hidden size H), got {}", op, G, w_hh.shape());
  c.H = w_hh.size(1);
  const int64_t GH = G * c.H;
  ATTEND_CHECK(w_ih.ndim() == 2 && w_ih.size(0) == GH && w_ih.size(1) == c.I,
               "{}: w_ih must be [{},{}] for x {} and w_hh {}, got {}", op, GH, c.I, x.shape(), w_hh.shape(),
               w_ih.shape());
  for (auto [name, b] : {std::pair{"b_ih", &b_ih}, std::pair{"b_hh", &b_hh}})
    ATTEND_CHECK(!b->defined() || (b->ndim() == 1 && b->size(0) == GH), "{}: {} must be [{}] for w_hh {}, got {}", op,
                 name, GH, w_hh.shape(), b->shape());
  const Shape state{c.B, c.H};
  for (auto [name, s] : {std::pair{"h0", &h0}, std::pair{"c0", &c0}})
    ATTEND_CHECK(!s->defined() || s->shape() == state, "{}: {} must be {} for x {}, got {}", op, name, state, x.shape(),
                 s->shape());
  for (auto [name, t] : {std::pair{"w_ih", &w_ih}, std::pair{"w_hh", &w_hh}, std::pair{"b_ih", &b_ih},
                         std::pair{"b_hh", &b_hh}, std::pair{"h0", &h0}, std::pair{"c0", &c0}})
    check_same_dtype(op, name, *t, dt);
  c.x = x, c.w_ih = w_ih, c.w_hh = w_hh, c.b_ih = b_ih, c.b_hh = b_hh, c.h0 = h0, c.c0 = c0;
  c.x_dense = dense(x), c.w_ih_dense = dense(w_ih), c.w_hh_dense = dense(w_hh);
  if (mask.defined()) {
    ATTEND_CHECK(mask.shape() == Shape({c.T, c.B}), "{}: mask must be [T,B] = [{},{}] for x {}, got {}", op, c.T, c.B,
                 x.shape(), mask.shape());
    const std::vector<double> m = mask.to_vector<double>();
    if (std::any_of(m.begin(), m.end(), [](double v) { return v == 0.0; })) {
      c.valid.resize(m.size());
      for (size_t i = 0; i < m.size(); ++i) c.valid[i] = m[i] != 0.0;
    }
  }
  return c;
}

// dst[j] += sum over rows of m[r, j], m: [rows, cols].
template <class T>
void add_column_sums(const T* m, int64_t rows, int64_t cols, T* dst) {
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (cols + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (rows * cols >= (1 << 16) && blocks > 1)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t c0 = blk * kBlock, n = std::min(cols, c0 + kBlock) - c0;
    T acc[kBlock] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = m + r * cols + c0;
      for (int64_t j = 0; j < n; ++j) acc[j] += row[j];
    }
    for (int64_t j = 0; j < n; ++j) dst[c0 + j] += acc[j];
  }
}

template <class T>
void copy_or_zero(const Tensor& src, T* dst, int64_t n) {
  if (src.defined())
    std::memcpy(dst, dense(src).template data<T>(), sizeof(T) * n);
  else
    std::memset(dst, 0, sizeof(T) * n);
}

// The step loops run inside one parallel region per layer call: each thread owns a range of hidden
// units, computes the gate columns of those units with its own GEMMs, then their pointwise part, so a
// step needs one barrier (the next step's GEMMs read every unit of h) instead of a fork and join for
// each GEMM and each pointwise kernel.
struct UnitRange {
  int64_t begin, end;
};

// Thread p of n gets a run of whole 16-unit blocks (one AVX-512 vector of floats).
UnitRange units_of(int64_t H, int p, int n) {
  const int64_t per = ((H + n - 1) / n + 15) / 16 * 16;
  return {std::min(H, p * per), std::min(H, (p + 1) * per)};
}

// Threads worth using for the step loop: each needs at least one 16-unit block and enough GEMM work
// per step (~0.5 MFLOP) to pay for a barrier.
int step_threads(const RnnCall& c) {
  if (omp_in_parallel()) return 1;
  const double flops_per_step = 2.0 * double(c.B) * double(c.G() * c.H) * double(c.H);
  const int64_t by_units = (c.H + 15) / 16, by_work = static_cast<int64_t>(flops_per_step / 5e5);
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({omp_get_max_threads(), by_units, by_work})));
}

// The forward step loop's products out[:, g*H + units] (+)= h W_hh[g*H + units, :]^T for each gate g and
// a thread's units. float sequences of kPackMinSteps or more (batches of kPackMinBatch or more) reorder each thread's
// slices of W_hh once (kernels/packed_gemm.h) and multiply the packed slices at every step, where sgemm would repack
// them on every call (measured ~10% faster forward, single-threaded, H = I = 512, B = 64). Otherwise plain gemm calls.
// (Packing W_hh for the backward products dG_t W_hh measured no faster, so backward does not.)
constexpr int64_t kPackMinSteps = 4;
constexpr int64_t kPackMinBatch = 16;  // below, the products are memory-bound either way

template <class T>
class RecurrentProducts {
 public:
  RecurrentProducts(const RnnCall& c, int threads, T beta)
      : B_(c.B), H_(c.H), G_(c.G()), threads_(threads), beta_(beta) {
    if constexpr (std::is_same_v<T, float>) {
      if (c.T < kPackMinSteps || c.B < kPackMinBatch) return;
      if (frozen_bf16(c)) return;
      size_t bytes = 0;
      for (int p = 0; p < threads; ++p) {
        const UnitRange u = units_of(H_, p, threads);
        Slot slot;
        if (u.begin < u.end) {
          slot.plan = std::make_unique<kernels::PackedGemm>(shape(u), beta);
          slot.block_bytes = round_up(slot.plan->packed_bytes());
          slot.packed_offset = bytes;
          bytes += slot.block_bytes * static_cast<size_t>(G_);
          slot.scratch_offset = bytes;
          bytes += round_up(slot.plan->scratch_bytes());
        }
        slots_.push_back(std::move(slot));
      }
      buffer_ = Tensor::empty({static_cast<int64_t>(bytes / sizeof(float)) + 16}, DType::F32);
    }
  }

  // bf16 with W_hh frozen for the step, and every thread's products worth it: gemm() then multiplies
  // rounded copies packed once, and float packing here would only cost.
  bool frozen_bf16(const RnnCall& c) const {
    if (kernels::gemm_precision() != kernels::GemmPrecision::Bf16 || !kernels::bf16_gemm_native() ||
        !kernels::is_frozen_bf16_operand(c.w_hh_dense.template data<float>()))
      return false;
    for (int p = 0; p < threads_; ++p) {
      const UnitRange u = units_of(H_, p, threads_);
      if (u.begin < u.end && !kernels::bf16_pays_off_frozen_b(shape(u))) return false;
    }
    return true;
  }

  // True when the region has the planned thread count (then every thread packs and runs packed).
  bool packed(int n) const { return !slots_.empty() && n == threads_; }

  // Thread p of n packs its slices of W_hh; before its first run().
  void prepare(int p, int n, UnitRange u, const T* w_hh) const {
    if constexpr (std::is_same_v<T, float>) {
      if (!packed(n) || u.begin == u.end) return;
      const Slot& slot = slots_[static_cast<size_t>(p)];
      for (int64_t g = 0; g < G_; ++g) slot.plan->pack(weights(w_hh, g, u), at(slot.packed_offset, slot, g));
    }
  }

  // out (+)= a times the slice of W_hh for gate `gate` (forward) of thread p's units; `packed` as
  // returned by packed() for the region.
  void run(int p, UnitRange u, int64_t gate, const T* a, const T* w_hh, T* out, bool packed) const {
    if constexpr (std::is_same_v<T, float>) {
      if (packed) {
        const Slot& slot = slots_[static_cast<size_t>(p)];
        slot.plan->run(a, at(slot.packed_offset, slot, gate), out, at(slot.scratch_offset, slot, 0));
        return;
      }
    }
    kernels::gemm(shape(u), T(1), a, weights(w_hh, gate, u), beta_, out);
  }

 private:
  struct Slot {
    std::unique_ptr<kernels::PackedGemm> plan;
    size_t block_bytes = 0, packed_offset = 0, scratch_offset = 0;
  };
  static size_t round_up(size_t bytes) { return (bytes + 63) / 64 * 64; }
  kernels::GemmShape shape(UnitRange u) const { return {false, true, B_, u.end - u.begin, H_, H_, H_, G_ * H_}; }
  const T* weights(const T* w_hh, int64_t gate, UnitRange u) const { return w_hh + (gate * H_ + u.begin) * H_; }
  void* at(size_t offset, const Slot& slot, int64_t block) const {
    return static_cast<char*>(buffer_.raw_data()) + offset + slot.block_bytes * static_cast<size_t>(block);
  }

  int64_t B_, H_, G_;
  int threads_;
  T beta_;
  std::vector<Slot> slots_;
  Tensor buffer_;
};

// Keeps the first exception thrown on any thread of a parallel region, so that every thread still
// reaches every barrier (later work is skipped); rethrown once the region has ended.
class RegionErrors {
 public:
  template <class F>
  void run(F&& f) {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      f();
    } catch (...) {
#pragma omp critical(attend_rnn_region_error)
      if (!error_) error_ = std::current_exception();
      failed_ = true;
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};
};

template <class T>
void run_forward(const RnnCall& c, RnnSaved& s, Tensor& out) {
  const int64_t T_ = c.T, B = c.B, H = c.H, GH = c.G() * H, BH = B * H;
  const DType dt = dtype_of<T>();
  s.gates_x = Tensor::empty({T_, B, GH}, dt);
  s.h_states = Tensor::empty({T_ + 1, B, H}, dt);
  if (c.kind == CellKind::kLstm) s.c_states = Tensor::empty({T_ + 1, B, H}, dt);
  if (c.kind == CellKind::kGru) s.gates_h = Tensor::empty({T_, B, GH}, dt);

  // Biases: LSTM and Elman only ever use b_ih + b_hh; the GRU needs b_hn on its own.
  Tensor bias = Tensor::empty({2, GH}, dt);
  T* b_ih = bias.data<T>();
  T* b_hh = b_ih + GH;
  copy_or_zero<T>(c.b_ih, b_ih, GH);
  copy_or_zero<T>(c.b_hh, b_hh, GH);
  if (c.kind != CellKind::kGru)
    for (int64_t j = 0; j < GH; ++j) b_ih[j] += b_hh[j];

  T* gx = s.gates_x.data<T>();
  T* gh = c.kind == CellKind::kGru ? s.gates_h.data<T>() : nullptr;
  T* hs = s.h_states.data<T>();
  T* cs = c.kind == CellKind::kLstm ? s.c_states.data<T>() : nullptr;
  const T* w_hh = c.w_hh_dense.data<T>();
  copy_or_zero<T>(c.h0, hs + c.first_slot() * BH, BH);
  if (cs) copy_or_zero<T>(c.c0, cs + c.first_slot() * BH, BH);

  // Every step's input projection in one GEMM.
  kernels::gemm({false, true, T_ * B, GH, c.I, c.I, c.I, GH}, T(1), c.x_dense.data<T>(), c.w_ih_dense.data<T>(), T(0),
                gx);

  // Padded steps output zeros, so out needs its own buffer; otherwise it is a view of the states.
  const bool padded = !c.valid.empty();
  if (padded)
    out = Tensor::empty({T_, B, H}, dt);
  else
    out = s.h_states.view_strided({T_, B, H}, {BH, H, 1}, s.h_states.offset() + (c.reverse ? 0 : BH));
  T* out_p = padded ? out.data<T>() : nullptr;

  // Per step and thread: gates[:, g*H + units] (+)= h_prev W_hh[g*H + units, :]^T for each gate block g
  // (one GEMM over all gates when a thread owns every unit), then the pointwise step on those units.
  const int threads = step_threads(c);
  const T beta = c.kind == CellKind::kGru ? T(0) : T(1);  // LSTM / Elman add onto x W_ih^T
  RecurrentProducts<T> products(c, threads, beta);
  auto forward_step = [&](int64_t step, int p, UnitRange u, bool packed) {
    const int64_t t = c.reverse ? T_ - 1 - step : step;
    const T* h_prev = hs + c.prev_slot(t) * BH;
    T* h_next = hs + c.next_slot(t) * BH;
    T* gx_t = gx + t * B * GH;
    T* out_t = out_p ? out_p + t * BH : nullptr;
    const kernels::RnnStepShape shape{B, H, u.begin, u.end};
    T* recur_t = c.kind == CellKind::kGru ? gh + t * B * GH : gx_t;  // where h_prev W_hh^T goes
    if (step == 0 && !c.h0.defined()) {                              // h_prev = 0: nothing to multiply
      if (c.kind == CellKind::kGru)
        for (int64_t b = 0; b < B; ++b)
          for (int64_t g = 0; g < c.G(); ++g)
            std::memset(recur_t + b * GH + g * H + u.begin, 0, sizeof(T) * (u.end - u.begin));
    } else if (u.begin == 0 && u.end == H && !packed) {
      kernels::gemm({false, true, B, GH, H, H, H, GH}, T(1), h_prev, w_hh, beta, recur_t);
    } else {
      for (int64_t g = 0; g < c.G(); ++g) products.run(p, u, g, h_prev, w_hh, recur_t + g * H + u.begin, packed);
    }
    switch (c.kind) {
      case CellKind::kLstm:
        kernels::lstm_forward_step<T>(shape, gx_t, b_ih, h_prev, cs + c.prev_slot(t) * BH, c.valid_at(t), h_next,
                                      cs + c.next_slot(t) * BH, out_t);
        break;
      case CellKind::kGru:
        kernels::gru_forward_step<T>(shape, gx_t, recur_t, b_ih, b_hh, h_prev, c.valid_at(t), h_next, out_t);
        break;
      case CellKind::kElman:
        kernels::rnn_forward_step<T>(shape, gx_t, b_ih, h_prev, c.valid_at(t), h_next, out_t);
        break;
    }
  };
  RegionErrors errors;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int p = omp_get_thread_num(), n = omp_get_num_threads();
    const UnitRange u = units_of(H, p, n);
    errors.run([&] { products.prepare(p, n, u, w_hh); });
    const bool packed = products.packed(n);
    for (int64_t step = 0; step < T_; ++step) {
      if (u.begin < u.end) errors.run([&] { forward_step(step, p, u, packed); });
#pragma omp barrier
    }
  }
  errors.rethrow();
}

// The gradient of a result, contiguous, or undefined when nothing downstream used it.
Tensor grad_of(const Tensor& y) {
  Tensor g = y.grad();
  if (!g.defined()) return g;
  if (g.dtype() != y.dtype()) g = g.copy(y.dtype());
  return dense(g);
}

// forward was, per step, gates = x_t W_ih^T + h_prev W_hh^T + b and (h, c) = cell(gates, h_prev, c_prev)
// (see kernels/rnn_cell.cc for the pointwise derivatives). With dG_t = the gate gradients of step t:
//   dh_prev = (pointwise part) + dG_t W_hh      dx_t = dG_t W_ih
//   dW_ih = sum_t dG_t^T x_t    dW_hh = sum_t dG_t^T h_prev(t)    db_ih = db_hh = sum_t,b dG_t
// (the GRU's hidden side uses its own gate gradients dGh, whose n block is dG_n * r).
template <class T>
void run_backward(const RnnCall& c, const RnnSaved& s, const Tensor& out, const Tensor& h_last, const Tensor& c_last) {
  const Tensor d_out = grad_of(out);
  const Tensor d_h_last = grad_of(h_last);
  const Tensor d_c_last = c_last.defined() ? grad_of(c_last) : Tensor();
  if (!d_out.defined() && !d_h_last.defined() && !d_c_last.defined()) return;
  const int64_t T_ = c.T, B = c.B, H = c.H, GH = c.G() * H, BH = B * H, TB = T_ * B;
  const DType dt = dtype_of<T>();

  Tensor carry = Tensor::empty({2, B, H}, dt);  // dh and dc flowing back through time
  T* dh = carry.data<T>();
  T* dc = dh + BH;
  copy_or_zero<T>(d_h_last, dh, BH);
  copy_or_zero<T>(d_c_last, dc, BH);

  T* gx = s.gates_x.data<T>();
  T* gh = s.gates_h.defined() ? s.gates_h.data<T>() : nullptr;
  const T* hs = s.h_states.data<T>();
  const T* cs = s.c_states.defined() ? s.c_states.data<T>() : nullptr;
  const T* dout = d_out.defined() ? d_out.data<T>() : nullptr;
  const T* w_hh = c.w_hh_dense.data<T>();
  const bool need_h0 = c.h0.defined() && c.h0.requires_grad();
  // Per step and thread: the pointwise backward on its units (which writes their gate gradients and
  // their columns of dh, dc), a barrier (every gate gradient of the step is needed), then
  // dh[:, units] += dG_t W_hh[:, units]. The next step's pointwise only touches this thread's own
  // columns and the previous step's gate rows, so no second barrier is needed.
  const int threads = step_threads(c);
  RegionErrors errors;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int p = omp_get_thread_num(), n = omp_get_num_threads();
    const UnitRange u = units_of(H, p, n);
    const kernels::RnnStepShape shape{B, H, u.begin, u.end};
    const bool mine = u.begin < u.end;
    for (int64_t step = 0; step < T_; ++step) {
      const int64_t t = c.reverse ? step : T_ - 1 - step;
      T* gx_t = gx + t * B * GH;
      T* dgates_h = c.kind == CellKind::kGru ? gh + t * B * GH : gx_t;  // the gate gradients that meet W_hh
      const T* dout_t = dout ? dout + t * BH : nullptr;
      if (mine)
        errors.run([&] {
          switch (c.kind) {
            case CellKind::kLstm:
              kernels::lstm_backward_step<T>(shape, gx_t, cs + c.prev_slot(t) * BH, cs + c.next_slot(t) * BH,
                                             c.valid_at(t), dout_t, dh, dc);
              break;
            case CellKind::kGru:
              kernels::gru_backward_step<T>(shape, gx_t, dgates_h, hs + c.prev_slot(t) * BH, c.valid_at(t), dout_t, dh);
              break;
            case CellKind::kElman:
              kernels::rnn_backward_step<T>(shape, gx_t, hs + c.next_slot(t) * BH, c.valid_at(t), dout_t, dh);
              break;
          }
        });
#pragma omp barrier
      if (mine && (step + 1 < T_ || need_h0))
        errors.run([&] {
          kernels::gemm({false, false, B, u.end - u.begin, GH, GH, H, H}, T(1), dgates_h, w_hh + u.begin, T(1),
                        dh + u.begin);
        });
    }
  }
  errors.rethrow();

  const T* dgx = gx;
  const T* dgh = gh ? gh : gx;
  if (c.x.requires_grad())
    kernels::gemm({false, false, TB, c.I, GH, GH, c.I, c.I}, T(1), dgx, c.w_ih_dense.data<T>(), T(1),
                  grad_buffer(c.x).template data<T>());
  if (c.w_ih.requires_grad())
    kernels::add_weight_gradient<T>(dgx, c.x_dense.data<T>(), TB, GH, c.I, grad_buffer(c.w_ih).template data<T>());
  if (c.w_hh.requires_grad()) {
    const T* h_prev_block = hs + (c.reverse ? BH : 0);  // h_prev of every step, [T*B,H]
    kernels::add_weight_gradient<T>(dgh, h_prev_block, TB, GH, H, grad_buffer(c.w_hh).template data<T>());
  }
  if (c.b_ih.defined() && c.b_ih.requires_grad())
    add_column_sums<T>(dgx, TB, GH, grad_buffer(c.b_ih).template data<T>());
  if (c.b_hh.defined() && c.b_hh.requires_grad())
    add_column_sums<T>(dgh, TB, GH, grad_buffer(c.b_hh).template data<T>());
  if (need_h0) {
    T* d = grad_buffer(c.h0).template data<T>();
    for (int64_t i = 0; i < BH; ++i) d[i] += dh[i];
  }
  if (c.c0.defined() && c.c0.requires_grad()) {
    T* d = grad_buffer(c.c0).template data<T>();
    for (int64_t i = 0; i < BH; ++i) d[i] += dc[i];
  }
}

RnnLayerResult run(RnnCall c) {
  RnnSaved saved;
  RnnLayerResult r;
  dispatch_float(c.x.dtype(), c.op, [&]<class T>() { run_forward<T>(c, saved, r.out); });
  const int64_t BH = c.B * c.H;
  const Shape state{c.B, c.H};
  r.h = saved.h_states.view_strided(state, {c.H, 1}, saved.h_states.offset() + c.last_slot() * BH).copy();
  if (c.kind == CellKind::kLstm)
    r.c = saved.c_states.view_strided(state, {c.H, 1}, saved.c_states.offset() + c.last_slot() * BH).copy();
  if (any_requires_grad({&c.x, &c.w_ih, &c.w_hh, &c.b_ih, &c.b_hh, &c.h0, &c.c0})) {
    r.out.set_requires_grad();
    r.h.set_requires_grad();
    if (r.c.defined()) r.c.set_requires_grad();
    // The closure keeps the results as handles to read their gradients; their data stays alive anyway.
    tape().record([c = std::move(c), saved, out = r.out, h = r.h, cell = r.c] {
      dispatch_float(c.x.dtype(), c.op, [&]<class T>() { run_backward<T>(c, saved, out, h, cell); });
    });
  }
  return r;
}

}  // namespace

RnnLayerResult lstm_layer(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                          const Tensor& b_hh, const Tensor& h0, const Tensor& c0, const Tensor& mask, bool reverse) {
  return run(prepare("lstm_layer", CellKind::kLstm, false, x, w_ih, w_hh, b_ih, b_hh, h0, c0, mask, reverse));
}

RnnLayerResult gru_layer(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                         const Tensor& b_hh, const Tensor& h0, const Tensor& mask, bool reverse) {
  return run(prepare("gru_layer", CellKind::kGru, false, x, w_ih, w_hh, b_ih, b_hh, h0, {}, mask, reverse));
}

RnnLayerResult rnn_layer(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                         const Tensor& b_hh, const Tensor& h0, const Tensor& mask, bool reverse) {
  return run(prepare("rnn_layer", CellKind::kElman, false, x, w_ih, w_hh, b_ih, b_hh, h0, {}, mask, reverse));
}

LstmState lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c, const Tensor& w_ih, const Tensor& w_hh,
                    const Tensor& b_ih, const Tensor& b_hh) {
  RnnLayerResult r = run(prepare("lstm_cell", CellKind::kLstm, true, x, w_ih, w_hh, b_ih, b_hh, h, c, {}, false));
  return {r.h, r.c};
}

Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  return run(prepare("gru_cell", CellKind::kGru, true, x, w_ih, w_hh, b_ih, b_hh, h, {}, {}, false)).h;
}

Tensor rnn_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  return run(prepare("rnn_cell", CellKind::kElman, true, x, w_ih, w_hh, b_ih, b_hh, h, {}, {}, false)).h;
}

}  // namespace attend
