// The flash attention tiles for any CPU: 4-lane vectors (SSE2 on x86-64, whatever the compiler makes of
// them elsewhere), 6 x 8 register blocks. The fallback when neither AVX-512 nor AVX2 is present.
#include "kernels/flash_tiles.h"

namespace attend::kernels::flash {
namespace {
using Generic = Config<4, 6, 2>;
}  // namespace
TileFns tile_fns_generic() { return make_tile_fns<Generic>("generic"); }
}  // namespace attend::kernels::flash
