#!/usr/bin/env bash
# Infrastructure for development, tests and CI, without Docker:
#   scripts/infra.sh up     PostgreSQL and Redis (started with the machine's own binaries when down) and Kafka
#   scripts/infra.sh down   stops the Kafka broker this project started (PostgreSQL and Redis belong to the machine)
# DATABASE_URL, REDIS_URL and KAFKA_BROKERS point elsewhere; then nothing is started, only checked.
LOG_TAG=infra
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/honorarium}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"

local_host() { [ "$1" = 127.0.0.1 ] || [ "$1" = localhost ]; }

wait_port() { # host port seconds
  for _ in $(seq 1 $(( $3 * 4 ))); do port_open "$1" "$2" && return 0; sleep 0.25; done
  return 1
}

postgres_up() {
  read -r host port < <(host_port "$DATABASE_URL" 5432)
  port_open "$host" "$port" && { log "PostgreSQL answers on $host:$port"; return 0; }
  local_host "$host" || die "PostgreSQL does not answer on $host:$port (DATABASE_URL); start it there"
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    local version; version="$(ls /etc/postgresql | sort -V | tail -n1)"
    log "starting PostgreSQL $version with pg_ctlcluster"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || die "pg_ctlcluster could not start PostgreSQL $version"
  else
    die "PostgreSQL does not answer on $host:$port and is not installed here (apt-get install postgresql), or set DATABASE_URL"
  fi
  wait_port "$host" "$port" 30 || die "PostgreSQL did not come up on $host:$port"
}

redis_up() {
  read -r host port < <(host_port "$REDIS_URL" 6379)
  port_open "$host" "$port" && { log "Redis answers on $host:$port"; return 0; }
  local_host "$host" || die "Redis does not answer on $host:$port (REDIS_URL); start it there"
  require_cmd redis-server "Redis is not installed: apt-get install redis-server, or set REDIS_URL"
  log "starting Redis on $host:$port"
  mkdir -p "$CACHE_DIR/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$CACHE_DIR/redis" --logfile "$CACHE_DIR/redis/redis.log" || die "redis-server could not start"
  wait_port "$host" "$port" 15 || die "Redis did not come up on $host:$port"
}

kafka_up() {
  if [ "$KAFKA_BROKERS" != "127.0.0.1:${KAFKA_PORT:-9092}" ]; then
    read -r host port < <(host_port "${KAFKA_BROKERS%%,*}" 9092)
    port_open "$host" "$port" || die "Kafka does not answer on $host:$port (KAFKA_BROKERS)"
    log "Kafka answers on $host:$port"
    return 0
  fi
  bash "$ROOT_DIR/scripts/kafka.sh" up
}

case "${1:-}" in
  up) postgres_up; redis_up; kafka_up ;;
  down) bash "$ROOT_DIR/scripts/kafka.sh" down ;;
  *) die "usage: scripts/infra.sh up|down" ;;
esac
