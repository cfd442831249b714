#!/usr/bin/env bash
# Attention sweep: N = 512..8192, H = 8, D = 64, B = 1, causal and not, for attend fused, attend naive
# and the PyTorch peer; one JSON line each. Usage: bench/attention_sweep.sh [path/to/attend] [repeats]
# The peer needs more than ~8 GiB at N = 8192 (its [B,H,N,N] scores, softmax and their gradients), so it
# stops at 4096; attend's naive path holds one head's [N,N] matrices at a time (~0.5 GiB at 8192) and runs.
set -euo pipefail
ATTEND=${1:-build/attend}
REPEATS=${2:-5}
PEER="$(dirname "$0")/peers/attention_peer.py"
# The peer at its best, whatever the shell set: OpenBLAS's AVX-512 kernels where the CPU has them; elsewhere
# OpenBLAS picks for itself (forcing SkylakeX would kill it on an AVX2-only CPU).
if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; else unset OPENBLAS_CORETYPE; fi
for causal in "" "--causal"; do
  for n in 512 1024 2048 4096 8192; do
    reps=$REPEATS
    if [ "$n" -ge 4096 ]; then reps=$(( REPEATS < 3 ? REPEATS : 3 )); fi
    "$ATTEND" bench attention --n "$n" --heads 8 --dim 64 --batch 1 $causal --repeats "$reps" --json
    "$ATTEND" bench attention --n "$n" --heads 8 --dim 64 --batch 1 $causal --repeats "$reps" --naive --json
    if [ "$n" -le 4096 ]; then
      /usr/bin/python3 "$PEER" --n "$n" --heads 8 --dim 64 --batch 1 $causal --repeats "$reps"
    fi
  done
done
