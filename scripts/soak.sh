#!/usr/bin/env bash
# `make soak` driver: scripts/soak.sh BUILD_DIR. Not run in CI. A control plane and three workers
# under mixed API and inference traffic while workers restart; results in build/soak/ and
# docs/reliability.md. Knobs (environment): SOAK_SECONDS (600), SOAK_RESTART_EVERY (30),
# SOAK_DOWN_SECONDS (2), SOAK_RSS_EVERY (10), SOAK_INFERENCE_RPS (60), SOAK_API_RPS (40),
# SOAK_OUT (build/soak).
set -euo pipefail
BUILD=${1:?usage: scripts/soak.sh BUILD_DIR}
BIN="$BUILD/src/app/npufleet"
[[ -x "$BIN" ]] || { echo "soak: $BIN missing; build the npufleet target" >&2; exit 1; }
exec python3 "$(dirname "$0")/soak.py" "$BIN"
