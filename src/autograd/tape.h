// The tape: define-by-run reverse mode. Each op that has an input requiring grad records one backward
// closure; backward() walks the closures in reverse order. Closures live in a bump arena whose chunks
// are kept between steps, so recording does not touch the heap once a training step has warmed up.
#pragma once
#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace attend {

class Tape {
 public:
  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  ~Tape();

  // Records fn (callable as fn()) to run during backward.
  template <class F>
  void record(F&& fn) {
    using Fn = std::decay_t<F>;
    void* mem = allocate(sizeof(Fn), alignof(Fn));
    Fn* obj = new (mem) Fn(std::forward<F>(fn));
    entries_.push_back(Entry{obj, [](void* p) { (*static_cast<Fn*>(p))(); },
                             [](void* p) { static_cast<Fn*>(p)->~Fn(); }});
  }

  // Runs every recorded closure in reverse order, then clears.
  void run_backward();
  // Drops every recorded closure (and the tensors they keep alive); keeps the arena's memory.
  void clear();
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    void* obj;
    void (*run)(void*);
    void (*destroy)(void*);
  };
  void* allocate(size_t bytes, size_t align);

  std::vector<Entry> entries_;
  std::vector<std::unique_ptr<std::byte[]>> chunks_;
  size_t chunk_index_ = 0;
  size_t chunk_used_ = 0;
  static constexpr size_t kChunkBytes = 1 << 20;
};

// The tape of the calling thread.
Tape& tape();

// Grad mode: when off, ops record nothing and outputs never require grad.
bool grad_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad mode is on and any of the inputs requires grad: the op must record.
inline bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && t->requires_grad()) return true;
  return false;
}

// The gradient buffer of t, created zero-filled (contiguous, t's shape and dtype) on first use.
// Backward kernels add into it.
Tensor& grad_buffer(const Tensor& t);
// Like grad_buffer, but a buffer created here is left uninitialised and *fresh is set: the caller must
// then overwrite every element (e.g. a GEMM with beta = 0) instead of adding. Saves a zero-fill pass.
Tensor& grad_buffer_for_overwrite(const Tensor& t, bool* fresh);

}  // namespace attend
