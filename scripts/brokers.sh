#!/usr/bin/env bash
# N Tributary brokers on 127.0.0.1 against a ZooKeeper ensemble. See --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/brokers.sh COMMAND [options]

Commands:
  start [N]          generate server.properties for brokers 1..N (default 3) and start them; returns once every
                     broker reports SERVING on gRPC health and is registered in the cluster
  start --id ID      start broker ID again on its existing config and data, waiting until it is SERVING
  stop [ID]          stop all brokers (or broker ID): SIGTERM, clean shutdown, wait; SIGKILL after 60 s
  kill ID            SIGKILL broker ID (a crash drill; it recovers its logs at the next start)
  status             one line per broker (id, port, PID, health, controller, metrics URL), then the bootstrap list;
                     exit 0 only if every broker is SERVING

Options:
  --dir D              configs, data, logs and PID files (default: <repo>/run/brokers); broker ID uses D/broker-ID
  --zookeeper CONNECT  zookeeper.connect with chroot
                       (default: 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183/tributary)
  --base-port P        broker ID listens on 127.0.0.1:P+ID-1 (default 9092)
  --metrics-base-port M broker ID serves http://127.0.0.1:M+ID-1/metrics (default P+312, i.e. 9404 for P=9092)
  --config FILE        your own server.properties as the base of every broker's config; the script adds
                       broker.id, listeners, metrics.port and log.dirs (and zookeeper.connect unless FILE sets it and no
                       --zookeeper is given)
  --secure D           SASL_SSL on port P+ID-1 for clients (SCRAM-SHA-512/256), INTERNAL (SSL, mutual TLS required)
                       on P+100+ID-1 between brokers, the ACL authorizer with super.users=User:broker;User:admin, and
                       zookeeper.set.acl=true; D holds truststore.p12, broker-ID.p12 (CN=broker-ID,OU=brokers) and
                       store.password, as scripts/cluster.sh start --secure writes them. Needs --zk-jaas.
  --zk-jaas FILE       JAAS file with the Client section the brokers log in to ZooKeeper with (zk-ensemble.sh --sasl
                       prints it as jaas_client=)
  --timeout S          how long start waits (default 90)
  -h, --help           this help

Settings are fixed when a directory is first started (D/brokers.env); later commands reuse them.
Status lines look like:
  broker=1 port=9092 pid=12345 health=SERVING controller=yes
  broker=2 port=9093 pid=- health=STOPPED controller=no
  bootstrap=127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094
Environment: JAVA_HOME, BROKER_HEAP_OPTS (default -Xmx512m), BROKER_JVM_OPTS (extra JVM flags),
  TRIBUTARY_LOG_FORMAT (text, or json for JSON lines).
USAGE
}

cmd="${1:-}"
[[ -n "$cmd" ]] || { usage >&2; exit 2; }
shift
dir="$TRIBUTARY_ROOT/run/brokers"
count="" zk="" base_port="" metrics_base_port="" config_file="" id="" timeout=90 secure="" zk_jaas=""
case "$cmd" in
  -h|--help|help) usage; exit 0 ;;
  start)
    if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then count="$1"; shift; fi ;;
  stop)
    if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then id="$1"; shift; fi ;;
  kill)
    [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]] || die "kill needs a broker id"
    id="$1"; shift ;;
  status) ;;
  *) die "unknown command '$cmd' (see --help)" ;;
esac
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --zookeeper) [[ $# -ge 2 ]] || die "--zookeeper needs a value"; zk="$2"; shift 2 ;;
    --base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--base-port needs a number"; base_port="$2"; shift 2 ;;
    --metrics-base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--metrics-base-port needs a number"; metrics_base_port="$2"; shift 2 ;;
    --config) [[ $# -ge 2 ]] || die "--config needs a file"; config_file="$2"; shift 2 ;;
    --id) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--id needs a broker id"; id="$2"; shift 2 ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--timeout needs seconds"; timeout="$2"; shift 2 ;;
    --secure) [[ -d "${2:-}" ]] || die "--secure needs an existing directory"; secure="$(cd "$2" && pwd)"; shift 2 ;;
    --zk-jaas) [[ -f "${2:-}" ]] || die "--zk-jaas needs an existing file"; zk_jaas="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
if [[ -n "$count" && -n "$id" ]]; then die "give either a count N or --id ID, not both"; fi
if [[ -n "$config_file" ]]; then
  [[ -f "$config_file" ]] || die "--config $config_file: no such file"
  config_file="$(cd "$(dirname "$config_file")" && pwd)/$(basename "$config_file")"
