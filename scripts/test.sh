#!/usr/bin/env bash
# npm test: installs what is missing, brings up the infrastructure, then typecheck, lint,
# unit tests (three host time zones) and integration tests against real Kafka, PostgreSQL and Redis.
# Extra arguments go to vitest (e.g. `npm test -- services/counter`).
LOG_TAG=test
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR"

require_node_modules
bash scripts/infra.sh up

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
