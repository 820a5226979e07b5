#!/usr/bin/env bash
# Entry point of the Tributary container image (deploy/Dockerfile). One image, four commands:
#   broker           (default) render server.properties from the template and exec the broker
#   zookeeper        render zoo.cfg from the template and exec a ZooKeeper node (QuorumPeerMain)
#   healthcheck      exit 0 only if the local broker reports SERVING on gRPC health (the image's HEALTHCHECK;
#                    in a container started with "zookeeper" it runs zk-healthcheck instead)
#   zk-healthcheck   exit 0 only if the local ZooKeeper node answers `srvr` as leader, follower or standalone
# Anything else is executed as given (e.g. `bash`).
#
# Broker environment (defaults in brackets):
#   TRIBUTARY_ZOOKEEPER_CONNECT  required, e.g. zk1:2181,zk2:2181,zk3:2181/tributary
#   TRIBUTARY_BROKER_ID          [from the hostname's trailing ordinal + TRIBUTARY_BROKER_ID_OFFSET (1): tributary-0 -> 1]
#   TRIBUTARY_PORT [9092]  TRIBUTARY_LISTEN_HOST [0.0.0.0]  TRIBUTARY_ADVERTISED_HOST [hostname -f]  TRIBUTARY_ADVERTISED_PORT [TRIBUTARY_PORT]
#   TRIBUTARY_RACK [empty]  TRIBUTARY_DATA_DIR [/var/lib/tributary]  TRIBUTARY_METRICS_PORT [9404; -1: off]
#   TRIBUTARY_CFG_<KEY>          any other broker key, '_' -> '.', lower-cased (TRIBUTARY_CFG_LOG_RETENTION_HOURS=72)
#   TRIBUTARY_CONFIG_FILE        a complete server.properties to use instead of the template
#   TRIBUTARY_SECURITY [plaintext]  secure: render config/server-secure.properties.template instead (SASL_SSL for
#     clients, mutual TLS on INTERNAL between brokers, ACLs, zookeeper.set.acl=true), with
#     TRIBUTARY_TLS_DIR [/etc/tributary/tls] holding keystore.p12 and truststore.p12,
#     TRIBUTARY_SSL_PASSWORD_FILE [$TRIBUTARY_TLS_DIR/password] their password, TRIBUTARY_INTERNAL_PORT [9093],
#     TRIBUTARY_ZK_JAAS_FILE [/etc/tributary/zookeeper/jaas.conf] the Client section the broker logs in to ZooKeeper with,
#     TRIBUTARY_SUPER_USERS [User:broker;User:admin], TRIBUTARY_SSL_PRINCIPAL_MAPPING_RULES
#     [RULE:^CN=[^,]+,OU=brokers(,.*)?$/broker/,DEFAULT: every certificate of OU=brokers is User:broker]
# ZooKeeper environment:
#   ZK_MY_ID [hostname ordinal + 1]  ZK_CLIENT_PORT [2181]  ZK_CLIENT_ADDRESS [0.0.0.0]  ZK_DATA_DIR [/var/lib/zookeeper]
#   ZK_SERVERS  comma-separated server.N=host:quorumPort:electionPort (empty: standalone)
#   ZK_SASL [0]  1: clients may SASL-authenticate (DIGEST-MD5, users in the Server section of ZK_JAAS_FILE
#                [/etc/tributary/zookeeper/jaas.conf]); needed by brokers with zookeeper.set.acl=true
# Both: TRIBUTARY_HOME [/opt/tributary]  TRIBUTARY_HEAP_OPTS [-Xms1g -Xmx1g; ZooKeeper -Xmx512m]
#       TRIBUTARY_JVM_OPTS [empty]  TRIBUTARY_LOG_DIR [$TRIBUTARY_HOME/logs]  TRIBUTARY_LOG_FORMAT [text; json: JSON lines on stdout]
set -euo pipefail

home="${TRIBUTARY_HOME:-/opt/tributary}"
log_dir="${TRIBUTARY_LOG_DIR:-$home/logs}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
classpath="$home/lib/*"

die() {
  echo "tributary-entrypoint: $*" >&2
  exit 1
}

