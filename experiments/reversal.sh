#!/usr/bin/env bash
# RESULTS.md experiment (a), real-data pipeline: reversal of 10..100 symbols (20-symbol alphabet), the same
# bidirectional LSTM encoder-decoder with and without attention (configs/reverse_{attention,none}.json: the
# attention model adds Bahdanau additive + location-aware attention; both start the decoder from the encoder's
# final states), then greedy exact-match accuracy (100 - WER) and PER on 200 fresh sequences per length.
# Usage: experiments/reversal.sh [build-dir]   (ATTEND_THREADS=1 to leave a core free)
set -euo pipefail
BUILD=${1:-build}
"$BUILD/attend" data reverse --out data/reverse
for m in attention none; do
  [ -f runs/reverse_$m/best/state.json ] || "$BUILD/attend" train --config configs/reverse_$m.json --out runs/reverse_$m
  for L in 10 20 30 40 50 60 70 80 90 100; do
    "$BUILD/attend" eval --model runs/reverse_$m --split len$L --beam 1 --json
  done
done
