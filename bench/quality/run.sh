#!/usr/bin/env bash
# bench/quality: selection quality on real labeled images (see README.md beside this file).
#   bench/quality/run.sh [--plot docs/selection-quality.png] [--markdown out.md] EMBEDDINGS.csv ...
# Each CSV is an embeddings file of a labeled image folder (winnow embed DIR: the class folder is the label).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="$("$here/../datasets/venv.sh")"
work="${WINNOW_BENCH_WORK:-$HOME/.cache/winnow/bench-work/quality}"
mkdir -p "$work"
eval_args=()
while [[ $# -gt 0 && "$1" == --* ]]; do eval_args+=("$1" "$2"); shift 2; done
pairs=()
for csv in "$@"; do
  out="$work/$(basename "$csv" .csv).rankings.json"
  npx node "$here/select-rankings.mts" --embeddings "$csv" --out "$out" --seeds "${SEEDS:-5}"
  pairs+=("$out:$csv")
done
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 exec "$python" "$here/evaluate.py" "${eval_args[@]}" "${pairs[@]}"
