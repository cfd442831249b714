#!/usr/bin/env bash
# RESULTS.md: CMUdict grapheme-to-phoneme (festlex-cmu 0.4, our 90/5/5 split by word hash, stress-free phones).
# Prepares the data, trains configs/cmudict.json into runs/cmudict (resumable: run again after a kill), and
# scores the best dev model on the test split with greedy and beam-5 decoding (JSON lines).
# Usage: experiments/cmudict.sh [build-dir] [config]
# The RESULTS.md run of 2026-12-02: ATTEND_THREADS=1 ATTEND_PRECISION=bf16 experiments/cmudict.sh (mixed precision;
# keep the same ATTEND_PRECISION when resuming).
set -euo pipefail
BUILD=${1:-build}
CONFIG=${2:-configs/cmudict.json}
RUN=runs/$(basename "$CONFIG" .json)
[ -f data/cmudict/train.src ] || "$BUILD/attend" data cmudict --out data/cmudict
if [ -f "$RUN/checkpoint/state.json" ]; then
  "$BUILD/attend" train --out "$RUN" --resume
else
  "$BUILD/attend" train --config "$CONFIG" --out "$RUN"
fi
"$BUILD/attend" eval --model "$RUN" --split test --beam 1 --json
"$BUILD/attend" eval --model "$RUN" --split test --beam 5 --json
