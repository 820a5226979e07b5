#!/usr/bin/env bash
# Validates deploy/ without a container engine or a Kubernetes cluster:
#   1. every YAML file parses (python3 + PyYAML), and the Kubernetes objects are consistent (selectors match pod
#      labels, StatefulSets name an existing headless Service, probe ports are container ports, PDBs select pods,
#      the ServiceMonitor's port is a Service port that leads to a container port);
#      `kubectl kustomize deploy/k8s` (and deploy/k8s-secure, with placeholder secrets) renders if kubectl is installed;
#   2. monitoring: `promtool check rules`, `promtool test rules` and `promtool check config` if promtool is installed;
#      every metric the rules and the Grafana dashboard read is in prometheus/metric-names.txt (or is a recording
#      rule), and every tributary_* name there is registered in broker-server's sources; the PrometheusRule in
#      k8s/monitoring.yaml has the rules of prometheus/alerts.yml; Grafana's provisioning matches the dashboard;
#   3. every file the Dockerfile copies and every config the entry point reads exists;
#   4. the image's start commands run on this machine: the runtime layout of the image (/opt/tributary/{lib,config,bin})
#      is assembled from the build exactly as the Dockerfile does (./mvnw -Pdist, same copies), then
#      docker-entrypoint.sh runs "zookeeper" (standalone, 127.0.0.1) and "broker" against it, "zk-healthcheck" and
#      "healthcheck" must pass, and both stop cleanly on SIGTERM.
# Usage: deploy/validate.sh [--skip-run] [--no-build] [--zk-port P] [--broker-port B]
#        (ports default to 22381 / 29392, 127.0.0.1 only; --no-build reuses broker-server/target/dist if present)
set -euo pipefail
deploy="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$deploy/.." && pwd)"
skip_run=0 build=1 zk_port=22381 broker_port=29392
while [[ $# -gt 0 ]]; do
  case "$1" in
    --skip-run) skip_run=1; shift ;;
    --no-build) build=0; shift ;;
    --zk-port) zk_port="$2"; shift 2 ;;
    --broker-port) broker_port="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# ---- 1. YAML
python3 - "$deploy" <<'PY' || fail "YAML validation"
import sys, glob, os
try:
    import yaml
except ImportError:
    sys.exit("PyYAML missing (apt-get install python3-yaml)")
deploy = sys.argv[1]
errors = []
objs = []
for f in sorted(glob.glob(os.path.join(deploy, "**", "*.y*ml"), recursive=True)):
    docs = [d for d in yaml.safe_load_all(open(f)) if d]
    print(f"ok: {os.path.relpath(f, deploy)} parses ({len(docs)} document(s))")
    objs += [(f, d) for d in docs if isinstance(d, dict) and "kind" in d and d["kind"] != "Kustomization"]
compose = yaml.safe_load(open(os.path.join(deploy, "docker-compose.yml")))
for name, svc in compose["services"].items():
    for dep, cond in (svc.get("depends_on") or {}).items():
        if dep not in compose["services"]:
            errors.append(f"compose: {name} depends on unknown {dep}")
        if cond.get("condition") == "service_healthy" and "healthcheck" not in compose["services"][dep]:
            errors.append(f"compose: {name} waits for {dep} healthy but {dep} has no healthcheck")
    for v in svc.get("volumes", []):
        vol = v.split(":")[0]
        if not vol.startswith((".", "/")) and vol not in (compose.get("volumes") or {}):
            errors.append(f"compose: {name} uses undeclared volume {vol}")
