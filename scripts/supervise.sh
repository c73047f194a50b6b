#!/usr/bin/env bash
# scripts/supervise.sh NAME COMMAND... — runs COMMAND and starts it again whenever it exits on its
# own, saying so. npm run up runs every service under it: the services wait out broker and database
# faults themselves, so an exit is a crash or a configuration error, and a local stack should not
# silently lose a service (issue 13: a notifier that exited left crossings unnotified).
# The pause grows with restarts that come quickly (2, 4, 8, 16, then 30 s) and starts again at 2 s
# after a run of a minute or more. SIGTERM or SIGINT stops the command and this script.
LOG_TAG=up
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name="${1:?usage: scripts/supervise.sh NAME COMMAND...}"
shift
[ "$#" -gt 0 ] || die "usage: scripts/supervise.sh NAME COMMAND..."

child=""
stopping=0
stop() {
  stopping=1
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  exit 0
}
trap stop TERM INT

restarts=0
while :; do
  started=$SECONDS
  "$@" &
  child=$!
  code=0
  wait "$child" || code=$?
  child=""
  [ "$stopping" = 1 ] && exit 0
  if [ $((SECONDS - started)) -ge 60 ]; then restarts=0; fi
  restarts=$((restarts + 1))
  delay=$((2 ** (restarts < 5 ? restarts : 5)))
  [ "$delay" -gt 30 ] && delay=30
  log "$name exited with code $code; restarting it in $delay s (restart $restarts)"
  # In the background, so a signal during the pause is handled at once.
  sleep "$delay" &
  child=$!
  wait "$child" || true
  child=""
  [ "$stopping" = 1 ] && exit 0
  log "restarting $name"
done
