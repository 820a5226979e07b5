#!/usr/bin/env bash
# A local three-node ZooKeeper ensemble plus three brokers in one command. See --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/cluster.sh start|stop|status [--dir D] [--zk-base-port P] [--broker-base-port B]

  start    scripts/zk-ensemble.sh start (under D/zk), then scripts/brokers.sh start 3 (under D/brokers) against it;
           prints the bootstrap list and how to create a topic, produce and consume
  stop     brokers first, then the ensemble; idempotent
  status   both status reports; exit 0 only if all six processes are up

Options:
  --dir D               default: <repo>/run (so D/zk and D/brokers are zk-ensemble.sh's and brokers.sh's own defaults)
  --zk-base-port P      ZooKeeper client ports P..P+2 (default 2181)
  --broker-base-port B  broker ports B..B+2 (default 9092); their /metrics on B+312..B+314
  -h, --help            this help
Single-process alternative for a first try: scripts/tributary-dev.sh start
USAGE
}

cmd="${1:-}"
[[ -n "$cmd" ]] || { usage >&2; exit 2; }
shift
dir="$TRIBUTARY_ROOT/run"
zk_port="" broker_port=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --zk-base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--zk-base-port needs a number"; zk_port="$2"; shift 2 ;;
    --broker-base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--broker-base-port needs a number"; broker_port="$2"; shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
dir="$(abs_path "$dir")"
zk_args=(--dir "$dir/zk")
broker_args=(--dir "$dir/brokers")

case "$cmd" in
  -h|--help|help) usage ;;
  start)
    for f in "$dir"/zk/node-*/zookeeper.pid "$dir"/brokers/broker-*/broker.pid; do
      [[ -f "$f" ]] || continue
      marker="$(dirname "$f")/zoo.cfg"
      if [[ "$f" == */broker.pid ]]; then marker="$(dirname "$f")/server.properties"; fi
      if [[ -n "$(running_pid "$f" "$marker")" ]]; then
        die "a cluster is already running in $dir ($(dirname "$f") is up); see 'scripts/cluster.sh status --dir $dir' or stop it first"
      fi
    done
    if [[ -n "$zk_port" ]]; then zk_args+=(--base-port "$zk_port"); fi
    if [[ -n "$broker_port" ]]; then broker_args+=(--base-port "$broker_port"); fi
    "$TRIBUTARY_SCRIPTS/zk-ensemble.sh" start "${zk_args[@]}"
    connect="$("$TRIBUTARY_SCRIPTS/zk-ensemble.sh" status "${zk_args[@]}" | sed -n 's/^connect=//p')"
    if ! "$TRIBUTARY_SCRIPTS/brokers.sh" start 3 "${broker_args[@]}" --zookeeper "$connect/tributary"; then
      warn "the brokers did not start (brokers.sh stopped those it had started); stopping the ensemble"
      "$TRIBUTARY_SCRIPTS/zk-ensemble.sh" stop "${zk_args[@]}" >&2 || true
      exit 1
    fi
    dir_opt=""
    if [[ "$dir" != "$TRIBUTARY_ROOT/run" ]]; then dir_opt=" --dir $dir"; fi
    bootstrap="$("$TRIBUTARY_SCRIPTS/brokers.sh" status "${broker_args[@]}" | sed -n 's/^bootstrap=//p')"
    cat <<EOF

Tributary cluster is up: 3 ZooKeeper nodes ($connect), 3 brokers.
Bootstrap servers: $bootstrap
Data and logs under $dir. Stop it with: scripts/cluster.sh stop$dir_opt

Try it:
  scripts/tributary-topics.sh --bootstrap-server $bootstrap --create --topic demo --partitions 3 --replication-factor 3
  seq 1 10 | scripts/tributary-console-producer.sh --bootstrap-server $bootstrap --topic demo
  scripts/tributary-console-consumer.sh --bootstrap-server $bootstrap --topic demo --from-beginning --max-messages 10
EOF
    ;;
  stop)
    "$TRIBUTARY_SCRIPTS/brokers.sh" stop "${broker_args[@]}"
    "$TRIBUTARY_SCRIPTS/zk-ensemble.sh" stop "${zk_args[@]}"
    ;;
  status)
    rc=0
    "$TRIBUTARY_SCRIPTS/zk-ensemble.sh" status "${zk_args[@]}" || rc=1
    "$TRIBUTARY_SCRIPTS/brokers.sh" status "${broker_args[@]}" || rc=1
    exit $rc
    ;;
  *) die "unknown command '$cmd' (see --help)" ;;
esac