services = {(o["metadata"].get("namespace"), o["metadata"]["name"]): o for f, o in objs if o["kind"] == "Service"}
pod_labels = []
for f, o in objs:
    if o["kind"] == "StatefulSet":
        spec = o["spec"]
        labels = spec["template"]["metadata"]["labels"]
        pod_labels.append(labels)
        sel = spec["selector"]["matchLabels"]
        if any(labels.get(k) != v for k, v in sel.items()):
            errors.append(f"{o['metadata']['name']}: selector {sel} does not match pod labels {labels}")
        svc = services.get((o["metadata"].get("namespace"), spec["serviceName"]))
        if not svc or svc["spec"].get("clusterIP") != "None":
            errors.append(f"{o['metadata']['name']}: serviceName {spec['serviceName']} is not a headless Service")
        for c in spec["template"]["spec"]["containers"]:
            ports = {p["containerPort"] for p in c.get("ports", [])} | {p["name"] for p in c.get("ports", [])}
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                p = c.get(probe)
                if not p:
                    continue
                for kind in ("grpc", "tcpSocket", "httpGet"):
                    if kind in p and p[kind]["port"] not in ports:
                        errors.append(f"{o['metadata']['name']}/{c['name']}: {probe} port {p[kind]['port']} is not a container port")
            if "resources" not in c or "requests" not in c["resources"]:
                errors.append(f"{o['metadata']['name']}/{c['name']}: no resource requests")
for f, o in objs:
    if o["kind"] in ("PodDisruptionBudget", "Service") and o["spec"].get("selector"):
        sel = o["spec"]["selector"].get("matchLabels", o["spec"]["selector"])
        if not any(all(l.get(k) == v for k, v in sel.items()) for l in pod_labels):
            errors.append(f"{o['kind']} {o['metadata']['name']}: selector {sel} matches no pod template")
# A ServiceMonitor scrapes the Services it selects through their port of the endpoint's name; that port must lead
# to a container port of the pods behind the Service.
pods = [(o["spec"]["template"]["metadata"]["labels"], o["spec"]["template"]["spec"]["containers"])
        for f, o in objs if o["kind"] == "StatefulSet"]
for f, o in objs:
    if o["kind"] != "ServiceMonitor":
        continue
    sel = o["spec"]["selector"].get("matchLabels", {})
    selected = [s for (ns, _), s in services.items() if ns == o["metadata"].get("namespace")
                and all(s["metadata"].get("labels", {}).get(k) == v for k, v in sel.items())]
    for ep in o["spec"]["endpoints"]:
        with_port = [(s, p) for s in selected for p in s["spec"]["ports"] if p.get("name") == ep["port"]]
        if not with_port:
            errors.append(f"ServiceMonitor {o['metadata']['name']}: no Service it selects has a port named {ep['port']}")
        for s, p in with_port:
            target = p.get("targetPort", p["port"])
            behind = [c for labels, cs in pods if all(labels.get(k) == v for k, v in s["spec"]["selector"].items())
                      for c in cs]
            if not any(target in {cp.get("name") for cp in c.get("ports", [])} | {cp["containerPort"] for cp in c.get("ports", [])}
                       for c in behind):
                errors.append(f"Service {s['metadata']['name']}: port {p['name']} leads to {target}, not a container port")
if errors:
    print("\n".join("FAIL: " + e for e in errors))
    sys.exit(1)
print(f"ok: {len(objs)} Kubernetes objects consistent; compose depends_on/healthchecks/volumes consistent")
PY
if command -v kubectl >/dev/null 2>&1; then
  kubectl kustomize "$deploy/k8s" >/dev/null || fail "kubectl kustomize deploy/k8s"
  ok "kubectl kustomize deploy/k8s renders"
  # The secure overlay reads its Secrets from files an operator makes (never in the repository): render it in a
  # copy with placeholders, and check the patches landed.
  kdir="$(mktemp -d "${TMPDIR:-/tmp}/tributary-kustomize.XXXXXX")"
  cp -r "$deploy/k8s" "$deploy/k8s-secure" "$kdir/"
  mkdir -p "$kdir/k8s-secure/secrets"
  for f in broker-keystore.p12 truststore.p12 store-password zookeeper-server-jaas.conf zookeeper-client-jaas.conf; do
    echo placeholder >"$kdir/k8s-secure/secrets/$f"
  done
  rendered="$(kubectl kustomize "$kdir/k8s-secure")" || { rm -rf "$kdir"; fail "kubectl kustomize deploy/k8s-secure"; }
  rm -rf "$kdir"
  for want in "value: secure" "name: ZK_SASL" "secretName: tributary-broker-tls-" "secretName: tributary-zookeeper-jaas-" "port: 9093"; do
    grep -qF "$want" <<<"$rendered" || fail "deploy/k8s-secure renders without '$want'"
  done
  if grep -q "grpc:" <<<"$rendered"; then fail "deploy/k8s-secure still has a plaintext grpc probe"; fi
  ok "kubectl kustomize deploy/k8s-secure renders (placeholder secrets): SASL ZooKeeper, secure brokers, exec probes"
