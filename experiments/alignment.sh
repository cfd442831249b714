#!/usr/bin/env bash
# RESULTS.md, alignment: the Bible test books' word alignment against the Strong's-number gold (tagged words).
#  1. the unsupervised IBM-model-2 baseline (fast_align's model, `attend align`) in both directions,
#     intersected, union and grow-diag-final-and;
#  2. Bahdanau models with a guided alignment head (configs/bible_bahdanau_alignhead*.json: es->en and en->es),
#     each scored alone by `attend eval` and their links symmetrised by `attend eval aer --other`.
# Usage: experiments/alignment.sh [build-dir]   (trainings resume from runs/ when present)
set -euo pipefail
BUILD=${1:-build}
[ -f data/bible/train.es ] || "$BUILD/attend" data bible --out data/bible
"$BUILD/attend" align --data data/bible --split test --json
for v in bahdanau_alignhead bahdanau_alignhead_en_es; do
  RUN=runs/bible_$v
  if [ -f "$RUN/checkpoint/state.json" ]; then
    "$BUILD/attend" train --out "$RUN" --resume
  else
    "$BUILD/attend" train --config "configs/bible_$v.json" --out "$RUN"
  fi
  "$BUILD/attend" eval --model "$RUN" --split test --beam 5 --json --alignment-out "$RUN.test.align"
done
GOLD=(--gold data/bible/test.gold --tagged data/bible/test.tagged)
"$BUILD/attend" eval aer --json --hyp runs/bible_bahdanau_alignhead.test.align \
  --other runs/bible_bahdanau_alignhead_en_es.test.align "${GOLD[@]}"
# The en->es head read transposed (each English word -> a Spanish word), agreeing with the es->en head's own reading.
"$BUILD/attend" eval --model runs/bible_bahdanau_alignhead_en_es --split test --json \
  --alignment-out runs/bible_bahdanau_alignhead_en_es.test.source.align --alignment-reading source_argmax
"$BUILD/attend" eval aer --json --hyp runs/bible_bahdanau_alignhead.test.align \
  --other runs/bible_bahdanau_alignhead_en_es.test.source.align "${GOLD[@]}"