fi

dir="$(abs_path "$dir")"
env_file="$dir/brokers.env"
if [[ -f "$env_file" ]]; then
  # shellcheck disable=SC1090
  source "$env_file"
  if [[ "$cmd" == start && -z "$id" ]]; then
    # A fresh "start [N]" may change settings, but only when no broker of this directory is running (checked below).
    BROKERS_COUNT="${count:-$BROKERS_COUNT}"
    BROKERS_ZK="${zk:-$BROKERS_ZK}"
    BROKERS_BASE_PORT="${base_port:-$BROKERS_BASE_PORT}"
    BROKERS_CONFIG="${config_file:-$BROKERS_CONFIG}"
    BROKERS_SECURE="${secure:-${BROKERS_SECURE:-}}"
    BROKERS_ZK_JAAS="${zk_jaas:-${BROKERS_ZK_JAAS:-}}"
  fi
else
  if [[ "$cmd" == stop ]]; then
    info "nothing to stop: no brokers were set up in $dir"
    exit 0
  elif [[ "$cmd" == status ]]; then
    echo "no brokers set up in $dir" >&2
    exit 1
  elif [[ "$cmd" != start || -n "$id" ]]; then
    die "no brokers set up in $dir (run: $0 start --dir $dir)"
  fi
  BROKERS_COUNT="${count:-3}"
  BROKERS_ZK="${zk:-127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183/tributary}"
  BROKERS_BASE_PORT="${base_port:-9092}"
  BROKERS_METRICS_BASE_PORT="${metrics_base_port:-$((BROKERS_BASE_PORT + 312))}"
  BROKERS_CONFIG="$config_file"
  BROKERS_SECURE="$secure"
  BROKERS_ZK_JAAS="$zk_jaas"
fi
BROKERS_SECURE="${BROKERS_SECURE:-}" BROKERS_ZK_JAAS="${BROKERS_ZK_JAAS:-}"
if [[ -n "$BROKERS_SECURE" && "$cmd" == start ]]; then
  for f in truststore.p12 store.password; do
    [[ -f "$BROKERS_SECURE/$f" ]] || die "--secure $BROKERS_SECURE has no $f (scripts/cluster.sh start --secure writes it)"
  done
  [[ -n "$BROKERS_ZK_JAAS" && -f "$BROKERS_ZK_JAAS" ]] || die "--secure needs --zk-jaas FILE (the jaas_client= of zk-ensemble.sh status)"
fi
[[ "$BROKERS_COUNT" -ge 1 ]] || die "the broker count must be at least 1"

broker_port() { echo $((BROKERS_BASE_PORT + $1 - 1)); }
# With --secure, the inter-broker listener; status and the readiness wait ask it, as broker 1 (mutual TLS).
internal_port() { echo $((BROKERS_BASE_PORT + 100 + $1 - 1)); }
probe_port() { if [[ -n "$BROKERS_SECURE" ]]; then internal_port "$1"; else broker_port "$1"; fi; }
probe_endpoints() {
  local i out=""
  for i in $(all_ids); do out="$out${out:+,}127.0.0.1:$(probe_port "$i")"; done
  echo "$out"
}
probe_tls() { if [[ -n "$BROKERS_SECURE" ]]; then echo --tls-config "$(broker_props 1)"; fi; }
broker_ports() { broker_port "$1"; metrics_port "$1"; if [[ -n "$BROKERS_SECURE" ]]; then internal_port "$1"; fi; }
# Set-ups written before metrics existed have no BROKERS_METRICS_BASE_PORT: the same default as a new one.
metrics_port() { echo $((${BROKERS_METRICS_BASE_PORT:-$((BROKERS_BASE_PORT + 312))} + $1 - 1)); }
broker_dir() { echo "$dir/broker-$1"; }
broker_props() { echo "$dir/broker-$1/server.properties"; }
broker_pidfile() { echo "$dir/broker-$1/broker.pid"; }
broker_log() { echo "$dir/broker-$1/broker.log"; }
broker_pid() { running_pid "$(broker_pidfile "$1")" "$(broker_props "$1")"; }
all_ids() { seq 1 "$BROKERS_COUNT"; }
bootstrap() {
  local i out=""
  for i in $(all_ids); do out="$out${out:+,}127.0.0.1:$(broker_port "$i")"; done
  echo "$out"
}
check_id() {
  [[ "$1" -ge 1 && "$1" -le "$BROKERS_COUNT" ]] || die "broker id $1 is not one of 1..$BROKERS_COUNT in $dir"
}

