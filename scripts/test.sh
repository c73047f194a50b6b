#!/usr/bin/env bash
# npm test: installs what is missing, brings up the infrastructure, then typecheck, lint,
# unit tests (three host time zones) and integration tests against real Kafka, PostgreSQL and Redis,
# among them the portal's browser tests on Debian's chromium (installed here when missing).
# Extra arguments go to vitest (e.g. `npm test -- services/counter`).
LOG_TAG=test
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR"

require_node_modules
bash scripts/infra.sh up
# The portal's browser tests drive Debian's chromium (playwright-core, never a downloaded browser).
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  [ "$(id -u)" = 0 ] || die "/usr/bin/chromium is missing: sudo apt-get install -y chromium (the portal's browser tests need it)"
  log "installing Debian's chromium for the portal's browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

started=$SECONDS
log "typecheck"
# Project references cannot check without emitting; the output goes to dist/ (ignored) and makes the next run incremental.
tsc -b
log "lint"
eslint .
prettier --check .
log "unit and integration tests"
mkdir -p .run
status=0
vitest run --reporter=default --reporter=json --outputFile.json=.run/vitest-results.json "$@" || status=$?
# One plain closing line that any CI reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".run/vitest-results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
[ "$status" -eq 0 ] || exit "$status"
log "all checks passed in $((SECONDS - started)) s"
