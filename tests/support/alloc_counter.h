// Counts heap allocations of the whole test process (malloc family and operator new, including calls
// from shared libraries such as oneDNN) so tests can assert that a steady-state step allocates nothing.
#pragma once
#include <cstdint>

namespace attend::testing {

uint64_t heap_allocations();  // allocations since process start
// Of those, the ones made while oneDNN's sgemm was running (its internal buffers and threading).
uint64_t heap_allocations_in_sgemm();

}  // namespace attend::testing
