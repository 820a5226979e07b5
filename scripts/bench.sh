#!/usr/bin/env bash
# Tributary's side of the Kafka-vs-Tributary benchmark (issue 10, SPEC §13). See --help.
#
# Mirrors ../shared/bench/kafka/run.sh (Kafka 3.9.1, ZooKeeper mode, Kafka's own perf tools): the same five workloads,
# record counts, record size, batch/linger/compression/acks/RF/min-ISR settings, one standalone ZooKeeper, brokers with
# the same heap and JVM flags, tools in a fresh JVM with the same heap and flags, the same idle gate and CPU accounting,
# and the same RESULT line shape. Tributary's tools replace Kafka's: tributary-producer-perf-test (ProducerPerformance),
# tributary-consumer-perf-test (ConsumerPerformance) and tributary-e2e-latency (EndToEndLatency).
#
# Everything runs on 127.0.0.1. Every process started is recorded with its PID and only those PIDs are signalled (after
# checking their command line still names this run's data directory). Data lives in a mktemp directory that is removed
# at the end; raw output, broker logs and summary.tsv stay in the results directory (outside the repository).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/bench.sh [--records N] [--side-by-side [--runs R]] [--out DIR] [WORKLOAD...]

Workloads (default: P1 P6 C1 E2E R3, run in that order, exactly as Kafka's harness defines them):
  P1   1 broker,  topic bench-p1, 1 partition  RF=1, producer perf test acks=1
  P6   1 broker,  topic bench-p6, 6 partitions RF=1, producer perf test acks=1
  C1   1 broker,  consumer perf test over bench-p1 from the beginning (after an unmeasured 1-record consume)
  E2E  1 broker,  topic bench-e2e, end-to-end latency: 10,000 x 100 B, acks=1, one record in flight
  R3   3 brokers, topic bench-r3, 6 partitions RF=3 min.insync.replicas=2, producer perf test acks=all
  Producer settings: batch.size=65536 linger.ms=5 compression.type=none, 100-byte records, --throughput -1.
  P1/P6/C1/E2E share one fresh 1-broker cluster; R3 gets a fresh 3-broker cluster.
  M1000 (Tributary only, never by default): 3 brokers with the broker heap above (1 GiB), topic bench-m1000 with
       1,000 partitions RF=3 min.insync.replicas=2 (every broker holds 1,000 replicas), produce N records acks=all,
       consume them all, then check every broker is still up and print each broker's heap in use after a full GC.

Options:
  --records N      records per throughput workload (default: TRIBUTARY_BENCH_RECORDS, else KAFKA_BENCH_RECORDS,
                   else 1000000 - the Kafka harness default)
  --side-by-side   run Kafka's harness (../shared/bench/kafka/run.sh) and this one alternately, R times each
                   (Kafka first), with the same record count and workloads, then print a comparison table
  --runs R         side-by-side rounds (default 1); the table shows the median per system (for 2 runs: the mean)
  --out DIR        results root (default /tmp/tributary-bench-results); each invocation makes DIR/<timestamp>/
  -h, --help       this help

Environment (Tributary side; the Kafka side reads its own KAFKA_BENCH_* knobs, see its README):
  TRIBUTARY_BENCH_RECORD_SIZE (100), TRIBUTARY_BENCH_E2E_MESSAGES (10000), TRIBUTARY_BENCH_WORKLOAD_TIMEOUT (300 s),
  TRIBUTARY_BENCH_IDLE_MAX_BUSY (20 %), TRIBUTARY_BENCH_IDLE_WAIT (90 s), TRIBUTARY_BENCH_OTHER_MAX (10 %),
  TRIBUTARY_BENCH_MAX_ATTEMPTS (3), TRIBUTARY_BENCH_ZK_PORT (25810), TRIBUTARY_BENCH_BROKER_PORT (26092: broker i
  listens on +i-1), TRIBUTARY_BENCH_BROKER_HEAP (-Xms1g -Xmx1g), TRIBUTARY_BENCH_ZK_HEAP (-Xms512m -Xmx512m),
  TRIBUTARY_BENCH_TOOL_HEAP (-Xmx512m), TRIBUTARY_BENCH_JVM_OPTS (Kafka's KAFKA_JVM_PERFORMANCE_OPTS),
  TRIBUTARY_BENCH_BROKER_OPTS (extra broker JVM flags, e.g. a JFR recording), TRIBUTARY_BENCH_TOOL_OPTS (extra tool
  JVM flags), TRIBUTARY_BENCH_KAFKA_DIR (Kafka harness, default <repo>/../shared/bench/kafka), JAVA_HOME,
  TRIBUTARY_BENCH_METRICS (1: brokers serve /metrics on their port + 312 and are scraped every
  TRIBUTARY_BENCH_SCRAPE_S (5) seconds, as a Prometheus would; 0: endpoint off; the counters run either way),
  TRIBUTARY_BENCH_SECURITY (PLAINTEXT; SSL: brokers get an SSL listener on their port + 100 with a throwaway CA made by
  keytool, replicate over it, and the measured tools produce and consume over TLS; admin calls stay on PLAINTEXT;
  SASL_SSL: as SSL, and the tools use a SASL_SSL listener on port + 200 as user bench with SCRAM-SHA-512 (4096
  iterations), with the ACL authorizer on: bench, the brokers' certificate and PLAINTEXT's ANONYMOUS are super users),
  TRIBUTARY_BENCH_SSL_PROVIDER ("": BoringSSL where it loads; OPENSSL; JDK), for broker and tools alike.
Needs the build output of broker-server and client-sdk (./mvnw -B -pl client-sdk -am install -DskipTests); it never
builds. The project's jars are copied to the temp directory first, so a rebuild during a run does not disturb it.

Output: one RESULT line per workload (Kafka harness shape), summary.tsv (Kafka's columns plus broker_cpu_s, zk_cpu_s)
and raw tool output per workload; in side-by-side mode also the Kafka harness output and comparison.txt.
USAGE
}

RECORDS="${TRIBUTARY_BENCH_RECORDS:-${KAFKA_BENCH_RECORDS:-1000000}}"
SIDE_BY_SIDE=0
RUNS=1
OUT_ROOT="${TRIBUTARY_BENCH_OUT:-/tmp/tributary-bench-results}"
OUT_DIR=""   # internal: --out-dir sets the exact directory (side-by-side passes it to its Tributary rounds)
WORKLOADS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --records) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--records needs a positive number"; RECORDS="$2"; shift 2 ;;
    --side-by-side) SIDE_BY_SIDE=1; shift ;;
    --runs) [[ "${2:-}" =~ ^[1-9][0-9]?$ ]] || die "--runs needs a number 1-99"; RUNS="$2"; shift 2 ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; OUT_ROOT="$2"; shift 2 ;;
    --out-dir) [[ $# -ge 2 ]] || die "--out-dir needs a directory"; OUT_DIR="$2"; shift 2 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) WORKLOADS+=("$1"); shift ;;
  esac
done
[[ "$RECORDS" =~ ^[1-9][0-9]*$ ]] || die "the record count must be a positive number, got '$RECORDS'"
ALL_WORKLOADS=(P1 P6 C1 E2E R3)
if [[ ${#WORKLOADS[@]} -eq 0 ]]; then WORKLOADS=("${ALL_WORKLOADS[@]}"); fi
for w in "${WORKLOADS[@]}"; do
  [[ " ${ALL_WORKLOADS[*]} M1000 " == *" $w "* ]] || die "unknown workload '$w' (known: ${ALL_WORKLOADS[*]} M1000)"
  [[ "$w" != M1000 || "$SIDE_BY_SIDE" == 0 ]] || die "M1000 has no Kafka counterpart; run it without --side-by-side"
done
selected() { [[ " ${WORKLOADS[*]} " == *" $1 "* ]]; }

RECORD_SIZE="${TRIBUTARY_BENCH_RECORD_SIZE:-100}"
E2E_MESSAGES="${TRIBUTARY_BENCH_E2E_MESSAGES:-10000}"
WORKLOAD_TIMEOUT="${TRIBUTARY_BENCH_WORKLOAD_TIMEOUT:-300}"
IDLE_MAX_BUSY="${TRIBUTARY_BENCH_IDLE_MAX_BUSY:-20}"
IDLE_WAIT="${TRIBUTARY_BENCH_IDLE_WAIT:-90}"
OTHER_MAX="${TRIBUTARY_BENCH_OTHER_MAX:-10}"
MAX_ATTEMPTS="${TRIBUTARY_BENCH_MAX_ATTEMPTS:-3}"
ZK_PORT="${TRIBUTARY_BENCH_ZK_PORT:-25810}"
BROKER_BASE_PORT="${TRIBUTARY_BENCH_BROKER_PORT:-26092}"
START_TIMEOUT="${TRIBUTARY_BENCH_START_TIMEOUT:-120}"
STOP_TIMEOUT="${TRIBUTARY_BENCH_STOP_TIMEOUT:-45}"
ADMIN_TIMEOUT="${TRIBUTARY_BENCH_ADMIN_TIMEOUT:-60}"
BROKER_HEAP="${TRIBUTARY_BENCH_BROKER_HEAP:--Xms1g -Xmx1g}"
ZK_HEAP="${TRIBUTARY_BENCH_ZK_HEAP:--Xms512m -Xmx512m}"
TOOL_HEAP="${TRIBUTARY_BENCH_TOOL_HEAP:--Xmx512m}"
# The same flags as the Kafka harness (KAFKA_JVM_PERFORMANCE_OPTS of kafka-run-class.sh plus IPv4 preference).
JVM_PERF_OPTS="${TRIBUTARY_BENCH_JVM_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true}"
BROKER_EXTRA_OPTS="${TRIBUTARY_BENCH_BROKER_OPTS:-}"
TOOL_EXTRA_OPTS="${TRIBUTARY_BENCH_TOOL_OPTS:-}"
KAFKA_DIR="${TRIBUTARY_BENCH_KAFKA_DIR:-$(cd "$TRIBUTARY_ROOT/.." && pwd)/shared/bench/kafka}"
PRODUCER_PROPS_COMMON="batch.size=65536 linger.ms=5 compression.type=none"
# Kafka's producer with acks=1 and enable.idempotence unset turns idempotence off implicitly (KIP-679 keeps it on
# only for acks=all). Tributary's producer is idempotent by default, so the acks=1 workloads say so explicitly.
# R3 (acks=all) leaves enable.idempotence at the producer's default, as Kafka's harness does (Kafka: on).
PRODUCER_PROPS_ACKS1="enable.idempotence=false"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ================================================================================================================
# Side-by-side: Kafka's harness and this script, alternately, then a comparison table.
# ================================================================================================================
if (( SIDE_BY_SIDE )); then
  [[ -x "$KAFKA_DIR/run.sh" ]] || die "Kafka harness not found at $KAFKA_DIR (set TRIBUTARY_BENCH_KAFKA_DIR)"
  find_java
  ROOT_OUT="$OUT_ROOT/side-by-side-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$ROOT_OUT"
  CHILD_PID=""
  sbs_cleanup() {
    local rc=$?
    if [[ -n "$CHILD_PID" ]]; then
      kill -TERM "$CHILD_PID" 2>/dev/null || true   # both harnesses stop their own clusters on TERM
      wait "$CHILD_PID" 2>/dev/null || true
    fi
    exit "$rc"
  }
  trap sbs_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # Kafka's harness reads KAFKA_BENCH_JAVA_HOME; a wrapper "JDK" there execs the real java for everything except the
  # three measured tools, which it runs as a child while reading utime+stime of the recorded broker and ZooKeeper
  # PIDs (Kafka's $STATE_DIR/pids) before and after: broker-only CPU per workload, without changing the harness.
  "$KAFKA_DIR/fetch.sh"
  WRAP_JDK="$ROOT_OUT/kafka-java-wrapper"
  mkdir -p "$WRAP_JDK/bin"
  cat >"$WRAP_JDK/bin/java" <<'WRAPPER'
#!/usr/bin/env bash
# Generated by scripts/bench.sh --side-by-side: java for Kafka's bench harness. Server JVMs and admin tools: exec.
# ProducerPerformance/ConsumerPerformance/EndToEndLatency: run as a child; log broker and ZooKeeper CPU ticks consumed
# meanwhile (from /proc/<pid>/stat of the PIDs in the harness's state dir) and the child's CPU.
set -uo pipefail
cls=""
for a in "$@"; do
  case "$a" in
    org.apache.kafka.tools.ProducerPerformance|org.apache.kafka.tools.ConsumerPerformance|org.apache.kafka.tools.EndToEndLatency) cls="${a##*.}" ;;
  esac
done
if [[ -z "$cls" ]]; then exec "$BENCH_REAL_JAVA" "$@"; fi
state="${KAFKA_BENCH_STATE_DIR:-/tmp/kafka-bench-state-$(id -u)}"
ticks() { # prints: broker_ticks zk_ticks
  local b=0 z=0 name pid port t
  if [[ -f "$state/pids" ]]; then
    while read -r name pid port; do
      t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
      if [[ "$name" == broker-* ]]; then b=$((b + t)); else z=$((z + t)); fi
    done <"$state/pids"
  fi
  echo "$b $z"
}
topic=- msgs=-
prev=""
for a in "$@"; do
  case "$prev" in --topic) topic="$a" ;; --messages|--num-records) msgs="$a" ;; esac
  prev="$a"
done
if [[ "$cls" == EndToEndLatency ]]; then topic="${@: -4:1}"; msgs="${@: -3:1}"; fi
read -r b0 z0 < <(ticks)
t0="$(date +%s.%N)"
"$BENCH_REAL_JAVA" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
rc=0
wait "$child" || rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child" || rc=$?; done
read -r b1 z1 < <(ticks)
tf="$(mktemp)"
times >"$tf"   # in this shell: a subshell would not see the child's CPU
tool_s="$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.2f", s }' "$tf")"
rm -f "$tf"
hz="$(getconf CLK_TCK)"
awk -v c="$cls" -v t="$topic" -v m="$msgs" -v rc="$rc" -v b="$((b1 - b0))" -v z="$((z1 - z0))" -v hz="$hz" -v tool="$tool_s" \
  -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%s\t%s\t%s\t%s\t%.2f\t%.2f\t%s\t%.1f\n", c, t, m, rc, b / hz, z / hz, tool, t1 - t0 }' \
  >>"$BENCH_KAFKA_CPU_LOG"
exit "$rc"
WRAPPER
  chmod +x "$WRAP_JDK/bin/java"

  log "side-by-side: $RUNS round(s) of Kafka then Tributary; records=$RECORDS workloads='${WORKLOADS[*]}'; results in $ROOT_OUT"
  for ((run = 1; run <= RUNS; run++)); do
    log "round $run/$RUNS: Kafka harness (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "$(date -u +%FT%TZ) round $run kafka start loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >>"$ROOT_OUT/loadavg.txt"
    : >"$ROOT_OUT/kafka-run$run.cpu.tsv"
    BENCH_REAL_JAVA="$JAVA_BIN" BENCH_KAFKA_CPU_LOG="$ROOT_OUT/kafka-run$run.cpu.tsv" KAFKA_BENCH_JAVA_HOME="$WRAP_JDK" \
      KAFKA_BENCH_RECORDS="$RECORDS" KAFKA_BENCH_OUT="$ROOT_OUT/kafka-run$run" \
      timeout --kill-after=60 3600 "$KAFKA_DIR/run.sh" "${WORKLOADS[@]}" > >(tee "$ROOT_OUT/kafka-run$run.log") 2>&1 &
    CHILD_PID=$!
    wait "$CHILD_PID" || die "Kafka harness round $run failed (see $ROOT_OUT/kafka-run$run.log)"
    CHILD_PID=""
    log "round $run/$RUNS: Tributary (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "$(date -u +%FT%TZ) round $run tributary start loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >>"$ROOT_OUT/loadavg.txt"
    "$TRIBUTARY_SCRIPTS/bench.sh" --records "$RECORDS" --out-dir "$ROOT_OUT/tributary-run$run" "${WORKLOADS[@]}" > >(tee "$ROOT_OUT/tributary-run$run.log") 2>&1 &
    CHILD_PID=$!
    wait "$CHILD_PID" || die "Tributary round $run failed (see $ROOT_OUT/tributary-run$run.log)"
    CHILD_PID=""
  done
  echo "$(date -u +%FT%TZ) end loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >>"$ROOT_OUT/loadavg.txt"

  # ---- comparison ----
  # per round and system, one line per workload: workload records rps fetch_rps e2e_avg e2e_p99 broker_cpu zk_cpu tool_cpu other_pct attempt
  extract() { # SUMMARY_TSV SYSTEM RUN [KAFKA_CPU_LOG]
    awk -F'\t' -v sys="$2" -v run="$3" -v cpulog="${4:-}" '
      BEGIN {
        if (cpulog != "") {
          while ((getline line < cpulog) > 0) {
            split(line, f, "\t")   # cls topic msgs rc broker_s zk_s tool_s wall
            w = ""
            if (f[1] == "ProducerPerformance" && f[2] == "bench-p1") w = "P1"
            else if (f[1] == "ProducerPerformance" && f[2] == "bench-p6") w = "P6"
            else if (f[1] == "ProducerPerformance" && f[2] == "bench-r3") w = "R3"
            else if (f[1] == "ConsumerPerformance" && f[3] != "1") w = "C1"
            else if (f[1] == "EndToEndLatency") w = "E2E"
            if (w != "" && f[4] == "0") { bcpu[w] = f[5]; zcpu[w] = f[6] }   # the last attempt wins, as in the harness
          }
        }
      }
      NR > 1 {
        w = $1; fetch = "-"
        if (match($11, /fetch-only [0-9]+ rec\/s/)) { s = substr($11, RSTART, RLENGTH); split(s, a, " "); fetch = a[2] }
        b = (cpulog != "") ? (w in bcpu ? bcpu[w] : "-") : $19
        z = (cpulog != "") ? (w in zcpu ? zcpu[w] : "-") : $20
        print sys, run, w, $2, $4, fetch, $6, $8, b, z, $14, $16, $18
      }' OFS='\t' "$1"
  }
  ALL="$ROOT_OUT/all-runs.tsv"
  printf 'system\trun\tworkload\trecords\trecords_per_s\tfetch_only_per_s\te2e_avg_ms\te2e_p99_ms\tbroker_cpu_s\tzk_cpu_s\ttool_cpu_s\tother_pct\tattempt\n' >"$ALL"
  for ((run = 1; run <= RUNS; run++)); do
    ks="$(find "$ROOT_OUT/kafka-run$run" -name summary.tsv | head -n 1)"
    ts="$ROOT_OUT/tributary-run$run/summary.tsv"
    [[ -f "$ks" && -f "$ts" ]] || die "missing summary.tsv of round $run"
    extract "$ks" kafka "$run" "$ROOT_OUT/kafka-run$run.cpu.tsv" >>"$ALL"
    extract "$ts" tributary "$run" >>"$ALL"
  done
  {
    echo "== Side by side: Kafka 3.9.1 (its harness, ZooKeeper mode) vs Tributary, $(nproc) CPUs, $("$JAVA_BIN" -version 2>&1 | head -n 1) =="
    echo "records=$RECORDS x ${RECORD_SIZE}B (E2E: $E2E_MESSAGES), rounds=$RUNS (Kafka then Tributary each round); figures are the median over rounds (2 rounds: their mean)"
    echo "load average at each start:"; sed 's/^/  /' "$ROOT_OUT/loadavg.txt"
    awk -F'\t' '
      function med(key,   n, i, j, t, v) {
        n = cnt[key]; if (n == 0) return "-"
        for (i = 1; i <= n; i++) v[i] = val[key, i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      }
      function add(key, x) { if (x == "-" || x == "") return; cnt[key]++; val[key, cnt[key]] = x + 0 }
      NR > 1 {
        s = $1; w = $3; seen[w] = 1; recs[w] = $4
        add(s SUBSEP w SUBSEP "rps", $5); add(s SUBSEP w SUBSEP "fetch", $6)
        add(s SUBSEP w SUBSEP "avg", $7); add(s SUBSEP w SUBSEP "p99", $8)
        add(s SUBSEP w SUBSEP "bcpu", $9); add(s SUBSEP w SUBSEP "zcpu", $10); add(s SUBSEP w SUBSEP "tcpu", $11)
      }
      function fmtnum(x) { if (x == "-") return "-"; if (x >= 1e6) return sprintf("%.2fM", x / 1e6); if (x >= 1e3) return sprintf("%.1fk", x / 1e3); return sprintf("%.2f", x) }
      function ratio(a, b) { return (a == "-" || b == "-" || b == 0) ? "-" : sprintf("%.2f", a / b) }
      function perm(cpu, n) { return (cpu == "-") ? "-" : sprintf("%.2f", cpu / (n / 1e6)) }
      END {
        printf "\n%-16s %12s %12s %8s | %-25s | %-25s\n", "workload", "Kafka", "Tributary", "ratio", "broker CPU-s/M rec K / T", "client CPU-s/M rec K / T"
        split("P1 P6 R3 C1 E2E", order, " ")
        for (i = 1; i <= 5; i++) {
          w = order[i]; if (!(w in seen)) continue
          kb = perm(med("kafka" SUBSEP w SUBSEP "bcpu"), recs[w]); tb = perm(med("tributary" SUBSEP w SUBSEP "bcpu"), recs[w])
          kt = perm(med("kafka" SUBSEP w SUBSEP "tcpu"), recs[w]); tt = perm(med("tributary" SUBSEP w SUBSEP "tcpu"), recs[w])
          if (w == "E2E") {
            k = med("kafka" SUBSEP w SUBSEP "avg"); t = med("tributary" SUBSEP w SUBSEP "avg")
            printf "%-16s %9.2f ms %9.2f ms %8s | %11s / %-11s | %11s / %-11s\n", "E2E avg (K/T)", k, t, ratio(k, t), kb, tb, kt, tt
            k = med("kafka" SUBSEP w SUBSEP "p99"); t = med("tributary" SUBSEP w SUBSEP "p99")
            printf "%-16s %9s ms %9s ms %8s |\n", "E2E p99 (K/T)", k, t, ratio(k, t)
          } else if (w == "C1") {
            k = med("kafka" SUBSEP w SUBSEP "fetch"); t = med("tributary" SUBSEP w SUBSEP "fetch")
            printf "%-16s %10s/s %10s/s %8s | %11s / %-11s | %11s / %-11s\n", "C1 fetch-only", fmtnum(k), fmtnum(t), ratio(t, k), kb, tb, kt, tt
            k = med("kafka" SUBSEP w SUBSEP "rps"); t = med("tributary" SUBSEP w SUBSEP "rps")
            printf "%-16s %10s/s %10s/s %8s |\n", "C1 incl. join", fmtnum(k), fmtnum(t), ratio(t, k)
          } else {
            k = med("kafka" SUBSEP w SUBSEP "rps"); t = med("tributary" SUBSEP w SUBSEP "rps")
            printf "%-16s %10s/s %10s/s %8s | %11s / %-11s | %11s / %-11s\n", w " rec/s", fmtnum(k), fmtnum(t), ratio(t, k), kb, tb, kt, tt
          }
        }
        print ""
        print "ratio: Tributary/Kafka for throughput, Kafka/Tributary for latency (>1 = Tributary better)."
        print "CPU-s per million records: broker = the broker JVM(s) only (ZooKeeper excluded), client = the tool JVM;"
        print "from utime+stime of /proc/<pid>/stat (brokers) and the shell'"'"'s children times (tool), per workload."
      }' "$ALL"
    echo
    echo "per round (records/s; C1 fetch-only/s; E2E avg ms / p99 ms; broker, zk, tool CPU-s; other procs %; attempt):"
    awk -F'\t' 'NR > 1 { printf "  %-9s run %s %-3s %10s %10s %7s %4s | cpu broker %6s zk %5s tool %6s | other %s%% attempt %s\n", $1, $2, $3, $5, $6, $7, $8, $9, $10, $11, $12, $13 }' "$ALL"
    echo "raw output: $ROOT_OUT"
  } | tee "$ROOT_OUT/comparison.txt"
  exit 0
fi

# ================================================================================================================
# Tributary's harness.
# ================================================================================================================
find_java
JAVA="$JAVA_BIN"
if [[ -z "$OUT_DIR" ]]; then OUT_DIR="$OUT_ROOT/$(date +%Y%m%d-%H%M%S)"; fi
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
SUMMARY="$OUT_DIR/summary.tsv"

for p in "$ZK_PORT" "$BROKER_BASE_PORT" $((BROKER_BASE_PORT + 1)) $((BROKER_BASE_PORT + 2)); do
  if port_in_use "$p"; then die "port 127.0.0.1:$p is already in use (set TRIBUTARY_BENCH_ZK_PORT / TRIBUTARY_BENCH_BROKER_PORT)"; fi
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench.XXXXXX")"
touch "$WORK/.tributary-bench"
PIDS_FILE="$WORK/pids"            # lines: name pid port marker
CLUSTER_DIR=""                    # data dir of the running cluster (under WORK)
TOOL_PID=""
SCRAPER_PID=""
BENCH_METRICS="${TRIBUTARY_BENCH_METRICS:-1}"
SCRAPE_S="${TRIBUTARY_BENCH_SCRAPE_S:-5}"
SECURITY="${TRIBUTARY_BENCH_SECURITY:-PLAINTEXT}"
SSL_PROVIDER="${TRIBUTARY_BENCH_SSL_PROVIDER:-}"
[[ "$SECURITY" == PLAINTEXT || "$SECURITY" == SSL || "$SECURITY" == SASL_SSL ]] \
  || die "TRIBUTARY_BENCH_SECURITY must be PLAINTEXT, SSL or SASL_SSL, got '$SECURITY'"
TOOL_BOOTSTRAP=""                 # where the measured tools connect: the SSL (SASL_SSL) listeners with SECURITY=SSL (SASL_SSL)
CLIENT_SSL_CONFIG="$WORK/client-ssl.properties"
HZ="$(getconf CLK_TCK)"
TIMES_FILE="$WORK/.times"

stop_cluster_now() { # LABEL: TERM brokers, wait, KILL leftovers; then ZooKeeper; save logs; delete the data
  local label="$1" group name pid port marker deadline left i
  [[ -n "$CLUSTER_DIR" ]] || return 0
  if [[ -n "$SCRAPER_PID" ]]; then kill "$SCRAPER_PID" 2>/dev/null || true; wait "$SCRAPER_PID" 2>/dev/null || true; SCRAPER_PID=""; fi
  for group in 'broker-*' 'zookeeper'; do
    local -a pids=() markers=()
    if [[ -f "$PIDS_FILE" ]]; then
      while read -r name pid port marker; do
        [[ "$name" == $group ]] || continue
        if pid_is_ours "$pid" "$marker"; then
          log "stopping $name (pid $pid)"
          kill -TERM "$pid" 2>/dev/null || true
          pids+=("$pid"); markers+=("$marker")
        fi
      done < <(tac "$PIDS_FILE")
    fi
    deadline=$((SECONDS + STOP_TIMEOUT))
    while (( ${#pids[@]} )); do
      left=0
      for i in "${!pids[@]}"; do pid_is_ours "${pids[$i]}" "${markers[$i]}" && left=1; done
      (( left )) || break
      if (( SECONDS >= deadline )); then
        for i in "${!pids[@]}"; do
          if pid_is_ours "${pids[$i]}" "${markers[$i]}"; then
            log "pid ${pids[$i]} did not exit in ${STOP_TIMEOUT}s, sending KILL"; kill -KILL "${pids[$i]}" 2>/dev/null || true
          fi
        done
        sleep 1
        break
      fi
      sleep 0.5
    done
  done
  mkdir -p "$OUT_DIR/cluster-$label"
  cp "$CLUSTER_DIR"/*.log "$CLUSTER_DIR"/*.properties "$CLUSTER_DIR"/*.cfg "$OUT_DIR/cluster-$label"/ 2>/dev/null || true
  if [[ -f "$CLUSTER_DIR/.tributary-bench" ]]; then rm -rf -- "$CLUSTER_DIR"; fi
  rm -f "$PIDS_FILE"
  CLUSTER_DIR=""
  log "cluster $label stopped"
}

cleanup() {
  local rc=$?
  if [[ -n "$TOOL_PID" ]]; then   # a measured tool is still running: stop it (timeout forwards TERM)
    kill -TERM "$TOOL_PID" 2>/dev/null || true
    wait "$TOOL_PID" 2>/dev/null || true
  fi
  stop_cluster_now "${CLUSTER_LABEL:-aborted}" || true
  if [[ -f "$WORK/.tributary-bench" ]]; then rm -rf -- "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The project's jars, copied once per invocation (a rebuild during the run then cannot replace them under us).
TRIBUTARY_NO_BUILD=1 broker_classpath
snapshot_classpath "$WORK/broker" fresh
BROKER_CP="$TRIBUTARY_CP"
client_cp_file="$TRIBUTARY_ROOT/client-sdk/target/tools-classpath.txt"
client_jar="$TRIBUTARY_ROOT/client-sdk/target/client-sdk-0.1.0-SNAPSHOT.jar"
[[ -f "$client_cp_file" && -f "$client_jar" ]] || die "the client SDK is not built (missing $client_cp_file or $client_jar); build with: ./mvnw -B -pl client-sdk -am install -DskipTests"
TRIBUTARY_CP="$client_jar:$(cat "$client_cp_file")"
snapshot_classpath "$WORK/client" fresh
CLIENT_CP="$TRIBUTARY_CP"
cp "$TRIBUTARY_LOG4J" "$WORK/log4j2-broker.xml"
cp "$TRIBUTARY_ROOT/client-sdk/src/main/config/tools-log4j2.xml" "$WORK/log4j2-tools.xml"

# tool_cmd TIMEOUT_S CLASS ARGS...: a time-bounded JVM running a client tool; sets TOOL_CMD
tool_cmd() {
  local t="$1"; shift
  # shellcheck disable=SC2206 # the option variables hold several JVM flags on purpose
  TOOL_CMD=(timeout --kill-after=10 "$t" "$JAVA" $TOOL_HEAP $JVM_PERF_OPTS $TOOL_EXTRA_OPTS
    "-Dlog4j2.configurationFile=$WORK/log4j2-tools.xml" -cp "$CLIENT_CP" "$@")
}
run_client_tool() { local TOOL_CMD; tool_cmd "$@"; "${TOOL_CMD[@]}"; }

# ---- cluster --------------------------------------------------------------------------------------------------
launch() { # NAME PORT MARKER HEAP-AND-FLAGS... -- MAIN ARGS...
  local name="$1" port="$2" marker="$3"; shift 3
  if command -v setsid >/dev/null 2>&1; then
    setsid "$JAVA" "$@" </dev/null >"$CLUSTER_DIR/$name.log" 2>&1 &
  else
    nohup "$JAVA" "$@" </dev/null >"$CLUSTER_DIR/$name.log" 2>&1 &
  fi
  local pid=$!
  echo "$name $pid $port $marker" >>"$PIDS_FILE"
  log "started $name pid=$pid port=$port"
}

wait_until() { # WHAT CHECK...: poll until CHECK passes; fail if a recorded process dies or START_TIMEOUT passes
  local what="$1"; shift
  local name pid port marker deadline=$((SECONDS + START_TIMEOUT))
  until "$@"; do
    while read -r name pid port marker; do
      if ! pid_is_ours "$pid" "$marker"; then
        tail -n 40 "$CLUSTER_DIR/$name.log" >&2 || true
        die "$name (pid $pid) exited while waiting for $what"
      fi
    done <"$PIDS_FILE"
    if (( SECONDS >= deadline )); then
      for name in $(awk '{ print $1 }' "$PIDS_FILE"); do tail -n 20 "$CLUSTER_DIR/$name.log" >&2 || true; done
      die "timed out after ${START_TIMEOUT}s waiting for $what"
    fi
    sleep 0.5
  done
}

zk_ready() { [[ "$(zk_mode "$ZK_PORT")" == standalone ]]; }

BOOTSTRAP=""
all_serving() { # N: every broker SERVING on gRPC health and registered (one ClusterStatus JVM)
  local n="$1" out i
  out="$(TRIBUTARY_CP="$BROKER_CP" run_tool io.tributary.broker.server.ClusterStatus "$BOOTSTRAP" --timeout-ms 2000 2>/dev/null || true)"
  for ((i = 1; i <= n; i++)); do
    grep -q "^endpoint=127.0.0.1:$((BROKER_BASE_PORT + i - 1)) .*health=SERVING" <<<"$out" || return 1
    grep -Eq "brokers=([0-9]+,)*$i(,|\$| )" <<<"$out" || return 1
  done
}

start_cluster() { # N LABEL
  if [[ "$SECURITY" != PLAINTEXT && ! -f "$CLIENT_SSL_CONFIG" ]]; then make_tls_material; fi
  local n="$1" i port
  CLUSTER_LABEL="$2"
  CLUSTER_DIR="$(mktemp -d "$WORK/data-$2.XXXXXX")"
  touch "$CLUSTER_DIR/.tributary-bench"
  : >"$PIDS_FILE"
  mkdir -p "$CLUSTER_DIR/zookeeper"
  cat >"$CLUSTER_DIR/zookeeper.cfg" <<EOF
dataDir=$CLUSTER_DIR/zookeeper
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
tickTime=2000
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok
EOF
  # shellcheck disable=SC2086 # the option variables hold several JVM flags on purpose
  launch zookeeper "$ZK_PORT" "$CLUSTER_DIR/zookeeper.cfg" $ZK_HEAP $JVM_PERF_OPTS \
    "-Dlog4j2.configurationFile=$WORK/log4j2-broker.xml" -Dtributary.zookeeper.log.level=info -Dzookeeper.admin.enableServer=false \
    -cp "$BROKER_CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$CLUSTER_DIR/zookeeper.cfg"
  wait_until "ZooKeeper on 127.0.0.1:$ZK_PORT" zk_ready
  BOOTSTRAP=""
  TOOL_BOOTSTRAP=""
  for ((i = 1; i <= n; i++)); do
    port=$((BROKER_BASE_PORT + i - 1))
    mkdir -p "$CLUSTER_DIR/broker-$i-logs"
    cat >"$CLUSTER_DIR/server-$i.properties" <<EOF
broker.id=$i
listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$CLUSTER_DIR/broker-$i-logs
zookeeper.connect=127.0.0.1:$ZK_PORT/tributary
zookeeper.connection.timeout.ms=18000
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
EOF
    if [[ "$BENCH_METRICS" == 1 ]]; then echo "metrics.port=$((port + 312))" >>"$CLUSTER_DIR/server-$i.properties"; fi
    if [[ "$SECURITY" == SASL_SSL ]]; then
      cat >>"$CLUSTER_DIR/server-$i.properties" <<EOF
listeners=PLAINTEXT://127.0.0.1:$port,SSL://127.0.0.1:$((port + 100)),SASL_SSL://127.0.0.1:$((port + 200))
inter.broker.listener.name=SSL
ssl.keystore.location=$WORK/tls/broker.p12
ssl.keystore.password=bench-password
ssl.truststore.location=$WORK/tls/truststore.p12
ssl.truststore.password=bench-password
ssl.provider=$SSL_PROVIDER
ssl.client.auth=requested
sasl.enabled.mechanisms=SCRAM-SHA-512
authorizer.class.name=kafka.security.authorizer.AclAuthorizer
super.users=User:bench;User:CN=broker;User:ANONYMOUS
EOF
      TOOL_BOOTSTRAP+="${TOOL_BOOTSTRAP:+,}127.0.0.1:$((port + 200))"
    elif [[ "$SECURITY" == SSL ]]; then
      cat >>"$CLUSTER_DIR/server-$i.properties" <<EOF
listeners=PLAINTEXT://127.0.0.1:$port,SSL://127.0.0.1:$((port + 100))
inter.broker.listener.name=SSL
ssl.keystore.location=$WORK/tls/broker.p12
ssl.keystore.password=bench-password
ssl.truststore.location=$WORK/tls/truststore.p12
ssl.truststore.password=bench-password
ssl.provider=$SSL_PROVIDER
EOF
      TOOL_BOOTSTRAP+="${TOOL_BOOTSTRAP:+,}127.0.0.1:$((port + 100))"
    fi
    # shellcheck disable=SC2086 # the option variables hold several JVM flags on purpose
    launch "broker-$i" "$port" "$CLUSTER_DIR/server-$i.properties" $BROKER_HEAP $JVM_PERF_OPTS $BROKER_EXTRA_OPTS \
      "-Dlog4j2.configurationFile=$WORK/log4j2-broker.xml" \
      -cp "$BROKER_CP" io.tributary.broker.server.BrokerMain "$CLUSTER_DIR/server-$i.properties"
    BOOTSTRAP+="${BOOTSTRAP:+,}127.0.0.1:$port"
  done
  wait_until "$n broker(s) SERVING and registered" all_serving "$n"
  [[ -n "$TOOL_BOOTSTRAP" ]] || TOOL_BOOTSTRAP="$BOOTSTRAP"
  if [[ "$SECURITY" == SASL_SSL ]]; then
    run_client_tool "$ADMIN_TIMEOUT" io.tributary.client.tools.ConfigsCommand --bootstrap-server "$BOOTSTRAP" --alter \
      --entity-type users --entity-name bench --add-config 'SCRAM-SHA-512=[iterations=4096,password=bench-password]' \
      >"$CLUSTER_DIR/scram-user.out" 2>&1 || { cat "$CLUSTER_DIR/scram-user.out" >&2; die "could not create the SCRAM user bench"; }
  fi
  log "cluster up: $n broker(s), bootstrap $BOOTSTRAP, measured tools on $TOOL_BOOTSTRAP ($SECURITY)"
  start_scraper "$n"
}

make_tls_material() { # a throwaway CA, one broker certificate for 127.0.0.1, a trust store, the tools' client config
  [[ "$SECURITY" != PLAINTEXT ]] || return 0
  local kt d="$WORK/tls" pw=bench-password
  kt="$(dirname "$(readlink -f "$JAVA")")/keytool"
  [[ -x "$kt" ]] || die "TRIBUTARY_BENCH_SECURITY=$SECURITY needs keytool beside $JAVA"
  mkdir -p "$d"
  "$kt" -genkeypair -alias ca -dname "CN=bench-ca" -ext bc:c -keyalg EC -groupname secp256r1 -validity 2 -keystore "$d/ca.p12" \
    -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1 || die "keytool could not make the bench CA"
  "$kt" -exportcert -rfc -alias ca -keystore "$d/ca.p12" -storepass "$pw" -file "$d/ca.pem" >/dev/null 2>&1
  "$kt" -importcert -noprompt -alias ca -file "$d/ca.pem" -keystore "$d/truststore.p12" -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1
  "$kt" -genkeypair -alias broker -dname "CN=broker" -keyalg EC -groupname secp256r1 -validity 2 -keystore "$d/broker.p12" \
    -storetype PKCS12 -storepass "$pw" >/dev/null 2>&1
  "$kt" -certreq -alias broker -keystore "$d/broker.p12" -storepass "$pw" -file "$d/broker.csr" >/dev/null 2>&1
  "$kt" -gencert -alias ca -keystore "$d/ca.p12" -storepass "$pw" -infile "$d/broker.csr" -outfile "$d/broker.pem" -rfc -validity 2 \
    -ext SAN=ip:127.0.0.1,dns:localhost -ext EKU=serverAuth,clientAuth >/dev/null 2>&1
  "$kt" -importcert -noprompt -alias ca -file "$d/ca.pem" -keystore "$d/broker.p12" -storepass "$pw" >/dev/null 2>&1
  "$kt" -importcert -alias broker -file "$d/broker.pem" -keystore "$d/broker.p12" -storepass "$pw" >/dev/null 2>&1 \
    || die "keytool could not make the broker certificate"
  printf 'security.protocol=%s\nssl.truststore.location=%s\nssl.truststore.password=%s\nssl.provider=%s\n' \
    "$SECURITY" "$d/truststore.p12" "$pw" "$SSL_PROVIDER" >"$CLIENT_SSL_CONFIG"
  if [[ "$SECURITY" == SASL_SSL ]]; then
    printf 'sasl.mechanism=SCRAM-SHA-512\nsasl.username=bench\nsasl.password=%s\n' "$pw" >>"$CLIENT_SSL_CONFIG"
  fi
  log "TLS: throwaway CA and broker certificate under $d (engine: ${SSL_PROVIDER:-BoringSSL where it loads})"
}

start_scraper() { # N: GET every broker's /metrics every SCRAPE_S seconds until the cluster stops (our own child)
  [[ "$BENCH_METRICS" == 1 ]] || return 0
  if ! command -v curl >/dev/null 2>&1; then log "curl not found: /metrics is on but not scraped"; return 0; fi
  local n="$1"
  (
    while :; do
      for ((i = 1; i <= n; i++)); do
        curl -s -m 5 -o /dev/null "http://127.0.0.1:$((BROKER_BASE_PORT + i - 1 + 312))/metrics" || true
      done
      sleep "$SCRAPE_S"
    done
  ) </dev/null >/dev/null 2>&1 &
  SCRAPER_PID=$!
  log "scraping /metrics of $n broker(s) every ${SCRAPE_S}s (pid $SCRAPER_PID)"
}

# ---- CPU accounting (as Kafka's run.sh) -----------------------------------------------------------------------
cpu_sample() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $5 + $6, $7 + $8 }' /proc/stat; }
cpu_busy_pct() {
  local t1 i1 t2 i2
  read -r t1 i1 _ < <(cpu_sample); sleep "${1:-1}"; read -r t2 i2 _ < <(cpu_sample)
  awk -v dt="$((t2 - t1))" -v di="$((i2 - i1))" 'BEGIN { if (dt <= 0) print 0; else printf "%.0f", 100 * (dt - di) / dt }'
}
cluster_ticks() { # prints: broker_ticks zk_ticks (utime+stime of the recorded processes)
  local b=0 z=0 name pid port marker t
  while read -r name pid port marker; do
    t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
    if [[ "$name" == broker-* ]]; then b=$((b + t)); else z=$((z + t)); fi
  done <"$PIDS_FILE"
  echo "$b $z"
}
children_ms() { awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.0f", s * 1000 }' "$TIMES_FILE"; }

BUSY_BEFORE=-
wait_idle() {
  local deadline=$((SECONDS + IDLE_WAIT)) busy
  while :; do
    busy="$(cpu_busy_pct 1)"
    (( busy <= IDLE_MAX_BUSY )) && break
    if (( SECONDS >= deadline )); then
      log "WARNING: $1 starts while the machine is ${busy}% busy with other work; its numbers are suspect"; break
    fi
    log "$1: machine ${busy}% busy before start (threshold ${IDLE_MAX_BUSY}%), waiting up to ${IDLE_WAIT}s"
    sleep 4
  done
  BUSY_BEFORE="$busy"
}

measured() { # NAME RAW CLASS ARGS...
  local name="$1" raw="$2"; shift 2
  local attempt
  for ((attempt = 1; ; attempt++)); do
    measure_once "$name" "$raw" "$@"
    (( OTHER_PCT <= OTHER_MAX || attempt >= MAX_ATTEMPTS )) && break
    log "$name: attempt $attempt disturbed (other processes used ${OTHER_PCT}% of all CPU), repeating"
    mv "$raw" "$raw.disturbed-$attempt"
  done
  ATTEMPT="$attempt"
  if (( OTHER_PCT > OTHER_MAX )); then log "WARNING: $name still disturbed after $attempt attempts (other processes ${OTHER_PCT}% of CPU)"; fi
}
measure_once() {
  local name="$1" raw="$2"; shift 2
  wait_idle "$name"
  local t0 tot0 idle0 irq0 b0 z0 ch0 tot1 idle1 irq1 b1 z1 ch1 rc=0
  read -r tot0 idle0 irq0 < <(cpu_sample); read -r b0 z0 < <(cluster_ticks); times >"$TIMES_FILE"; ch0="$(children_ms)"; t0="$(now)"
  local TOOL_CMD
  tool_cmd "$WORKLOAD_TIMEOUT" "$@"
  "${TOOL_CMD[@]}" >"$raw" 2>&1 &
  TOOL_PID=$!
  wait "$TOOL_PID" || rc=$?
  TOOL_PID=""
  WALL="$(elapsed "$t0")"
  read -r tot1 idle1 irq1 < <(cpu_sample); read -r b1 z1 < <(cluster_ticks); times >"$TIMES_FILE"; ch1="$(children_ms)"
  if (( rc != 0 )); then
    tail -n 20 "$raw" >&2
    (( rc == 124 || rc == 137 )) && die "$name: timed out after ${WORKLOAD_TIMEOUT}s"
    die "$name: ${1##*.} exited with $rc"
  fi
  read -r CL_CPU BROKER_CPU ZK_CPU TOOL_CPU IRQ_CPU OTHER_PCT < <(awk -v dt="$((tot1 - tot0))" -v di="$((idle1 - idle0))" \
      -v dq="$((irq1 - irq0))" -v db="$((b1 - b0))" -v dz="$((z1 - z0))" -v dch="$((ch1 - ch0))" -v hz="$HZ" 'BEGIN {
        dc = db + dz; tool = dch * hz / 1000; other = (dt - di - dq) - dc - tool; if (other < 0) other = 0
        printf "%.1f %.2f %.2f %.1f %.1f %.0f\n", dc / hz, db / hz, dz / hz, dch / 1000, dq / hz, (dt > 0 ? 100 * other / dt : 0) }')
}

create_topic() { # NAME PARTITIONS RF [--config k=v ...]; then wait for a leader and a full ISR everywhere
  local topic="$1" parts="$2" rf="$3"; shift 3
  run_client_tool "$ADMIN_TIMEOUT" io.tributary.client.tools.TopicsCommand --bootstrap-server "$BOOTSTRAP" \
    --create --if-not-exists --topic "$topic" --partitions "$parts" --replication-factor "$rf" "$@" >/dev/null
  local deadline=$((SECONDS + ADMIN_TIMEOUT)) ready=0
  while :; do
    ready="$(run_client_tool "$ADMIN_TIMEOUT" io.tributary.client.tools.TopicsCommand --bootstrap-server "$BOOTSTRAP" \
               --describe --topic "$topic" 2>/dev/null \
             | awk -v rf="$rf" '/Partition:/ { l = ""; s = "";
                   for (i = 1; i < NF; i++) { if ($i == "Leader:") l = $(i+1); if ($i == "Isr:") s = $(i+1) }
                   if (l ~ /^[0-9]+$/ && split(s, a, ",") == rf) ok++ } END { print ok + 0 }')" || ready=0
    (( ready == parts )) && break
    (( SECONDS < deadline )) || die "topic $topic not ready after ${ADMIN_TIMEOUT}s ($ready/$parts partitions)"
    sleep 1
  done
  log "topic $topic ready: $parts partition(s), RF=$rf $*"
}

printf 'workload\trecords\trecord_bytes\trecords_per_s\tMB_per_s\tavg_ms\tp50_ms\tp99_ms\tp999_ms\tmax_ms\tnotes\twall_s\tcluster_cpu_s\ttool_cpu_s\tirq_cpu_s\tother_cpu_pct\tbusy_before_pct\tattempt\tbroker_cpu_s\tzk_cpu_s\n' >"$SUMMARY"
declare -A RESULT_LINE=()
emit() { # name records rps mbs avg p50 p99 p999 max notes  ("-" = not reported)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$RECORD_SIZE" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" \
    "$WALL" "$CL_CPU" "$TOOL_CPU" "$IRQ_CPU" "$OTHER_PCT" "$BUSY_BEFORE" "$ATTEMPT" "$BROKER_CPU" "$ZK_CPU" >>"$SUMMARY"
  local line
  line="$(printf 'RESULT %-3s n=%s x %sB' "$1" "$2" "$RECORD_SIZE")"
  [[ "$3" != - ]] && line+="$(printf ' | %s rec/s' "$3")"
  [[ "$4" != - ]] && line+="$(printf ' | %s MB/s' "$4")"
  [[ "$5" != - ]] && line+="$(printf ' | lat avg %s ms, p50 %s, p99 %s, p99.9 %s' "$5" "$6" "$7" "$8")"
  [[ "$9" != - ]] && line+="$(printf ', max %s' "$9")"
  line+="$(printf ' | %s | wall %ss | cpu-s cluster %s tool %s irq %s, other procs %s%%' "${10}" "$WALL" "$CL_CPU" "$TOOL_CPU" "$IRQ_CPU" "$OTHER_PCT")"
  (( ATTEMPT > 1 )) && line+=" (attempt $ATTEMPT)"
  RESULT_LINE[$1]="$line"
  echo "$line"
}

produce() { # NAME TOPIC ACKS EXTRA_PROPS [quiet]
  local name="$1" topic="$2" acks="$3" extra="$4" raw="$OUT_DIR/$1.out"
  log "$name: ProducerPerformance topic=$topic records=$RECORDS size=$RECORD_SIZE acks=$acks $PRODUCER_PROPS_COMMON $extra"
  # shellcheck disable=SC2086 # the property lists are word lists on purpose
  local -a tls=()
  [[ "$SECURITY" != PLAINTEXT ]] && tls=(--producer.config "$CLIENT_SSL_CONFIG")
  measured "$name" "$raw" io.tributary.client.tools.ProducerPerformance --bootstrap-server "$TOOL_BOOTSTRAP" "${tls[@]}" \
    --topic "$topic" --num-records "$RECORDS" --record-size "$RECORD_SIZE" --throughput -1 \
    --producer-props acks="$acks" $PRODUCER_PROPS_COMMON $extra
  [[ "${5:-}" == quiet ]] && return 0
  local final; final="$(grep -E 'records sent, .* 50th' "$raw" | tail -n 1)" || die "$name: no final stats line in $raw"
  local n rps mbs avg max p50 p99 p999
  read -r n rps mbs avg max p50 p99 p999 < <(sed -nE \
    's/^([0-9]+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, ([0-9]+) ms 50th, [0-9]+ ms 95th, ([0-9]+) ms 99th, ([0-9]+) ms 99.9th\.$/\1 \2 \3 \4 \5 \6 \7 \8/p' <<<"$final") || true
  [[ "${n:-}" =~ ^[0-9]+$ && "${p999:-}" =~ ^[0-9]+$ ]] || die "$name: cannot parse '$final'"
  [[ "$n" == "$RECORDS" ]] || die "$name: only $n of $RECORDS records were acknowledged"
  emit "$name" "$n" "$(printf '%.0f' "$rps")" "$mbs" "$avg" "$p50" "$p99" "$p999" "$(printf '%.0f' "$max")" "acks=$acks${extra:+ $extra}"
}

consume() { # NAME TOPIC
  local name="$1" topic="$2" raw="$OUT_DIR/$1.out"
  # Unmeasured 1-record consume first, as Kafka's harness does (there it creates __consumer_offsets; Tributary's perf
  # consumer assigns partitions directly, so here it only keeps the procedure identical).
  run_client_tool "$ADMIN_TIMEOUT" io.tributary.client.tools.ConsumerPerformance --bootstrap-server "$BOOTSTRAP" \
    --topic "$topic" --messages 1 --timeout 30000 >"$OUT_DIR/$name-warmup.out" 2>&1 \
    || { tail -n 20 "$OUT_DIR/$name-warmup.out" >&2; die "$name: warm-up consumer failed"; }
  log "$name: ConsumerPerformance topic=$topic messages=$RECORDS (from the beginning)"
  local -a tls=()
  [[ "$SECURITY" != PLAINTEXT ]] && tls=(--consumer.config "$CLIENT_SSL_CONFIG")
  measured "$name" "$raw" io.tributary.client.tools.ConsumerPerformance \
    --bootstrap-server "$TOOL_BOOTSTRAP" "${tls[@]}" --topic "$topic" --messages "$RECORDS" --timeout 30000
  local line; line="$(grep -E '^[0-9]{4}-' "$raw" | tail -n 1)" || die "$name: no stats line in $raw"
  local mb mbs n rps reb fetchms fmbs frps
  read -r mb mbs n rps reb fetchms fmbs frps < <(awk -F', *' '{ print $3, $4, $5, $6, $7, $8, $9, $10 }' <<<"$line") || true
  [[ "${n:-}" =~ ^[0-9]+$ && -n "${frps:-}" ]] || die "$name: cannot parse '$line'"
  [[ "$n" -ge "$RECORDS" ]] || die "$name: consumed only $n of $RECORDS records"
  emit "$name" "$n" "$(printf '%.0f' "$rps")" "$(printf '%.2f' "$mbs")" - - - - - \
    "fetch-only $(printf '%.0f' "$frps") rec/s $(printf '%.2f' "$fmbs") MB/s (group join ${reb} ms + fetch ${fetchms} ms; partitions assigned, no group)"
}

e2e() { # NAME TOPIC
  local name="$1" topic="$2" raw="$OUT_DIR/$1.out"
  log "$name: EndToEndLatency topic=$topic messages=$E2E_MESSAGES size=$RECORD_SIZE acks=1"
  local -a tls=()
  [[ "$SECURITY" != PLAINTEXT ]] && tls=(--command-config "$CLIENT_SSL_CONFIG")
  measured "$name" "$raw" io.tributary.client.tools.EndToEndLatency --bootstrap-server "$TOOL_BOOTSTRAP" "${tls[@]}" \
    --topic "$topic" --num-records "$E2E_MESSAGES" --producer-acks 1 --record-size "$RECORD_SIZE"
  local avg p50="" p99="" p999=""
  avg="$(sed -nE 's/^Avg latency: ([0-9.]+) ms$/\1/p' "$raw" | tail -n 1)"
  read -r p50 p99 p999 < <(sed -nE 's/^Percentiles: 50th = ([0-9]+), 99th = ([0-9]+), 99\.9th = ([0-9]+)$/\1 \2 \3/p' "$raw" | tail -n 1) || true
  [[ -n "$avg" && -n "$p99" ]] || die "$name: cannot parse $raw"
  emit "$name" "$E2E_MESSAGES" - - "$(printf '%.2f' "$avg")" "$p50" "$p99" "$p999" - "acks=1, 1 msg in flight, pctl truncated to ms"
}

{
  echo "tributary=$(git -C "$TRIBUTARY_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$TRIBUTARY_ROOT" diff --quiet HEAD -- broker-server client-sdk grpc-api 2>/dev/null || echo '+local-changes') mode=zookeeper"
  echo "java=$JAVA $("$JAVA" -version 2>&1 | head -n 1)"
  echo "host=$(uname -srm) cpus=$(nproc) mem=$(awk '/MemTotal/ { printf "%.1fGiB", $2/1048576 }' /proc/meminfo) loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "records=$RECORDS record_size=$RECORD_SIZE e2e_messages=$E2E_MESSAGES producer_props='$PRODUCER_PROPS_COMMON' acks=1 extra='$PRODUCER_PROPS_ACKS1'"
  echo "broker_heap='$BROKER_HEAP' broker_extra='$BROKER_EXTRA_OPTS' tool_heap='$TOOL_HEAP' workloads='${WORKLOADS[*]}'"
} | tee "$OUT_DIR/env.txt" >&2

RUN_T0="$(now)"
if selected P1 || selected P6 || selected C1 || selected E2E; then
  log "phase 1: starting 1-broker cluster"
  start_cluster 1 1broker
  if selected P1 || selected C1; then create_topic bench-p1 1 1; fi
  if selected P6; then create_topic bench-p6 6 1; fi
  if selected E2E; then create_topic bench-e2e 1 1; fi
  if selected P1; then produce P1 bench-p1 1 "$PRODUCER_PROPS_ACKS1"
  elif selected C1; then produce P1-setup bench-p1 1 "$PRODUCER_PROPS_ACKS1" quiet; fi
  if selected P6; then produce P6 bench-p6 1 "$PRODUCER_PROPS_ACKS1"; fi
  if selected C1; then consume C1 bench-p1; fi
  if selected E2E; then e2e E2E bench-e2e; fi
  stop_cluster_now 1broker
fi
if selected R3; then
  log "phase 2: starting 3-broker cluster"
  start_cluster 3 3broker
  create_topic bench-r3 6 3 --config min.insync.replicas=2
  produce R3 bench-r3 all ""
  stop_cluster_now 3broker
fi

if selected M1000; then
  log "phase 3: starting 3-broker cluster for 1,000 partitions"
  start_cluster 3 3broker-m1000
  create_topic bench-m1000 1000 3 --config min.insync.replicas=2
  produce M1000 bench-m1000 all ""
  consume M1000-consume bench-m1000
  heap_report=""
  while read -r name pid _ _; do
    [[ "$name" == broker-* ]] || continue
    kill -0 "$pid" 2>/dev/null || die "M1000: $name (pid $pid) is not running any more"
    # A full GC first, so the figure is what 1,000 partitions keep live, not garbage not yet collected.
    "$(dirname "$JAVA")/jcmd" "$pid" GC.run >/dev/null 2>&1 || die "M1000: jcmd GC.run failed for $name (pid $pid)"
    used="$("$(dirname "$JAVA")/jcmd" "$pid" GC.heap_info 2>/dev/null | sed -nE 's/.*garbage-first heap +total ([0-9]+)K, used ([0-9]+)K.*/\2/p' | head -n 1)"
    [[ "$used" =~ ^[0-9]+$ ]] || die "M1000: cannot read the heap of $name (pid $pid)"
    heap_report+="${heap_report:+, }$name $((used / 1024)) MiB"
  done <"$PIDS_FILE"
  log "M1000: all 3 brokers up after produce + consume over 1,000 partitions; heap in use after a full GC: $heap_report (max heap: $BROKER_HEAP)"
  RESULT_LINE[M1000-heap]="M1000 brokers up, heap after full GC: $heap_report ($BROKER_HEAP)"
  stop_cluster_now 3broker-m1000
fi

echo
echo "== Tributary (ZooKeeper mode), $(nproc) CPUs, $("$JAVA" -version 2>&1 | head -n 1) =="
for w in P1 P6 R3 C1 E2E M1000 M1000-consume M1000-heap; do
  if [[ -n "${RESULT_LINE[$w]:-}" ]]; then echo "${RESULT_LINE[$w]}"; fi
done
echo "total wall: $(elapsed "$RUN_T0")s; raw output + summary.tsv in $OUT_DIR"
