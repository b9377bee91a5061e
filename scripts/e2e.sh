#!/usr/bin/env bash
# Browser end-to-end test of the admin UI: starts a control plane and two workers on loopback
# with ephemeral ports and a temporary data directory, wires the service key, issues a viewer
# token, runs web/e2e/fleet.e2e.mjs (which kills the second worker) in Debian's Chromium, and stops everything.
#   scripts/e2e.sh BUILD_DIR   (web/dist must be built: scripts/web-test.sh does it)
# E2E_SCREENSHOTS=1 also refreshes docs/screenshots/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build/default}"
bin="$(cd "$build" && pwd)/src/app/npufleet"
[[ -x "$bin" ]] || { echo "e2e: no binary at $bin (build first)" >&2; exit 2; }
[[ -f "$root/web/dist/index.html" ]] || { echo "e2e: web/dist is not built (run scripts/web-test.sh)" >&2; exit 2; }
"$root/scripts/install-deps.sh" browser

tmp="$(mktemp -d -t npufleet-e2e.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # (braces: the shell's own "Killed" notice for the worker the test killed goes too)
  for pid in "${pids[@]}"; do { wait "$pid"; } 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Starts "$@" in the background (not in a subshell, so cleanup knows its pid) and sets
# $address to the HOST:PORT of its "listening on" line.
start() {
  local name="$1"
  shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  for _ in $(seq 1 300); do
    if grep -q "listening on " "$tmp/$name.out" 2>/dev/null; then
      address="$(grep -m1 -o "listening on [^ ]*" "$tmp/$name.out" | cut -d' ' -f3)"
      return 0
    fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "e2e: $name did not start:" >&2
  cat "$tmp/$name.err" >&2
  return 1
}

mkdir -p "$tmp/data" "$tmp/trusted"
start server "$bin" server --listen 127.0.0.1:0 --data-dir "$tmp/data" \
  --web-dir "$root/web/dist" --set log.level=warn --set npu.monitor_interval_ms=1000
server="$address"
install -m 600 "$tmp/data/service.key" "$tmp/trusted/main-backend.key"
start worker "$bin" worker --listen 127.0.0.1:0 --models-dir "$root/models/samples" \
  --trusted-keys "$tmp/trusted" --device cpu --log-level warn
worker="$address"
# A second worker that the test kills, to see its card go offline with the reason.
start doomed "$bin" worker --listen 127.0.0.1:0 --models-dir "$root/models/samples" \
  --trusted-keys "$tmp/trusted" --device cpu --log-level warn
doomed="$address"
doomed_pid="${pids[-1]}"

admin="$(head -n1 "$tmp/data/admin.token")"
viewer="$("$bin" token create --server "http://$server" --token-file "$tmp/data/admin.token" \
  --role viewer --name e2e-viewer | tail -n1)"

cd "$root/web"
E2E_BASE_URL="http://$server" E2E_ADMIN_TOKEN="$admin" E2E_VIEWER_TOKEN="$viewer" \
  E2E_BIG_FLEET="${E2E_BIG_FLEET:-1000}" E2E_WORKER="$worker" E2E_DOOMED_WORKER="$doomed" E2E_DOOMED_PID="$doomed_pid" npm run --silent e2e
