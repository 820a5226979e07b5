#!/usr/bin/env bash
# A three-node ZooKeeper ensemble on 127.0.0.1 from the jars the build produced. See --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/zk-ensemble.sh COMMAND [--dir D] [--base-port P] [--peer-base-port Q] [--election-base-port E]

Commands:
  start              start nodes 1-3; returns once a leader is elected and all three answer `srvr`
  start --node N     start node N again on its existing config and data (after kill N / a crash)
  stop               stop every node this directory's PID files name (SIGTERM, wait, SIGKILL after 20 s)
  stop --node N      stop node N only
  kill N             SIGKILL node N (a crash drill)
  status             one line per node, then the connect string; exit 0 only if all three serve

Options:
  --dir D                 data, config, logs and PID files (default: <repo>/run/zk); node N uses D/node-N
  --base-port P           client ports P, P+1, P+2 on 127.0.0.1 (default 2181)
  --peer-base-port Q      quorum ports Q..Q+2 (default P+707, i.e. 2888 for P=2181)
  --election-base-port E  leader-election ports E..E+2 (default P+1707, i.e. 3888 for P=2181)
  --timeout S             how long start waits for the ensemble (default 60)
  --sasl                  (start) clients must SASL-authenticate (DIGEST-MD5) to be anyone but world: writes
                          D/jaas-server.conf (user tributary, a random password; mode 600) and D/jaas-client.conf
                          (its Client section, for brokers with zookeeper.set.acl=true via
                          -Djava.security.auth.login.config, and for zkcli.sh --jaas); kept for later starts
  -h, --help              this help

Ports are fixed when a directory is first started (kept in D/ensemble.env); later commands on the same directory
reuse them. Status lines look like:
  node=1 client_port=2181 pid=12345 mode=follower state=running
  node=2 client_port=2182 pid=12346 mode=leader state=running
  node=3 client_port=2183 pid=- mode=- state=stopped
  connect=127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183
Environment: JAVA_HOME, ZK_HEAP_OPTS (default -Xmx256m), ZK_JVM_OPTS (extra JVM flags),
  TRIBUTARY_LOG_FORMAT (text, or json for JSON lines).
USAGE
}

cmd="${1:-}"
[[ -n "$cmd" ]] || { usage >&2; exit 2; }
shift
dir="$TRIBUTARY_ROOT/run/zk"
base_port="" peer_base="" election_base="" node="" timeout=60 sasl=0
if [[ "$cmd" == kill ]]; then
  [[ $# -ge 1 && "$1" =~ ^[1-3]$ ]] || die "kill needs a node number 1-3"
  node="$1"
  shift
fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--base-port needs a number"; base_port="$2"; shift 2 ;;
    --peer-base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--peer-base-port needs a number"; peer_base="$2"; shift 2 ;;
    --election-base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--election-base-port needs a number"; election_base="$2"; shift 2 ;;
    --node) [[ "${2:-}" =~ ^[1-3]$ ]] || die "--node needs a node number 1-3"; node="$2"; shift 2 ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--timeout needs seconds"; timeout="$2"; shift 2 ;;
    --sasl) sasl=1; shift ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$cmd" in
  -h|--help|help) usage; exit 0 ;;
  start|stop|status|kill) ;;
  *) die "unknown command '$cmd' (see --help)" ;;
esac

dir="$(abs_path "$dir")"
env_file="$dir/ensemble.env"

# Ports: from ensemble.env if this directory has been started before, else from the options/defaults.
if [[ -f "$env_file" ]]; then
  # shellcheck disable=SC1090
  source "$env_file"
  if [[ -n "$base_port" && "$base_port" != "$ZK_BASE_PORT" ]]; then
    die "$dir was set up with base port $ZK_BASE_PORT, not $base_port (use another --dir, or delete $dir to start over)"
  fi
