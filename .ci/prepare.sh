#!/usr/bin/env bash
# Installs (when missing) and starts every service the tests need. Each part caches under $HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh up
