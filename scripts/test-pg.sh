#!/usr/bin/env bash
# `npm run test:pg`: the whole test suite again on a real PostgreSQL server, started for the run on 127.0.0.1 from
# Debian's packages (installed if missing, when run as root) and stopped afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is not installed: apt-get install postgresql" >&2
    exit 1
  fi
fi
URL="$(scripts/pg-test-server.sh start)"
trap 'scripts/pg-test-server.sh stop' EXIT
TEST_DATABASE_URL="$URL" npx vitest run "$@"
# Last, alone, as it restarts the server under the running bot.
if [ "$#" = 0 ]; then TEST_DATABASE_URL="$URL" PG_RESTART_TEST=1 npx vitest run test/scale/pg-restart.test.ts; fi