else
  if [[ "$cmd" == stop ]]; then
    info "nothing to stop: no ensemble was set up in $dir"
    exit 0
  elif [[ "$cmd" == status ]]; then
    echo "no ensemble set up in $dir" >&2
    exit 1
  elif [[ "$cmd" != start || -n "$node" ]]; then
    die "no ensemble set up in $dir (run: $0 start --dir $dir)"
  fi
  ZK_BASE_PORT="${base_port:-2181}"
  ZK_PEER_BASE_PORT="${peer_base:-$((ZK_BASE_PORT + 707))}"
  ZK_ELECTION_BASE_PORT="${election_base:-$((ZK_BASE_PORT + 1707))}"
  ZK_SASL="$sasl"
fi
ZK_SASL="${ZK_SASL:-0}"
jaas_server="$dir/jaas-server.conf"
jaas_client="$dir/jaas-client.conf"

client_port() { echo $((ZK_BASE_PORT + $1 - 1)); }
node_dir() { echo "$dir/node-$1"; }
node_cfg() { echo "$dir/node-$1/zoo.cfg"; }
node_pidfile() { echo "$dir/node-$1/zookeeper.pid"; }
node_log() { echo "$dir/node-$1/zookeeper.log"; }
node_pid() { running_pid "$(node_pidfile "$1")" "$(node_cfg "$1")"; }
connect_string() { echo "127.0.0.1:$(client_port 1),127.0.0.1:$(client_port 2),127.0.0.1:$(client_port 3)"; }

write_configs() {
  local n
  cat >"$env_file" <<EOF
ZK_BASE_PORT=$ZK_BASE_PORT
ZK_PEER_BASE_PORT=$ZK_PEER_BASE_PORT
ZK_ELECTION_BASE_PORT=$ZK_ELECTION_BASE_PORT
ZK_SASL=$ZK_SASL
EOF
  if [[ "$ZK_SASL" == 1 && ! -f "$jaas_server" ]]; then
    local password
    password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    (umask 077
     printf 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_tributary="%s";\n};\n' "$password" >"$jaas_server"
     printf 'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="tributary"\n  password="%s";\n};\n' "$password" >"$jaas_client")
  fi
  for n in 1 2 3; do
    mkdir -p "$(node_dir "$n")/data"
    echo "$n" >"$(node_dir "$n")/data/myid"
    cat >"$(node_cfg "$n")" <<EOF
# Generated by scripts/zk-ensemble.sh: node $n of a three-node ensemble on 127.0.0.1.
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$(node_dir "$n")/data
clientPort=$(client_port "$n")
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,stat,ruok,mntr,conf
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
$( [[ "$ZK_SASL" == 1 ]] && echo "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider" )
server.1=127.0.0.1:$((ZK_PEER_BASE_PORT)):$((ZK_ELECTION_BASE_PORT))
server.2=127.0.0.1:$((ZK_PEER_BASE_PORT + 1)):$((ZK_ELECTION_BASE_PORT + 1))
server.3=127.0.0.1:$((ZK_PEER_BASE_PORT + 2)):$((ZK_ELECTION_BASE_PORT + 2))
EOF
  done
}

start_node() {
  local n="$1"
  check_ports_free "$(client_port "$n")" $((ZK_PEER_BASE_PORT + n - 1)) $((ZK_ELECTION_BASE_PORT + n - 1))
  local sasl_opts=()
  # DIGEST-MD5 is refused in ZooKeeper 3.9's default FIPS mode.
  if [[ "$ZK_SASL" == 1 ]]; then sasl_opts=("-Djava.security.auth.login.config=$jaas_server" -Dzookeeper.fips-mode=false); fi
  # shellcheck disable=SC2086 # the option variables hold several JVM flags on purpose
  start_daemon "$(node_pidfile "$n")" "$(node_log "$n")" \
    "$JAVA_BIN" ${ZK_HEAP_OPTS:--Xmx256m} ${ZK_JVM_OPTS:-} \
    -Dlog4j2.configurationFile="$TRIBUTARY_LOG4J" -Dtributary.log.format="${TRIBUTARY_LOG_FORMAT:-text}" -Dtributary.zookeeper.log.level=info \
    -Dzookeeper.admin.enableServer=false "${sasl_opts[@]+"${sasl_opts[@]}"}" \
    -cp "$TRIBUTARY_CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$(node_cfg "$n")"
}

