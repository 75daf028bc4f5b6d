#!/usr/bin/env bash
# Writes the benchmark image folders: bench/datasets/make.sh [--out DIR] [NAME ...] (see write_datasets.py).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="$("$here/venv.sh")"
exec "$python" "$here/write_datasets.py" "$@"
