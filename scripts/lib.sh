# Shared helpers for the project's shell scripts. Sourced, never run.
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Everything downloaded or generated at run time lives outside git.
CACHE_DIR="${HONORARIUM_CACHE_DIR:-$HOME/.cache/honorarium-tracker}"
# Use the project's Node (node@24 from the npm registry) even when called outside npm scripts.
if [ -x "$ROOT_DIR/node_modules/.bin/node" ]; then
  export PATH="$ROOT_DIR/node_modules/.bin:$PATH"
fi

log() { printf '\033[1m[%s]\033[0m %s\n' "${LOG_TAG:-stack}" "$*" >&2; }
die() { printf '\033[31m[%s] error:\033[0m %s\n' "${LOG_TAG:-stack}" "$*" >&2; exit 1; }

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# host_port URL DEFAULT_PORT: prints "host port" of a URL such as postgres://u@h:5432/db or redis://h:6379.
host_port() {
  local rest="${1#*://}"
  rest="${rest#*@}"
  rest="${rest%%/*}"
  local host="${rest%%:*}" port="${rest##*:}"
  [ "$port" = "$rest" ] && port="$2"
  printf '%s %s\n' "$host" "$port"
}

require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed. $2"
}

require_node_modules() {
  [ -x "$ROOT_DIR/node_modules/.bin/vitest" ] || {
    log "installing npm dependencies (npm ci)"
    (cd "$ROOT_DIR" && npm ci --no-audit --no-fund)
    export PATH="$ROOT_DIR/node_modules/.bin:$PATH"
  }
}

# The common Node flags (shared/src/runtime/node-flags.json) for every node these scripts start.
export NODE_OPTIONS="${NODE_OPTIONS:-} $(node -p 'require(process.argv[1]).common.join(" ")' "$ROOT_DIR/shared/src/runtime/node-flags.json")"
