#!/usr/bin/env bash
# Script-level smoke test of the operations scripts, run by `./mvnw verify` (client-sdk's OpsSmokeScriptTest) and
# runnable by hand: scripts/test/ops-smoke.sh [--keep]
#
# In a temporary directory, on non-default ports: starts a three-node ensemble and three brokers with
# scripts/cluster.sh (which uses zk-ensemble.sh and brokers.sh, brokers with a --config base file), checks both
# `status` outputs, creates a topic with replication factor 3 and checks `--describe`, produces 1,000 records with
# the console producer and reads them back with the console consumer, runs the kill/restart drills for one broker and
# one ZooKeeper node, stops everything and verifies that no process of it is left.
#
# The 1,000 records go to the RF 3 topic with acks=1 (replication across brokers was being built when this test was
# written; acks=1 keeps the produce independent of follower progress, while the consumer still needs the high
# watermark to reach the records — it did at the time of writing).
#
# Environment: OPS_SMOKE_ZK_PORT (default 24181; also uses +707.. and +1707.. for peers), OPS_SMOKE_BROKER_PORT
# (default 27092), TRIBUTARY_CLASSPATH (see scripts/lib/common.sh).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scripts="$(cd "$script_dir/.." && pwd)"
keep=0
case "${1:-}" in
  --keep) keep=1 ;;
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

zk_port="${OPS_SMOKE_ZK_PORT:-24181}"
broker_port="${OPS_SMOKE_BROKER_PORT:-27092}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tributary-ops-smoke.XXXXXX")"
bootstrap="127.0.0.1:$broker_port,127.0.0.1:$((broker_port + 1)),127.0.0.1:$((broker_port + 2))"
zk_connect="127.0.0.1:$zk_port,127.0.0.1:$((zk_port + 1)),127.0.0.1:$((zk_port + 2))"
started=$SECONDS
export TRIBUTARY_OPTS="${TRIBUTARY_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
export TRIBUTARY_HEAP_OPTS="${TRIBUTARY_HEAP_OPTS:--Xmx256m}"
export BROKER_HEAP_OPTS="${BROKER_HEAP_OPTS:--Xmx384m}"
export ZK_HEAP_OPTS="${ZK_HEAP_OPTS:--Xmx128m}"

