#!/usr/bin/env bash
# Side-by-side loopback benchmark: the enforcement gateway vs Debian's nginx, both as reverse proxies in front of
# the same upstream (a one-worker nginx returning "ok\n"), measured with wrk.
#
#   enforcement-gateway/bench/gateway-vs-nginx.sh [SUMMARY_FILE]      (default SUMMARY_FILE: /tmp/gateway-vs-nginx.md)
#
# Environment:
#   BENCH_SECONDS=10      length of each measured wrk run (10-15 s recommended; 3 for a quick smoke test)
#   BENCH_ROUNDS=3        rounds per kind of load; each round measures the three targets one after the other, and the
#                         summary reports each target's median over the rounds (the cores are shared, so any single
#                         run can be disturbed)
#   BENCH_WARMUP=10       warm-up per target before each kind of measurement (the JVM compiles the gateway's hot paths meanwhile), seconds
#   BENCH_CONNS=64        keep-alive connections for the maximum-load run (the half-load run paces its own count)
#   BENCH_CLOSE_CONNS=32  connections for the new-connection-per-request run
#   BENCH_THREADS=2       wrk threads
#   BENCH_SKIP_BUILD=1    do not run Maven (use enforcement-gateway/target/classes and a classpath built earlier)
#   GATEWAY_JAVA_OPTS     JVM options for the gateway (default "-Xms256m -Xmx1g", as ./pipeline gateway uses;
#                         e.g. add -Dzt.gateway.transport=epoll to measure the epoll transport instead of io_uring)
#
# It starts Kafka + the schema registry (+ ClickHouse) with ./pipeline up on free high ports and a temporary data
# folder, two nginx instances and the gateway, all on 127.0.0.1, and stops everything it started on exit.
# Needs root (or sudo-less apt) only when nginx or wrk is missing: they are installed with apt-get.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

SUMMARY_FILE=${1:-/tmp/gateway-vs-nginx.md}
DUR=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARM=${BENCH_WARMUP:-10}
CONNS=${BENCH_CONNS:-64}
CLOSE_CONNS=${BENCH_CLOSE_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:--Xms256m -Xmx1g}
START_TS=$SECONDS