write_configs() {
  local i own_zk=0
  cat >"$env_file" <<EOF
BROKERS_COUNT=$BROKERS_COUNT
BROKERS_ZK='$BROKERS_ZK'
BROKERS_BASE_PORT=$BROKERS_BASE_PORT
BROKERS_METRICS_BASE_PORT=${BROKERS_METRICS_BASE_PORT:-$((BROKERS_BASE_PORT + 312))}
BROKERS_CONFIG='$BROKERS_CONFIG'
BROKERS_SECURE='$BROKERS_SECURE'
BROKERS_ZK_JAAS='$BROKERS_ZK_JAAS'
EOF
  if [[ -n "$BROKERS_CONFIG" && -z "$zk" ]] && grep -Eq '^[[:space:]]*zookeeper\.connect[[:space:]]*[=:]' "$BROKERS_CONFIG"; then
    own_zk=1
  fi
  for i in $(all_ids); do
    mkdir -p "$(broker_dir "$i")/data"
    # With --secure the file holds the key store password: readable by the owner only, as the stores are.
    if [[ -n "$BROKERS_SECURE" ]]; then (umask 077; : >"$(broker_props "$i")"); fi
    {
      echo "# Generated by scripts/brokers.sh for broker $i; regenerated by every 'brokers.sh start' (not by 'start --id')."
      if [[ -n "$BROKERS_CONFIG" ]]; then
        echo "# ---- from $BROKERS_CONFIG ----"
        cat "$BROKERS_CONFIG"
        echo
        echo "# ---- set by scripts/brokers.sh (later keys win) ----"
      fi
      echo "broker.id=$i"
      if [[ -n "$BROKERS_SECURE" ]]; then
        secure_config "$i"
      else
        echo "listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i")"
      fi
      echo "metrics.port=$(metrics_port "$i")"
      echo "log.dirs=$(broker_dir "$i")/data"
      if [[ $own_zk == 0 ]]; then echo "zookeeper.connect=$BROKERS_ZK"; fi
    } >"$(broker_props "$i")"
  done
}

# secure_config ID: the listener, TLS, SASL, authorizer and ZooKeeper ACL keys of a --secure broker.
secure_config() {
  local i="$1" sd="$BROKERS_SECURE" pw
  [[ -f "$sd/broker-$i.p12" ]] || die "--secure $sd has no broker-$i.p12 for broker $i"
  pw="$(cat "$sd/store.password")"
  cat <<EOF
listeners=SASL_SSL://127.0.0.1:$(broker_port "$i"),INTERNAL://127.0.0.1:$(internal_port "$i")
listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:SSL
inter.broker.listener.name=INTERNAL
# Brokers prove who they are to each other with their certificates; clients on SASL_SSL need none.
listener.name.internal.ssl.client.auth=required
ssl.client.auth=none
ssl.keystore.type=PKCS12
ssl.keystore.location=$sd/broker-$i.p12
ssl.keystore.password=$pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$sd/truststore.p12
ssl.truststore.password=$pw
ssl.principal.mapping.rules=RULE:^CN=broker-[0-9]+,OU=brokers,.*$/broker/,DEFAULT
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
authorizer.class.name=kafka.security.authorizer.AclAuthorizer
super.users=User:broker;User:admin
zookeeper.set.acl=true
EOF
}

start_broker() {
  local i="$1" jaas=()
  # shellcheck disable=SC2046 # one port a word
  check_ports_free $(broker_ports "$i")
  if [[ -n "$BROKERS_SECURE" ]]; then jaas=("-Djava.security.auth.login.config=$BROKERS_ZK_JAAS"); fi
  # shellcheck disable=SC2086 # the option variables hold several JVM flags on purpose
  start_daemon "$(broker_pidfile "$i")" "$(broker_log "$i")" \
    "$JAVA_BIN" ${BROKER_HEAP_OPTS:--Xmx512m} ${BROKER_JVM_OPTS:-} "${jaas[@]+"${jaas[@]}"}" \
    -Dlog4j2.configurationFile="$TRIBUTARY_LOG4J" -Dtributary.log.format="${TRIBUTARY_LOG_FORMAT:-text}" \
    -cp "$TRIBUTARY_CP" io.tributary.broker.server.BrokerMain "$(broker_props "$i")"
}

