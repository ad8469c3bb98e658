#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the persistence tests and print its SQLAlchemy URL.
#
#   export MAINTASSIST_TEST_PG_URL=$(scripts/start_postgres.sh [DIR])
#   ... run tests ...
#   pg_ctl -D DIR/data stop            (the script prints this command on stderr)
#
# Listens on 127.0.0.1 only, on a free port; trust auth (local, test-only). Runs as the
# 'postgres' OS user when started as root, because PostgreSQL refuses to run as root.
set -euo pipefail

BASE="${1:-$(mktemp -d /tmp/maintassist-pg.XXXXXX)}"
PGBIN="${PGBIN:-$(dirname "$(readlink -f "$(command -v pg_ctl || echo /usr/lib/postgresql/15/bin/pg_ctl)")")}"
DATA="$BASE/data"
DB="maintassist_test"
mkdir -p "$BASE"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"

as_pg() {
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$BASE"
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

if [ ! -f "$DATA/PG_VERSION" ]; then
  as_pg "'$PGBIN/initdb' -D '$DATA' -U postgres --auth=trust --encoding=UTF8 --no-locale" >"$BASE/initdb.log" 2>&1
fi
as_pg "'$PGBIN/pg_ctl' -D '$DATA' -l '$BASE/server.log' -w -t 60 \
  -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$BASE' -c fsync=off\" start" >/dev/null
as_pg "'$PGBIN/createdb' -h 127.0.0.1 -p $PORT -U postgres $DB"

echo "stop with: $PGBIN/pg_ctl -D $DATA stop" >&2
echo "postgresql+psycopg2://postgres@127.0.0.1:$PORT/$DB"
