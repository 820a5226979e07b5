#!/usr/bin/env bash
# A local three-node ZooKeeper ensemble plus three brokers in one command. See --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/cluster.sh start|stop|status [--secure] [--dir D] [--zk-base-port P] [--broker-base-port B]

  start    scripts/zk-ensemble.sh start (under D/zk), then scripts/brokers.sh start 3 (under D/brokers) against it;
           prints the bootstrap list and how to create a topic, produce and consume
  stop     brokers first, then the ensemble; idempotent
  status   both status reports; exit 0 only if all six processes are up

Options:
  --secure              (start) ZooKeeper with SASL (DIGEST-MD5) and brokers with SASL_SSL for clients (SCRAM), mutual
                        TLS between brokers, the ACL authorizer and zookeeper.set.acl=true. Makes, with the JDK's keytool,
                        a throwaway CA and one certificate per broker under D/secrets (kept for later starts), and the
                        super user admin (SCRAM-SHA-512, written through ZooKeeper before any broker starts). Prints
                        bootstrap=HOST:PORT,... and client_config=PATH (admin's client.properties for --command-config).
                        Fixed when D is first started, like the other settings.
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
zk_port="" broker_port="" secure=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --secure) secure=1; shift ;;
    --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --zk-base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--zk-base-port needs a number"; zk_port="$2"; shift 2 ;;
    --broker-base-port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--broker-base-port needs a number"; broker_port="$2"; shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
dir="$(abs_path "$dir")"
zk_args=(--dir "$dir/zk")
broker_args=(--dir "$dir/brokers")
secrets="$dir/secrets"
client_config="$secrets/admin-client.properties"

