#!/usr/bin/env bash
# Regenerates requirements.lock (hashed, universal) from pyproject.toml and the build backend pins.
set -euo pipefail
cd "$(dirname "$0")/.."
uv pip compile pyproject.toml tools/build-requirements.in --extra dev --generate-hashes --universal \
  --python-version 3.11 --custom-compile-command "tools/lock.sh" -o requirements.lock
# The mutation benchmark's own tool, pinned against the project's lock (not installed by dev.py).
uv pip compile benchmarks/mutation.in -c requirements.lock --generate-hashes --universal \
  --python-version 3.11 --custom-compile-command "tools/lock.sh" -o benchmarks/mutation.lock