fi

# ---- 2. monitoring
prom="$deploy/prometheus"
if command -v promtool >/dev/null 2>&1; then
  out="$(promtool check rules "$prom/alerts.yml" 2>&1)" || { echo "$out"; fail "promtool check rules deploy/prometheus/alerts.yml"; }
  out="$(cd "$prom" && promtool test rules alerts-test.yml 2>&1)" || { echo "$out"; fail "promtool test rules deploy/prometheus/alerts-test.yml"; }
  out="$(promtool check config "$prom/prometheus.yml" 2>&1)" || { echo "$out"; fail "promtool check config deploy/prometheus/prometheus.yml"; }
  ok "promtool: alerts.yml valid; alerts-test.yml passes ($(grep -c '^  - interval:' "$prom/alerts-test.yml") groups, $(grep -c 'eval_time:' "$prom/alerts-test.yml") checks); prometheus.yml valid"
else
  echo "skipped: promtool not installed (apt-get install prometheus)"
fi
python3 - "$deploy" "$root" <<'PY' || fail "monitoring validation"
import glob, json, os, re, sys
import yaml
deploy, root = sys.argv[1], sys.argv[2]
errors = []

# The metric names a PromQL expression reads: identifiers that are neither a function or aggregation (followed by
# "(") nor a keyword, outside strings, label matchers, ranges and by/without/on/ignoring/group_* label lists.
# Grafana's $variables only occur in those places or stand alone.
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "inf", "nan"}
def metric_names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"' r"|'(?:[^'\\]|\\.)*'|`[^`]*`", '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\$\{?\w+\}?", " ", e)
    e = re.sub(r"(?<![\w:])\d[\w.]*", " ", e)
    return {m.group(0) for m in re.finditer(r"[A-Za-z_:][\w:]*", e)
            if not e[m.end():].lstrip().startswith("(") and m.group(0).lower() not in KEYWORDS}

known = {}
for line in open(os.path.join(deploy, "prometheus", "metric-names.txt")):
    fields = line.split("#", 1)[0].split()
    if fields:
        known[fields[0]] = fields[1]
series_of = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
readable = {n for n, kind in known.items() if kind not in series_of}
readable |= {n + s for n, kind in known.items() for s in series_of.get(kind, ())}
rules = yaml.safe_load(open(os.path.join(deploy, "prometheus", "alerts.yml")))
recorded = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}

exprs = [("alerts.yml " + r.get("alert", r.get("record")), r["expr"]) for g in rules["groups"] for r in g["rules"]]
dash_file = os.path.join(deploy, "grafana", "tributary-dashboard.json")
try:
    dash = json.load(open(dash_file))
except ValueError as e:
    sys.exit(f"FAIL: {dash_file} is not valid JSON: {e}")
panels = [p for top in dash["panels"] for p in [top] + top.get("panels", [])]
for p in panels:
    for t in p.get("targets", []):
        exprs.append((f"dashboard panel {p['title']!r}", t["expr"]))
variables = dash["templating"]["list"]
for v in variables:
    if v["type"] == "query":
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", q) or re.fullmatch(r"\s*query_result\((.*)\)\s*", q)
        exprs.append((f"dashboard variable {v['name']}", m.group(1) if m else q))
for where, expr in exprs:
    for name in sorted(metric_names(expr) - readable - recorded):
        errors.append(f"{where} reads {name}, which is neither in prometheus/metric-names.txt nor a recording rule")

# The list follows the broker: a tributary_* name that broker-server no longer registers is a stale entry.
java = glob.glob(os.path.join(root, "broker-server", "src", "main", "java", "**", "*.java"), recursive=True)
if java:
    sources = "".join(open(f, encoding="utf-8").read() for f in java)
    for name in known:
        base = name[:-len("_total")] if name.endswith("_total") else name
        if name.startswith("tributary_") and f'"{name}"' not in sources and f'"{base}"' not in sources:
            errors.append(f"prometheus/metric-names.txt lists {name}, which broker-server's sources do not register")
