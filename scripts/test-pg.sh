#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests (test/helpers/pg-server.ts): the embedded-postgres
# package's server (PRODSHAPE_TEST_PG_BIN=/usr/lib/postgresql/15/bin for a system one),
# initdb in a temp dir, a free port on 127.0.0.1, pg_stat_statements and auto_explain
# preloaded, durability off (it is thrown away).
#   eval "$(scripts/test-pg.sh start)"   # exports PRODSHAPE_TEST_DATABASE_URL, PRODSHAPE_TEST_PG_DIR, PRODSHAPE_TEST_PG_LOG
#   scripts/test-pg.sh stop "$PRODSHAPE_TEST_PG_DIR"
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  start) node --import tsx test/helpers/pg-server.ts start ;;
  stop) node --import tsx test/helpers/pg-server.ts stop "${2:?usage: test-pg.sh stop DIR}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 1 ;;
esac
