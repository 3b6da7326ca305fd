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
# Server builds from Maven Central (cached) for the tests of other servers: VAR, unless already set,
# names the base directory; without a build those tests skip with a notice.
server_build() {
  local var="$1" what="$2" script="$3" basedir
  [[ -n "${!var:-}" ]] && return 0
  step "$what build"
  if basedir="$(bash "$script" | tail -n 1)"; then
    export "$var=$basedir"
  else
    echo "test: could not fetch a $what build; its tests will be skipped" >&2
  fi
}
server_build BINSNAP_TEST_MYSQL_BASEDIR "MySQL 8" scripts/fetch-mysql.sh
# (The 4 GB binlog test takes its MariaDB build from BINSNAP_TEST_MARIADB_BASEDIR: opt-in.)
server_build BINSNAP_TEST_MARIADB11_BASEDIR "MariaDB 11.4" scripts/fetch-mariadb.sh
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
