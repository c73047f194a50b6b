#!/usr/bin/env bash
# npm run up — the whole system on this machine, for a newcomer to watch:
# infrastructure (Kafka, PostgreSQL, Redis), migrations, the three services, a local webhook
# receiver standing in for a coordinator's system, the portal (built, then served at PORTAL_BASE_URL)
# and a small demo stream; then it prints development sign-in links. Ctrl-C stops it all.
#   DEMO=0 npm run up     the stack without the demo stream
#   DETACH=1 npm run up   start, play the demo, then return and leave the services running (npm run down stops them)
LOG_TAG=up
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT_DIR"

RUN_DIR="$ROOT_DIR/.run"
mkdir -p "$RUN_DIR/logs"

require_node_modules
bash scripts/infra.sh up
npm run --silent migrate

# Development defaults; every variable is documented in the README.
export AUTH_JWT_SECRET="${AUTH_JWT_SECRET:-dev-only-secret-change-me-0123456789abcdef}"
export QUERY_API_PORT="${QUERY_API_PORT:-4000}"
export COUNTER_HTTP_PORT="${COUNTER_HTTP_PORT:-9464}"
export NOTIFIER_HTTP_PORT="${NOTIFIER_HTTP_PORT:-9465}"
# Static group membership: restarted by supervise.sh under the same id, a service is let back into
# its group as soon as the session of the process that died has ended (1.5 s).
export COUNTER_GROUP_INSTANCE_ID="${COUNTER_GROUP_INSTANCE_ID:-counter-local-1}"
export NOTIFIER_GROUP_INSTANCE_ID="${NOTIFIER_GROUP_INSTANCE_ID:-notifier-local-1}"
export QUERY_API_OPS_PORT="${QUERY_API_OPS_PORT:-9466}"
# The API allows no browser origin by default; the local portal's dev server is allowed here.
export QUERY_API_CORS_ORIGINS="${QUERY_API_CORS_ORIGINS:-http://localhost:3000}"
export DEMO_WEBHOOK_PORT="${DEMO_WEBHOOK_PORT:-9470}"
# The portal: its own port, the query API it proxies to, and the base the notifier's deep links use.
export PORTAL_PORT="${PORTAL_PORT:-3000}"
export PORTAL_API_URL="${PORTAL_API_URL:-http://127.0.0.1:$QUERY_API_PORT}"
export PORTAL_BASE_URL="${PORTAL_BASE_URL:-http://127.0.0.1:$PORTAL_PORT}"
export NOTIFIER_DEEP_LINK_BASE_URL="${NOTIFIER_DEEP_LINK_BASE_URL:-$PORTAL_BASE_URL}"
# The demo's webhook receiver listens on loopback, which the notifier refuses unless allowed.
export NOTIFIER_WEBHOOK_ALLOW_HOSTS="${NOTIFIER_WEBHOOK_ALLOW_HOSTS:-127.0.0.1:$DEMO_WEBHOOK_PORT}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
# Web Push works out of the box: VAPID keys made on the first start, kept in .run/vapid.env (unless set).
if [ -z "${NOTIFIER_VAPID_PUBLIC_KEY:-}" ]; then eval "$(node scripts/dev-vapid-keys.ts "$RUN_DIR/vapid.env")"; fi

for port in "$QUERY_API_PORT" "$QUERY_API_OPS_PORT" "$COUNTER_HTTP_PORT" "$NOTIFIER_HTTP_PORT" "$DEMO_WEBHOOK_PORT" "$PORTAL_PORT"; do
  port_open 127.0.0.1 "$port" && die "port $port is already taken (is the stack already running? npm run down stops it)"
done

# On a terminal the JSON log lines are shown human-readable (pino-pretty); the files under
# .run/logs/ and output to a pipe or file stay JSON. PRETTY=0 keeps JSON on a terminal too.
if [ -t 1 ] && [ "${PRETTY:-1}" = 1 ]; then
  present() { pino-pretty --colorize --singleLine --translateTime SYS:HH:MM:ss --ignore pid,hostname,service,name; }
else
  present() { cat; }
fi

pids=()
start() { # name command...
  local name="$1"; shift
  # Prefix each line with the service name so the interleaved logs stay readable.
  ( "$@" 2>&1 | tee -a "$RUN_DIR/logs/$name.log" | present | sed -u "s/^/[$name] /" ) &
  pids+=($!)
  echo $! >> "$RUN_DIR/pids"
}

stop_all() {
  log "stopping services"
  for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$RUN_DIR/pids"
}

log "building the portal"
npm run --silent build:portal >"$RUN_DIR/logs/portal-build.log" 2>&1 || die "the portal did not build; see .run/logs/portal-build.log"

rm -f "$RUN_DIR/pids"
log "starting the demo webhook receiver, counter, notifier, query API and portal (logs in .run/logs/)"
start webhook node scripts/demo-webhook-receiver.ts
# Each service under scripts/supervise.sh: one that exits is started again, and the log says so.
for service in counter notifier query-api portal; do start "$service" bash scripts/supervise.sh "$service" bash scripts/start-service.sh "$service"; done
[ "${DETACH:-0}" = 1 ] || trap 'stop_all; exit 0' INT TERM

for target in "counter:$COUNTER_HTTP_PORT" "notifier:$NOTIFIER_HTTP_PORT" "query-api:$QUERY_API_PORT" "portal:$PORTAL_PORT"; do
  name="${target%%:*}" port="${target##*:}"
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 || { stop_all; die "$name did not answer /healthz on port $port; see .run/logs/$name.log"; }
  log "$name is up: http://127.0.0.1:$port/healthz"
done

if [ "${DEMO:-1}" = 1 ]; then
  node scripts/demo-stream.ts 2>&1 | sed -u 's/^/[demo] /'
fi

# Development tokens only: the script refuses when NODE_ENV=production.
if [ "${NODE_ENV:-development}" != production ]; then
  log "portal: $PORTAL_BASE_URL — development sign-in links (valid 12 h):"
  node scripts/dev-sign-in-links.ts
fi

if [ "${DETACH:-0}" = 1 ]; then
  log "services keep running; npm run down stops them"
  exit 0
fi
log "the stack is running: portal $PORTAL_BASE_URL, query API http://127.0.0.1:$QUERY_API_PORT/trpc — Ctrl-C stops it"
wait
