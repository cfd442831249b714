#!/usr/bin/env bash
# RESULTS.md experiment (b): recall of the symbol after a marker placed N/2..N steps back, N = 1,000..10,000,
# hierarchical attention (2 levels, chunk ~ sqrt(N)) vs an LSTM, trained alike (Adam 1e-2, clip 1, batch 16).
# Usage: experiments/recall.sh [build-dir] [steps]   (one JSON line per run)
set -euo pipefail
BUILD=${1:-build}
STEPS=${2:-400}
for n in 1000 2000 5000 10000; do
  chunk=$(python3 -c "import math; print(math.ceil(math.sqrt($n)))")
  for model in hierarchical lstm; do
    "$BUILD/attend" train --task recall --model "$model" --length "$n" --chunk "$chunk" --steps "$STEPS" \
      --batch 16 --vocab 12 --embed 16 --hidden 64 --lr 1e-2 --quiet
  done
done