else:
    print("skip: broker-server sources not found, metric-names.txt not compared with them")

# Grafana: every panel queries the DS_PROMETHEUS variable, whose default is the provisioned data source; the
# dashboard provider reads the directory compose mounts the dashboard into; panel ids are unique.
ds = yaml.safe_load(open(os.path.join(deploy, "grafana", "provisioning", "datasources", "prometheus.yml")))
ds_var = [v for v in variables if v["type"] == "datasource" and v["name"] == "DS_PROMETHEUS"]
if not ds_var or ds_var[0]["current"]["value"] not in {d["uid"] for d in ds["datasources"]}:
    errors.append("dashboard: variable DS_PROMETHEUS must default to the uid of the provisioned data source")
for p in panels:
    if p["type"] != "row" and p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
        errors.append(f"dashboard panel {p['title']!r}: datasource is not ${{DS_PROMETHEUS}}")
ids = [p["id"] for p in panels]
if len(ids) != len(set(ids)):
    errors.append("dashboard: panel ids are not unique")
providers = yaml.safe_load(open(os.path.join(deploy, "grafana", "provisioning", "dashboards", "tributary.yml")))
compose = yaml.safe_load(open(os.path.join(deploy, "docker-compose.yml")))
mounts = dict(v.split(":")[:2] for v in compose["services"]["grafana"]["volumes"])
target = mounts.get("./grafana/tributary-dashboard.json")
if not target or os.path.dirname(target) not in {p["options"]["path"] for p in providers["providers"]}:
    errors.append("compose: grafana must mount ./grafana/tributary-dashboard.json into a dashboard provider's path")

# Kubernetes evaluates exactly the rules that Prometheus loads in compose.
k8s_rules = [d for d in yaml.safe_load_all(open(os.path.join(deploy, "k8s", "monitoring.yaml")))
             if d and d.get("kind") == "PrometheusRule"]
if len(k8s_rules) != 1 or k8s_rules[0]["spec"]["groups"] != rules["groups"]:
    errors.append("k8s/monitoring.yaml: the PrometheusRule's groups differ from prometheus/alerts.yml;"
                  " run deploy/prometheus/sync-k8s-rules.sh")
if errors:
    print("\n".join("FAIL: " + e for e in errors))
    sys.exit(1)
print(f"ok: the {len(exprs)} expressions of alerts.yml and the dashboard read only the {len(known)} metrics of"
      f" metric-names.txt (tributary_* all registered by broker-server) and {len(recorded)} recording rules")
print("ok: the dashboard matches Grafana's provisioning; k8s/monitoring.yaml has the rules of alerts.yml")
PY

# ---- 3. referenced files
cd "$root"
while read -r src; do
  [[ -e "$src" ]] || fail "the Dockerfile copies $src, which does not exist"
done < <(sed -n 's/^COPY \(--chmod=[0-9]* \)\{0,1\}\([^-].*\) [^ ]*$/\2/p' deploy/Dockerfile | tr ' ' '\n' | grep -v '^$')
for f in deploy/config/server.properties.template deploy/config/server-secure.properties.template deploy/config/zoo.cfg.template deploy/config/log4j2.xml deploy/docker-entrypoint.sh; do
  [[ -f "$f" ]] || fail "$f missing"
done
bash -n deploy/docker-entrypoint.sh || fail "docker-entrypoint.sh has a syntax error"
ok "files the Dockerfile copies exist; entry point parses"
[[ $skip_run == 1 ]] && { echo "validation passed (run skipped)"; exit 0; }

# ---- 4. the image's start commands, run directly
stage="$(mktemp -d "${TMPDIR:-/tmp}/tributary-image.XXXXXX")"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  sleep 1
  rm -rf "$stage"
}
trap cleanup EXIT
if [[ $build == 1 || ! -d broker-server/target/dist/lib ]]; then
  echo "building the image's jars as the Dockerfile does: ./mvnw -B -q -Pdist -pl broker-server -am package -DskipTests"
  ./mvnw -B -q -Pdist -pl broker-server -am package -DskipTests
