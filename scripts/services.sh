#!/usr/bin/env bash
# Starts/stops the real services Winnow's tests and developers use, on 127.0.0.1 only:
#   MinIO (S3), the Temporal dev server and a throwaway PostgreSQL cluster. Binaries are built once with `go install` and cached under $HOME.
# Usage: scripts/services.sh up|down|env
set -euo pipefail

CACHE="${WINNOW_CACHE:-$HOME/.cache/winnow}"
BIN="$CACHE/bin"
RUN="$CACHE/services"
MINIO_PORT="${WINNOW_MINIO_PORT:-9000}"
TEMPORAL_PORT="${WINNOW_TEMPORAL_PORT:-7233}"
MINIO_USER="${WINNOW_MINIO_USER:-winnowadmin}"
MINIO_PASSWORD="${WINNOW_MINIO_PASSWORD:-winnow-minio-secret}"
mkdir -p "$BIN" "$RUN"
export PATH="$BIN:$PATH"

log() { printf '[services] %s\n' "$*" >&2; }

ensure_binary() { # name, go package
  local name=$1 pkg=$2
  if [ -x "$BIN/$name" ]; then return; fi
  command -v go >/dev/null || { log "go is required to build $name"; exit 1; }
  log "installing $name with go install $pkg (first time only, cached in $BIN)"
  GOBIN="$BIN" GOFLAGS=-mod=mod go install "$pkg" >&2
}

wait_http() { # url, seconds
  local url=$1 t=$2
  for _ in $(seq 1 $((t * 5))); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

wait_tcp() { # port, seconds
  local port=$1 t=$2
  for _ in $(seq 1 $((t * 5))); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start_minio() {
  ensure_binary minio github.com/minio/minio@latest
  # Already serving (started by this script earlier, or by hand): use it.
  if wait_http "http://127.0.0.1:$MINIO_PORT/minio/health/live" 1; then return; fi
  mkdir -p "$RUN/minio-data"
  log "starting MinIO on 127.0.0.1:$MINIO_PORT"
  MINIO_ROOT_USER="$MINIO_USER" MINIO_ROOT_PASSWORD="$MINIO_PASSWORD" MINIO_BROWSER=off \
    MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off \
    setsid nohup "$BIN/minio" server "$RUN/minio-data" --address "127.0.0.1:$MINIO_PORT" --quiet \
    >"$RUN/minio.log" 2>&1 </dev/null &
  echo $! >"$RUN/minio.pid"
  wait_http "http://127.0.0.1:$MINIO_PORT/minio/health/live" 60 || { log "MinIO did not become healthy; see $RUN/minio.log"; exit 1; }
}

start_temporal() {
  ensure_binary temporal github.com/temporalio/cli/cmd/temporal@v1.5.1
  if wait_tcp "$TEMPORAL_PORT" 1; then return; fi
  log "starting the Temporal dev server on 127.0.0.1:$TEMPORAL_PORT"
  setsid nohup "$BIN/temporal" server start-dev --headless --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --db-filename "$RUN/temporal.db" --log-level warn \
    >"$RUN/temporal.log" 2>&1 </dev/null &
  echo $! >"$RUN/temporal.pid"
  wait_tcp "$TEMPORAL_PORT" 60 || { log "Temporal did not start; see $RUN/temporal.log"; exit 1; }
  # The port opens before the frontend serves; wait until the default namespace answers.
  for _ in $(seq 1 150); do
    if "$BIN/temporal" operator namespace describe --address "127.0.0.1:$TEMPORAL_PORT" default >/dev/null 2>&1; then return; fi
    sleep 0.2
  done
  log "Temporal namespace 'default' not ready; see $RUN/temporal.log"; exit 1
}

PG_PORT="${WINNOW_PG_PORT:-55432}"
# PostgreSQL refuses to run as root and cannot traverse /root, so its throwaway cluster lives outside $HOME.
PG_DIR="${WINNOW_PG_DIR:-/var/tmp/winnow-postgres}"

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$dir" ]; then
    log "installing PostgreSQL from Debian packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  echo "$dir"
}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  local bin; bin=$(pg_bin)
  if as_pg "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then return; fi
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    mkdir -p "$PG_DIR"; [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    as_pg "$bin/initdb" -D "$PG_DIR/data" -U winnow --auth=trust -E UTF8 >/dev/null
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
  as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U winnow -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='winnow'" | grep -q 1 ||
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U winnow winnow
}

stop_postgres() {
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$bin" ] && [ -f "$PG_DIR/data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 && log "stopped postgres"
  return 0
}

stop() {
  local name=$1
  if alive "$name"; then
    local pid; pid=$(cat "$RUN/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $name"
  fi
  rm -f "$RUN/$name.pid"
}

print_env() {
  cat <<ENV
export WINNOW_S3_ENDPOINT=http://127.0.0.1:$MINIO_PORT
export WINNOW_S3_ACCESS_KEY_ID=$MINIO_USER
export WINNOW_S3_SECRET_ACCESS_KEY=$MINIO_PASSWORD
export WINNOW_S3_REGION=us-east-1
export WINNOW_MINIO_BIN=$BIN/minio
export WINNOW_MINIO_DATA=$RUN/minio-data
export WINNOW_MINIO_PIDFILE=$RUN/minio.pid
export WINNOW_TEST_POSTGRES_URL=postgres://winnow@127.0.0.1:$PG_PORT/winnow
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export WINNOW_TEMPORAL_BIN=$BIN/temporal
ENV
}

case "${1:-}" in
  up) start_minio; start_temporal; start_postgres; print_env | tee "$RUN/env.sh" ;;
  down) stop minio; stop temporal; stop_postgres ;;
  env) print_env ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
