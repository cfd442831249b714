#!/usr/bin/env bash
# RESULTS.md: a trained G2P model against the joint-sequence baseline on the same words, paired.
# Writes both systems' outputs on a split, scores them against every pronunciation of each word, and tests the
# difference: paired bootstrap on PER and WER, McNemar's exact test on words, then approximate randomisation.
# Usage: experiments/g2p_compare.sh RUN_DIR [split] [build-dir] [beam] [best|latest]
#   (latest: the run's last checkpoint, for a run whose dev split was trained on and so cannot pick its best)
#   e.g. experiments/g2p_compare.sh runs/cmudict07_deep test   (the model's data directory is read from its config)
set -euo pipefail
RUN=${1:?usage: experiments/g2p_compare.sh RUN_DIR [split] [build-dir] [beam] [best|latest]}
SPLIT=${2:-test}
BUILD=${3:-build}
BEAM=${4:-5}
WEIGHTS=${5:-best}
case "$WEIGHTS" in best) LATEST=() ;; latest) LATEST=(--latest) ;; *) echo "weights must be best or latest, got $WEIGHTS" >&2; exit 1 ;; esac
DATA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["dir"])' "$RUN/config.json")
SRC=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["src"])' "$RUN/config.json")
TGT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["tgt"])' "$RUN/config.json")
OUT=$RUN/compare_$SPLIT
mkdir -p "$OUT"
paste "$DATA/$SPLIT.$SRC" "$DATA/$SPLIT.$TGT" > "$OUT/ref.tsv"
"$BUILD/attend" eval --model "$RUN" --split "$SPLIT" --beam "$BEAM" "${LATEST[@]}" --hyp-out "$OUT/model.tsv" --json
"$BUILD/attend" g2p-baseline --data "$DATA" --src "$SRC" --tgt "$TGT" --split "$SPLIT" --out "$OUT/jsm.tsv" --json
"$BUILD/attend" eval per --ref "$OUT/ref.tsv" --hyp "$OUT/model.tsv" --baseline "$OUT/jsm.tsv"
"$BUILD/attend" eval per --ref "$OUT/ref.tsv" --hyp "$OUT/model.tsv" --baseline "$OUT/jsm.tsv" --paired ar
