#!/usr/bin/env bash
# `make bench` driver: bench/run.sh BUILD_DIR. Not run in CI.
# 1. Router overhead, in one run on this machine; requests/s, p50, p99, ratios to (c):
#    (e) `npufleet server` as users run it (its own data dir, the upstream registered as an
#        npu-worker node and detected, an inference token, default logging with the access log
#        on), POST /api/npu/inference, and
#    (f) HAProxy doing the same per-request work: the bearer token checked (a map of token
#        hashes), `model` read from the JSON body, the worker call signed with the v1 and v2
#        headers; both in front of an upstream that verifies every signature as a worker does
#        (a wrong signature shows as non-2xx), the comparison the target is about;
#    and the floor and diagnostics in front of a non-verifying upstream: (a) the upstream
#    directly, (c) nginx proxy_pass with upstream keep-alive signing nothing, (d) HAProxy with
#    connection reuse signing nothing, (b) the router alone in router_bench (signing, no tokens,
#    no database, access log off) and (b') the same with unsigned upstream calls, which
#    separates the signature's cost from the forwarding's.
# 2. Strategies on a heterogeneous fleet (upstreams with 1, 2 and 4 slots of 5 ms each).
# 3. Every other benchmark binary under BUILD_DIR/bench.
# Knobs: DURATION (default 10s), CONNECTIONS (64), THREADS (2), BASE_PORT (18080), ROUNDS (3:
# interleaved server / HAProxy-signing pairs),
# PARTS (default "overhead strategies others": which of 1, 2, 3 to run).
set -euo pipefail

BUILD=${1:?usage: bench/run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN="$BUILD/bench/router/router_bench"
NPUFLEET="$BUILD/src/app/npufleet"
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
BASE_PORT=${BASE_PORT:-18080}
PARTS=${PARTS:-overhead strategies others}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk nginx haproxy curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps.sh bench)" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "bench: $BIN missing; build the router_bench target" >&2; exit 1; }
[[ -x "$NPUFLEET" ]] || { echo "bench: $NPUFLEET missing; build the npufleet target" >&2; exit 1; }

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listening on port $1" >&2
  return 1
}

# wrk --latency output -> "rps p50_ms p99_ms non2xx"; SCRIPT picks the wrk script (post.lua:
# the worker's POST /inference; post-auth.lua: POST /api/npu/inference with BENCH_TOKEN).
measure() {
  local url=$1 conns=${2:-$CONNECTIONS}
  local out
  out=$(wrk -t"$THREADS" -c"$conns" -d"$DURATION" --latency -s "$HERE/router/${SCRIPT:-post.lua}" "$url")
  echo "$out" >>"$WORK/wrk.log"
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 }
    /^ +50%/ { p50=ms($2) }
    /^ +99%/ { p99=ms($2) }
    /Non-2xx/ { bad=$NF }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, (bad==""?0:bad) }' <<<"$out"
}

part() { [[ " $PARTS " == *" $1 "* ]]; }

if part overhead; then
UP=$((BASE_PORT + 1)); ROUTER=$BASE_PORT; NGINX=$((BASE_PORT + 2)); HAPROXY=$((BASE_PORT + 3))
UNSIGNED=$((BASE_PORT + 4)); UPV=$((BASE_PORT + 5)); SERVER=$((BASE_PORT + 6)); HSIGN=$((BASE_PORT + 7))

# One service key: npufleet server and the signing HAProxy sign as main-backend, router_bench as
# bench-router; the verifying upstream trusts both ids (DESIGN.md 4.5 key files, mode 0600).
mkdir -m 700 "$WORK/keys"
KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077
 for id in main-backend bench-router; do echo "$KEY" >"$WORK/keys/$id.key"; done
 echo "$KEY" >"$WORK/service.key")
KEY_ID=$(printf %s "$KEY" | sha256sum | cut -c1-16)
KEY_B64=$(printf %s "$KEY" | base64 -w0)

"$BIN" upstream --listen "127.0.0.1:$UP" --threads 2 --max-concurrent 1024 --log-level warn \
  >"$WORK/upstream.log" 2>&1 & PIDS+=($!)
"$BIN" router --listen "127.0.0.1:$ROUTER" --threads 2 --strategy least-loaded --log-level warn \
  --upstream "w1=127.0.0.1:$UPV:1024" --key-file "$WORK/service.key" >"$WORK/router.log" 2>&1 & PIDS+=($!)

mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream worker { server 127.0.0.1:$UP; keepalive 256; }
  server {
    listen 127.0.0.1:$NGINX;
    location / {
      proxy_pass http://worker;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' & PIDS+=($!)

# What both HAProxy configurations share: two threads, connection reuse to the upstream.
HAPROXY_COMMON="global
  nbthread 2
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  http-reuse always"
cat >"$WORK/haproxy.cfg" <<CONF
$HAPROXY_COMMON
frontend fe
  bind 127.0.0.1:$HAPROXY
  default_backend be
backend be
  server w1 127.0.0.1:$UP
CONF
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 & PIDS+=($!)
"$BIN" router --listen "127.0.0.1:$UNSIGNED" --threads 2 --strategy least-loaded --log-level warn \
  --upstream "w1=127.0.0.1:$UP:1024" --unsigned >"$WORK/router-unsigned.log" 2>&1 & PIDS+=($!)

# The verifying upstream, npufleet server as users run it, and HAProxy signing.
"$BIN" upstream --listen "127.0.0.1:$UPV" --threads 2 --max-concurrent 1024 --log-level warn \
  --trusted-keys "$WORK/keys" >"$WORK/upstream-verifying.log" 2>&1 & PIDS+=($!)
"$NPUFLEET" server --listen "127.0.0.1:$SERVER" --data-dir "$WORK/server" \
  --service-key-file "$WORK/service.key" >"$WORK/server.log" 2>&1 & PIDS+=($!)
wait_port "$SERVER"
api() { curl -sf -X "$1" -H "Authorization: Bearer $(cat "$WORK/server/admin.token")" \
  -H 'Content-Type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$SERVER$2"; }
api POST /api/fleet/nodes \
  "{\"name\":\"bench-upstream\",\"ip\":\"127.0.0.1\",\"npuPort\":$UPV,\"roles\":[\"npu-worker\"]}" >/dev/null
for _ in $(seq 1 100); do
  api GET /api/fleet/nodes | grep -q '"detectionStatus":"detected"' && break
  sleep 0.1
done
export BENCH_TOKEN
BENCH_TOKEN=$(api POST /api/tokens '{"name":"bench-app","role":"inference"}' |
  sed 's/.*"token":"\([^"]*\)".*/\1/')
[[ $BENCH_TOKEN == npf_* ]] || { echo "bench: could not create an inference token" >&2; exit 1; }
printf '%s bench-app\n' "$(printf %s "$BENCH_TOKEN" | sha256sum | cut -c1-64)" >"$WORK/tokens.map"

cat >"$WORK/haproxy-sign.cfg" <<CONF
$HAPROXY_COMMON
frontend fe_sign
  bind 127.0.0.1:$HSIGN
  option http-buffer-request
  # The bearer token: its SHA-256 must be in the map (as the control plane keeps only hashes).
  http-request set-var(txn.tokhash) req.hdr(authorization),regsub("^Bearer ",""),sha2(256),hex,lower
  http-request deny deny_status 401 unless { var(txn.tokhash),map($WORK/tokens.map) -m found }
  # The model from the body, as the router reads it to choose a worker.
  http-request set-var(txn.model) req.body,json_query('\$.model')
  http-request deny deny_status 400 unless { var(txn.model) -m found }
  http-request del-header authorization
  http-request set-path /inference
  http-request set-header Host 127.0.0.1:$UPV
  # The seed's v1 and npufleet's v2 signature (docs/security.md, Service signatures).
  http-request set-var(txn.ts) date
  http-request set-var(txn.nonce) uuid,regsub(-,,g)
  http-request set-var(txn.bodysha) req.body,sha2(256),hex,lower
  http-request set-var-fmt(txn.v1in) "main-backend:POST:/inference:%[var(txn.ts)]"
  http-request set-var-fmt(txn.v2in) "NPUFLEET-HMAC-SHA256-V2\nmain-backend\n$KEY_ID\n%[var(txn.ts)]\n%[var(txn.nonce)]\nPOST\n127.0.0.1:$UPV\n/inference\n\n%[var(txn.bodysha)]"
  http-request set-header X-Service-ID main-backend
  http-request set-header X-Service-Timestamp %[var(txn.ts)]
  http-request set-header X-Service-Signature %[var(txn.v1in),hmac(sha256,$KEY_B64),hex,lower]
  http-request set-header X-Service-Key-Id $KEY_ID
  http-request set-header X-Service-Nonce %[var(txn.nonce)]
  http-request set-header X-Service-Content-SHA256 %[var(txn.bodysha)]
  http-request set-header X-Service-Signature-V2 %[var(txn.v2in),hmac(sha256,$KEY_B64),hex,lower]
  default_backend be_sign
backend be_sign
  server w1 127.0.0.1:$UPV
CONF
haproxy -f "$WORK/haproxy-sign.cfg" -db >"$WORK/haproxy-sign.log" 2>&1 & PIDS+=($!)

ROWS=(worker router unsigned server nginx haproxy hsign)
port_of() {
  case $1 in worker) echo "$UP" ;; router) echo "$ROUTER" ;; unsigned) echo "$UNSIGNED" ;;
    nginx) echo "$NGINX" ;; haproxy) echo "$HAPROXY" ;; server) echo "$SERVER" ;;
    hsign) echo "$HSIGN" ;; esac
}
# The wrk script and upstream of each row.
script_of() { case $1 in server | hsign) echo post-auth.lua ;; *) echo post.lua ;; esac; }
url_of() {
  case $1 in server | hsign) echo "http://127.0.0.1:$(port_of "$1")/api/npu/inference" ;;
    *) echo "http://127.0.0.1:$(port_of "$1")/inference" ;; esac
}
for name in "${ROWS[@]}"; do wait_port "$(port_of "$name")"; done
# Warm the keep-alive pools.
for name in "${ROWS[@]}"; do
  SCRIPT=$(script_of "$name") DURATION=2s measure "$(url_of "$name")" >/dev/null
