#!/usr/bin/env bash
# Installs Lightly's own Python client, unpatched, into one venv per tested version, cached under
# $HOME/.cache/winnow/lightly-<version>/, for test/platform/lightly-client/. Idempotent: returns at once when the
# cached venv matches the pinned requirements.
#
#   bash scripts/lightly-clients/install.sh                 # every tested version
#   bash scripts/lightly-clients/install.sh --print-python 1.5.26   # the venv's python, installs nothing
#
# `--no-deps`: lightly's own requirements pull torch/torchvision, which the API client never imports; the pinned
# requirements-<version>.txt list exactly the pure-Python modules the client imports. 1.5.26 gets numpy 2.3 (the
# reference fixtures in test/fixtures/lightly were written with it: numpy < 2.3 formats large float32 values differently).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${WINNOW_CACHE_DIR:-$HOME/.cache/winnow}"
versions=(1.5.26 1.4.7)
venv_dir() { echo "$cache_root/lightly-$1"; }

if [[ "${1:-}" == "--print-python" ]]; then echo "$(venv_dir "$2")/bin/python"; exit 0; fi

python_bin="${PYTHON:-python3}"
for version in "${versions[@]}"; do
  requirements="$here/requirements-$version.txt"
  dir="$(venv_dir "$version")"
  stamp="$dir/.winnow-install-complete"
  pins="$(sha256sum "$requirements" | cut -c1-16)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" ]]; then echo "lightly $version: cached in $dir"; continue; fi
  echo "lightly $version: installing into $dir"
  rm -rf "$dir"
  "$python_bin" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$requirements"
  # No import check here: lightly 1.4.x asks its server for the latest version while being imported.
  echo "$pins" >"$stamp"
  echo "lightly $version: ready"
done
