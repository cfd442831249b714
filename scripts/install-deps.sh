#!/usr/bin/env bash
# Installs everything attend needs to build, test and benchmark, from Debian 12 packages only.
# Idempotent: safe to run again. Needs root (or sudo).
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
)
# The PyTorch peer for benchmarks is optional for building and testing.
if [ "${ATTEND_WITH_PEER:-0}" = "1" ]; then PACKAGES+=(python3-torch); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