done

echo "## Router overhead: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, one upstream"
echo "$(nproc) CPUs, $(uname -r)"
declare -A R
for name in "${ROWS[@]}"; do
  R[$name]=$(SCRIPT=$(script_of "$name") measure "$(url_of "$name")")
done
read -r n_rps n_p50 n_p99 _ <<<"${R[nginx]}"
printf "| %-26s | %10s | %8s | %8s | %9s | %9s | %7s |\n" target "req/s" "p50 ms" "p99 ms" "req/s / c" "p99 / c" non-2xx
printf "|%s|\n" "----------------------------|------------|----------|----------|-----------|-----------|---------"
for name in "${ROWS[@]}"; do
  read -r rps p50 p99 bad <<<"${R[$name]}"
  case $name in worker) label="(a) worker directly" ;; router) label="(b) router_bench router" ;;
    unsigned) label="(b') router, unsigned" ;; server) label="(e) npufleet server" ;;
    nginx) label="(c) nginx keep-alive" ;; haproxy) label="(d) HAProxy reuse" ;;
    hsign) label="(f) HAProxy signing" ;; esac
  printf "| %-26s | %10s | %8s | %8s | %9.2f | %9.2f | %7s |\n" "$label" "$rps" "$p50" "$p99" \
    "$(awk -v a="$rps" -v b="$n_rps" 'BEGIN{print (b>0)?a/b:0}')" \
    "$(awk -v a="$p99" -v b="$n_p99" 'BEGIN{print (b>0)?a/b:0}')" "$bad"
done
# The target, npufleet server against HAProxy signing: the two measured in turn ROUNDS times
# (default 3), so that a change in what else the machine runs hits both alike; the median of
# the pairs' ratios.
echo
echo "npufleet server against HAProxy signing, interleaved, ${ROUNDS:-3} pairs of $DURATION:"
printf "| %5s | %12s | %13s | %10s | %11s | %11s | %11s |\n" pair "server req/s" "HAProxy req/s" \
  "server p99" "HAProxy p99" "req/s ratio" "p99 ratio"
printf "|%s|\n" "-------|--------------|---------------|------------|-------------|-------------|-------------"
PAIRS=()
for i in $(seq 1 "${ROUNDS:-3}"); do
  read -r s_rps _ s_p99 s_bad <<<"$(SCRIPT=post-auth.lua measure "$(url_of server)")"
  read -r h_rps _ h_p99 h_bad <<<"$(SCRIPT=post-auth.lua measure "$(url_of hsign)")"
  [[ $s_bad == 0 && $h_bad == 0 ]] || echo "bench: non-2xx answers in pair $i (server $s_bad, HAProxy $h_bad)" >&2
  line=$(awk -v sr="$s_rps" -v hr="$h_rps" -v sp="$s_p99" -v hp="$h_p99" \
    'BEGIN { printf "%.3f %.3f", (hr > 0) ? sr / hr : 0, (hp > 0) ? sp / hp : 0 }')
  PAIRS+=("$line")
  read -r rr pr <<<"$line"
  printf "| %5s | %12s | %13s | %10s | %11s | %11s | %11s |\n" "$i" "$s_rps" "$h_rps" "$s_p99" "$h_p99" "$rr" "$pr"
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rr_med=$(printf '%s\n' "${PAIRS[@]}" | awk '{print $1}' | median)
pr_med=$(printf '%s\n' "${PAIRS[@]}" | awk '{print $2}' | median)
echo "median: npufleet server / HAProxy signing req/s $rr_med, p99 $pr_med (target: req/s >= 1, p99 <= 1)"

