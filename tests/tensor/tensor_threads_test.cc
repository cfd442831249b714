// Tensors made and dropped on several threads at once: the TensorImpl pool is per thread, so no impl is
// handed to two live tensors and a tensor may end its life on another thread than the one that made it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "tensor/tensor.h"

namespace attend {
namespace {

// Each live tensor holds one value that names its thread and iteration; a pooled impl handed out twice
// would overwrite another slot's tensor and show up as a wrong value.
int64_t churn(int thread_id, int iterations) {
  constexpr int kSlots = 16;
  std::vector<Tensor> slots(kSlots);
  std::vector<float> expected(kSlots, 0.0f);
  int64_t wrong = 0;
  auto check = [&] {
    for (int s = 0; s < kSlots; ++s) {
      if (!slots[s].defined()) continue;
      const float* p = slots[s].data<float>();
      for (int64_t i = 0; i < slots[s].numel(); ++i) wrong += p[i] != expected[s];
    }
  };
  for (int it = 0; it < iterations; ++it) {
    const int s = it % kSlots;
    const float v = static_cast<float>(thread_id * 100000 + it);
    const int64_t rows = 1 + it % 5;
    Tensor fresh = Tensor::full({rows, 3}, v);
    Tensor view = fresh.view_strided({3, rows}, {1, 3}, 0);  // a second impl on the same storage
    slots[s] = view.copy();
    expected[s] = v;
    if (it % 97 == 0) check();
  }
  check();
  return wrong;
}

TEST(TensorThreads, TensorsMadeOnFourThreadsAtOnceStayDistinct) {
  std::atomic<int64_t> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([t, &wrong] { wrong += churn(t, 20000); });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(TensorThreads, TensorOutlivesTheThreadThatMadeIt) {
  std::vector<Tensor> made(3);
  for (int round = 0; round < 3; ++round) {
    std::thread th([&made, round] {
      std::vector<Tensor> scratch;
      for (int i = 0; i < 50; ++i) scratch.push_back(Tensor::full({4}, i));
      made[round] = Tensor::full({2, 2}, 7.0 + round);
    });  // the thread's pool (with its 50 released impls) is freed when it ends
    th.join();
  }
  for (int round = 0; round < 3; ++round) {
    for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(made[round].data<float>()[i], 7.0f + round);
  }
  made.clear();  // released here, into this thread's pool
  Tensor again = Tensor::full({2, 2}, 1.0);
  EXPECT_EQ(again.data<float>()[3], 1.0f);
}

}  // namespace
}  // namespace attend
