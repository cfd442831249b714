// Tensor handle, pooled TensorImpl objects, factories, strided copies and printing.
#include "tensor/tensor.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/parallel_chunks.h"

namespace attend {
namespace {

// Released TensorImpl objects, kept per thread so that tensors can be made on several threads at once
// without a lock. A thread's pool is freed when the thread ends; an impl released after that (a
// thread_local tensor destroyed later in the thread's exit) is deleted instead of pooled.
thread_local bool t_pool_gone = false;  // trivially destructible: still readable during thread exit

struct ImplPool {
  std::vector<TensorImpl*> free;
  ~ImplPool() {
    for (TensorImpl* t : free) delete t;
    t_pool_gone = true;
  }
};

std::vector<TensorImpl*>* impl_pool() {
  if (t_pool_gone) return nullptr;
  thread_local ImplPool pool;
  return &pool.free;
}

// Copies a strided source into a contiguous destination of another (or the same) dtype.
template <class Src, class Dst>
void strided_copy(const Src* src, const Shape& shape, const Shape& strides, Dst* dst) {
  const int nd = shape.ndim();
  const int64_t n = shape.numel();
  if (n == 0) return;
  if (nd == 0) {
    dst[0] = static_cast<Dst>(src[0]);
    return;
  }
  const int64_t inner = shape[nd - 1];
  const int64_t inner_stride = strides[nd - 1];
  int64_t idx[Shape::kMaxDims] = {0};
  int64_t out = 0;
  int64_t src_off = 0;
  while (out < n) {
    const Src* s = src + src_off;
    if (inner_stride == 1) {
      for (int64_t i = 0; i < inner; ++i) dst[out + i] = static_cast<Dst>(s[i]);
    } else {
      for (int64_t i = 0; i < inner; ++i) dst[out + i] = static_cast<Dst>(s[i * inner_stride]);
    }
    out += inner;
    // advance the outer multi-index
    for (int d = nd - 2; d >= 0; --d) {
      idx[d]++;
      src_off += strides[d];
      if (idx[d] < shape[d]) break;
      src_off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

TensorImpl* TensorImpl::create() {
  auto* pool = impl_pool();
  TensorImpl* t;
  if (pool && !pool->empty()) {
    t = pool->back();
    pool->pop_back();
  } else {
    t = new TensorImpl();
  }
  t->refs = 1;
  return t;
}

void TensorImpl::release() {
  if (--refs > 0) return;
  if (storage) storage->release();
  storage = nullptr;
  offset = 0;
  requires_grad = false;
  grad = Tensor();
  // Capped: a thread that only drops tensors made elsewhere would otherwise grow its pool without bound.
  constexpr size_t kMaxPooled = 1 << 16;
  if (auto* pool = impl_pool(); pool != nullptr && pool->size() < kMaxPooled) {
    pool->push_back(this);
  } else {
    delete this;
  }
}

Tensor::Tensor(const Tensor& o) : impl_(o.impl_) {
  if (impl_) impl_->retain();
}
Tensor& Tensor::operator=(const Tensor& o) {
  if (o.impl_) o.impl_->retain();
  if (impl_) impl_->release();
  impl_ = o.impl_;
  return *this;
}
Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    if (impl_) impl_->release();
    impl_ = o.impl_;
    o.impl_ = nullptr;
  }
  return *this;
}
Tensor::~Tensor() {
  if (impl_) impl_->release();
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  TensorImpl* t = TensorImpl::create();
  t->shape = shape;
  t->strides = contiguous_strides(shape);
  t->dtype = dtype;
  t->storage = Storage::create(static_cast<size_t>(shape.numel()) * dtype_size(dtype));
  return Tensor(t);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  // Threaded in 1 MiB pieces: large zeroed buffers (the output layer's gradient) are a serial stretch
  // otherwise, first-touch page faults included.
  const size_t bytes = static_cast<size_t>(t.numel()) * dtype_size(dtype);
  constexpr size_t kPiece = size_t{1} << 20;
  char* p = static_cast<char*>(t.raw_data());
  kernels::parallel_chunks(static_cast<int64_t>((bytes + kPiece - 1) / kPiece), static_cast<int64_t>(bytes / 4),
                           [&](int64_t first, int64_t last) {
                             const size_t from = static_cast<size_t>(first) * kPiece;
                             const size_t to = std::min(bytes, static_cast<size_t>(last) * kPiece);
                             std::memset(p + from, 0, to - from);
                           });
  return t;
}
Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor Tensor::full(const Shape& shape, double value, DType dtype) { return empty(shape, dtype).fill_(value); }
Tensor Tensor::scalar(double value, DType dtype) { return full(Shape{}, value, dtype); }

template <class T>
Tensor Tensor::from(const std::vector<T>& values, const Shape& shape) {
  ATTEND_CHECK(static_cast<int64_t>(values.size()) == shape.numel(), "tensor: {} values given for shape {}",
               values.size(), shape);
  Tensor t = empty(shape, dtype_of<T>());
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  return t;
}
template Tensor Tensor::from<float>(const std::vector<float>&, const Shape&);
template Tensor Tensor::from<double>(const std::vector<double>&, const Shape&);
template Tensor Tensor::from<int32_t>(const std::vector<int32_t>&, const Shape&);
template Tensor Tensor::from<int64_t>(const std::vector<int64_t>&, const Shape&);

Tensor Tensor::arange(int64_t n, DType dtype) {
  Tensor t = empty(Shape{n}, dtype);
  dispatch_any(dtype, "tensor", [&]<class T>() {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
  });
  return t;
}

DType Tensor::dtype() const {
  ATTEND_CHECK(impl_, "tensor: dtype() of an undefined tensor");
  return impl_->dtype;
}
const Shape& Tensor::shape() const {
  ATTEND_CHECK(impl_, "tensor: shape() of an undefined tensor");
  return impl_->shape;
}
const Shape& Tensor::strides() const {
  ATTEND_CHECK(impl_, "tensor: strides() of an undefined tensor");
  return impl_->strides;
}
int64_t Tensor::size(int axis) const { return shape()[shape().axis(axis, "size")]; }
int64_t Tensor::offset() const { return impl_ ? impl_->offset : 0; }

bool Tensor::is_contiguous() const {
  const Shape& s = shape();
  int64_t expect = 1;
  for (int i = s.ndim() - 1; i >= 0; --i) {
    if (s[i] != 1 && impl_->strides[i] != expect) return false;
    expect *= s[i];
  }
  return true;
}

bool Tensor::same_storage(const Tensor& o) const {
  return impl_ && o.impl_ && impl_->storage == o.impl_->storage;
}

void* Tensor::raw_data() const {
  ATTEND_CHECK(impl_, "tensor: data of an undefined tensor");
  return static_cast<char*>(impl_->storage->data) + impl_->offset * static_cast<int64_t>(dtype_size(impl_->dtype));
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  const Shape& s = shape();
  ATTEND_CHECK(static_cast<int>(index.size()) == s.ndim(), "tensor: {} indices for a {}-d tensor", index.size(),
               s.ndim());
  int64_t off = 0;
  int d = 0;
  for (int64_t i : index) {
    ATTEND_CHECK(i >= 0 && i < s[d], "tensor: index {} out of range for axis {} of size {}", i, d, s[d]);
    off += i * impl_->strides[d];
    ++d;
  }
  return dispatch_any(dtype(), "tensor", [&]<class T>() { return static_cast<double>(data<T>()[off]); });
}

double Tensor::item() const {
  ATTEND_CHECK(numel() == 1, "tensor: item() of a tensor with {} elements, shape {}", numel(), shape());
  return dispatch_any(dtype(), "tensor", [&]<class T>() { return static_cast<double>(data<T>()[0]); });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  std::vector<T> out(static_cast<size_t>(numel()));
  dispatch_any(dtype(), "tensor", [&]<class S>() { strided_copy(data<S>(), shape(), strides(), out.data()); });
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

Tensor Tensor::copy(DType to) const {
  Tensor out = empty(shape(), to);
  dispatch_any(dtype(), "tensor", [&]<class S>() {
    dispatch_any(to, "tensor", [&]<class D>() { strided_copy(data<S>(), shape(), strides(), out.data<D>()); });
  });
  return out;
}

Tensor& Tensor::fill_(double value) {
  ATTEND_CHECK(is_contiguous(), "tensor: fill_ on a non-contiguous view {}", shape());
  dispatch_any(dtype(), "tensor", [&]<class T>() {
    T* p = data<T>();
    const T v = static_cast<T>(value);
    for (int64_t i = 0, n = numel(); i < n; ++i) p[i] = v;
  });
  return *this;
}

Tensor& Tensor::copy_from_(const Tensor& src) {
  ATTEND_CHECK(src.shape() == shape(), "tensor: copy_from_ shape mismatch: {} into {}", src.shape(), shape());
  ATTEND_CHECK(is_contiguous(), "tensor: copy_from_ into a non-contiguous view {}", shape());
  dispatch_any(src.dtype(), "tensor", [&]<class S>() {
    dispatch_any(dtype(), "tensor", [&]<class D>() { strided_copy(src.data<S>(), src.shape(), src.strides(), data<D>()); });
  });
  return *this;
}

Tensor Tensor::view_as_shape(const Shape& s) const {
  ATTEND_CHECK(s.numel() == numel(), "reshape: cannot view {} ({} elements) as {} ({} elements)", shape(), numel(), s,
               s.numel());
  ATTEND_CHECK(is_contiguous(), "reshape: view of a non-contiguous tensor {}", shape());
  return view_strided(s, contiguous_strides(s), impl_->offset);
}

Tensor Tensor::view_strided(const Shape& s, const Shape& st, int64_t off) const {
  TensorImpl* t = TensorImpl::create();
  t->storage = impl_->storage;
  t->storage->retain();
  t->offset = off;
  t->shape = s;
  t->strides = st;
  t->dtype = impl_->dtype;
  return Tensor(t);
}

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }
Tensor& Tensor::set_requires_grad(bool on) {
  ATTEND_CHECK(impl_, "tensor: set_requires_grad on an undefined tensor");
  ATTEND_CHECK(!on || is_floating(impl_->dtype), "tensor: only floating tensors can require grad, got {}",
               dtype_name(impl_->dtype));
  impl_->requires_grad = on;
  return *this;
}
Tensor Tensor::grad() const { return impl_ ? impl_->grad : Tensor(); }
void Tensor::set_grad(const Tensor& g) {
  ATTEND_CHECK(impl_, "tensor: set_grad on an undefined tensor");
  impl_->grad = g;
}
void Tensor::zero_grad() {
  if (impl_) impl_->grad = Tensor();
}
Tensor Tensor::detach() const {
  if (!impl_) return Tensor();
  return view_strided(impl_->shape, impl_->strides, impl_->offset);
}

std::string Tensor::str(int max_elements) const {
  if (!impl_) return "Tensor(undefined)";
  std::string s = fmt::format("Tensor({} {} [", dtype_name(dtype()), shape());
  auto v = to_vector<double>();
  for (size_t i = 0; i < v.size() && static_cast<int>(i) < max_elements; ++i)
    s += fmt::format("{}{:.6g}", i ? ", " : "", v[i]);
  if (static_cast<int>(v.size()) > max_elements) s += ", ...";
  return s + "])";
}

}  // namespace attend
