#!/usr/bin/env bash
# Starts one service with its Node flags (written once, in shared/src/runtime/node-flags.json):
#   bash scripts/start-service.sh counter|notifier|query-api|portal
# exec: the service is this process, so signals (SIGTERM for a graceful stop) reach it directly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -x node_modules/.bin/node ]; then PATH="$PWD/node_modules/.bin:$PATH"; fi
case "${1:-}" in
  counter | notifier | query-api | portal) ;;
  *) echo "usage: scripts/start-service.sh counter|notifier|query-api|portal" >&2; exit 2 ;;
esac
# Docker compose: development VAPID keys from the file the vapid-keys service wrote once (a
# volume, so every restart keeps the same keys and browsers' subscriptions stay valid). Keys set
# in the environment (production's secret store) win.
if [ -n "${VAPID_ENV_FILE:-}" ] && [ -z "${NOTIFIER_VAPID_PUBLIC_KEY:-}" ] && [ -f "$VAPID_ENV_FILE" ]; then
  # shellcheck disable=SC1090 # written by scripts/dev-vapid-keys.ts: export lines only
  . "$VAPID_ENV_FILE"
fi
# Node's on-disk compile cache: a restarted service compiles its modules once, not at every start
# (0.9 s instead of 1.25-1.37 s to "counter started" here), so a restarted static group member is
# back in its group sooner.
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/honorarium-tracker/node-compile-cache}"
# One read of node-flags.json (a node start costs time at every restart): first the allocator
# settings every service starts with ("env"; the environment's own values win), last the flags.
flags=""
while IFS='=' read -r name value; do
  if [ "$name" = "flags" ]; then flags="$value"
  elif [ -z "${!name:-}" ]; then export "$name=$value"; fi
done < <(node -p 'const f = require("./shared/src/runtime/node-flags.json");
  [...Object.entries(f.env).map(([k, v]) => `${k}=${v}`), `flags=${[...f.common, ...(f[process.argv[1]] ?? [])].join(" ")}`].join("\n")' "$1")
if [ -z "$flags" ]; then echo "start-service.sh: could not read shared/src/runtime/node-flags.json" >&2; exit 1; fi
# shellcheck disable=SC2086 # the flags are separate words
exec node $flags "services/$1/src/main.ts"
