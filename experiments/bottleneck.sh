#!/usr/bin/env bash
# RESULTS.md experiment (a): reversal of sequences of length 10..100 with and without attention.
# Both models: LSTM encoder-decoder, embed 64, hidden 128, Adam 3e-3, clip 1, batch 32, same seed and steps.
# Usage: experiments/bottleneck.sh [build-dir] [steps] [out-dir]
set -euo pipefail
BUILD=${1:-build}
STEPS=${2:-1500}
OUT=${3:-/tmp/attend_bottleneck}
mkdir -p "$OUT"
for att in ${ATTENTIONS:-general none}; do
  "$BUILD/attend" train --task reverse --attention "$att" --min-length 10 --max-length ${MAXLEN:-100} --vocab ${VOCAB:-203} \
    --embed 64 --hidden ${HIDDEN:-128} --batch 32 --steps "$STEPS" --lr 3e-3 --checkpoint-every 0 --log-every 100 \
    --eval-lengths 10,20,30,40,50,60,70,80,90,100 --out "$OUT/$att"
done