step() { echo "== [$((SECONDS - started))s] $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Processes whose command line mentions the work directory (ZooKeeper configs, broker configs, snapshot jars).
leftover_pids() {
  local p
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$work/"; then echo "${p#/proc/}"; fi
  done
}

cleanup() {
  local rc=$?
  "$scripts/cluster.sh" stop --dir "$work" >/dev/null 2>&1 || true
  if [[ $rc -ne 0 ]]; then
    for f in "$work"/zk/node-*/zookeeper.log "$work"/brokers/broker-*/broker.log; do
      [[ -f "$f" ]] || continue
      echo "---- tail of $f ----" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [[ $keep == 0 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

step "work directory $work; ZooKeeper ports from $zk_port, brokers from $broker_port"
cat >"$work/base.properties" <<EOF
# --config base for every broker (brokers.sh adds broker.id, listeners, log.dirs, zookeeper.connect)
zookeeper.session.timeout.ms=6000
controlled.shutdown.timeout.ms=3000
num.io.threads=2
EOF

step "start: zk-ensemble.sh start, brokers.sh start 3 --config (what cluster.sh start does, plus a base file)"
# cluster.sh has no --config; run its two halves directly so the brokers get the base file.
"$scripts/zk-ensemble.sh" start --dir "$work/zk" --base-port "$zk_port" >"$work/zk-start.out"
"$scripts/brokers.sh" start 3 --dir "$work/brokers" --base-port "$broker_port" \
  --zookeeper "$zk_connect/tributary" --config "$work/base.properties" >"$work/brokers-start.out"
grep -q 'zookeeper.session.timeout.ms=6000' "$work/brokers/broker-2/server.properties" || fail "--config was not applied"

step "a second start is refused"
if "$scripts/cluster.sh" start --dir "$work" >"$work/refused.out" 2>&1; then fail "cluster.sh start over a running cluster succeeded"; fi
grep -q 'already running' "$work/refused.out" || fail "unclear refusal: $(cat "$work/refused.out")"
if "$scripts/brokers.sh" start 3 --dir "$work/brokers" >"$work/refused2.out" 2>&1; then fail "brokers.sh start over running brokers succeeded"; fi

step "status"
"$scripts/cluster.sh" status --dir "$work" >"$work/status.out" || { cat "$work/status.out"; fail "cluster.sh status is not all-up"; }
cat "$work/status.out"
[[ $(grep -c '^node=[123] client_port=[0-9]* pid=[0-9]* mode=\(leader\|follower\) state=running$' "$work/status.out") == 3 ]] \
  || fail "expected three running ZooKeeper nodes"
[[ $(grep -c 'mode=leader' "$work/status.out") == 1 ]] || fail "expected exactly one ZooKeeper leader"
grep -qx "connect=$zk_connect" "$work/status.out" || fail "missing connect string"
[[ $(grep -c '^broker=[123] port=[0-9]* pid=[0-9]* health=SERVING controller=\(yes\|no\) metrics=http://127.0.0.1:[0-9]*/metrics$' "$work/status.out") == 3 ]] \
  || fail "expected three SERVING brokers, each with its metrics URL"
[[ $(grep -c 'controller=yes' "$work/status.out") == 1 ]] || fail "expected exactly one controller"
grep -qx "bootstrap=$bootstrap" "$work/status.out" || fail "missing bootstrap list"
# Each broker's /metrics answers, in Prometheus text, and exactly one broker reports itself the active controller.
controllers=0
for url in $(sed -n 's/.* metrics=\(http[^ ]*\)$/\1/p' "$work/status.out"); do
  port="${url#http://127.0.0.1:}"; port="${port%%/*}"
  exec 5<>"/dev/tcp/127.0.0.1/$port" || fail "metrics endpoint $url refuses connections"
  printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&5
  body="$(timeout 10 cat <&5)"
  exec 5<&-
  grep -q '^tributary_server_partitions ' <<<"$body" || fail "$url has no tributary_server_partitions"
  if grep -q '^tributary_controller_active_controller_count 1' <<<"$body"; then controllers=$((controllers + 1)); fi
done
[[ $controllers == 1 ]] || fail "expected one broker with tributary_controller_active_controller_count 1, got $controllers"
pids="$(sed -n 's/.* pid=\([0-9][0-9]*\) .*/\1/p' "$work/status.out" | tr '\n' ' ')"

step "create a topic with replication factor 3"
"$scripts/tributary-topics.sh" --bootstrap-server "$bootstrap" --create --topic ops-smoke --partitions 3 --replication-factor 3
"$scripts/tributary-topics.sh" --bootstrap-server "$bootstrap" --describe --topic ops-smoke | tee "$work/describe.out"
grep -q 'ReplicationFactor: 3' "$work/describe.out" || fail "describe does not show replication factor 3"
[[ $(grep -c 'Replicas: [123],[123],[123]' "$work/describe.out") == 3 ]] || fail "describe does not show 3 replicas for 3 partitions"

step "produce 1,000 records"
seq 1 1000 | "$scripts/tributary-console-producer.sh" --bootstrap-server "$bootstrap" --topic ops-smoke --producer-property acks=1

step "consume them"
"$scripts/tributary-console-consumer.sh" --bootstrap-server "$bootstrap" --topic ops-smoke --from-beginning \
  --max-messages 1000 --timeout-ms 30000 >"$work/consumed.out" 2>"$work/consumer.err" || true
sort -n "$work/consumed.out" >"$work/consumed.sorted"
if ! seq 1 1000 | cmp -s - "$work/consumed.sorted"; then
  cat "$work/consumer.err" >&2
  fail "consumed $(wc -l <"$work/consumed.out") lines, expected exactly the records 1..1000"
fi
echo "consumed 1000 records"

step "drill: brokers.sh kill 2, then start --id 2"
"$scripts/brokers.sh" kill 2 --dir "$work/brokers"
"$scripts/brokers.sh" start --id 2 --dir "$work/brokers" --timeout 60 | tee "$work/restart.out"
grep -q '^broker=2 port=[0-9]* pid=[0-9]* health=SERVING' "$work/restart.out" || fail "broker 2 did not come back"
pids="$pids $(sed -n 's/^broker=2 .* pid=\([0-9][0-9]*\) .*/\1/p' "$work/restart.out")"

step "drill: zk-ensemble.sh kill 3, then start --node 3"
"$scripts/zk-ensemble.sh" kill 3 --dir "$work/zk"
"$scripts/zk-ensemble.sh" start --node 3 --dir "$work/zk"
"$scripts/zk-ensemble.sh" status --dir "$work/zk" | tee "$work/zk-status.out" || fail "ensemble not all-up after node 3 restart"
pids="$pids $(sed -n 's/^node=3 .* pid=\([0-9][0-9]*\) .*/\1/p' "$work/zk-status.out")"

step "cluster.sh stop (twice: stop is idempotent)"
"$scripts/cluster.sh" stop --dir "$work"
"$scripts/cluster.sh" stop --dir "$work" >/dev/null

step "no process is left"
for pid in $pids; do
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then fail "pid $pid is still running: $(ps -o stat=,args= -p "$pid" | cut -c1-200)"; fi
done
left="$(leftover_pids)"
[[ -z "$left" ]] || fail "processes still mention $work: $left"
if "$scripts/cluster.sh" status --dir "$work" >/dev/null 2>&1; then fail "status reports a running cluster after stop"; fi

step "OPS SMOKE PASSED in $((SECONDS - started))s"
