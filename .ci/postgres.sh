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
    # Dynamic shared memory lives in the data directory (mmap), not in /dev/shm, which
    # containers often make tiny. A port already taken (55432 is inside Linux's ephemeral
    # range, so any outgoing connection may hold it) moves the server to the next one, and a
    # server that will not start shows its own log instead of pg_ctl's bare "could not start".
    for attempt in 0 1 2 3 4 5 6 7; do
      port=$((PORT + attempt))
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is taken; trying the next one" >&2
        continue
      fi
      if as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 120 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c dynamic_shared_memory_type=mmap" \
        start >/dev/null; then
        echo "postgresql://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
      echo "PostgreSQL did not start on port $port; its log:" >&2
      tail -n 30 "$DIR/server.log" >&2 || true
      as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    done
    echo "PostgreSQL could not be started on ports $PORT-$((PORT + 7))" >&2
    exit 1
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
