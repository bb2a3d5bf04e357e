#!/usr/bin/env bash
# Installs every Debian package reclink's build, tests and benchmarks need. Idempotent: when
# everything is installed it only checks (a second or two) and touches nothing.
set -euo pipefail
PACKAGES=(
  g++ cmake ninja-build pkg-config git
  libtbb-dev libsimdjson-dev libxxhash-dev libtomlplusplus-dev libutf8proc-dev libhwy-dev
  libcli11-dev rapidjson-dev libabsl-dev libjemalloc-dev zlib1g-dev libzstd-dev libgtest-dev libgmock-dev libbenchmark-dev
  zstd gzip time python3 ccache
  pybind11-dev python3-dev python3-pandas python3-numpy python3-pytest
  python3-setuptools python3-pip python3-venv
  chromium
  libopenmpi-dev openmpi-bin
)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