# render TEMPLATE: prints TEMPLATE with every ${NAME} replaced by $NAME (comment lines as they are); fails on an
# unset NAME.
render() {
  local line name value
  while IFS= read -r line || [[ -n "$line" ]]; do
    if [[ "$line" == "#"* ]]; then
      printf '%s\n' "$line"
      continue
    fi
    while [[ "$line" =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
      name="${BASH_REMATCH[1]}"
      [[ -n "${!name+set}" ]] || die "$1 needs the environment variable $name"
      value="${!name}"
      line="${line//"\${$name}"/"$value"}"
    done
    printf '%s\n' "$line"
  done <"$1"
}

# The trailing number of the hostname (StatefulSet pods: name-0, name-1, ...), or nothing.
ordinal() {
  local h
  h="$(hostname)"
  if [[ "$h" =~ -([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]}"; fi
}

broker() {
  local config ord key var
  [[ -n "${TRIBUTARY_ZOOKEEPER_CONNECT:-}" ]] || die "set TRIBUTARY_ZOOKEEPER_CONNECT (e.g. zk1:2181,zk2:2181,zk3:2181/tributary)"
  if [[ -z "${TRIBUTARY_BROKER_ID:-}" ]]; then
    ord="$(ordinal)"
    [[ -n "$ord" ]] || die "set TRIBUTARY_BROKER_ID (or run with a hostname ending in -<ordinal>)"
    TRIBUTARY_BROKER_ID=$((ord + ${TRIBUTARY_BROKER_ID_OFFSET:-1}))
  fi
  export TRIBUTARY_BROKER_ID
  export TRIBUTARY_PORT="${TRIBUTARY_PORT:-9092}"
  export TRIBUTARY_LISTEN_HOST="${TRIBUTARY_LISTEN_HOST:-0.0.0.0}"
  export TRIBUTARY_ADVERTISED_HOST="${TRIBUTARY_ADVERTISED_HOST:-$(hostname -f 2>/dev/null || hostname)}"
  export TRIBUTARY_ADVERTISED_PORT="${TRIBUTARY_ADVERTISED_PORT:-$TRIBUTARY_PORT}"
  export TRIBUTARY_RACK="${TRIBUTARY_RACK:-}"
  export TRIBUTARY_METRICS_PORT="${TRIBUTARY_METRICS_PORT:-9404}"
  export TRIBUTARY_DATA_DIR="${TRIBUTARY_DATA_DIR:-/var/lib/tributary}"
  mkdir -p "$TRIBUTARY_DATA_DIR/logs" "$log_dir"
  config="$TRIBUTARY_DATA_DIR/server.properties"
  local template="$home/config/server.properties.template" jaas_opts=()
  case "${TRIBUTARY_SECURITY:-plaintext}" in
    plaintext) ;;
    secure)
      template="$home/config/server-secure.properties.template"
      export TRIBUTARY_TLS_DIR="${TRIBUTARY_TLS_DIR:-/etc/tributary/tls}"
      export TRIBUTARY_INTERNAL_PORT="${TRIBUTARY_INTERNAL_PORT:-9093}"
      export TRIBUTARY_SUPER_USERS="${TRIBUTARY_SUPER_USERS:-User:broker;User:admin}"
      export TRIBUTARY_SSL_PRINCIPAL_MAPPING_RULES="${TRIBUTARY_SSL_PRINCIPAL_MAPPING_RULES:-RULE:^CN=[^,]+,OU=brokers(,.*)?\$/broker/,DEFAULT}"
      local password_file="${TRIBUTARY_SSL_PASSWORD_FILE:-$TRIBUTARY_TLS_DIR/password}" jaas="${TRIBUTARY_ZK_JAAS_FILE:-/etc/tributary/zookeeper/jaas.conf}"
      for f in "$TRIBUTARY_TLS_DIR/keystore.p12" "$TRIBUTARY_TLS_DIR/truststore.p12" "$password_file" "$jaas"; do
        [[ -r "$f" ]] || die "TRIBUTARY_SECURITY=secure needs $f (see deploy/README.md, Security)"
      done
      TRIBUTARY_SSL_PASSWORD="$(tr -d '\r\n' <"$password_file")"
      export TRIBUTARY_SSL_PASSWORD
      jaas_opts=("-Djava.security.auth.login.config=$jaas")
      ;;
    *) die "TRIBUTARY_SECURITY must be plaintext or secure, not '${TRIBUTARY_SECURITY}'" ;;
  esac
  if [[ -n "${TRIBUTARY_CONFIG_FILE:-}" ]]; then
    [[ -f "$TRIBUTARY_CONFIG_FILE" ]] || die "TRIBUTARY_CONFIG_FILE=$TRIBUTARY_CONFIG_FILE does not exist"
    config="$TRIBUTARY_CONFIG_FILE"
  else
    # The rendered file may hold the key store password: the owner's only.
    (umask 077; : >"$config")
    {
      render "$template"
      echo "# from TRIBUTARY_CFG_* environment variables"
      for var in $(compgen -e | grep '^TRIBUTARY_CFG_' || true); do
        key="$(tr '[:upper:]_' '[:lower:].' <<<"${var#TRIBUTARY_CFG_}")"
        echo "$key=${!var}"
      done
    } >"$config"
  fi
  unset TRIBUTARY_SSL_PASSWORD
  echo "tributary-entrypoint: broker ${TRIBUTARY_BROKER_ID:-?} with $config"
  # shellcheck disable=SC2086 # the option variables hold several JVM flags on purpose
  exec "$java_bin" ${TRIBUTARY_HEAP_OPTS:--Xms1g -Xmx1g} ${TRIBUTARY_JVM_OPTS:-} "${jaas_opts[@]+"${jaas_opts[@]}"}" \
    -Dlog4j2.configurationFile="$home/config/log4j2.xml" -Dtributary.log.dir="$log_dir" -Dtributary.log.name=server \
    -Dtributary.log.format="${TRIBUTARY_LOG_FORMAT:-text}" \
    -cp "$classpath" io.tributary.broker.server.BrokerMain "$config"
}

zookeeper() {
  local ord cfg entry
  if [[ -z "${ZK_MY_ID:-}" ]]; then
    ord="$(ordinal)"
    [[ -n "$ord" ]] || die "set ZK_MY_ID (or run with a hostname ending in -<ordinal>)"
    ZK_MY_ID=$((ord + 1))
  fi
  export ZK_CLIENT_PORT="${ZK_CLIENT_PORT:-2181}"
  export ZK_CLIENT_ADDRESS="${ZK_CLIENT_ADDRESS:-0.0.0.0}"
  export ZK_DATA_DIR="${ZK_DATA_DIR:-/var/lib/zookeeper}"
  mkdir -p "$ZK_DATA_DIR" "$log_dir"
  echo "$ZK_MY_ID" >"$ZK_DATA_DIR/myid"
  cfg="$ZK_DATA_DIR/zoo.cfg"
  {
    render "$home/config/zoo.cfg.template"
    IFS=',' read -ra entries <<<"${ZK_SERVERS:-}"
    for entry in "${entries[@]}"; do
      if [[ -n "${entry// /}" ]]; then echo "${entry// /}"; fi
    done
    if [[ "${ZK_SASL:-0}" == 1 ]]; then echo "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider"; fi
  } >"$cfg"
  local sasl_opts=()
  if [[ "${ZK_SASL:-0}" == 1 ]]; then
    [[ -r "${ZK_JAAS_FILE:-/etc/tributary/zookeeper/jaas.conf}" ]] || die "ZK_SASL=1 needs ${ZK_JAAS_FILE:-/etc/tributary/zookeeper/jaas.conf} (a Server section)"
    # ZooKeeper 3.9 refuses DIGEST-MD5 in its default FIPS mode.
    sasl_opts=("-Djava.security.auth.login.config=${ZK_JAAS_FILE:-/etc/tributary/zookeeper/jaas.conf}" -Dzookeeper.fips-mode=false)
  fi
  # The image's HEALTHCHECK runs "healthcheck"; this marker makes it check ZooKeeper in a ZooKeeper container.
  echo zookeeper >"${TMPDIR:-/tmp}/tributary.role" 2>/dev/null || true
  echo "tributary-entrypoint: ZooKeeper node $ZK_MY_ID with $cfg"
  # shellcheck disable=SC2086
  exec "$java_bin" ${TRIBUTARY_HEAP_OPTS:--Xmx512m} ${TRIBUTARY_JVM_OPTS:-} \
    -Dlog4j2.configurationFile="$home/config/log4j2.xml" -Dtributary.log.dir="$log_dir" -Dtributary.log.name=zookeeper \
    -Dtributary.log.format="${TRIBUTARY_LOG_FORMAT:-text}" \
    -Dtributary.zookeeper.log.level=info -Dzookeeper.admin.enableServer=false "${sasl_opts[@]+"${sasl_opts[@]}"}" \
    -cp "$classpath" org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg"
}

healthcheck() {
  if [[ "$(cat "${TMPDIR:-/tmp}/tributary.role" 2>/dev/null || true)" == zookeeper ]]; then zk_healthcheck; fi
  if [[ "${TRIBUTARY_SECURITY:-plaintext}" == secure ]]; then
    # Over the INTERNAL listener with the broker's own certificate (mutual TLS), from the rendered config.
    exec "$java_bin" -Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$classpath" \
      io.tributary.broker.server.HealthCheck "127.0.0.1:${TRIBUTARY_INTERNAL_PORT:-9093}" --timeout-ms "${HEALTHCHECK_TIMEOUT_MS:-3000}" \
      --tls-config "${TRIBUTARY_CONFIG_FILE:-${TRIBUTARY_DATA_DIR:-/var/lib/tributary}/server.properties}"
  fi
  exec "$java_bin" -Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$classpath" \
    io.tributary.broker.server.HealthCheck "127.0.0.1:${TRIBUTARY_PORT:-9092}" --timeout-ms "${HEALTHCHECK_TIMEOUT_MS:-3000}"
}

zk_healthcheck() {
  local answer line
  exec 3<>"/dev/tcp/127.0.0.1/${ZK_CLIENT_PORT:-2181}" || { echo "ZooKeeper port closed"; exit 1; }
  printf 'srvr' >&3
  answer=""
  while IFS= read -r -t 3 line <&3; do answer+="$line"$'\n'; done
  if grep -Eq '^Mode: (leader|follower|standalone)' <<<"$answer"; then
    grep '^Mode:' <<<"$answer"
    exit 0
  fi
  echo "ZooKeeper not serving: ${answer:-no answer}"
  exit 1
}

cmd="${1:-broker}"
case "$cmd" in
  broker) broker ;;
  zookeeper) zookeeper ;;
  healthcheck) healthcheck ;;
  zk-healthcheck) zk_healthcheck ;;
  *) exec "$@" ;;
esac
