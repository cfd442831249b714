#!/usr/bin/env bash
# RESULTS.md: the CMUdict 0.7 split with the dev words added to training, for a final model trained by a recipe
# fixed on dev (steps, LR, dropout). dev stays as it was (now trained on: its scores say nothing), test is untouched.
# Usage: experiments/cmudict07_train_dev.sh [from=data/cmudict07] [to=data/cmudict07_trdev]
set -euo pipefail
FROM=${1:-data/cmudict07}
TO=${2:-data/cmudict07_trdev}
mkdir -p "$TO"
for f in src nostress.tgt; do
  cat "$FROM/train.$f" "$FROM/dev.$f" > "$TO/train.$f"
  cp "$FROM/dev.$f" "$FROM/test.$f" "$TO/"
done
wc -l "$TO"/train.src "$TO"/dev.src "$TO"/test.src
