#!/usr/bin/env bash
# Checks the documented offline install (docs/python.md): a venv on the Debian interpreter with
# its packages (pandas), `pip install --no-build-isolation --no-index .` (setup.py builds the
# extension with CMake in build-python/), then the demo deduplicated from the installed module.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$(mktemp -d)/venv
trap 'rm -rf "$(dirname "$VENV")"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install --quiet --no-build-isolation --no-index .
cd "$(dirname "$VENV")"  # away from the checkout: the installed package must be the one imported
"$VENV/bin/python" - "$OLDPWD" <<'PY'
import sys, reclink
root = sys.argv[1]
assert reclink.__file__.startswith(sys.prefix), reclink.__file__
r = reclink.dedupe(root + "/datasets/demo/customers.csv", rules=root + "/datasets/demo/rules.toml")
assert len(r.clusters) == 3000 and r.summary["clusters"] == 1958, r
print("installed module OK:", reclink.__file__, r)
PY
