#!/usr/bin/env bash
# Copies the rule groups of deploy/prometheus/alerts.yml into the PrometheusRule of deploy/k8s/monitoring.yaml, so
# that Prometheus in compose and the Prometheus Operator in Kubernetes evaluate the same rules. Everything in
# monitoring.yaml up to the "generated from" marker line is kept; everything after it is replaced.
# deploy/validate.sh fails while the two files' rules differ.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rules="$here/alerts.yml"
target="$(cd "$here/../k8s" && pwd)/monitoring.yaml"
marker='# ---- generated from deploy/prometheus/alerts.yml by deploy/prometheus/sync-k8s-rules.sh: edit alerts.yml ----'
grep -qF -- "$marker" "$target" || { echo "sync-k8s-rules: no marker line in $target" >&2; exit 1; }
grep -q '^groups:' "$rules" || { echo "sync-k8s-rules: no top-level groups: in $rules" >&2; exit 1; }
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
  awk -v m="$marker" '{ print } index($0, m) { exit }' "$target"
  # alerts.yml from "groups:" on, two spaces deeper so that it sits under the PrometheusRule's spec:.
  sed -n '/^groups:/,$p' "$rules" | sed 's/^\(.\)/  \1/'
} >"$tmp"
cat "$tmp" >"$target" # not mv: keeps the file's mode
echo "sync-k8s-rules: $target now has the rules of $rules"