# Where the CPU goes: on one machine wrk, the upstream and the proxy share the cores, so
# requests/s follows the CPU all three spend per request. utime + stime of each process from
# /proc over one more run per proxy (the proxy's also split into user and system time); "rest"
# is the machine's busy time minus both (wrk, kernel threads, anything else running).
# ticks PID... -> "user system" clock ticks of every thread of the processes
ticks() {
  local u=0 s=0 f
  for pid in "$@"; do
    for f in /proc/"$pid"/task/*/stat; do
      [[ -r $f ]] || continue
      read -r -a st < <(sed 's/.*) //' "$f")
      u=$((u + st[11])); s=$((s + st[12]))
    done
  done
  echo "$u $s"
}
sum() { echo $(($1 + $2)); }
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
echo
echo "CPU per request, µs (utime + stime from /proc, one more $DURATION run each):"
printf "| %-22s | %8s | %8s | %8s | %8s | %8s |\n" proxy proxy "(user)" upstream rest total
printf "|%s|\n" "------------------------|----------|----------|----------|----------|---------"
hz=$(getconf CLK_TCK)
for name in router unsigned server nginx haproxy hsign; do
  up=${PIDS[0]}
  case $name in
    router) px=(${PIDS[1]}); up=${PIDS[5]} ;;
    nginx) px=(${PIDS[2]} $(pgrep -P "${PIDS[2]}" | tr '\n' ' ')) ;;
    haproxy) px=(${PIDS[3]}) ;;
    unsigned) px=(${PIDS[4]}) ;;
    server) px=(${PIDS[6]}); up=${PIDS[5]} ;;
    hsign) px=(${PIDS[7]}); up=${PIDS[5]} ;;
  esac
  u0=$(sum $(ticks "$up")); read -r xu0 xs0 <<<"$(ticks "${px[@]}")"; b0=$(busy)
  n=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$HERE/router/$(script_of "$name")" \
      "$(url_of "$name")" | awk '/requests in/{print $1}')
  u1=$(sum $(ticks "$up")); read -r xu1 xs1 <<<"$(ticks "${px[@]}")"; b1=$(busy)
  case $name in unsigned) label="router, unsigned" ;; server) label="npufleet server" ;;
    hsign) label="HAProxy signing" ;; *) label=$name ;; esac
  awk -v name="$label" -v n="$n" -v hz="$hz" -v xu=$((xu1 - xu0)) -v x=$((xu1 + xs1 - xu0 - xs0)) \
    -v u=$((u1 - u0)) -v b=$((b1 - b0)) \
    'BEGIN { f = 1e6 / hz / n; printf "| %-22s | %8.1f | %8.1f | %8.1f | %8.1f | %8.1f |\n", name, x*f, xu*f, u*f, (b-x-u)*f, b*f }'
done

for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()

fi

if part strategies; then
echo
echo "## Strategies on a heterogeneous fleet: upstreams with 1, 2 and 4 slots of 5 ms; wrk -c16"
S1=$((BASE_PORT + 11)); S2=$((BASE_PORT + 12)); S3=$((BASE_PORT + 13))
"$BIN" upstream --listen "127.0.0.1:$S1" --max-concurrent 1 --service-ms 5 --log-level warn >/dev/null 2>&1 & PIDS+=($!)
"$BIN" upstream --listen "127.0.0.1:$S2" --max-concurrent 2 --service-ms 5 --log-level warn >/dev/null 2>&1 & PIDS+=($!)
"$BIN" upstream --listen "127.0.0.1:$S3" --max-concurrent 4 --service-ms 5 --log-level warn >/dev/null 2>&1 & PIDS+=($!)
for p in $S1 $S2 $S3; do wait_port "$p"; done
printf "| %-14s | %8s | %8s | %8s | %s |\n" strategy "req/s" "p50 ms" "p99 ms" "routed w1/w2/w4"
printf "|%s|\n" "----------------|----------|----------|----------|----------------"
for strategy in round-robin least-loaded; do
  "$BIN" router --listen "127.0.0.1:$ROUTER" --threads 2 --strategy "$strategy" --log-level warn \
    --upstream "w1=127.0.0.1:$S1:1" --upstream "w2=127.0.0.1:$S2:2" \
    --upstream "w4=127.0.0.1:$S3:4" >/dev/null 2>&1 & rp=$!
  wait_port "$ROUTER"
  read -r rps p50 p99 _ <<<"$(measure "http://127.0.0.1:$ROUTER/inference" 16)"
  split=$(exec 3<>"/dev/tcp/127.0.0.1/$ROUTER"; printf 'GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3; cat <&3 |
    grep -o '"nodeId":"w[0-9]","routed":[0-9]*' | sed 's/.*"routed"://' | paste -sd/)
  printf "| %-14s | %8s | %8s | %8s | %s |\n" "$strategy" "$rps" "$p50" "$p99" "$split"
  kill "$rp"; wait "$rp" 2>/dev/null || true
done

fi

if part others; then
echo
echo "## Other benchmarks under $BUILD/bench"
find "$BUILD/bench" -type f -executable ! -name router_bench ! -name '*.so' 2>/dev/null | sort | while read -r b; do
  echo "### $(basename "$b")"
  "$b" --benchmark_min_time=0.2 2>/dev/null || echo "($b failed)"
done
fi
