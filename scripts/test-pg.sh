#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: initdb in a temp dir, a free port on 127.0.0.1,
# pg_stat_statements and auto_explain preloaded, durability off (it is thrown away).
#   eval "$(scripts/test-pg.sh start)"   # exports PRODSHAPE_TEST_DATABASE_URL and PRODSHAPE_TEST_PG_DIR
#   scripts/test-pg.sh stop "$PRODSHAPE_TEST_PG_DIR"
set -euo pipefail

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
  echo "$d"
}

as_pg() {
  # PostgreSQL refuses to run as root: run its tools as the postgres user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

start() {
  local bin dir port
  bin=$(pg_bin)
  dir=$(mktemp -d /tmp/prodshape-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
shared_preload_libraries = 'pg_stat_statements,auto_explain'
pg_stat_statements.track = all
logging_collector = off
log_destination = 'stderr'
log_timezone = 'UTC'
timezone = 'UTC'
CONF
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d template1 -qAt -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
  echo "export PRODSHAPE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
  echo "export PRODSHAPE_TEST_PG_DIR=$dir"
  echo "export PRODSHAPE_TEST_PG_LOG=$dir/server.log"
}

stop() {
  local dir=${1:?usage: test-pg.sh stop DIR}
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 1 ;;
esac
