#!/usr/bin/env bash
# Tests of the ./pipeline command line as a user runs it: up answers, the registry lists subjects over HTTP,
# a taken port fails fast by name, down leaves no process and no port behind. Uses its own free ports and data
# folder, so a platform the user already runs is not disturbed.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

passed=0; failed=0
pass() { printf '  ok    %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf '  FAIL  %s\n' "$1"; failed=$((failed + 1)); }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    listening "$p" || { case " ${used:-} " in *" $p "*) ;; *) used="${used:-} $p"; echo "$p"; return ;; esac; }
  done
}

work=$(mktemp -d)
export ZT_DATA_DIR="$work/platform"
export ZT_KAFKA_PORT=$(free_port) ZT_KAFKA_CONTROLLER_PORT=$(free_port) ZT_REGISTRY_PORT=$(free_port)
export ZT_CLICKHOUSE_HTTP_PORT=$(free_port) ZT_CLICKHOUSE_TCP_PORT=$(free_port)
ports="$ZT_KAFKA_PORT $ZT_KAFKA_CONTROLLER_PORT $ZT_REGISTRY_PORT $ZT_CLICKHOUSE_HTTP_PORT $ZT_CLICKHOUSE_TCP_PORT"
trap './pipeline down >/dev/null 2>&1; rm -rf "$work"' EXIT

echo "pipeline command-line tests (ports $ports, data $ZT_DATA_DIR)"

if ./pipeline up >"$work/up.log" 2>&1; then pass "up returns once the platform answers"; else fail "up failed: $(tail -n 5 "$work/up.log")"; fi
state="$ZT_DATA_DIR/platform.state"
kafka_pid=$(sed -n 's/^kafka.pid=//p' "$state" 2>/dev/null)
clickhouse_pid=$(sed -n 's/^clickhouse.pid=//p' "$state" 2>/dev/null)
platform_pid=$(cat "$ZT_DATA_DIR/platform.pid" 2>/dev/null)

subjects=$(curl -fsS "127.0.0.1:$ZT_REGISTRY_PORT/subjects" 2>&1)
if [[ "$subjects" == *'"conn.events-value"'* && "$subjects" == *'"enforcement.decisions-value"'* ]]; then
  pass "the registry lists the subjects over HTTP"
else
  fail "GET /subjects answered: $subjects"
fi

if curl -fsS "127.0.0.1:$ZT_CLICKHOUSE_HTTP_PORT/?query=SELECT%201" 2>/dev/null | grep -qx 1; then
  pass "ClickHouse answers"
else
  fail "ClickHouse does not answer on $ZT_CLICKHOUSE_HTTP_PORT"
fi

# A second platform whose registry port is the first one's: must fail fast, naming the port.
start=$SECONDS
out=$(ZT_DATA_DIR="$work/second" ZT_KAFKA_PORT=0 ZT_KAFKA_CONTROLLER_PORT=0 ZT_CLICKHOUSE_HTTP_PORT=0 \
      ZT_CLICKHOUSE_TCP_PORT=0 timeout 60 ./pipeline up 2>&1)
rc=$?; took=$((SECONDS - start))
if [ $rc -ne 0 ] && [[ "$out" == *"port $ZT_REGISTRY_PORT"* ]] && [ $took -le 20 ]; then
  pass "a taken registry port fails in ${took}s naming port $ZT_REGISTRY_PORT"
else
  fail "a taken registry port: exit $rc after ${took}s: $out"
fi
ZT_DATA_DIR="$work/second" ./pipeline down >/dev/null 2>&1

if ./pipeline down >"$work/down.log" 2>&1; then pass "down exits cleanly"; else fail "down failed: $(cat "$work/down.log")"; fi
left=""
for pid in $platform_pid $kafka_pid $clickhouse_pid; do kill -0 "$pid" 2>/dev/null && left="$left $pid"; done
bound=""
for p in $ports; do listening "$p" && bound="$bound $p"; done
if [ -z "$left" ] && [ -z "$bound" ] && [ -n "$kafka_pid" ] && [ -n "$clickhouse_pid" ]; then
  pass "down leaves no process (platform $platform_pid, kafka $kafka_pid, clickhouse $clickhouse_pid) and no port bound"
else
  fail "after down: processes still running:${left:- none}; ports still bound:${bound:- none}"
fi

echo "pipeline command line: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
