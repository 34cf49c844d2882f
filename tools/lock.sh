#!/usr/bin/env bash
# Regenerates requirements.lock (hashed, universal) from pyproject.toml and the build backend pins,
# requirements-runtime.lock (what `b24conform run` needs, nothing else) and the mutation benchmark's lock.
set -euo pipefail
cd "$(dirname "$0")/.."
uv pip compile pyproject.toml tools/build-requirements.in --extra dev --generate-hashes --universal \
  --python-version 3.11 --custom-compile-command "tools/lock.sh" -o requirements.lock
# The runtime lock: pyproject.toml's own dependencies only (no dev extra: no SDKs, no pytest-xdist; no build
# backend), at the versions requirements.lock pins, so a CI install and a developer's checkout run the same
# judge. The GitHub Action (action.yml) and the CI templates install from it with --require-hashes.
uv pip compile pyproject.toml -c requirements.lock --generate-hashes --universal \
  --python-version 3.11 --custom-compile-command "tools/lock.sh" -o requirements-runtime.lock
# The mutation benchmark's own tool, pinned against the project's lock (not installed by dev.py).
uv pip compile benchmarks/mutation.in -c requirements.lock --generate-hashes --universal \
  --python-version 3.11 --custom-compile-command "tools/lock.sh" -o benchmarks/mutation.lock
