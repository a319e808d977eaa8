#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the test suite and prints its DATABASE_URL.
# Installs PostgreSQL from Debian's packages when the machine has none. Usage:
#   DATABASE_URL=$(bash .ci/postgres.sh start)   ...   bash .ci/postgres.sh stop
set -euo pipefail
PORT="${FLOWDECK_PG_PORT:-55432}"
DIR="${FLOWDECK_PG_DIR:-/tmp/flowdeck-pg}"

find_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && echo "$bin"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    BIN=$(find_bin || true)
    if [ -z "$BIN" ]; then
      echo "installing PostgreSQL from Debian packages..." >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
      BIN=$(find_bin)
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --home "$DIR" postgres; fi
    # Debian's package starts its own cluster on 5432; ours is separate and disposable.
    if [ -f "$DIR/data/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    # Durability is irrelevant for a throwaway test server; fsync off keeps the suite fast.
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    BIN=$(find_bin || true)
    [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