# wait_ready NODES...: until each answers srvr with leader/follower and the ensemble has a leader.
wait_ready() {
  local deadline=$((SECONDS + timeout)) n mode leaders ok
  while true; do
    ok=1 leaders=0
    for n in "$@"; do
      if [[ -z "$(node_pid "$n")" ]]; then
        log_tail "ZooKeeper node $n" "$(node_log "$n")"
        return 1
      fi
    done
    for n in 1 2 3; do
      mode="$(zk_mode "$(client_port "$n")")"
      if [[ "$mode" == leader ]]; then leaders=$((leaders + 1)); fi
      if [[ " $* " == *" $n "* && "$mode" != leader && "$mode" != follower ]]; then ok=0; fi
    done
    if [[ $ok == 1 && $leaders == 1 ]]; then return 0; fi
    if ((SECONDS >= deadline)); then
      warn "timed out after ${timeout}s waiting for the ensemble (a leader, and nodes $* answering srvr)"
      for n in "$@"; do log_tail "ZooKeeper node $n" "$(node_log "$n")"; done
      return 1
    fi
    sleep 0.5
  done
}

do_start() {
  local n running=()
  for n in 1 2 3; do
    if [[ -n "$(node_pid "$n")" ]]; then running+=("$n"); fi
  done
  if [[ -n "$node" ]]; then
    if [[ -n "$(node_pid "$node")" ]]; then die "ZooKeeper node $node is already running (pid $(node_pid "$node"))"; fi
    find_java
    broker_classpath
    snapshot_classpath "$dir" reuse
    start_node "$node"
    info "started ZooKeeper node $node (pid $(pidfile_pid "$(node_pidfile "$node")")), waiting for it to join..."
    wait_ready "$node" || die "ZooKeeper node $node did not join the ensemble (see the log above: $(node_log "$node"))"
    info "ZooKeeper node $node is $(zk_mode "$(client_port "$node")")"
    return 0
  fi
  if [[ ${#running[@]} -gt 0 ]]; then
    die "an ensemble is already running in $dir (nodes: ${running[*]}); use '$0 status' or '$0 stop --dir $dir'"
  fi
  for n in 1 2 3; do
    check_ports_free "$(client_port "$n")" $((ZK_PEER_BASE_PORT + n - 1)) $((ZK_ELECTION_BASE_PORT + n - 1))
  done
  find_java
  broker_classpath
  snapshot_classpath "$dir" fresh
  write_configs
  for n in 1 2 3; do
    start_node "$n"
  done
  info "started ZooKeeper nodes 1-3 (data under $dir), waiting for a leader (up to ${timeout}s)..."
  if ! wait_ready 1 2 3; then
    warn "stopping the nodes that were started"
    for n in 1 2 3; do stop_process "ZooKeeper node $n" "$(node_pidfile "$n")" "$(node_cfg "$n")" 10 >&2; done
    exit 1
  fi
  do_status
}

do_stop() {
  local n nodes=(1 2 3)
  if [[ -n "$node" ]]; then nodes=("$node"); fi
  for n in "${nodes[@]}"; do
    stop_process "ZooKeeper node $n" "$(node_pidfile "$n")" "$(node_cfg "$n")" 20
  done
}

do_status() {
  local n pid mode state all=0
  for n in 1 2 3; do
    pid="$(node_pid "$n")"
    if [[ -z "$pid" ]]; then
      mode=- state=stopped all=1
    else
      mode="$(zk_mode "$(client_port "$n")")"
      case "$mode" in
        leader|follower|standalone) state=running ;;
        *) state="$mode"; mode=-; all=1 ;;
      esac
    fi
    echo "node=$n client_port=$(client_port "$n") pid=${pid:--} mode=$mode state=$state"
  done
  echo "connect=$(connect_string)"
  if [[ "$ZK_SASL" == 1 ]]; then echo "jaas_client=$jaas_client"; fi
  return $all
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  kill) kill_process "ZooKeeper node $node" "$(node_pidfile "$node")" "$(node_cfg "$node")" ;;
esac
