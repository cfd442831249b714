#!/usr/bin/env bash
# RESULTS.md: Spanish (Reina-Valera 1909) -> English (King James) verse translation, SentencePiece 8000 on each
# side trained on the training books only; no attention vs Bahdanau vs Luong (configs/bible_*.json), each
# trained into runs/bible_<variant> (resumable), then scored on the test books with beam 5: BLEU, chrF,
# BLEU by source length, and AER of the attention argmax against the Strong's-number gold (JSON lines).
# Usage: experiments/bible.sh [build-dir] [variant ...]   (variants: none bahdanau luong)
set -euo pipefail
BUILD=${1:-build}
shift || true
VARIANTS=${*:-none bahdanau luong}
[ -f data/bible/train.es ] || "$BUILD/attend" data bible --out data/bible
for v in $VARIANTS; do
  RUN=runs/bible_$v
  if [ -f "$RUN/checkpoint/state.json" ]; then
    "$BUILD/attend" train --out "$RUN" --resume
  else
    "$BUILD/attend" train --config "configs/bible_$v.json" --out "$RUN"
  fi
  "$BUILD/attend" eval --model "$RUN" --split test --beam 5 --json
done
