#!/usr/bin/env bash
# Installs (when missing) and starts everything the tests need; each part caches under $HOME and returns at once
# when its cache is complete:
#   - Debian's chromium, docker-compose and postgresql (scripts/install-debian-packages.sh), then
#     MinIO, the Temporal dev server and a throwaway PostgreSQL cluster (scripts/services.sh),
#   - a real n8n on Node 24 for the nodes' end-to-end test (scripts/n8n-host/install.sh),
#   - Lightly's own Python clients (lightly 1.5.26 and 1.4.7, no torch) in venvs (scripts/lightly-clients/install.sh).
# The slow, independent installs run in parallel; any failure fails the whole step with its log.
set -uo pipefail
cd "$(dirname "$0")/.."
logs="$(mktemp -d)"
pids=()
names=()
start() { local name=$1; shift; "$@" >"$logs/$name.log" 2>&1 & pids+=($!); names+=("$name"); }

start services bash -c 'bash scripts/install-debian-packages.sh && bash scripts/services.sh up'
start n8n bash scripts/n8n-host/install.sh
start lightly bash scripts/lightly-clients/install.sh

failed=0
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    echo "prepare: ${names[$i]} ready"
  else
    echo "prepare: ${names[$i]} FAILED; its log:"; tail -n 60 "$logs/${names[$i]}.log"; failed=1
  fi
done
exit $failed
