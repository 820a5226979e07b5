# shellcheck shell=bash
# Helpers shared by scripts/zk-ensemble.sh, brokers.sh, cluster.sh and tributary-dev.sh. Sourced, not run.
#
# Conventions: every process a script starts has a PID file next to its log; a PID is only ever signalled after
# its command line was checked to still be ours (it must contain the process's own config path), so a stale PID
# file can never make us signal an unrelated process. No pkill/killall.
#
# Environment understood by all scripts:
#   JAVA_HOME            Java 17+ to use (default: java on PATH)
#   TRIBUTARY_CLASSPATH  use this classpath instead of the build output (the Maven ops test passes its own)
#   TRIBUTARY_NO_BUILD=1 never run ./mvnw; fail if the build output is missing

TRIBUTARY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TRIBUTARY_SCRIPTS="$TRIBUTARY_ROOT/scripts"
TRIBUTARY_LOG4J="$TRIBUTARY_ROOT/broker-server/src/main/resources/log4j2.xml"

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

info() {
  echo "$(basename "$0"): $*"
}

warn() {
  echo "$(basename "$0"): $*" >&2
}

# Sets JAVA_BIN or exits with a clear message.
find_java() {
  if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA_BIN="$JAVA_HOME/bin/java"
  else
    JAVA_BIN="$(command -v java || true)"
  fi
  if [[ -z "$JAVA_BIN" || ! -x "$JAVA_BIN" ]]; then
    die "no java found (set JAVA_HOME or put java on PATH); Java 17 or newer is needed."
  fi
}

# The broker jar the build produced (not the -tests jar, not benchmarks.jar), or nothing.
_broker_jar() {
  local f
  for f in "$TRIBUTARY_ROOT"/broker-server/target/broker-server-*.jar; do
    case "$f" in
      *-tests.jar|*-sources.jar|*-javadoc.jar) ;;
      *) if [[ -f "$f" ]]; then echo "$f"; return 0; fi ;;
    esac
  done
  return 0
}

# Sets TRIBUTARY_CP: broker-server's jar plus its runtime classpath (ZooKeeper server, metrics-core, snappy-java,
# gRPC, log4j), building with the Maven Wrapper first when the build output is missing.
broker_classpath() {
  if [[ -n "${TRIBUTARY_CLASSPATH:-}" ]]; then
    TRIBUTARY_CP="$TRIBUTARY_CLASSPATH"
    return 0
  fi
  local cp_file="$TRIBUTARY_ROOT/broker-server/target/classpath.txt"
  local jar
  jar="$(_broker_jar)"
  if [[ -z "$jar" || ! -f "$cp_file" || ! -f "$TRIBUTARY_ROOT/client-sdk/target/tools-classpath.txt" ]]; then
    if [[ "${TRIBUTARY_NO_BUILD:-0}" == 1 ]]; then
      die "the build output is missing ($cp_file); build with: (cd '$TRIBUTARY_ROOT' && ./mvnw -B package -DskipTests)"
    fi
    info "build output missing: building once with the Maven Wrapper (first time: downloads Maven and dependencies, a few minutes)..."
    info "  (cd '$TRIBUTARY_ROOT' && ./mvnw -B -q package -DskipTests)"
    if ! (cd "$TRIBUTARY_ROOT" && ./mvnw -B -q package -DskipTests) >&2; then
      die "the build failed; see the Maven output above"
    fi
    jar="$(_broker_jar)"
    [[ -n "$jar" && -f "$cp_file" ]] || die "the build finished but $cp_file is still missing"
  fi
  TRIBUTARY_CP="$jar:$(cat "$cp_file")"
}

