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
export ZT_FLINK_DIR="$work/flink" ZT_PLATFORM_STATE="$ZT_DATA_DIR/platform.state"
export ZT_FLINK_REST_PORT=$(free_port) ZT_FLINK_RPC_PORT=$(free_port) ZT_FLINK_ZOOKEEPER_PORT=$(free_port)
flink_ports="$ZT_FLINK_REST_PORT $ZT_FLINK_RPC_PORT $ZT_FLINK_ZOOKEEPER_PORT"
# A process that runs: a process that has ended but is not reaped yet (a zombie, e.g. a server whose parent was
# killed, until whatever adopted it reaps it) is not running; ./pipeline judges processes the same way.
running() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}
trap './pipeline cluster down >/dev/null 2>&1; ZT_DATA_DIR="$work/three" ./pipeline down >/dev/null 2>&1; ./pipeline down >/dev/null 2>&1; rm -rf "$work"' EXIT

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

# Three Kafka brokers (only Kafka: the registry and ClickHouse of the first platform are given by address): status
# names each broker; with the platform's JVM killed, down still stops every broker.
three=(env ZT_DATA_DIR="$work/three" ZT_KAFKA_PORT=0 ZT_KAFKA_CONTROLLER_PORT=0
       ZT_REGISTRY_URL="http://127.0.0.1:$ZT_REGISTRY_PORT" ZT_CLICKHOUSE_URL="http://127.0.0.1:$ZT_CLICKHOUSE_HTTP_PORT")
"${three[@]}" ./pipeline up --brokers=3 >"$work/up3.log" 2>&1
"${three[@]}" ./pipeline status >"$work/status3.log" 2>&1
broker_pids=$(sed -n 's/^kafka.pids=//p' "$work/three/platform.state" 2>/dev/null | tr ',' ' ')
if [ "$(grep -c '^  kafka broker [123]  127.0.0.1:[0-9]*  pid [0-9]*  running$' "$work/status3.log")" = 3 ] \
   && [ "$(echo $broker_pids | wc -w)" = 3 ]; then
  pass "up --brokers=3: status names three running brokers (pids $broker_pids)"
else
  fail "up --brokers=3: $(tail -n 5 "$work/up3.log") / status: $(cat "$work/status3.log")"
fi
kill -KILL "$(cat "$work/three/platform.pid" 2>/dev/null)" 2>/dev/null
"${three[@]}" ./pipeline down >"$work/down3.log" 2>&1
left=""
for pid in $broker_pids; do running "$pid" && left="$left $pid"; done
if [ -n "$broker_pids" ] && [ -z "$left" ]; then
  pass "down stops every broker although the platform's JVM was killed"
else
  fail "after down, brokers still running:${left:- none} ($(cat "$work/down3.log"))"
fi

# The Flink session cluster: both jobs deployed run on separate TaskManager processes; an upgrade goes through a
# savepoint; cluster down leaves no process and no port.
if ./pipeline cluster up >"$work/cluster-up.log" 2>&1; then pass "cluster up starts a JobManager and TaskManagers"
else fail "cluster up failed: $(tail -n 8 "$work/cluster-up.log")"; fi
cluster_pids=$(sed -n 's/^\(jobmanager.pid\|taskmanager.pids\|zookeeper.pid\)=//p' "$ZT_FLINK_DIR/cluster.state" 2>/dev/null | tr '\n' ' ')
for job in risk analytics; do
  if ./pipeline deploy "$job" >"$work/deploy-$job.log" 2>&1 && grep -q "RUNNING as job" "$work/deploy-$job.log"; then
    pass "deploy $job: $(grep 'RUNNING as job' "$work/deploy-$job.log")"
  else
    fail "deploy $job failed: $(tail -n 8 "$work/deploy-$job.log")"
  fi
done
./pipeline cluster status >"$work/cluster-status.log" 2>&1
risk_tm=$(sed -n 's/.*job risk-engine  RUNNING .* on \(.*\)$/\1/p' "$work/cluster-status.log")
sink_tm=$(sed -n 's/.*job analytics-sink  RUNNING .* on \(.*\)$/\1/p' "$work/cluster-status.log")
if [ -n "$risk_tm" ] && [ -n "$sink_tm" ] && [ "$risk_tm" != "$sink_tm" ]; then
  pass "cluster status: both jobs RUNNING, risk-engine on $risk_tm, analytics-sink on $sink_tm"
else
  fail "cluster status does not show both jobs RUNNING on separate TaskManagers: $(cat "$work/cluster-status.log")"
fi
if ! out=$(./pipeline deploy risk 2>&1) && [[ "$out" == *"already running"*"--upgrade"* ]]; then
  pass "deploying a running job again is refused and names --upgrade"
else
  fail "a second deploy of a running job: $out"
fi
if ./pipeline deploy risk --upgrade >"$work/upgrade.log" 2>&1 && grep -q "^savepoint " "$work/upgrade.log" \
   && grep -q "RUNNING as job" "$work/upgrade.log"; then
  pass "deploy --upgrade stops with a savepoint and resumes from it"
else
  fail "deploy --upgrade: $(tail -n 8 "$work/upgrade.log")"
fi
if ./pipeline cluster down >"$work/cluster-down.log" 2>&1; then pass "cluster down exits cleanly"
else fail "cluster down failed: $(cat "$work/cluster-down.log")"; fi
left=""
for pid in $cluster_pids; do running "$pid" && left="$left $pid"; done
bound=""
for p in $flink_ports; do listening "$p" && bound="$bound $p"; done
if [ -n "$cluster_pids" ] && [ -z "$left" ] && [ -z "$bound" ]; then
  pass "cluster down leaves no process (pids $cluster_pids) and no port bound"
else
  fail "after cluster down: processes still running:${left:- none}; ports still bound:${bound:- none}"
fi

if ./pipeline down >"$work/down.log" 2>&1; then pass "down exits cleanly"; else fail "down failed: $(cat "$work/down.log")"; fi
left=""
for pid in $platform_pid $kafka_pid $clickhouse_pid; do running "$pid" && left="$left $pid"; done
bound=""
for p in $ports; do listening "$p" && bound="$bound $p"; done
if [ -z "$left" ] && [ -z "$bound" ] && [ -n "$kafka_pid" ] && [ -n "$clickhouse_pid" ]; then
  pass "down leaves no process (platform $platform_pid, kafka $kafka_pid, clickhouse $clickhouse_pid) and no port bound"
else
  fail "after down: processes still running:${left:- none}; ports still bound:${bound:- none}"
fi

echo "pipeline command line: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
