#!/usr/bin/env bash
# tributary-e2e-latency.sh: see --help. Runs io.tributary.client.tools.EndToEndLatency from the client SDK's build output.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tributary-run-class.sh" io.tributary.client.tools.EndToEndLatency "$@"