fi
home="$stage/opt/tributary"
mkdir -p "$home/lib" "$home/config" "$home/bin" "$home/logs"
cp broker-server/target/dist/lib/*.jar "$home/lib/"
cp broker-server/target/broker-server-*.jar "$home/lib/"
rm -f "$home/lib/"*-tests.jar "$home/lib/benchmarks.jar"
cp deploy/config/server.properties.template deploy/config/server-secure.properties.template deploy/config/zoo.cfg.template \
  deploy/config/log4j2.xml "$home/config/"
cp deploy/docker-entrypoint.sh "$home/bin/"
chmod 0755 "$home/bin/docker-entrypoint.sh"
ok "image layout staged in $home ($(ls "$home/lib" | wc -l) jars)"

for p in "$zk_port" "$broker_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then fail "port $p is in use; pass --zk-port/--broker-port"; fi
done
export TRIBUTARY_HOME="$home"
mkdir -p "$stage/zk-tmp" "$stage/broker-tmp"
TMPDIR="$stage/zk-tmp" ZK_MY_ID=1 ZK_CLIENT_PORT="$zk_port" ZK_CLIENT_ADDRESS=127.0.0.1 ZK_DATA_DIR="$stage/zk-data" \
  TRIBUTARY_LOG_DIR="$stage/zk-logs" TRIBUTARY_HEAP_OPTS=-Xmx128m \
  "$home/bin/docker-entrypoint.sh" zookeeper >"$stage/zk.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  if TMPDIR="$stage/zk-tmp" ZK_CLIENT_PORT="$zk_port" "$home/bin/docker-entrypoint.sh" healthcheck >/dev/null 2>&1; then break; fi
  sleep 0.5
done
TMPDIR="$stage/zk-tmp" ZK_CLIENT_PORT="$zk_port" "$home/bin/docker-entrypoint.sh" healthcheck \
  || { tail -20 "$stage/zk.out"; fail "zookeeper command: healthcheck does not pass"; }
ok "entry point 'zookeeper' serves on 127.0.0.1:$zk_port; 'healthcheck' in its container checks ZooKeeper"

TMPDIR="$stage/broker-tmp" TRIBUTARY_BROKER_ID=1 TRIBUTARY_PORT="$broker_port" TRIBUTARY_LISTEN_HOST=127.0.0.1 \
  TRIBUTARY_ADVERTISED_HOST=127.0.0.1 TRIBUTARY_ZOOKEEPER_CONNECT="127.0.0.1:$zk_port/tributary" \
  TRIBUTARY_METRICS_PORT=$((broker_port + 312)) \
  TRIBUTARY_DATA_DIR="$stage/broker-data" TRIBUTARY_LOG_DIR="$stage/broker-logs" TRIBUTARY_HEAP_OPTS=-Xmx256m \
  TRIBUTARY_CFG_DEFAULT_REPLICATION_FACTOR=1 TRIBUTARY_CFG_MIN_INSYNC_REPLICAS=1 \
  "$home/bin/docker-entrypoint.sh" broker >"$stage/broker.out" 2>&1 &
broker_pid=$!
pids+=("$broker_pid")
healthy=0
for _ in $(seq 1 60); do
  if TMPDIR="$stage/broker-tmp" TRIBUTARY_PORT="$broker_port" "$home/bin/docker-entrypoint.sh" healthcheck >/dev/null 2>&1; then healthy=1; break; fi
  kill -0 "$broker_pid" 2>/dev/null || break
  sleep 1
done
[[ $healthy == 1 ]] || { tail -30 "$stage/broker.out"; fail "broker command: healthcheck never passed"; }
TMPDIR="$stage/broker-tmp" TRIBUTARY_PORT="$broker_port" "$home/bin/docker-entrypoint.sh" healthcheck
grep -q '^default.replication.factor=1$' "$stage/broker-data/server.properties" || fail "TRIBUTARY_CFG_* not rendered"
metrics_url="http://127.0.0.1:$((broker_port + 312))/metrics"
if command -v curl >/dev/null 2>&1; then
  curl -fsS --max-time 10 "$metrics_url" | grep -q '^tributary_server_partitions ' || fail "$metrics_url does not serve the broker's metrics"
  ok "the broker serves $metrics_url"
else
  echo "skip: curl is not installed, $metrics_url not checked"
fi
[[ -s "$stage/broker-logs/server.log" ]] || fail "the rolling log file $stage/broker-logs/server.log is empty"
ok "entry point 'broker' is SERVING on 127.0.0.1:$broker_port (rendered config: $(grep -c '=' "$stage/broker-data/server.properties") keys; log file written)"
echo "---- rendered server.properties (without comments) ----"
grep -v '^#' "$stage/broker-data/server.properties" | grep -v '^$'
echo "----"
echo "---- java command line of the broker (as the image's ENTRYPOINT runs it) ----"
tr '\0' ' ' <"/proc/$broker_pid/cmdline" | sed "s|$stage|<stage>|g; s|-cp [^ ]*|-cp /opt/tributary/lib/*|"
echo
echo "----"

kill -TERM "$broker_pid"
for _ in $(seq 1 30); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$broker_pid" 2>/dev/null && fail "broker did not stop on SIGTERM"
grep -q 'broker 1 stopped' "$stage/broker.out" || fail "no clean shutdown in the broker log"
ok "broker stopped cleanly on SIGTERM"
kill -TERM "${pids[0]}"
for _ in $(seq 1 30); do kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.5; done
kill -0 "${pids[0]}" 2>/dev/null && fail "ZooKeeper did not stop on SIGTERM"
ok "ZooKeeper stopped on SIGTERM"

# ---- 5. the same with TRIBUTARY_SECURITY=secure and ZK_SASL=1: certificates from the JDK's keytool, the secrets as
# files (as a Kubernetes Secret or compose secret would mount them)
keytool_bin="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
if ! command -v "$keytool_bin" >/dev/null 2>&1; then
  echo "skip: no keytool, the secure start is not checked"
  echo "validation passed"
  exit 0
fi
szk=$((zk_port + 1)) sbroker=$((broker_port + 1)) sinternal=$((broker_port + 2))
for p in "$szk" "$sbroker" "$sinternal"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then fail "port $p is in use; pass other --zk-port/--broker-port"; fi
done
tls="$stage/secrets/tls" zkj="$stage/secrets/zookeeper"
mkdir -p "$tls" "$zkj"
pw="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
printf '%s\n' "$pw" >"$tls/password"
kt() { "$keytool_bin" "$@" >/dev/null 2>&1 || fail "keytool $1 failed"; }
kt -genkeypair -alias ca -dname "CN=validate CA" -ext bc:c -keyalg EC -groupname secp256r1 -validity 2 -keystore "$tls/ca.p12" -storetype PKCS12 -storepass "$pw"
kt -exportcert -rfc -alias ca -keystore "$tls/ca.p12" -storepass "$pw" -file "$tls/ca.pem"
kt -importcert -noprompt -alias ca -file "$tls/ca.pem" -keystore "$tls/truststore.p12" -storetype PKCS12 -storepass "$pw"
kt -genkeypair -alias broker -dname "CN=tributary-0,OU=brokers,O=Tributary" -keyalg EC -groupname secp256r1 -validity 2 -keystore "$tls/keystore.p12" -storetype PKCS12 -storepass "$pw"
kt -certreq -alias broker -keystore "$tls/keystore.p12" -storepass "$pw" -file "$tls/broker.csr"
kt -gencert -alias ca -keystore "$tls/ca.p12" -storepass "$pw" -infile "$tls/broker.csr" -outfile "$tls/broker.pem" -rfc -validity 2 -ext SAN=ip:127.0.0.1,dns:localhost -ext EKU=serverAuth,clientAuth
kt -importcert -noprompt -alias ca -file "$tls/ca.pem" -keystore "$tls/keystore.p12" -storepass "$pw"
kt -importcert -alias broker -file "$tls/broker.pem" -keystore "$tls/keystore.p12" -storepass "$pw"
printf 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_tributary="%s";\n};\n' "$pw" >"$zkj/server-jaas.conf"
printf 'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="tributary"\n  password="%s";\n};\n' "$pw" >"$zkj/jaas.conf"
mkdir -p "$stage/szk-tmp" "$stage/sbroker-tmp"
TMPDIR="$stage/szk-tmp" ZK_MY_ID=1 ZK_CLIENT_PORT="$szk" ZK_CLIENT_ADDRESS=127.0.0.1 ZK_DATA_DIR="$stage/szk-data" \
  ZK_SASL=1 ZK_JAAS_FILE="$zkj/server-jaas.conf" TRIBUTARY_LOG_DIR="$stage/szk-logs" TRIBUTARY_HEAP_OPTS=-Xmx128m \
  "$home/bin/docker-entrypoint.sh" zookeeper >"$stage/szk.out" 2>&1 &
pids+=($!)
szk_pid=$!
for _ in $(seq 1 60); do
  if TMPDIR="$stage/szk-tmp" ZK_CLIENT_PORT="$szk" "$home/bin/docker-entrypoint.sh" healthcheck >/dev/null 2>&1; then break; fi
  sleep 0.5
done
grep -q '^authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider$' "$stage/szk-data/zoo.cfg" || fail "ZK_SASL=1 did not enable SASL"
secure_env=(TMPDIR="$stage/sbroker-tmp" TRIBUTARY_SECURITY=secure TRIBUTARY_TLS_DIR="$tls" TRIBUTARY_ZK_JAAS_FILE="$zkj/jaas.conf"
  TRIBUTARY_PORT="$sbroker" TRIBUTARY_INTERNAL_PORT="$sinternal" TRIBUTARY_DATA_DIR="$stage/sbroker-data")
env "${secure_env[@]}" TRIBUTARY_BROKER_ID=1 TRIBUTARY_LISTEN_HOST=127.0.0.1 TRIBUTARY_ADVERTISED_HOST=127.0.0.1 \
  TRIBUTARY_ZOOKEEPER_CONNECT="127.0.0.1:$szk/tributary" TRIBUTARY_METRICS_PORT=-1 TRIBUTARY_LOG_DIR="$stage/sbroker-logs" \
  TRIBUTARY_HEAP_OPTS=-Xmx256m TRIBUTARY_CFG_DEFAULT_REPLICATION_FACTOR=1 TRIBUTARY_CFG_MIN_INSYNC_REPLICAS=1 \
  "$home/bin/docker-entrypoint.sh" broker >"$stage/sbroker.out" 2>&1 &
sbroker_pid=$!
pids+=("$sbroker_pid")
healthy=0
for _ in $(seq 1 60); do
  if env "${secure_env[@]}" "$home/bin/docker-entrypoint.sh" healthcheck >/dev/null 2>&1; then healthy=1; break; fi
  kill -0 "$sbroker_pid" 2>/dev/null || break
  sleep 1
done
[[ $healthy == 1 ]] || { tail -30 "$stage/sbroker.out"; fail "secure broker: healthcheck (mutual TLS on INTERNAL) never passed"; }
[[ "$(stat -c %a "$stage/sbroker-data/server.properties")" == 600 ]] || fail "the rendered secure config is not mode 600"
grep -q '^listeners=SASL_SSL://127.0.0.1:'"$sbroker"',INTERNAL://127.0.0.1:'"$sinternal"'$' "$stage/sbroker-data/server.properties" \
  || fail "the secure template did not render the SASL_SSL and INTERNAL listeners"
if (exec 3<>"/dev/tcp/127.0.0.1/$sbroker") 2>/dev/null && TMPDIR="$stage/sbroker-tmp" TRIBUTARY_PORT="$sbroker" \
    "$home/bin/docker-entrypoint.sh" healthcheck >/dev/null 2>&1; then
  fail "a plaintext health check passed on the SASL_SSL port"
fi
ok "TRIBUTARY_SECURITY=secure: the broker serves SASL_SSL on $sbroker and mutual TLS on $sinternal against a SASL ZooKeeper"
kill -TERM "$sbroker_pid"
for _ in $(seq 1 30); do kill -0 "$sbroker_pid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$sbroker_pid" 2>/dev/null && fail "secure broker did not stop on SIGTERM"
kill -TERM "$szk_pid"
for _ in $(seq 1 30); do kill -0 "$szk_pid" 2>/dev/null || break; sleep 0.5; done
ok "secure broker and SASL ZooKeeper stopped on SIGTERM"
echo "validation passed"
