#!/usr/bin/env bash
# Single-process development cluster: one broker with an embedded ZooKeeper. See --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/tributary-dev.sh start|stop|status [--dir D] [--port P] [--zk-port Z] [--metrics-port M]

The fastest first contact: ONE JVM running a broker (id 1, 127.0.0.1:P) and an embedded standalone ZooKeeper
(127.0.0.1:Z, chroot /tributary). Builds the project with ./mvnw first if the build output is missing.
No fault tolerance: for the real three-node set-up use scripts/cluster.sh (or zk-ensemble.sh + brokers.sh).

  start    start it; returns once the broker reports SERVING on gRPC health, printing the bootstrap server and
           three commands to try (create a topic, produce, consume)
  stop     clean shutdown (SIGTERM; SIGKILL after 30 s); idempotent
  status   one line: pid, ports, gRPC health; exit 0 only if SERVING

Options:
  --dir D       data and log (default: <repo>/run/dev): D/dev.log, D/broker-1/, D/zookeeper/
  --port P      broker port (default 9092)
  --zk-port Z   ZooKeeper client port (default 2181)
  --metrics-port M  port of http://127.0.0.1:M/metrics (default P+312, i.e. 9404)
  --timeout S   how long start waits (default 120; the first build is not counted)
  -h, --help    this help
Environment: JAVA_HOME, DEV_HEAP_OPTS (default -Xmx512m), DEV_JVM_OPTS (extra JVM flags),
  TRIBUTARY_LOG_FORMAT (text, or json for JSON lines).
USAGE
}

cmd="${1:-}"
[[ -n "$cmd" ]] || { usage >&2; exit 2; }
shift
dir="$TRIBUTARY_ROOT/run/dev"
port="" zk_port="" metrics_port="" timeout=120
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--port needs a number"; port="$2"; shift 2 ;;
    --zk-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--zk-port needs a number"; zk_port="$2"; shift 2 ;;
    --metrics-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--metrics-port needs a number"; metrics_port="$2"; shift 2 ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--timeout needs seconds"; timeout="$2"; shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$cmd" in
  -h|--help|help) usage; exit 0 ;;
  start|stop|status) ;;
  *) die "unknown command '$cmd' (see --help)" ;;
esac

dir="$(abs_path "$dir")"
pidfile="$dir/dev.pid"
logfile="$dir/dev.log"
env_file="$dir/dev.env"
marker="io.tributary.broker.dev.DevCluster --dir $dir"
DEV_PORT=9092 DEV_ZK_PORT=2181 DEV_METRICS_PORT=""
if [[ -f "$env_file" ]]; then
  # shellcheck disable=SC1090
  source "$env_file"
fi

do_status() {
  local pid health=STOPPED
  pid="$(running_pid "$pidfile" "$marker")"
  if [[ -n "$pid" ]]; then
    find_java
    broker_classpath
    health="$(run_tool io.tributary.broker.server.HealthCheck "127.0.0.1:$DEV_PORT" --timeout-ms 2000 2>/dev/null || true)"
    health="${health:-UNREACHABLE}"
  fi
  echo "dev pid=${pid:--} port=$DEV_PORT zk_port=$DEV_ZK_PORT health=$health"
  echo "bootstrap=127.0.0.1:$DEV_PORT"
  echo "metrics=http://127.0.0.1:${DEV_METRICS_PORT:-$((DEV_PORT + 312))}/metrics"
  [[ "$health" == SERVING ]]
}

do_start() {
  local pid deadline bootstrap
  pid="$(running_pid "$pidfile" "$marker")"
  if [[ -n "$pid" ]]; then
    die "the dev cluster is already running in $dir (pid $pid, port $DEV_PORT); see '$0 status' or '$0 stop'"
  fi
  DEV_PORT="${port:-$DEV_PORT}"
  DEV_ZK_PORT="${zk_port:-$DEV_ZK_PORT}"
  DEV_METRICS_PORT="${metrics_port:-$((DEV_PORT + 312))}"
  check_ports_free "$DEV_PORT" "$DEV_ZK_PORT" "$DEV_METRICS_PORT"
  find_java
  broker_classpath
  snapshot_classpath "$dir" fresh
  printf 'DEV_PORT=%s\nDEV_ZK_PORT=%s\nDEV_METRICS_PORT=%s\n' "$DEV_PORT" "$DEV_ZK_PORT" "$DEV_METRICS_PORT" >"$env_file"
  : >"$logfile"
  # shellcheck disable=SC2086 # the option variables hold several JVM flags on purpose
  start_daemon "$pidfile" "$logfile" "$JAVA_BIN" ${DEV_HEAP_OPTS:--Xmx512m} ${DEV_JVM_OPTS:-} \
    -Dlog4j2.configurationFile="$TRIBUTARY_LOG4J" -Dtributary.log.format="${TRIBUTARY_LOG_FORMAT:-text}" \
    -cp "$TRIBUTARY_CP" io.tributary.broker.dev.DevCluster --dir "$dir" --port "$DEV_PORT" --zk-port "$DEV_ZK_PORT" \
    --metrics-port "$DEV_METRICS_PORT"
  info "starting one broker with an embedded ZooKeeper (pid $(pidfile_pid "$pidfile"), data under $dir)..."
  deadline=$((SECONDS + timeout))
  while ! grep -q '^READY ' "$logfile"; do
    if [[ -z "$(running_pid "$pidfile" "$marker")" ]]; then
      log_tail "dev cluster" "$logfile"
      die "the dev cluster exited during start-up (log: $logfile)"
    fi
    if ((SECONDS >= deadline)); then
      log_tail "dev cluster" "$logfile"
      stop_process "dev cluster" "$pidfile" "$marker" 30 >&2
      die "the dev cluster did not start within ${timeout}s"
    fi
    sleep 0.5
  done
  # Confirm from outside what the process says: gRPC health must be SERVING.
  if ! do_status >/dev/null; then
    log_tail "dev cluster" "$logfile"
    die "the dev cluster started but its gRPC health is not SERVING; see '$0 status'"
  fi
  bootstrap="127.0.0.1:$DEV_PORT"
  local dir_opt=""
  if [[ "$dir" != "$TRIBUTARY_ROOT/run/dev" ]]; then dir_opt=" --dir $dir"; fi
  cat <<EOF
Tributary dev cluster is up: one broker (id 1) with an embedded ZooKeeper, for development only.
Bootstrap server: $bootstrap   ZooKeeper: 127.0.0.1:$DEV_ZK_PORT/tributary
Metrics: http://127.0.0.1:$DEV_METRICS_PORT/metrics
Log: $logfile   Stop it with: scripts/tributary-dev.sh stop$dir_opt

Try it:
  scripts/tributary-topics.sh --bootstrap-server $bootstrap --create --topic demo --partitions 1 --replication-factor 1
  seq 1 10 | scripts/tributary-console-producer.sh --bootstrap-server $bootstrap --topic demo
  scripts/tributary-console-consumer.sh --bootstrap-server $bootstrap --topic demo --from-beginning --max-messages 10
EOF
}

case "$cmd" in
  start) do_start ;;
  stop) stop_process "dev cluster" "$pidfile" "$marker" 30 ;;
  status) do_status ;;
esac
