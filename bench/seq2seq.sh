#!/usr/bin/env bash
# attend bench seq2seq vs the PyTorch peer (bench/peers/seq2seq_peer.py), the same Bahdanau model and sizes,
# alternating rounds so machine noise hits both alike. Both sides use 2 threads.
# Usage: bench/seq2seq.sh [build-dir] [rounds]   (prints JSON lines; compare medians)
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${2:-3}
export ATTEND_THREADS=2
export OPENBLAS_CORETYPE=SkylakeX  # the peer at its best: OpenBLAS's AVX-512 kernels, whatever the shell set
for r in $(seq 1 "$ROUNDS"); do
  "$BUILD/attend" bench seq2seq --json --steps 5 --decode-runs 2
  /usr/bin/python3 "$(dirname "$0")/peers/seq2seq_peer.py" --threads 2 --steps 5 --decode-runs 2
done