say() { printf '%s\n' "$*"; }
step() { printf '\n[%3ds] %s\n' "$((SECONDS - START_TS))" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- tools --------------------------------------------------------------------------------------------------------

ensure_tools() {
  local missing=()
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; install them as root: apt-get install ${missing[*]}"
  step "installing ${missing[*]} with apt-get"
  apt-cache policy "${missing[@]}" | sed -n '/^[a-z]/p;/Candidate/p'
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian's package may start a system nginx on port 80 where an init system exists; we do not use it.
}

export PATH="$PATH:/usr/sbin"

# --- state and cleanup --------------------------------------------------------------------------------------------

WORK=$(mktemp -d /tmp/gateway-vs-nginx.XXXXXX)
UPSTREAM_PID="" PROXY_PID="" GATEWAY_PID="" WRK_PID="" PLATFORM_UP=0
PLATFORM_ENV=()

stop_pid() {   # stop_pid PID NAME: TERM, wait up to 10 s, then KILL
  local pid=$1 name=$2 i=0
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    say "  $name (pid $pid) did not stop within 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  printf '\n[%3ds] cleaning up\n' "$((SECONDS - START_TS))"
  stop_pid "$WRK_PID" wrk
  stop_pid "$GATEWAY_PID" gateway
  stop_pid "$PROXY_PID" "nginx proxy"
  stop_pid "$UPSTREAM_PID" "nginx upstream"
  if [ "$PLATFORM_UP" = 1 ]; then
    env "${PLATFORM_ENV[@]}" ./pipeline down 2>&1 | sed 's/^/  /' || true
  fi
  local p left=""
  for p in ${ALL_PORTS:-}; do
    if ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then left="$left $p"; fi
  done
  [ -z "$left" ] && say "  all stopped; no port of ours is listening" || say "  WARNING: still listening:$left"
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'printf "error: line %s: \"%s\" failed\n" "$LINENO" "$BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# --- ports --------------------------------------------------------------------------------------------------------

TAKEN=" "
pick_port() {   # a free port below the ephemeral range, not picked before
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    case "$TAKEN" in *" $p "*) continue ;; esac
    if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q . && ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      TAKEN="$TAKEN$p "
      printf '%s' "$p"
      return
    fi
  done
  die "no free port found"
}

wait_port() {   # wait_port PORT PID NAME SECONDS
  local i=0
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || die "$3 exited before listening on 127.0.0.1:$1"
    [ $i -lt $(( $4 * 10 )) ] || die "$3 does not listen on 127.0.0.1:$1 after $4 s"
    sleep 0.1; i=$((i + 1))
  done
}

# --- wrk runs and parsing -----------------------------------------------------------------------------------------

# CPU accounting: user+system clock ticks of each group of processes, from /proc/PID/stat (all threads included).
CLK_TCK=$(getconf CLK_TCK)
GROUP_UPSTREAM="" GROUP_PROXY="" GROUP_GATEWAY="" GROUP_PLATFORM=""
ticks() {   # ticks PID...: summed utime+stime (fields 14 and 15, counted after the "(comm)" field)
  local pid sum=0 t
  for pid in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    sum=$((sum + ${t:-0}))
  done
  printf '%s' "$sum"
}
cpu_snapshot() {
  printf '%s %s %s %s' "$(ticks $GROUP_UPSTREAM)" "$(ticks $GROUP_PROXY)" "$(ticks $GROUP_GATEWAY)" \
    "$(ticks $GROUP_PLATFORM)"
}

# run_wrk LABEL PORT CONNS SECONDS [extra wrk args]: output in $WORK/wrk-LABEL.txt, CPU use in $WORK/cpu-LABEL.txt
# (percent of one CPU over the run, for: upstream nginx, nginx proxy, gateway, Kafka + registry + ClickHouse)
run_wrk() {
  local label=$1 port=$2 conns=$3 secs=$4; shift 4
  local out="$WORK/wrk-$label.txt" before after t0 t1
  before=$(cpu_snapshot); t0=$(date +%s%N)
  wrk -t"$THREADS" -c"$conns" -d"${secs}s" --timeout 5s --latency "$@" "http://127.0.0.1:$port/" >"$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || { WRK_PID=""; cat "$out"; die "wrk failed ($label)"; }
  WRK_PID=""
  after=$(cpu_snapshot); t1=$(date +%s%N)
  awk -v b="$before" -v a="$after" -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN {
    split(b, x, " "); split(a, y, " ")
    for (i = 1; i <= 4; i++) printf "%.0f ", (y[i] - x[i]) / hz / (ns / 1e9) * 100
    print "" }' >"$WORK/cpu-$label.txt"
}
cpu() {   # cpu LABEL INDEX(1 upstream, 2 proxy, 3 gateway, 4 platform): percent of one CPU
  awk -v i="$2" '{print $i}' "$WORK/cpu-$1.txt"
}

warm() {   # warm MODE: each target for BENCH_WARMUP seconds (keep-alive or Connection: close); results discarded
  local port
  for port in "$UP_PORT" "$PROXY_PORT" "$GW_PORT"; do
    if [ "$1" = close ]; then
      run_wrk warmup "$port" "$CLOSE_CONNS" $WARM -H 'Connection: close'
    else
      run_wrk warmup "$port" "$CONNS" "$WARM"
    fi
  done
}

to_ms() {   # "152.00us" | "1.23ms" | "2.01s" | "1.50m" -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.3f", n }'
}

rps() { awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$WORK/wrk-$1.txt"; }
pct() { to_ms "$(awk -v p="$2%" '$1 == p {print $2; exit}' "$WORK/wrk-$1.txt")"; }
errors() {   # a short error summary for the table: "none" or e.g. "non-2xx 12, timeout 3"
  local f="$WORK/wrk-$1.txt" s="" n
  n=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
  [ -n "$n" ] && s="non-2xx $n"
  local line; line=$(grep 'Socket errors:' "$f" || true)
  if [ -n "$line" ]; then
    local part
    for part in connect read write timeout; do
      n=$(sed -n "s/.*$part \([0-9]*\).*/\1/p" <<<"$line")
      [ -n "$n" ] && [ "$n" != 0 ] && s="${s:+$s, }$part $n"
    done
  fi
  printf '%s' "${s:-none}"
}
raw_errors() { grep -E 'Non-2xx or 3xx responses|Socket errors' "$WORK/wrk-$1.txt" | sed "s/^/    [$1] /" || true; }

show() {   # one line per run, as it happens
  printf '  %-14s %7s req/s  p50 %7s ms  p99 %7s ms  errors: %-5s  CPU%%: upstream %3s proxy %3s gateway %3s kafka+reg %3s\n' \
    "$1" "$(rps "$1")" "$(pct "$1" 50)" "$(pct "$1" 99)" "$(errors "$1")" \
    "$(cpu "$1" 1)" "$(cpu "$1" 2)" "$(cpu "$1" 3)" "$(cpu "$1" 4)"
  raw_errors "$1"
}

# medians over the rounds: LABEL is e.g. ka-gateway, the runs are ka-gateway-1..ROUNDS
median() { sort -g | awk '{v[NR] = $1} END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mrps() { local r; for r in $(seq "$ROUNDS"); do rps "$1-$r"; echo; done | median; }
mpct() { local r; for r in $(seq "$ROUNDS"); do pct "$1-$r" "$2"; echo; done | median; }
mcpu() { local r; for r in $(seq "$ROUNDS"); do cpu "$1-$r" "$2"; done | median; }
merrors() { local r out=""; for r in $(seq "$ROUNDS"); do out="$out${out:+; }$(errors "$1-$r")"; done; printf '%s' "$out"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }
diffms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }

# ==================================================================================================================

ensure_tools
for t in java mvn nginx wrk curl ss; do command -v "$t" >/dev/null || die "$t is not installed"; done

UP_PORT=$(pick_port); PROXY_PORT=$(pick_port); GW_PORT=$(pick_port); ADMIN_PORT=$(pick_port)
KAFKA_PORT=$(pick_port); CTRL_PORT=$(pick_port); REG_PORT=$(pick_port); CH_HTTP=$(pick_port); CH_TCP=$(pick_port)
ALL_PORTS="$UP_PORT $PROXY_PORT $GW_PORT $ADMIN_PORT $KAFKA_PORT $CTRL_PORT $REG_PORT $CH_HTTP $CH_TCP"
say "scratch folder $WORK; ports: upstream $UP_PORT, nginx proxy $PROXY_PORT, gateway $GW_PORT (admin $ADMIN_PORT),"
say "  Kafka $KAFKA_PORT (controller $CTRL_PORT), registry $REG_PORT, ClickHouse $CH_HTTP/$CH_TCP"

# --- machine --------------------------------------------------------------------------------------------------------

CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
JAVA_V=$(java -version 2>&1 | head -1 | tr -d '"')
NGINX_V=$(nginx -v 2>&1 | sed 's/^nginx version: //; s/^nginx\///')
WRK_V=$( (wrk -v 2>&1 || true) | head -1 | awk '{print $1, $2}')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- build the gateway --------------------------------------------------------------------------------------------

CP_FILE="$WORK/gateway.classpath"
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -d enforcement-gateway/target/classes ]; then
  step "skipping the build (BENCH_SKIP_BUILD=1)"
else
  step "building the gateway (mvn install -pl enforcement-gateway -am)"
  mvn -B -q -Dstyle.color=never -DskipTests install -pl enforcement-gateway -am >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log"; die "the build failed"; }
fi
mvn -B -q -Dstyle.color=never -pl enforcement-gateway dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$CP_FILE" \
  >"$WORK/cp.log" 2>&1 || { tail -40 "$WORK/cp.log"; die "cannot build the gateway's classpath"; }

# --- Kafka, registry (and ClickHouse) -----------------------------------------------------------------------------

step "starting Kafka and the schema registry (./pipeline up)"
PLATFORM_ENV=(ZT_KAFKA_PORT="$KAFKA_PORT" ZT_KAFKA_CONTROLLER_PORT="$CTRL_PORT" ZT_REGISTRY_PORT="$REG_PORT"
              ZT_CLICKHOUSE_HTTP_PORT="$CH_HTTP" ZT_CLICKHOUSE_TCP_PORT="$CH_TCP" ZT_DATA_DIR="$WORK/platform")
PLATFORM_UP=1
if ! env "${PLATFORM_ENV[@]}" ./pipeline up >"$WORK/pipeline-up.log" 2>&1; then
  sed 's/\x1b\[[0-9;]*m//g; s/^/  /' "$WORK/pipeline-up.log"; die "./pipeline up failed"
fi
sed 's/\x1b\[[0-9;]*m//g; s/^/  /' "$WORK/pipeline-up.log"

# --- nginx: upstream and proxy ------------------------------------------------------------------------------------

nginx_common() {   # nginx_common NAME
  cat <<EOF
daemon off;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 8192; }
EOF
}
nginx_http_common() {   # nginx_http_common NAME
  cat <<EOF
  access_log off;
  client_body_temp_path $WORK/$1/body;
  proxy_temp_path $WORK/$1/proxy;
  fastcgi_temp_path $WORK/$1/fastcgi;
  uwsgi_temp_path $WORK/$1/uwsgi;
  scgi_temp_path $WORK/$1/scgi;
  # no per-connection request limit, so keep-alive runs are not cut every 1000 requests (the gateway has none)
  keepalive_requests 1000000;
  keepalive_timeout 300s;
EOF
}

