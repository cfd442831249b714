#!/usr/bin/env bash
# The foundation benchmarks, side by side in one run: matmul through Tensor + autograd vs raw dnnl_sgemm,
# and one LSTM layer vs the PyTorch peer (alternating rounds so machine noise hits both alike).
# Usage: bench/foundation.sh [build-dir] [rounds]   (prints JSON lines)
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${2:-3}
export ATTEND_THREADS=2
# The peer at its best, whatever the shell set: OpenBLAS's AVX-512 kernels where the CPU has them; elsewhere
# OpenBLAS picks for itself (forcing SkylakeX would kill it on an AVX2-only CPU).
if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; else unset OPENBLAS_CORETYPE; fi
"$BUILD/attend" bench matmul --json --repeats 15
for r in $(seq 1 "$ROUNDS"); do
  "$BUILD/attend" bench lstm --json --repeat 10
  /usr/bin/python3 "$(dirname "$0")/peers/lstm_peer.py" --repeat 10
done
