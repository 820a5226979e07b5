#!/usr/bin/env bash
# Script-level test of `scripts/cluster.sh start --secure`, run by `./mvnw verify` (client-sdk's OpsSmokeScriptTest)
# and runnable by hand: scripts/test/secure-smoke.sh [--keep]
#
# In a temporary directory, on non-default ports: starts the secure cluster (ZooKeeper with SASL, brokers with
# SASL_SSL for clients, mutual TLS between brokers, ACLs, zookeeper.set.acl=true), checks that it prints bootstrap=
# and client_config= on lines of their own and that its secrets are the owner's only, then as the super user creates
# an RF 3 topic, produces 100 records and reads them back; a second user is refused, then reads once granted Read on
# the topic and its group; a client without TLS gets no answer; an anonymous zkCli can neither read the SCRAM
# credentials nor change a Tributary znode. Stops everything and checks that no process of it is left.
#
# Environment: SECURE_SMOKE_ZK_PORT (default 25181; also uses +707.. and +1707.. for peers), SECURE_SMOKE_BROKER_PORT
# (default 28092; also +100.. for the inter-broker listener and +312.. for /metrics), TRIBUTARY_CLASSPATH.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scripts="$(cd "$script_dir/.." && pwd)"
keep=0
case "${1:-}" in
  --keep) keep=1 ;;
  -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

zk_port="${SECURE_SMOKE_ZK_PORT:-25181}"
broker_port="${SECURE_SMOKE_BROKER_PORT:-28092}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tributary-secure-smoke.XXXXXX")"
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

step "cluster.sh start --secure in $work; ZooKeeper ports from $zk_port, brokers from $broker_port"
"$scripts/cluster.sh" start --secure --dir "$work" --zk-base-port "$zk_port" --broker-base-port "$broker_port" >"$work/start.out" 2>&1 \
  || { cat "$work/start.out"; fail "cluster.sh start --secure failed"; }
bootstrap="$(sed -n 's/^bootstrap=//p' "$work/start.out" | tail -n 1)"
client_config="$(sed -n 's/^client_config=//p' "$work/start.out")"
[[ "$bootstrap" == "127.0.0.1:$broker_port,127.0.0.1:$((broker_port + 1)),127.0.0.1:$((broker_port + 2))" ]] \
  || { cat "$work/start.out"; fail "no bootstrap= line with the SASL_SSL ports"; }
[[ -f "$client_config" ]] || { cat "$work/start.out"; fail "no client_config= line naming a file"; }
jaas="$work/zk/jaas-client.conf"

