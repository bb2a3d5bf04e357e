#!/usr/bin/env bash
# Sets up, builds and runs reclink's main job on the shipped demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null
exec build/reclink profile datasets/demo/customers.csv
