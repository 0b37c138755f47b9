#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the test suite (Debian's postgresql package):
#   scripts/pg-test-server.sh start   → prints the DATABASE_URL to use
#   scripts/pg-test-server.sh stop
# Data lives in a temporary folder and is deleted on stop. Runs the server as the `postgres` user when started as root.
set -euo pipefail
PORT="${PG_TEST_PORT:-54329}"
DIR="${PG_TEST_DIR:-/tmp/roma-bot-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$BIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DIR/data" -U bot --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U bot bot_test
    echo "postgres://bot@127.0.0.1:$PORT/bot_test"
    ;;
  stop)
    if [ -d "$DIR/data" ]; then as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$DIR"
    ;;
  restart)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w restart >/dev/null
    ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