step "secrets are the owner's only"
for f in "$work"/secrets/* "$jaas" "$work"/brokers/broker-1/server.properties; do
  [[ "$(stat -c %a "$f")" == 600 ]] || fail "$f is mode $(stat -c %a "$f"), not 600"
done
grep -q '^security.protocol=SASL_SSL$' "$client_config" || fail "the client config is not SASL_SSL"

step "the super user creates an RF 3 topic, produces 100 records and reads them back"
"$scripts/tributary-topics.sh" --bootstrap-server "$bootstrap" --command-config "$client_config" \
  --create --topic orders --partitions 3 --replication-factor 3 >/dev/null
seq 1 100 | "$scripts/tributary-console-producer.sh" --bootstrap-server "$bootstrap" --producer.config "$client_config" \
  --topic orders --producer-property acks=all
"$scripts/tributary-console-consumer.sh" --bootstrap-server "$bootstrap" --consumer.config "$client_config" \
  --topic orders --from-beginning --max-messages 100 --timeout-ms 30000 2>/dev/null | sort -n >"$work/admin.out"
[[ "$(wc -l <"$work/admin.out")" == 100 && "$(tail -n 1 "$work/admin.out")" == 100 ]] || fail "admin read $(wc -l <"$work/admin.out") of 100 records"

step "alice is refused without ACLs and reads once granted Read on the topic and her group"
"$scripts/tributary-configs.sh" --bootstrap-server "$bootstrap" --command-config "$client_config" --alter \
  --entity-type users --entity-name alice --add-config 'SCRAM-SHA-256=[iterations=4096,password=alice-secret]' >/dev/null
{
  grep '^ssl\.truststore\.' "$client_config"
  printf 'security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\nsasl.username=alice\nsasl.password=alice-secret\n'
} >"$work/alice.properties"
if "$scripts/tributary-console-consumer.sh" --bootstrap-server "$bootstrap" --consumer.config "$work/alice.properties" \
    --topic orders --group readers --from-beginning --max-messages 1 --timeout-ms 10000 >"$work/alice-refused.out" 2>&1; then
  fail "alice read without any ACL: $(cat "$work/alice-refused.out")"
fi
grep -q 'TOPIC_AUTHORIZATION_FAILED' "$work/alice-refused.out" || fail "alice was refused without TOPIC_AUTHORIZATION_FAILED: $(cat "$work/alice-refused.out")"
"$scripts/tributary-acls.sh" --bootstrap-server "$bootstrap" --command-config "$client_config" --add \
  --allow-principal User:alice --operation Read --topic orders --group readers >/dev/null
"$scripts/tributary-console-consumer.sh" --bootstrap-server "$bootstrap" --consumer.config "$work/alice.properties" \
  --topic orders --group readers --from-beginning --max-messages 100 --timeout-ms 30000 2>/dev/null >"$work/alice.out"
[[ "$(wc -l <"$work/alice.out")" == 100 ]] || fail "alice read $(wc -l <"$work/alice.out") of 100 records once granted"
if echo x | "$scripts/tributary-console-producer.sh" --bootstrap-server "$bootstrap" --producer.config "$work/alice.properties" \
    --topic orders >"$work/alice-write.out" 2>&1; then
  fail "alice wrote with Read rights only"
fi
grep -q 'AUTHORIZATION_FAILED' "$work/alice-write.out" || fail "alice's write was refused without an authorization error: $(cat "$work/alice-write.out")"

step "a client without TLS gets no answer"
if "$scripts/tributary-topics.sh" --bootstrap-server "$bootstrap" --list >"$work/plain.out" 2>&1; then
  fail "a plaintext client listed topics on the SASL_SSL listener"
fi
grep -q 'TLS listener' "$work/plain.out" || fail "the plaintext client's error does not point at TLS: $(cat "$work/plain.out")"

step "anonymous zkCli can neither read the credentials nor change Tributary znodes; the brokers' identity can"
zk="127.0.0.1:$zk_port"
out="$("$scripts/zkcli.sh" -server "$zk" get /tributary/config/users/admin 2>&1 || true)"
grep -q 'Insufficient permission' <<<"$out" || fail "anonymous zkCli read /tributary/config/users/admin: $out"
out="$("$scripts/zkcli.sh" -server "$zk" set /tributary/controller_epoch 999 2>&1 || true)"
grep -q 'Insufficient permission' <<<"$out" || fail "anonymous zkCli changed /tributary/controller_epoch: $out"
out="$("$scripts/zkcli.sh" --jaas "$jaas" -server "$zk" get /tributary/config/users/admin 2>&1 || true)"
grep -q 'SCRAM-SHA-512' <<<"$out" || fail "the brokers' ZooKeeper identity cannot read admin's credential: $out"
grep -q 'password' <<<"$out" && fail "a stored credential holds a password: $out"

step "status names the client config; stop leaves nothing running"
"$scripts/cluster.sh" status --dir "$work" >"$work/status.out" || { cat "$work/status.out"; fail "status is not all-up"; }
grep -qx "client_config=$client_config" "$work/status.out" || fail "status does not print client_config="
"$scripts/cluster.sh" stop --dir "$work" >/dev/null
left="$(leftover_pids | tr '\n' ' ')"
[[ -z "${left// /}" ]] || fail "processes left after stop: $left"
step "ok"