# cluster_report: runs ClusterStatus once against every configured broker; sets HEALTH[id], CLUSTER_CONTROLLER,
# CLUSTER_BROKERS (comma list) and CLUSTER_ID.
HEALTH=()
CLUSTER_CONTROLLER=- CLUSTER_BROKERS=- CLUSTER_ID=-
cluster_report() {
  local line ep h i
  HEALTH=()
  CLUSTER_CONTROLLER=- CLUSTER_BROKERS=- CLUSTER_ID=-
  while IFS= read -r line; do
    case "$line" in
      endpoint=*)
        ep="${line#endpoint=}"; ep="${ep%% *}"; h="${line##*health=}"
        for i in $(all_ids); do
          if [[ "$ep" == "127.0.0.1:$(probe_port "$i")" ]]; then HEALTH[$i]="$h"; fi
        done ;;
      cluster_id=*)
        CLUSTER_ID="$(sed -n 's/^cluster_id=\([^ ]*\).*/\1/p' <<<"$line")"
        CLUSTER_CONTROLLER="$(sed -n 's/.* controller=\([^ ]*\).*/\1/p' <<<"$line")"
        CLUSTER_BROKERS="$(sed -n 's/.* brokers=\([^ ]*\).*/\1/p' <<<"$line")" ;;
    esac
  # shellcheck disable=SC2046 # probe_tls prints an option and its value, or nothing
  done < <(run_tool io.tributary.broker.server.ClusterStatus "$(probe_endpoints)" --timeout-ms 2000 $(probe_tls) 2>/dev/null || true)
}

# wait_serving IDS...: until each is alive, SERVING and registered; on failure prints log tails and returns 1.
wait_serving() {
  local deadline=$((SECONDS + timeout)) i ok
  while true; do
    for i in "$@"; do
      if [[ -z "$(broker_pid "$i")" ]]; then
        warn "broker $i exited during start-up"
        log_tail "broker $i" "$(broker_log "$i")"
        return 1
      fi
    done
    cluster_report
    ok=1
    for i in "$@"; do
      if [[ "${HEALTH[$i]:-}" != SERVING || ",$CLUSTER_BROKERS," != *",$i,"* ]]; then ok=0; fi
    done
    if [[ $ok == 1 ]]; then return 0; fi
    if ((SECONDS >= deadline)); then
      warn "timed out after ${timeout}s waiting for broker(s) $* to be SERVING and registered (cluster sees: $CLUSTER_BROKERS)"
      for i in "$@"; do log_tail "broker $i" "$(broker_log "$i")"; done
      return 1
    fi
    sleep 1
  done
}

# wait_deregistered ID: after a SIGKILL the broker's ephemeral registration lives until its ZooKeeper session
# expires (zookeeper.session.timeout.ms), and a broker started before that refuses to start (id in use). Wait for
# the other brokers to see it gone.
wait_deregistered() {
  local i="$1" session_ms deadline
  cluster_report
  if [[ ",$CLUSTER_BROKERS," != *",$i,"* ]]; then return 0; fi
  session_ms="$(sed -n 's/^[[:space:]]*zookeeper\.session\.timeout\.ms[[:space:]]*[=:][[:space:]]*\([0-9]*\).*/\1/p' "$(broker_props "$i")" | tail -n 1)"
  session_ms="${session_ms:-18000}"
  deadline=$((SECONDS + session_ms / 1000 + 15))
  info "broker $i is still registered (its previous ZooKeeper session has not expired); waiting up to $((session_ms / 1000 + 15))s..."
  while ((SECONDS < deadline)); do
    sleep 1
    cluster_report
    if [[ ",$CLUSTER_BROKERS," != *",$i,"* ]]; then return 0; fi
  done
  die "broker $i is still registered in ZooKeeper after $((session_ms / 1000 + 15))s; is another process running with broker.id=$i?"
}

