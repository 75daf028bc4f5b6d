#!/usr/bin/env bash
# Creates (once) the Python venv that bench/datasets and bench/quality use and prints its python's path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${WINNOW_BENCH_VENV:-$HOME/.cache/winnow/venvs/bench-quality}"
stamp="$venv/.requirements"
if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$stamp"
fi
echo "$venv/bin/python"
