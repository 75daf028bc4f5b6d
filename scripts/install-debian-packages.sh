#!/usr/bin/env bash
# Installs, in one apt transaction, the Debian packages the tests need and a fresh machine lacks:
#   chromium (+ fonts) for the web app's browser tests, docker-compose for the static compose check,
#   postgresql for the store suite on PostgreSQL. Idempotent: installs only what is missing.
# One transaction, because parallel apt-get runs fight over the dpkg lock.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v docker-compose >/dev/null || missing+=(docker-compose)
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  echo "debian packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "debian packages: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
