#!/usr/bin/env bash
# bench/active-learning: rounds of select → train → predict (Lightly format) → select, every selection by Winnow's CLI.
#   bench/active-learning/run.sh [--datasets sklearn-digits,emoji] [--budgets 1,2,5,10] [--seeds 5] [--rounds-budget 2]
# Needs dist/ (npm run build) and the labeled image folders of bench/datasets (bench/datasets/make.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="$(bash "$here/../datasets/venv.sh")"
exec "$python" "$here/active_learning.py" "$@"
