#!/usr/bin/env bash
# Runs a main class of the Tributary client SDK (the command-line tools) from the build output.
# Usage: tributary-run-class.sh CLASS [ARGS...]
# Environment: JAVA_HOME, TRIBUTARY_HEAP_OPTS (default -Xmx512m), TRIBUTARY_OPTS (extra JVM flags),
#              TRIBUTARY_LOG_LEVEL (default warn; logs go to standard error),
#              TRIBUTARY_CLASSPATH (use this classpath instead of the client SDK's build output).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $(basename "$0") CLASS [ARGS...]" >&2
  exit 2
fi

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$script_dir/.." && pwd)"
target="$root/client-sdk/target"
cp_file="$target/tools-classpath.txt"
jar="$target/client-sdk-0.1.0-SNAPSHOT.jar"

if [[ -n "${TRIBUTARY_CLASSPATH:-}" ]]; then
  # An explicit classpath replaces the build output (the Maven-run ops test passes the reactor's test classpath).
  classpath="$TRIBUTARY_CLASSPATH"
elif [[ ! -f "$cp_file" || ! -f "$jar" ]]; then
  echo "tributary: the client SDK is not built (missing $cp_file or $jar)." >&2
  echo "Build it with: cd '$root' && ./mvnw -B -pl client-sdk -am package -DskipTests" >&2
  exit 1
else
  classpath="$jar:$(cat "$cp_file")"
fi

if [[ -n "${JAVA_HOME:-}" ]]; then
  java_bin="$JAVA_HOME/bin/java"
else
  java_bin="$(command -v java || true)"
fi
if [[ -z "$java_bin" || ! -x "$java_bin" ]]; then
  echo "tributary: no java found (set JAVA_HOME or put java on PATH); Java 17 or newer is needed." >&2
  exit 1
fi

# shellcheck disable=SC2086 # the option variables hold several JVM flags on purpose
exec "$java_bin" ${TRIBUTARY_HEAP_OPTS:--Xmx512m} ${TRIBUTARY_OPTS:-} \
  -Dlog4j2.configurationFile="$root/client-sdk/src/main/config/tools-log4j2.xml" \
  -cp "$classpath" "$@"
