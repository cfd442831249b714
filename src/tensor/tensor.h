// Tensor: a refcounted handle to an N-d strided view of pooled, 64-byte aligned storage.
// Views (reshape of contiguous data, transpose, slice) share storage. Autograd state (requires_grad,
// the accumulated gradient) lives here too; the ops that record backward closures are in autograd/.
// Handles are cheap to copy but not thread-safe to share (the refcounts of impls and storage are plain
// integers): kernels run threaded on raw pointers. Making and dropping tensors on several threads at once is
// safe (per-thread impl pools, a locked storage cache) as long as no impl or storage (a view, a .grad) is
// shared between the threads.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tensor/allocator.h"
#include "tensor/dtype.h"
#include "tensor/shape.h"

namespace attend {

struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  Tensor(const Tensor& o);
  Tensor(Tensor&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
  Tensor& operator=(const Tensor& o);
  Tensor& operator=(Tensor&& o) noexcept;
  ~Tensor();

  // Factories. Contents of `empty` are uninitialised.
  static Tensor empty(const Shape& shape, DType dtype = DType::F32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32);
  static Tensor ones(const Shape& shape, DType dtype = DType::F32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::F32);
  static Tensor scalar(double value, DType dtype = DType::F32);
  template <class T>
  static Tensor from(const std::vector<T>& values, const Shape& shape);
  static Tensor arange(int64_t n, DType dtype = DType::I64);

  bool defined() const { return impl_ != nullptr; }
  DType dtype() const;
  const Shape& shape() const;
  const Shape& strides() const;
  int ndim() const { return shape().ndim(); }
  int64_t size(int axis) const;  // negative axes count from the end
  int64_t numel() const { return shape().numel(); }
  int64_t offset() const;  // in elements, into the storage
  bool is_contiguous() const;
  bool same_storage(const Tensor& o) const;

  // Typed pointer to the first element (checks the dtype).
  template <class T>
  T* data() const;
  void* raw_data() const;

  // Element access for tests and small host code (slow; any dtype, converts to double).
  double at(std::initializer_list<int64_t> index) const;
  double item() const;  // one-element tensors
  template <class T>
  std::vector<T> to_vector() const;  // any layout, row-major order

  // A contiguous copy in the same or another dtype; no autograd (see ops for the recorded version).
  Tensor copy(DType dtype) const;
  Tensor copy() const { return copy(dtype()); }
  // Fills in place (no autograd).
  Tensor& fill_(double value);
  Tensor& copy_from_(const Tensor& src);  // same shape; src may be strided

  // Views that share storage (no autograd here; ops::reshape etc. record).
  Tensor view_as_shape(const Shape& shape) const;              // requires contiguous
  Tensor view_strided(const Shape& shape, const Shape& strides, int64_t offset) const;

  // Autograd state.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on = true);
  Tensor grad() const;            // undefined until a backward pass reached this tensor
  void set_grad(const Tensor& g);
  void zero_grad();               // drops the gradient
  Tensor detach() const;          // same data, no autograd
  // Runs reverse mode from this tensor: a one-element loss, or any tensor with an explicit upstream
  // gradient of the same shape. Clears the tape afterwards.
  void backward() const;
  void backward(const Tensor& grad_output) const;

  std::string str(int max_elements = 20) const;
  TensorImpl* impl() const { return impl_; }

 private:
  explicit Tensor(TensorImpl* impl) : impl_(impl) {}
  TensorImpl* impl_ = nullptr;
  friend struct TensorImpl;
};

struct TensorImpl {
  Storage* storage = nullptr;
  int64_t offset = 0;
  Shape shape;
  Shape strides;
  DType dtype = DType::F32;
  bool requires_grad = false;
  int32_t refs = 0;
  Tensor grad;

  static TensorImpl* create();
  void retain() { ++refs; }
  void release();
};

template <class T>
T* Tensor::data() const {
  ATTEND_CHECK(impl_ != nullptr, "tensor: data() of an undefined tensor");
  ATTEND_CHECK(impl_->dtype == dtype_of<T>(), "tensor: data<{}>() of a {} tensor", dtype_name(dtype_of<T>()),
               dtype_name(impl_->dtype));
  return static_cast<T*>(impl_->storage->data) + impl_->offset;
}

}  // namespace attend
