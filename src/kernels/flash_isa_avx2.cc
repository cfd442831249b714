// The flash attention tiles compiled for AVX2 + FMA: 8-lane vectors, 6 x 16 register blocks (12 of the
// 16 ymm registers hold accumulators). Chosen at run time by flash_attention.cc on CPUs without AVX-512.
#include "kernels/flash_job.h"

#ifdef ATTEND_FLASH_X86
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

// Everything included after this line is compiled for AVX2 (flash_tiles.h keeps it file-local).
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")
#include "kernels/flash_tiles.h"

namespace attend::kernels::flash {
namespace {
using Avx2 = Config<8, 6, 2>;
}  // namespace
TileFns tile_fns_avx2() { return make_tile_fns<Avx2>("avx2"); }
}  // namespace attend::kernels::flash
#pragma GCC pop_options
#endif
