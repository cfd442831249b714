#!/usr/bin/env bash
# RESULTS.md experiment (a): reversal of sequences of length 10..100 with and without attention.
# Both models: LSTM encoder-decoder, embed 64, hidden 256, Adam 2e-3, clip 1, batch 64, same seed and steps.
# Usage: experiments/bottleneck.sh [build-dir] [steps] [out-dir]
set -euo pipefail
BUILD=${1:-build}
STEPS=${2:-3000}
OUT=${3:-/tmp/attend_bottleneck}
mkdir -p "$OUT"
for att in none general; do
  "$BUILD/attend" train --task reverse --attention "$att" --min-length 10 --max-length 100 --vocab 23 \
    --embed 64 --hidden 256 --batch 64 --steps "$STEPS" --lr 2e-3 --checkpoint-every 0 --log-every 500 \
    --eval-lengths 10,20,30,40,50,60,70,80,90,100 --out "$OUT/$att"
done
