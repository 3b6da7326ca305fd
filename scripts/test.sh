#!/usr/bin/env bash
# The whole test command (`npm test`): installs missing system packages, builds,
# type-checks, lints, then runs the unit and integration tests. Integration
# tests start their own throwaway MariaDB (primary + replica), Redis and Kafka.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
t0=$(date +%s)

if [[ ! -d node_modules ]]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi
step "system packages"
bash scripts/install-deps.sh --test
if [[ -z "${BINSNAP_TEST_MYSQL_BASEDIR:-}" ]]; then
  step "MySQL 8 build (for the MySQL source tests)"
  # From Maven Central, cached; without it those tests skip with a notice.
  if basedir="$(bash scripts/fetch-mysql.sh | tail -n 1)"; then
    export BINSNAP_TEST_MYSQL_BASEDIR="$basedir"
  else
    echo "test: could not fetch a MySQL build; the MySQL source tests will be skipped" >&2
  fi
fi
if [[ -z "${BINSNAP_TEST_MARIADB11_BASEDIR:-}" ]]; then
  step "MariaDB 11.4 build (for the newer-server tests)"
  # From Maven Central, cached; without it those tests skip with a notice. (The 4 GB binlog test
  # takes its build from BINSNAP_TEST_MARIADB_BASEDIR, which stays opt-in.)
  if basedir="$(bash scripts/fetch-mariadb.sh | tail -n 1)"; then
    export BINSNAP_TEST_MARIADB11_BASEDIR="$basedir"
  else
    echo "test: could not fetch a MariaDB 11.4 build; the MariaDB 11 tests will be skipped" >&2
  fi
fi
step "build"
npm run -s build
step "type-check"
npx tsc -p tsconfig.json --noEmit
step "lint"
npx eslint .
step "tests (unit + integration)"
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results.json "$@" || status=$?
printf '\n==> npm test finished in %s s\n' "$(( $(date +%s) - t0 ))"
# The closing line, plain for any CI: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(".tmp/vitest-results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || echo "vitest wrote no results (it failed before running tests)"
exit $status
