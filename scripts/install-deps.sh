#!/usr/bin/env bash
# Installs everything attend needs to build, test and benchmark, from Debian 12 packages only.
# Idempotent: safe to run again. Needs root (or sudo). Usage: install-deps.sh [--with-peer]
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config
  libdnnl-dev            # oneDNN: all GEMMs
  nlohmann-json3-dev     # safetensors headers, configs, metric lines
  libcli11-dev           # command line
  libfmt-dev             # formatting (g++ 12 has no std::format)
  libgtest-dev libbenchmark-dev
  libsentencepiece-dev   # subword vocabularies (trained on the training split only)
  libsword-dev           # reading the SWORD Bible modules
  libstb-dev             # stb_image_write + stb_easy_font: PNG heatmaps with labels
  festlex-cmu            # CMUdict (data: /usr/share/festival/dicts/cmu/cmudict-0.4.out)
  sword-text-sparv sword-text-kjv  # Reina-Valera 1909 and King James with Strong's numbers
)
# --with-peer: also Debian's PyTorch (python3-torch, run as /usr/bin/python3) with OpenBLAS (without it torch falls
# back to the reference BLAS and runs 20x slower), the peer that benchmarks
# compare against and that the safetensors interchange tests read and write files with.
if [ "${1:-}" = "--with-peer" ] || [ "${ATTEND_WITH_PEER:-0}" = "1" ]; then PACKAGES+=(python3 python3-torch libopenblas0-pthread); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
