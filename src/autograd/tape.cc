// Tape storage, reverse walk, grad mode, and Tensor::backward.
#include "autograd/tape.h"

#include <cstring>

namespace attend {

Tape::~Tape() { clear(); }

void* Tape::allocate(size_t bytes, size_t align) {
  ATTEND_CHECK(bytes <= kChunkBytes, "tape: closure of {} bytes is too large", bytes);
  for (;;) {
    if (chunk_index_ < chunks_.size()) {
      size_t start = (chunk_used_ + align - 1) / align * align;
      if (start + bytes <= kChunkBytes) {
        chunk_used_ = start + bytes;
        return chunks_[chunk_index_].get() + start;
      }
      ++chunk_index_;
      chunk_used_ = 0;
      continue;
    }
    chunks_.push_back(std::make_unique<std::byte[]>(kChunkBytes));
    chunk_used_ = 0;
  }
}

void Tape::run_backward() {
  // Closures may not record (backward of backward is not supported), so pause recording.
  NoGradGuard no_grad;
  for (size_t i = entries_.size(); i-- > 0;) entries_[i].run(entries_[i].obj);
  clear();
}

void Tape::clear() {
  for (size_t i = entries_.size(); i-- > 0;) entries_[i].destroy(entries_[i].obj);
  entries_.clear();
  chunk_index_ = 0;
  chunk_used_ = 0;
}

Tape& tape() {
  thread_local Tape t;
  return t;
}

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

Tensor& grad_buffer(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (!impl->grad.defined()) impl->grad = Tensor::zeros(t.shape(), t.dtype());
  return impl->grad;
}

Tensor& grad_buffer_for_overwrite(const Tensor& t, bool* fresh) {
  TensorImpl* impl = t.impl();
  *fresh = !impl->grad.defined();
  if (*fresh) impl->grad = Tensor::empty(t.shape(), t.dtype());
  return impl->grad;
}

void Tensor::backward() const {
  ATTEND_CHECK(defined() && numel() == 1, "backward: needs a one-element loss or an explicit gradient, got shape {}",
               defined() ? shape() : Shape{});
  backward(Tensor::ones(shape(), dtype()));
}

void Tensor::backward(const Tensor& grad_output) const {
  ATTEND_CHECK(defined(), "backward: undefined tensor");
  ATTEND_CHECK(grad_output.shape() == shape(), "backward: gradient shape {} differs from tensor shape {}",
               grad_output.shape(), shape());
  ATTEND_CHECK(requires_grad(), "backward: tensor {} does not require grad (no input needed a gradient)", shape());
  if (!impl()->grad.defined()) {
    impl()->grad = grad_output.copy(dtype());  // one pass: a dense copy in this tensor's dtype
  } else {
    Tensor& g = impl()->grad;
    Tensor tmp = grad_output.copy(dtype());
    dispatch_float(dtype(), "backward", [&]<class T>() {
      T* d = g.data<T>();
      const T* s = tmp.data<T>();
      for (int64_t i = 0, n = g.numel(); i < n; ++i) d[i] += s[i];
    });
  }
  tape().run_backward();
}

}  // namespace attend