mkdir -p "$WORK/upstream" "$WORK/proxy"
{ echo "worker_processes 1;"; nginx_common upstream; echo "http {"; nginx_http_common upstream; cat <<EOF
  server {
    listen 127.0.0.1:$UP_PORT;
    location / { default_type text/plain; return 200 "ok\n"; }
  }
}
EOF
} >"$WORK/upstream/nginx.conf"

{ echo "worker_processes 2;"; nginx_common proxy; echo "http {"; nginx_http_common proxy; cat <<EOF
  upstream bench_upstream {
    server 127.0.0.1:$UP_PORT;
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
} >"$WORK/proxy/nginx.conf"

step "starting nginx: upstream (1 worker) on $UP_PORT, proxy (2 workers) on $PROXY_PORT"
nginx -e "$WORK/upstream/error.log" -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" &
UPSTREAM_PID=$!
nginx -e "$WORK/proxy/error.log" -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" &
PROXY_PID=$!
wait_port "$UP_PORT" "$UPSTREAM_PID" "the upstream nginx" 10
wait_port "$PROXY_PORT" "$PROXY_PID" "the nginx proxy" 10
curl -fsS "http://127.0.0.1:$PROXY_PORT/" >/dev/null || die "the nginx proxy does not answer 200"

# --- the gateway ----------------------------------------------------------------------------------------------------

mkdir -p "$WORK/gateway/spill"
cat >"$WORK/gateway/gateway.yaml" <<EOF
gatewayId: gw-bench
kafka: {bootstrap: "127.0.0.1:$KAFKA_PORT", registryUrl: "http://127.0.0.1:$REG_PORT"}
http:
  listen: "127.0.0.1:$GW_PORT"
  routes:
    - {name: bench, upstream: "127.0.0.1:$UP_PORT", requireAuth: false, onStaleDecisions: fail-open}
admin: {listen: "127.0.0.1:$ADMIN_PORT"}
events: {spillDir: "$WORK/gateway/spill"}
EOF

step "starting the gateway on $GW_PORT (JVM options: $GATEWAY_JAVA_OPTS)"
# shellcheck disable=SC2086
java $GATEWAY_JAVA_OPTS -cp "enforcement-gateway/target/classes:$(cat "$CP_FILE")" io.zerotrust.gateway.GatewayMain \
  "$WORK/gateway/gateway.yaml" >"$WORK/gateway/gateway.log" 2>&1 &
GATEWAY_PID=$!
i=0
until curl -fsS "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null 2>&1; do
  kill -0 "$GATEWAY_PID" 2>/dev/null || { tail -30 "$WORK/gateway/gateway.log"; die "the gateway exited"; }
  [ $i -lt 600 ] || { tail -30 "$WORK/gateway/gateway.log"; die "the gateway is not ready after 60 s"; }
  sleep 0.1; i=$((i + 1))
done
say "  ready after $((i / 10)).$((i % 10)) s"
GW_TRANSPORT=$(sed -n 's/.*(\([a-z_]*\) transport).*/\1/p' "$WORK/gateway/gateway.log" | head -1)
curl -fsS "http://127.0.0.1:$GW_PORT/" >/dev/null || die "the gateway does not answer 200"

GROUP_UPSTREAM="$UPSTREAM_PID $(pgrep -P "$UPSTREAM_PID" | tr '\n' ' ')"
GROUP_PROXY="$PROXY_PID $(pgrep -P "$PROXY_PID" | tr '\n' ' ')"
GROUP_GATEWAY="$GATEWAY_PID"
state="$WORK/platform/platform.state"
GROUP_PLATFORM="$(cat "$WORK/platform/platform.pid" 2>/dev/null) $(sed -n 's/^\(kafka\|clickhouse\)\.pid=//p' "$state" 2>/dev/null | tr '\n' ' ')"

# --- measurements -------------------------------------------------------------------------------------------------

step "warming up each target (${WARM} s of keep-alive; JIT for the gateway)"
warm keepalive

rounds() {   # rounds KIND CONNS [wrk args]: ROUNDS rounds of direct, nginx, gateway, one after the other
  local kind=$1 conns=$2 r; shift 2
  for r in $(seq "$ROUNDS"); do
    run_wrk "$kind-direct-$r" "$UP_PORT" "$conns" "$DUR" "$@"; show "$kind-direct-$r"
    run_wrk "$kind-nginx-$r" "$PROXY_PORT" "$conns" "$DUR" "$@"; show "$kind-nginx-$r"
    run_wrk "$kind-gateway-$r" "$GW_PORT" "$conns" "$DUR" "$@"; show "$kind-gateway-$r"
  done
}

step "(a) keep-alive, maximum load: $CONNS connections, $THREADS threads, ${DUR} s each, $ROUNDS rounds"
rounds ka "$CONNS"

step "warming up each target for new connections ($WARM s with Connection: close)"
warm close

step "(b) a new connection for every request (Connection: close): $CLOSE_CONNS connections, ${DUR} s each, $ROUNDS rounds"
rounds close "$CLOSE_CONNS" -H 'Connection: close'

# (c) half of the gateway's maximum keep-alive rate, held by pacing: wrk's delay() makes each connection wait
# PACE_MS after every response, so C connections offer about C * 1000 / (PACE_MS + round trip) requests/s. The count
# is calibrated on the gateway: a first guess allowing half a millisecond per round trip, a short run, then scaled by
# what that run achieved. The summary gives the rate each target achieved.
PACE_MS=2
HALF_RATE=$(awk -v r="$(mrps ka-gateway)" 'BEGIN { printf "%d", r / 2 }')
printf 'function delay()\n  return %d\nend\n' "$PACE_MS" >"$WORK/pace.lua"
LOW_CONNS=$(awk -v r="$HALF_RATE" -v p="$PACE_MS" 'BEGIN { printf "%d", r * (p + 0.5) / 1000 }')
[ "$LOW_CONNS" -ge 2 ] || LOW_CONNS=2
run_wrk low-calibration "$GW_PORT" "$LOW_CONNS" 5 -s "$WORK/pace.lua"
LOW_CONNS=$(awk -v c="$LOW_CONNS" -v want="$HALF_RATE" -v got="$(rps low-calibration)" \
  'BEGIN { n = got > 0 ? c * want / got : c; if (n > 3 * c) n = 3 * c; printf "%d", n + 0.5 }')
step "(c) half load: $LOW_CONNS keep-alive connections paced at one request per ${PACE_MS} ms each (about $HALF_RATE req/s offered, half the gateway's maximum), ${DUR} s each, $ROUNDS rounds"
rounds low "$LOW_CONNS" -s "$WORK/pace.lua"

metrics() {
  curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" 2>/dev/null \
    | grep -E '^(gateway_events_total|gateway_event_queue_depth|gateway_connections_accepted_total|gateway_rejects_total|gateway_upstream_errors_total)' \
    || true
}
METRICS_NOW=$(metrics)
sleep 3
METRICS_LATER=$(metrics)
SPILL_FILES=$(find "$WORK/gateway/spill" -type f 2>/dev/null | wc -l)
SPILL_BYTES=$(find "$WORK/gateway/spill" -type f -printf '%s\n' 2>/dev/null | awk '{n += $1} END {print n + 0}')
mval() { awk -v k="$1" 'index($0, k) == 1 {printf "%.0f", $NF; f = 1} END {if (!f) printf "0"}' <<<"$METRICS_LATER"; }
EV_SENT=$(mval 'gateway_events_total{outcome="sent"}'); EV_SPILLED=$(mval 'gateway_events_total{outcome="spilled"}')
EV_DROPPED=$(mval 'gateway_events_total{outcome="dropped"}'); EV_DEPTH=$(mval 'gateway_event_queue_depth')
GW_CONNS=$(mval 'gateway_connections_accepted_total')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
GW_LOG_WARN=$(grep -ciE 'warn|error|exception' "$WORK/gateway/gateway.log" || true)

# --- summary ------------------------------------------------------------------------------------------------------

row() {   # row NAME LABEL_SUFFIX
  printf '| %s | %s | %s | %s | %s | %s | %s | %s / %s |\n' "$1" \
    "$(mrps "ka-$2")" "$(mpct "ka-$2" 50)" "$(mpct "ka-$2" 99)" \
    "$(mrps "close-$2")" "$(mpct "close-$2" 50)" "$(mpct "close-$2" 99)" "$(merrors "ka-$2")" "$(merrors "close-$2")"
}
# added latency of a proxy in one round: its percentile minus the direct upstream's in the same round
added() { local r; for r in $(seq "$ROUNDS"); do diffms "$(pct "low-$1-$r" "$2")" "$(pct "low-direct-$r" "$2")"; echo; done; }
lowrow() {
  local d50 d99
  if [ "$2" = direct ]; then d50="—"; d99="—"; else
    d50=$(printf '%+.3f' "$(added "$2" 50 | median)"); d99=$(printf '%+.3f' "$(added "$2" 99 | median)"); fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(mrps "low-$2")" "$(mpct "low-$2" 50)" "$(mpct "low-$2" 99)" \
    "$d50" "$d99" "$(merrors "low-$2")"
}
# one line per round: the gateway's ratio to nginx and both proxies' added p99
roundrow() {
  printf '| %s | %s | %s | %s / %s |\n' "$1" "$(ratio "$(rps "ka-gateway-$1")" "$(rps "ka-nginx-$1")")" \
    "$(ratio "$(rps "close-gateway-$1")" "$(rps "close-nginx-$1")")" \
    "$(diffms "$(pct "low-gateway-$1" 99)" "$(pct "low-direct-$1" 99)")" \
    "$(diffms "$(pct "low-nginx-$1" 99)" "$(pct "low-direct-$1" 99)")"
}

{
  say "# Enforcement gateway vs nginx, reverse proxy on loopback"
  say
  say "Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`enforcement-gateway/bench/gateway-vs-nginx.sh\`" \
      "(wrk runs of ${DUR} s, $THREADS wrk threads; before (a) each target is warmed up for ${WARM} s with keep-alive," \
      "before (b) for $WARM s with new connections). Each kind of load is measured in $ROUNDS rounds (direct, nginx," \
      "gateway, one after the other); the tables give each target's **median over the rounds**, the per-round" \
      "ratios follow. Gateway transport: $GW_TRANSPORT."
  say
  say "**Machine**: $(nproc) CPUs ($CPU_MODEL), $MEM RAM; $JAVA_V; nginx $NGINX_V; $WRK_V." \
      "Load average before: $LOAD_BEFORE; after: $LOAD_AFTER."
  say "wrk, both nginx instances, the gateway, Kafka and the registry all share these $(nproc) CPUs, so the numbers" \
      "are noisy and the proxies compete with wrk and with each other's upstream for CPU: read ratios, not digits."
  say
  say "**Setup**: upstream = nginx, 1 worker, \`return 200 \"ok\\n\"\` (3-byte body), keep-alive. nginx proxy =" \
      "2 workers, \`upstream { keepalive 64; }\`, \`proxy_http_version 1.1\`, \`proxy_set_header Connection \"\"\`," \
      "no access log. Gateway = GatewayMain ($GATEWAY_JAVA_OPTS), one route, requireAuth false, fail-open, with its" \
      "connection events going to a real Kafka broker (one OPEN and one CLOSE event per client connection, Avro" \
      "via the schema registry): that cost is part of what is measured. Both proxies keep idle upstream connections" \
      "for reuse across client connections (the gateway per event loop), so \`Connection: close\` opens a new" \
      "client connection per request but reuses upstream ones; bodies stream through both."
  say
  say "## Maximum load: keep-alive ($CONNS connections) and a new connection per request ($CLOSE_CONNS connections, \`Connection: close\`)"
  say
  say "| target | keep-alive req/s | p50 ms | p99 ms | new-conn req/s | p50 ms | p99 ms | wrk errors (keep-alive / new-conn) |"
  say "|---|---|---|---|---|---|---|---|"
  row "direct upstream" direct
  row "nginx proxy" nginx
  row "gateway" gateway
  printf '| gateway / nginx | %s | %s | %s | %s | %s | %s | |\n' \
    "$(ratio "$(mrps ka-gateway)" "$(mrps ka-nginx)")" "$(ratio "$(mpct ka-gateway 50)" "$(mpct ka-nginx 50)")" \
    "$(ratio "$(mpct ka-gateway 99)" "$(mpct ka-nginx 99)")" \
    "$(ratio "$(mrps close-gateway)" "$(mrps close-nginx)")" "$(ratio "$(mpct close-gateway 50)" "$(mpct close-nginx 50)")" \
    "$(ratio "$(mpct close-gateway 99)" "$(mpct close-nginx 99)")"
  say
  say "## Added latency at half load (about $HALF_RATE req/s: half the gateway's maximum keep-alive rate)"
  say
  say "wrk cannot hold a fixed rate (that is wrk2, not packaged here), so each of $LOW_CONNS keep-alive connections" \
      "waits ${PACE_MS} ms after every response (wrk's delay() hook): the offered rate is about" \
      "$LOW_CONNS x 1000 / ($PACE_MS ms + the round trip) requests/s for all three targets. The gateway achieved" \
      "$(awk -v a="$(mrps low-gateway)" -v m="$(mrps ka-gateway)" 'BEGIN { printf "%.0f %%", a / m * 100 }') of its" \
      "maximum keep-alive rate. \"added\" is the proxy's latency minus the direct upstream's in the same round. A" \
      "paced closed loop still hides some queueing (coordinated omission), so the p99 is a lower bound."
  say
  say "| target | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | wrk errors |"
  say "|---|---|---|---|---|---|---|"
  lowrow "direct upstream" direct
  lowrow "nginx proxy" nginx
  lowrow "gateway" gateway
  say
  say "Per round (gateway req/s / nginx req/s; added p99 ms at half load, gateway / nginx):"
  say
  say "| round | keep-alive | new connection | added p99 gateway / nginx |"
  say "|---|---|---|---|"
  for r in $(seq "$ROUNDS"); do roundrow "$r"; done
  say
  say "## CPU used during each run"
  say
  say "Percent of one CPU (the machine has $(nproc), i.e. $(( $(nproc) * 100 ))% in all; wrk itself is not counted)," \
      "from /proc/PID/stat before and after each wrk run; \"µs CPU/request\" is the CPU time of the server under" \
      "test (the proxy, or the upstream in the direct rows) divided by the requests it served; medians over the rounds."
  say
  say "| run | upstream nginx % | nginx proxy % | gateway % | Kafka+registry+ClickHouse % | µs CPU/request of the server under test |"
  say "|---|---|---|---|---|---|"
  for r in ka-direct ka-nginx ka-gateway close-direct close-nginx close-gateway low-direct low-nginx low-gateway; do
    case "$r" in *-direct) k=1 ;; *-nginx) k=2 ;; *) k=3 ;; esac
    printf '| %s | %s | %s | %s | %s | %s |\n' "$r" "$(mcpu "$r" 1)" "$(mcpu "$r" 2)" "$(mcpu "$r" 3)" "$(mcpu "$r" 4)" \
      "$(for i in $(seq "$ROUNDS"); do awk -v c="$(cpu "$r-$i" "$k")" -v q="$(rps "$r-$i")" \
           'BEGIN { if (q + 0 == 0) print "n/a"; else printf "%.1f\n", c / 100 / q * 1e6 }'; done | median)"
  done
  say
  say "## Gateway events after the runs"
  say
  say "Right after the last run, then 3 s later (sent = delivered to Kafka; spilled = written to the spill folder" \
      "because Kafka could not take them; dropped = lost):"
  say
  say '```'
  say "$METRICS_NOW"
  say "--- 3 s later"
  say "$METRICS_LATER"
  say '```'
  say
  say "In short: $GW_CONNS client connections accepted (warm-up included), events sent $EV_SENT, spilled $EV_SPILLED," \
      "dropped $EV_DROPPED, queue depth $EV_DEPTH 3 s after the last run (about 2 events, OPEN and CLOSE, are" \
      "expected per connection that carried a request). Spill folder: $SPILL_FILES file(s), $SPILL_BYTES bytes." \
      "Gateway log lines mentioning warn/error/exception: $GW_LOG_WARN."
  errs=$(for r in ka-direct ka-nginx ka-gateway close-direct close-nginx close-gateway low-direct low-nginx low-gateway; do
           for i in $(seq "$ROUNDS"); do raw_errors "$r-$i"; done; done)
  if [ -n "$errs" ]; then
    say
    say "wrk reported errors (its own lines):"
    say
    say '```'
    say "$errs"
    say '```'
  fi
} >"$WORK/summary.md"

step "done in $((SECONDS - START_TS)) s; summary (also in $SUMMARY_FILE):"
say
cat "$WORK/summary.md"
cp "$WORK/summary.md" "$SUMMARY_FILE"
if [ "$GW_LOG_WARN" != 0 ]; then
  say
  say "gateway log (last 20 lines mentioning warn/error/exception):"
  grep -iE 'warn|error|exception' "$WORK/gateway/gateway.log" | tail -20 | sed 's/^/  /'
fi
