#!/usr/bin/env bash
# Installs Debian's Chromium for the web app's browser tests (test/web), when it is missing.
# Idempotent: returns at once when /usr/bin/chromium exists. playwright-core drives it through executablePath,
# because Playwright's own browser download cannot reach its CDN from a closed network.
set -euo pipefail
CHROMIUM="${WINNOW_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo present) at $CHROMIUM"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing on a fresh image; a failed install is retried once after refreshing them.
if ! $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi
echo "chromium: $("$CHROMIUM" --version) at $CHROMIUM"
