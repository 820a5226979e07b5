#!/usr/bin/env bash
# Runs ZooKeeper's own command-line client (org.apache.zookeeper.ZooKeeperMain) against an ensemble, so an
# operator can browse Tributary's metadata as plain JSON, e.g.
#   scripts/zkcli.sh -server 127.0.0.1:2181 ls /tributary/brokers/ids
#   scripts/zkcli.sh get /tributary/brokers/topics/orders/partitions/0/state
# With no command after the options it opens zkCli's interactive shell.
#
# The classpath comes from the build: `./mvnw -pl coordination -am package` writes
# coordination/target/zkcli/classpath.txt (ZooKeeper's runtime jars) and coordination/target/zkcli/lib/
# (commons-cli 1.5 and an slf4j binding, which zkCli needs but ZooKeeper does not ship as dependencies).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/zkcli.sh [-server HOST:PORT[,HOST:PORT...]] [zkCli command ...]

Runs ZooKeeper's zkCli (org.apache.zookeeper.ZooKeeperMain).
  -server CONNECT   ensemble to connect to (default: $ZK_CONNECT or 127.0.0.1:2181)
  --jaas FILE       authenticate with SASL (DIGEST-MD5) using FILE's 'Client' section, e.g.
                      Client { org.apache.zookeeper.server.auth.DigestLoginModule required
                               username="tributary" password="..."; };
                    (default: $ZK_JAAS_CONFIG; none: anonymous, which a zookeeper.set.acl=true cluster
                    lets read only its harmless znodes and write nothing)
  -h, --help        show this help

Examples:
  scripts/zkcli.sh ls /tributary/brokers/ids
  scripts/zkcli.sh -server 127.0.0.1:2181 get /tributary/controller
Environment: JAVA (java binary, default: java on PATH), ZKCLI_JAVA_OPTS (extra JVM options).
USAGE
}

server="${ZK_CONNECT:-127.0.0.1:2181}"
jaas="${ZK_JAAS_CONFIG:-}"
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    -server)
      [[ $# -ge 2 ]] || { echo "zkcli.sh: -server needs a value" >&2; exit 2; }
      server="$2"; shift 2 ;;
    --jaas)
      [[ $# -ge 2 ]] || { echo "zkcli.sh: --jaas needs a file" >&2; exit 2; }
      jaas="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
zkcli_dir="${repo_root}/coordination/target/zkcli"
if [[ ! -f "${zkcli_dir}/classpath.txt" || ! -d "${zkcli_dir}/lib" ]]; then
  echo "zkcli.sh: ${zkcli_dir} is missing; build first: (cd ${repo_root} && ./mvnw -B -pl coordination -am package -DskipTests)" >&2
  exit 1
fi

classpath="$(cat "${zkcli_dir}/classpath.txt"):${zkcli_dir}/lib/*"
java_bin="${JAVA:-java}"
sasl_opts=(-Dzookeeper.sasl.client=false)
if [[ -n "${jaas}" ]]; then
  [[ -r "${jaas}" ]] || { echo "zkcli.sh: JAAS file ${jaas} is not readable" >&2; exit 2; }
  # DIGEST-MD5 is refused in ZooKeeper 3.9's default FIPS mode.
  sasl_opts=("-Djava.security.auth.login.config=${jaas}" -Dzookeeper.sasl.client=true -Dzookeeper.fips-mode=false)
fi
# shellcheck disable=SC2086 # ZKCLI_JAVA_OPTS is a list of options on purpose.
exec "${java_bin}" "${sasl_opts[@]}" ${ZKCLI_JAVA_OPTS:-} -cp "${classpath}" org.apache.zookeeper.ZooKeeperMain \
  -server "${server}" "${args[@]+"${args[@]}"}"