# make_secrets: a throwaway CA (EC P-256, 1 year) signing one certificate per broker (CN=broker-ID,OU=brokers,
# SAN 127.0.0.1 and localhost, serverAuth and clientAuth: each broker is a server to clients and a client of its
# peers), a trust store holding the CA, one random store password, and admin's random SCRAM password and
# client.properties. Everything is mode 600 under D/secrets; nothing here is fit for production (no CA key
# protection beyond the file mode, no revocation): bring your own CA there.
make_secrets() {
  local kt pw i
  kt="$JAVA_BIN"; kt="${kt%/java}/keytool"
  [[ -x "$kt" ]] || die "no keytool beside $JAVA_BIN (a full JDK is needed for --secure)"
  mkdir -p "$secrets"
  chmod 700 "$secrets"
  (
    umask 077
    cd "$secrets"
    rm -f ./*.p12 ./*.csr ./*.crt ./*.pem ./*.password ./*.properties
    pw="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    printf '%s' "$pw" >store.password
    "$kt" -genkeypair -alias ca -dname "CN=Tributary throwaway CA" -ext bc:c -keyalg EC -groupname secp256r1 \
      -validity 365 -keystore ca.p12 -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1
    "$kt" -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$pw" -file ca.pem >/dev/null 2>&1
    "$kt" -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1
    for i in 1 2 3; do
      "$kt" -genkeypair -alias broker -dname "CN=broker-$i,OU=brokers,O=Tributary" -keyalg EC -groupname secp256r1 \
        -validity 365 -keystore "broker-$i.p12" -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1
      "$kt" -certreq -alias broker -keystore "broker-$i.p12" -storepass "$pw" -file "broker-$i.csr" >/dev/null 2>&1
      "$kt" -gencert -alias ca -keystore ca.p12 -storepass "$pw" -infile "broker-$i.csr" -outfile "broker-$i.crt" -rfc \
        -validity 365 -ext SAN=ip:127.0.0.1,dns:localhost -ext KU=digitalSignature,keyEncipherment \
        -ext EKU=serverAuth,clientAuth >/dev/null 2>&1
      "$kt" -importcert -noprompt -alias ca -file ca.pem -keystore "broker-$i.p12" -storepass "$pw" >/dev/null 2>&1
      "$kt" -importcert -alias broker -file "broker-$i.crt" -keystore "broker-$i.p12" -storepass "$pw" >/dev/null 2>&1
      rm -f "broker-$i.csr"
    done
    head -c 24 /dev/urandom | base64 | tr -d '/+=' >admin.password
    cat >admin-client.properties <<EOF
# The super user admin of the cluster under $dir (scripts/cluster.sh start --secure); pass with --command-config.
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.username=admin
sasl.password=$(cat admin.password)
ssl.truststore.type=PKCS12
ssl.truststore.location=$secrets/truststore.p12
ssl.truststore.password=$pw
EOF
  ) || die "keytool could not make the certificates under $secrets"
}

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
    if [[ $secure == 1 ]]; then
      find_java
      if [[ ! -f "$client_config" ]]; then make_secrets; fi
      zk_args+=(--sasl)
    fi
    "$TRIBUTARY_SCRIPTS/zk-ensemble.sh" start "${zk_args[@]}"
    zk_status="$("$TRIBUTARY_SCRIPTS/zk-ensemble.sh" status "${zk_args[@]}")"
    connect="$(sed -n 's/^connect=//p' <<<"$zk_status")"
    jaas_client="$(sed -n 's/^jaas_client=//p' <<<"$zk_status")"
    if [[ $secure == 1 ]]; then
      [[ -n "$jaas_client" ]] || die "the ensemble in $dir/zk was first started without --sasl; use another --dir for a secure cluster"
      broker_args+=(--secure "$secrets" --zk-jaas "$jaas_client")
      # Kafka's bootstrap of the first credential: straight into ZooKeeper (as the brokers' ZooKeeper identity, so
      # the znodes get their ACLs), since no broker could authenticate an admin yet.
      if ! TRIBUTARY_OPTS="-Djava.security.auth.login.config=$jaas_client" "$TRIBUTARY_SCRIPTS/tributary-configs.sh" \
          --zookeeper "$connect/tributary" --alter --entity-type users --entity-name admin \
          --add-config "SCRAM-SHA-512=[iterations=8192,password=$(cat "$secrets/admin.password")],SCRAM-SHA-256=[iterations=8192,password=$(cat "$secrets/admin.password")]" >/dev/null; then
        warn "could not create the admin credential in ZooKeeper; stopping the ensemble"
        "$TRIBUTARY_SCRIPTS/zk-ensemble.sh" stop "${zk_args[@]}" >&2 || true
        exit 1
      fi
    fi
    if ! "$TRIBUTARY_SCRIPTS/brokers.sh" start 3 "${broker_args[@]}" --zookeeper "$connect/tributary"; then
      warn "the brokers did not start (brokers.sh stopped those it had started); stopping the ensemble"
      "$TRIBUTARY_SCRIPTS/zk-ensemble.sh" stop "${zk_args[@]}" >&2 || true
      exit 1
    fi
    dir_opt=""
    if [[ "$dir" != "$TRIBUTARY_ROOT/run" ]]; then dir_opt=" --dir $dir"; fi
    bootstrap="$("$TRIBUTARY_SCRIPTS/brokers.sh" status "${broker_args[@]}" | sed -n 's/^bootstrap=//p')"
    if [[ -n "$jaas_client" && -f "$client_config" ]]; then
      cc="--command-config $client_config"
      cat <<EOF

Tributary cluster is up, secured: 3 ZooKeeper nodes ($connect, SASL; zkcli.sh --jaas $jaas_client), 3 brokers
(SASL_SSL with SCRAM for clients, mutual TLS between brokers, ACLs on; CA and certificates in $secrets).
bootstrap=$bootstrap
client_config=$client_config
Data and logs under $dir. Stop it with: scripts/cluster.sh stop$dir_opt

Try it as the super user admin, then give alice her own rights:
  scripts/tributary-topics.sh --bootstrap-server $bootstrap $cc --create --topic demo --partitions 3 --replication-factor 3
  seq 1 10 | scripts/tributary-console-producer.sh --bootstrap-server $bootstrap --producer.config $client_config --topic demo
  scripts/tributary-console-consumer.sh --bootstrap-server $bootstrap --consumer.config $client_config --topic demo --from-beginning --max-messages 10
  scripts/tributary-configs.sh --bootstrap-server $bootstrap $cc --alter --entity-type users --entity-name alice --add-config 'SCRAM-SHA-512=[password=alice-secret]'
  scripts/tributary-acls.sh --bootstrap-server $bootstrap $cc --add --allow-principal User:alice --operation Read --topic demo --group demo-readers
EOF
      exit 0
    fi
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
    if [[ -f "$client_config" ]]; then echo "client_config=$client_config"; fi
    exit $rc
    ;;
  *) die "unknown command '$cmd' (see --help)" ;;
esac
