// PackedGemm on oneDNN's matmul primitive. Primitives come from oneDNN's primitive cache, so building a
// plan with a shape seen before costs microseconds; scratchpads are passed in (user mode) so plans run
// concurrently on several threads.
#include "kernels/packed_gemm.h"

#include <dnnl.hpp>
#include <unordered_map>

#include "base/error.h"

namespace attend::kernels {
namespace {

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

using dims = dnnl::memory::dims;
constexpr auto kF32 = dnnl::memory::data_type::f32;

}  // namespace

struct PackedGemm::Impl {
  GemmShape shape;
  dnnl::memory::desc a_md, w_user_md, c_md;
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul matmul;
  dnnl::reorder pack;
};

PackedGemm::PackedGemm(const GemmShape& s, float beta) : impl_(std::make_unique<Impl>()) {
  ATTEND_CHECK(!s.trans_a && s.m > 0 && s.n > 0 && s.k > 0,
               "packed_gemm: needs a plain a and a non-empty shape, got m={} n={} k={} trans_a={}", s.m, s.n, s.k,
               s.trans_a);
  Impl& p = *impl_;
  p.shape = s;
  try {
    p.a_md = dnnl::memory::desc({s.m, s.k}, kF32, dims{s.lda, 1});
    p.c_md = dnnl::memory::desc({s.m, s.n}, kF32, dims{s.ldc, 1});
    // w as the [K,N] operand: row-major with row stride ldb, or the transpose of an [N,K] matrix.
    p.w_user_md = dnnl::memory::desc({s.k, s.n}, kF32, s.trans_b ? dims{1, s.ldb} : dims{s.ldb, 1});
    const dnnl::memory::desc w_any({s.k, s.n}, kF32, dnnl::memory::format_tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (beta != 0.f) {
      dnnl::post_ops ops;
      ops.append_sum(beta);
      attr.set_post_ops(ops);
    }
    p.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(p.a_md, w_any, p.c_md), attr, cpu_engine());
    p.matmul = dnnl::matmul(p.pd);
    dnnl::primitive_attr reorder_attr;
    reorder_attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const dnnl::reorder::primitive_desc rpd(cpu_engine(), p.w_user_md, cpu_engine(), p.pd.weights_desc(), reorder_attr);
    ATTEND_CHECK(rpd.scratchpad_desc().get_size() == 0, "packed_gemm: the weight reorder wants a scratchpad");
    p.pack = dnnl::reorder(rpd);
  } catch (const dnnl::error& e) {
    ATTEND_FAIL("packed_gemm: oneDNN could not plan m={} n={} k={}: {}", s.m, s.n, s.k, e.what());
  }
}

PackedGemm::~PackedGemm() = default;
PackedGemm::PackedGemm(PackedGemm&&) noexcept = default;
PackedGemm& PackedGemm::operator=(PackedGemm&&) noexcept = default;

size_t PackedGemm::packed_bytes() const { return impl_->pd.weights_desc().get_size(); }
size_t PackedGemm::scratch_bytes() const { return impl_->pd.scratchpad_desc().get_size(); }

void PackedGemm::pack(const float* w, void* packed) const {
  const Impl& p = *impl_;
  dnnl::memory src(p.w_user_md, cpu_engine(), const_cast<float*>(w));
  dnnl::memory dst(p.pd.weights_desc(), cpu_engine(), packed);
  p.pack.execute(thread_stream(), src, dst);
  thread_stream().wait();
}

void PackedGemm::run(const float* a, const void* packed, float* c, void* scratch) const {
  const Impl& p = *impl_;
  const dnnl::engine& eng = cpu_engine();
  dnnl::memory a_mem(p.a_md, eng, const_cast<float*>(a));
  dnnl::memory w_mem(p.pd.weights_desc(), eng, const_cast<void*>(packed));
  dnnl::memory c_mem(p.c_md, eng, c);
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, w_mem}, {DNNL_ARG_DST, c_mem}};
  if (p.pd.scratchpad_desc().get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(p.pd.scratchpad_desc(), eng, scratch));
  p.matmul.execute(thread_stream(), args);
  thread_stream().wait();
}

}  // namespace attend::kernels
