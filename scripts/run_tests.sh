#!/usr/bin/env bash
# Run the test suite with a throwaway PostgreSQL server, so the persistence tests run on both
# SQLite and PostgreSQL. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
pg_dir="$(mktemp -d /tmp/maintassist-pg.XXXXXX)"
if url="$(bash scripts/start_postgres.sh "$pg_dir" 2>/dev/null)"; then
  export MAINTASSIST_TEST_PG_URL="$url"
  trap 'su postgres -s /bin/bash -c "pg_ctl -D $pg_dir/data stop -m fast" >/dev/null 2>&1 || pg_ctl -D "$pg_dir/data" stop -m fast >/dev/null 2>&1 || true' EXIT
  echo "PostgreSQL for tests: $url"
else
  echo "PostgreSQL could not be started; postgres-marked tests will be skipped" >&2
fi
"$PY" -m pytest "$@"
