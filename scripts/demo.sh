#!/usr/bin/env bash
# Sets up, builds and runs reclink's main job on the shipped demo data: deduplicate
# datasets/demo/customers.csv with datasets/demo/rules.toml into out/demo/, and print the run
# summary with precision/recall/F1 against the data's ground-truth column (entity_id).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null
exec build/reclink dedupe --rules datasets/demo/rules.toml --out out/demo --truth entity_id \
  datasets/demo/customers.csv
