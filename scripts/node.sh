#!/usr/bin/env bash
# Runs a Node script of this project with the common Node flags (npm run bench:e2e, …):
#   bash scripts/node.sh path/to/script.ts [args…]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec node "$@"
