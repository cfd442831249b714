// The flash attention tiles compiled for AVX-512: 16-lane vectors, 6 x 64 register blocks (24 of the 32
// zmm registers hold accumulators). Chosen at run time by flash_attention.cc when the CPU has AVX-512.
#include "kernels/flash_job.h"

#ifdef ATTEND_FLASH_X86
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

// Everything included after this line is compiled for AVX-512 (flash_tiles.h keeps it file-local).
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi,bmi2")
#include "kernels/flash_tiles.h"

namespace attend::kernels::flash {
namespace {
using Avx512 = Config<16, 6, 4>;
}  // namespace
TileFns tile_fns_avx512() { return make_tile_fns<Avx512>("avx512"); }
}  // namespace attend::kernels::flash
#pragma GCC pop_options
#endif
