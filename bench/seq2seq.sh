#!/usr/bin/env bash
# attend bench seq2seq vs the PyTorch peer (bench/peers/seq2seq_peer.py), the same Bahdanau model and sizes,
# alternating rounds so machine noise hits both alike. Both sides use 2 threads.
# Each round: attend in float32 and in mixed precision (--precision bf16: large GEMMs on bf16 operands with float
# accumulation), then the peer in float32 (the goal's yardstick) and under torch.autocast bfloat16.
# Usage: bench/seq2seq.sh [build-dir] [rounds]   (prints JSON lines; compare medians)
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${2:-3}
export ATTEND_THREADS=2
# The peer at its best, whatever the shell set: OpenBLAS's AVX-512 kernels where the CPU has them; elsewhere
# OpenBLAS picks for itself (forcing SkylakeX would kill it on an AVX2-only CPU).
if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; else unset OPENBLAS_CORETYPE; fi
for r in $(seq 1 "$ROUNDS"); do
  for p in f32 bf16; do "$BUILD/attend" --precision "$p" bench seq2seq --json --steps 5 --decode-runs 2; done
  /usr/bin/python3 "$(dirname "$0")/peers/seq2seq_peer.py" --threads 2 --steps 5 --decode-runs 2
  /usr/bin/python3 "$(dirname "$0")/peers/seq2seq_peer.py" --threads 2 --steps 5 --decode-runs 2 --bf16
done
