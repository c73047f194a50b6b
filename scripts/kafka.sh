#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) without Docker.
#   scripts/kafka.sh up       resolve from Maven Central (once), format storage (once), start, wait until ready
#   scripts/kafka.sh down     stop it cleanly (SIGTERM, then SIGKILL after 30 s)
#   scripts/kafka.sh status   say whether it runs
#   scripts/kafka.sh restart  down then up (same data)
#   scripts/kafka.sh reset    down, wipe the data directory, up
# Idempotent: `up` reuses a broker that already answers on the port.
LOG_TAG=kafka
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx1G -Xms256M}"
LIB_DIR="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
RUN_DIR="${KAFKA_RUN_DIR:-$CACHE_DIR/kafka-run-$KAFKA_PORT}"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
CONFIG_FILE="$RUN_DIR/server.properties"
CLUSTER_ID_FILE="$RUN_DIR/cluster-id"

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid; pid="$(cat "$PID_FILE")"
  # A stale pid file (after a reboot) may name another process now: only a Kafka broker counts.
  kill -0 "$pid" 2>/dev/null || return 1
  case "$(ps -p "$pid" -o args= 2>/dev/null)" in *kafka.Kafka*) printf '%s\n' "$pid" ;; *) return 1 ;; esac
}

resolve() {
  if [ -f "$LIB_DIR/.complete" ]; then return 0; fi
  require_cmd java "Kafka needs Java 17 or newer: apt-get install openjdk-17-jre-headless"
  require_cmd mvn "Kafka is resolved from Maven Central with Maven: apt-get install maven"
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [ "${major:-0}" -ge 17 ] || die "Kafka $KAFKA_VERSION needs Java 17 or newer; java -version says ${major:-unknown}"
  log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central into $LIB_DIR"
  mkdir -p "$LIB_DIR"
  mvn -q -B -f "$ROOT_DIR/infra/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$LIB_DIR" \
    || die "Maven could not resolve Kafka $KAFKA_VERSION (is Maven Central reachable?)"
  touch "$LIB_DIR/.complete"
}

render_config() {
  sed -e "s#@LOG_DIR@#$DATA_DIR#" -e "s#@PORT@#$KAFKA_PORT#" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#" \
    "$ROOT_DIR/infra/kafka/server.properties.template"
}

write_config() {
  mkdir -p "$DATA_DIR"
  render_config > "$CONFIG_FILE"
}

format_storage() {
  [ -f "$DATA_DIR/meta.properties" ] && return 0
  # Kafka's own generator: a random base64url id may start with "-", which the tool would read as an option.
  if [ ! -s "$CLUSTER_ID_FILE" ]; then
    java -cp "$LIB_DIR/*" -Dlog4j2.configurationFile="$ROOT_DIR/infra/kafka/log4j2.properties" \
      kafka.tools.StorageTool random-uuid > "$CLUSTER_ID_FILE" 2>>"$LOG_FILE" || die "could not generate a cluster id; see $LOG_FILE"
  fi
  log "formatting KRaft storage in $DATA_DIR"
  java -cp "$LIB_DIR/*" -Dlog4j2.configurationFile="$ROOT_DIR/infra/kafka/log4j2.properties" \
    kafka.tools.StorageTool format --cluster-id="$(tr -d '[:space:]' < "$CLUSTER_ID_FILE")" --config "$CONFIG_FILE" --ignore-formatted >>"$LOG_FILE" 2>&1 \
    || die "formatting storage failed; see $LOG_FILE"
}

wait_ready() {
  local started=$SECONDS
  node "$ROOT_DIR/scripts/kafka-ready.ts" "127.0.0.1:$KAFKA_PORT" "${KAFKA_READY_TIMEOUT_S:-90}" \
    || { tail -n 30 "$LOG_FILE" >&2 || true; die "broker did not become ready; log: $LOG_FILE"; }
  log "ready on 127.0.0.1:$KAFKA_PORT after $((SECONDS - started)) s"
}

up() {
  if pid="$(running_pid)"; then
    # A broker started from an older template (the services and tests rely on its settings, e.g.
    # the shortest consumer-group session it accepts) is restarted with the current one.
    if [ -f "$CONFIG_FILE" ] && ! render_config | cmp -s - "$CONFIG_FILE"; then
      log "infra/kafka/server.properties.template changed since the running broker started; restarting it"
      down
    else
      log "reusing running broker (pid $pid) on 127.0.0.1:$KAFKA_PORT"
      wait_ready
      return 0
    fi
  fi
  if port_open 127.0.0.1 "$KAFKA_PORT"; then
    # Not ours: reuse it only when it is a Kafka broker.
    if node "$ROOT_DIR/scripts/kafka-ready.ts" "127.0.0.1:$KAFKA_PORT" 5 2>/dev/null; then
      log "reusing the Kafka broker already answering on 127.0.0.1:$KAFKA_PORT"
      return 0
    fi
    die "port $KAFKA_PORT is taken by another program that is not a Kafka broker; free it or set KAFKA_PORT"
  fi
  port_open 127.0.0.1 "$KAFKA_CONTROLLER_PORT" \
    && die "controller port $KAFKA_CONTROLLER_PORT is taken by another program; free it or set KAFKA_CONTROLLER_PORT"
  resolve
  mkdir -p "$RUN_DIR"
  write_config
  format_storage
  log "starting Kafka $KAFKA_VERSION (log: $LOG_FILE)"
  # setsid: the broker outlives the shell that started it (npm test, the quick start).
  setsid java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT_DIR/infra/kafka/log4j2.properties" \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_FILE" >>"$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  wait_ready
}

down() {
  local pid
  if ! pid="$(running_pid)"; then log "not running"; rm -f "$PID_FILE"; return 0; fi
  log "stopping broker (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; log "stopped"; return 0; }
    sleep 0.5
  done
  log "still running after 30 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  restart) down; up ;;
  reset) down; rm -rf "$DATA_DIR" "$CLUSTER_ID_FILE"; up ;;
  status)
    if pid="$(running_pid)"; then log "running (pid $pid) on 127.0.0.1:$KAFKA_PORT, Kafka $KAFKA_VERSION"
    else log "not running"; exit 3; fi ;;
  resolve) resolve ;;
  *) die "usage: scripts/kafka.sh up|down|status|restart|reset|resolve" ;;
esac