# snapshot_classpath DIR fresh|reuse: long-running processes must not run from target/ directly (a rebuild replaces
# those jars under a running JVM, which then fails with NoClassDefFoundError), so the project's own jars on
# TRIBUTARY_CP are copied to DIR/lib and TRIBUTARY_CP is rewritten to use the copies (third-party jars in the Maven
# repository are never rewritten in place). "reuse" keeps an existing snapshot (restarting one node of a running
# cluster); "fresh" replaces it (nothing of DIR runs).
snapshot_classpath() {
  local lib="$1/lib" mode="$2" entry out="" entries
  if [[ "$mode" == reuse && -f "$lib/classpath.txt" ]]; then
    TRIBUTARY_CP="$(cat "$lib/classpath.txt")"
    return 0
  fi
  rm -rf "$lib"
  mkdir -p "$lib"
  IFS=: read -ra entries <<<"$TRIBUTARY_CP"
  for entry in "${entries[@]}"; do
    if [[ "$entry" == "$TRIBUTARY_ROOT"/* && "$entry" == *.jar && -f "$entry" ]]; then
      cp "$entry" "$lib/"
      entry="$lib/$(basename "$entry")"
    fi
    out="$out${out:+:}$entry"
  done
  TRIBUTARY_CP="$out"
  echo "$TRIBUTARY_CP" >"$lib/classpath.txt"
}

# Runs a main class on the broker classpath in the foreground (tools: HealthCheck, ClusterStatus).
run_tool() {
  # shellcheck disable=SC2086 # TRIBUTARY_TOOL_OPTS holds several JVM flags on purpose
  "$JAVA_BIN" ${TRIBUTARY_TOOL_OPTS:--Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto} \
    -Dlog4j2.configurationFile="$TRIBUTARY_LOG4J" -Dtributary.log.level=warn \
    -cp "$TRIBUTARY_CP" "$@"
}

# pid_is_ours PID MARKER: true when PID is alive and its command line contains MARKER.
pid_is_ours() {
  local pid="$1" marker="$2" args
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    args="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  else
    args="$(ps -p "$pid" -o args= 2>/dev/null || true)"
  fi
  [[ "$args" == *"$marker"* ]]
}

# pidfile_pid FILE: the PID in FILE, or nothing.
pidfile_pid() {
  [[ -f "$1" ]] && tr -dc '0-9' <"$1" || true
}

# running_pid PIDFILE MARKER: prints the PID when it is alive and ours; removes a stale PID file.
running_pid() {
  local pidfile="$1" marker="$2" pid
  pid="$(pidfile_pid "$pidfile")"
  if [[ -n "$pid" ]] && pid_is_ours "$pid" "$marker"; then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile"
  return 0
}

# wait_reaped PID: an exiting process loses its command line before it is gone; wait (up to 5 s) until the PID
# no longer exists at all (or is only a zombie awaiting its reaper), so "stopped" means the process is gone.
wait_reaped() {
  local pid="$1" i state
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
    [[ "$state" == Z* ]] && return 0
    sleep 0.1
  done
}

# stop_process NAME PIDFILE MARKER TIMEOUT_S: SIGTERM, wait up to TIMEOUT_S, then SIGKILL. Idempotent.
stop_process() {
  local name="$1" pidfile="$2" marker="$3" timeout="$4" pid i
  pid="$(running_pid "$pidfile" "$marker")"
  if [[ -z "$pid" ]]; then
    info "$name is not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_is_ours "$pid" "$marker" || break
    sleep 0.1
  done
  if pid_is_ours "$pid" "$marker"; then
    warn "$name (pid $pid) did not stop within ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_is_ours "$pid" "$marker" || break
      sleep 0.1
    done
  fi
  wait_reaped "$pid"
  rm -f "$pidfile"
  info "$name stopped (pid $pid)"
}

# kill_process NAME PIDFILE MARKER: SIGKILL (a crash drill), waiting until the process is gone.
kill_process() {
  local name="$1" pidfile="$2" marker="$3" pid i
  pid="$(running_pid "$pidfile" "$marker")"
  [[ -n "$pid" ]] || die "$name is not running"
  kill -KILL "$pid"
  for ((i = 0; i < 100; i++)); do
    pid_is_ours "$pid" "$marker" || break
    sleep 0.1
  done
  wait_reaped "$pid"
  rm -f "$pidfile"
  info "$name killed (SIGKILL, pid $pid)"
}

# port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# check_ports_free PORT...: exits with a clear message naming the first busy port, and the dev cluster when its
# PID file shows it running on that port (it takes 9092, 2181 and 9404, the defaults of the other scripts too).
check_ports_free() {
  local p dev_dir dev_pid DEV_PORT DEV_ZK_PORT DEV_METRICS_PORT
  for p in "$@"; do
    if port_in_use "$p"; then
      dev_dir="$TRIBUTARY_ROOT/run/dev"
      dev_pid="$(pidfile_pid "$dev_dir/dev.pid")"
      DEV_PORT=9092 DEV_ZK_PORT=2181 DEV_METRICS_PORT=9404
      # shellcheck disable=SC1091
      [[ -f "$dev_dir/dev.env" ]] && source "$dev_dir/dev.env"
      if [[ -n "$dev_pid" ]] && pid_is_ours "$dev_pid" "io.tributary.broker.dev.DevCluster --dir $dev_dir" \
          && [[ "$p" == "$DEV_PORT" || "$p" == "$DEV_ZK_PORT" || "$p" == "$DEV_METRICS_PORT" ]]; then
        die "port $p on 127.0.0.1 is in use by the dev cluster (scripts/tributary-dev.sh, pid $dev_pid, ports $DEV_PORT, $DEV_ZK_PORT and $DEV_METRICS_PORT); stop it with 'scripts/tributary-dev.sh stop' or choose other ports"
      fi
      die "port $p on 127.0.0.1 is already in use (another cluster or program?); stop it or choose other ports"
    fi
  done
}

# start_daemon PIDFILE LOGFILE CMD...: starts CMD detached (own session, stdin /dev/null, output to LOGFILE) and
# writes its PID. The caller's standard output is not inherited, so callers capturing it do not hang.
start_daemon() {
  local pidfile="$1" logfile="$2"
  shift 2
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" </dev/null >>"$logfile" 2>&1 &
  else
    nohup "$@" </dev/null >>"$logfile" 2>&1 &
  fi
  echo $! >"$pidfile"
}

# log_tail NAME FILE: the last lines of a log, for failure messages.
log_tail() {
  local name="$1" file="$2"
  echo "---- last 20 lines of $name log ($file) ----" >&2
  if [[ -f "$file" ]]; then tail -n 20 "$file" >&2; else echo "(no log file)" >&2; fi
  echo "----" >&2
}

# abs_path DIR: DIR made absolute (created if missing).
abs_path() {
  mkdir -p "$1"
  (cd "$1" && pwd)
}

# zk_4lw PORT WORD: sends a ZooKeeper four-letter word to 127.0.0.1:PORT and prints the answer (empty if none).
zk_4lw() {
  local port="$1" word="$2"
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 0
    printf '%s' "$word" >&3
    local line
    while IFS= read -r -t 2 line <&3; do echo "$line"; done
    if [[ -n "${line:-}" ]]; then echo "$line"; fi
    exec 3<&-
  ) 2>/dev/null || true
}

# zk_mode PORT: leader, follower, standalone, or "down" / "not-serving".
zk_mode() {
  local out mode
  out="$(zk_4lw "$1" srvr)"
  if [[ -z "$out" ]]; then
    echo down
    return 0
  fi
  mode="$(sed -n 's/^Mode: *//p' <<<"$out" | head -n 1)"
  if [[ -n "$mode" ]]; then echo "$mode"; else echo not-serving; fi
}