# check_local_zookeeper: when every server of zookeeper.connect is on loopback, fail at once (instead of after the
# brokers' 18 s connection timeout) if none of them serves.
check_local_zookeeper() {
  local hosts entry host port any_remote=0
  if [[ -n "$BROKERS_CONFIG" && -z "$zk" ]] && grep -Eq '^[[:space:]]*zookeeper\.connect[[:space:]]*[=:]' "$BROKERS_CONFIG"; then
    return 0
  fi
  hosts="${BROKERS_ZK%%/*}"
  IFS=',' read -ra entries <<<"$hosts"
  for entry in "${entries[@]}"; do
    host="${entry%:*}" port="${entry##*:}"
    if [[ "$host" != 127.0.0.1 && "$host" != localhost ]]; then any_remote=1; continue; fi
    case "$(zk_mode "$port")" in
      leader|follower|standalone) return 0 ;;
    esac
  done
  if [[ $any_remote == 0 ]]; then
    die "no ZooKeeper serves at $hosts; start one first (scripts/zk-ensemble.sh start) or pass --zookeeper"
  fi
}

do_start() {
  local i running=() ids=()
  if [[ -n "$id" ]]; then
    check_id "$id"
    [[ -f "$(broker_props "$id")" ]] || die "broker $id has no config in $(broker_dir "$id"); run '$0 start' first"
    if [[ -n "$(broker_pid "$id")" ]]; then die "broker $id is already running (pid $(broker_pid "$id"))"; fi
    find_java
    broker_classpath
    wait_deregistered "$id"
    snapshot_classpath "$dir" reuse
    start_broker "$id"
    info "started broker $id (pid $(pidfile_pid "$(broker_pidfile "$id")")), waiting until it is SERVING (up to ${timeout}s)..."
    wait_serving "$id" || die "broker $id did not become SERVING (log: $(broker_log "$id"))"
    do_status || true
    return 0
  fi
  for f in "$dir"/broker-*/broker.pid; do
    [[ -f "$f" ]] || continue
    i="${f%/broker.pid}"; i="${i##*/broker-}"
    if [[ -n "$(running_pid "$f" "$(broker_props "$i")")" ]]; then running+=("$i"); fi
  done
  if [[ ${#running[@]} -gt 0 ]]; then
    die "brokers are already running in $dir (ids: ${running[*]}); use '$0 status --dir $dir', '$0 stop --dir $dir', or 'start --id ID' for a stopped one"
  fi
  # shellcheck disable=SC2046 # one port a word
  for i in $(all_ids); do check_ports_free $(broker_ports "$i"); done
  check_local_zookeeper
  find_java
  broker_classpath
  snapshot_classpath "$dir" fresh
  write_configs
  for i in $(all_ids); do
    start_broker "$i"
    ids+=("$i")
  done
  info "started brokers ${ids[*]} (zookeeper.connect=$BROKERS_ZK), waiting until all are SERVING (up to ${timeout}s)..."
  if ! wait_serving "${ids[@]}"; then
    warn "stopping the brokers that were started"
    for i in "${ids[@]}"; do
      stop_process "broker $i" "$(broker_pidfile "$i")" "$(broker_props "$i")" 20 >&2
    done
    exit 1
  fi
  do_status || true
}

do_stop() {
  local i pids=()
  if [[ -n "$id" ]]; then
    check_id "$id"
    stop_process "broker $id" "$(broker_pidfile "$id")" "$(broker_props "$id")" 60
    return 0
  fi
  # All at once: each shuts down cleanly on SIGTERM; waiting in parallel keeps stop fast.
  for i in $(all_ids); do
    stop_process "broker $i" "$(broker_pidfile "$i")" "$(broker_props "$i")" 60 &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || true; done
}

do_status() {
  local i pid h ctl all=0 any=0
  find_java
  for i in $(all_ids); do
    if [[ -n "$(broker_pid "$i")" ]]; then any=1; fi
  done
  if [[ $any == 1 ]]; then
    broker_classpath
    cluster_report
  fi
  for i in $(all_ids); do
    pid="$(broker_pid "$i")"
    if [[ -z "$pid" ]]; then
      h=STOPPED
    else
      h="${HEALTH[$i]:-UNREACHABLE}"
    fi
    if [[ "$h" != SERVING ]]; then all=1; fi
    ctl=no
    if [[ "$CLUSTER_CONTROLLER" == "$i" ]]; then ctl=yes; fi
    echo "broker=$i port=$(broker_port "$i") pid=${pid:--} health=$h controller=$ctl metrics=http://127.0.0.1:$(metrics_port "$i")/metrics"
  done
  echo "bootstrap=$(bootstrap)"
  return $all
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  kill) check_id "$id"; kill_process "broker $id" "$(broker_pidfile "$id")" "$(broker_props "$id")" ;;
esac
