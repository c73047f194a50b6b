#!/usr/bin/env bash
# npm run down — stops services started with DETACH=1 npm run up, then the Kafka broker.
LOG_TAG=down
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ -f "$ROOT_DIR/.run/pids" ]; then
  while read -r pid; do pkill -TERM -P "$pid" 2>/dev/null || true; done < "$ROOT_DIR/.run/pids"
  rm -f "$ROOT_DIR/.run/pids"
  log "services stopped"
fi
bash "$ROOT_DIR/scripts/kafka.sh" down
