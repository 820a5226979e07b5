#!/usr/bin/env bash
# tributary-producer-perf-test.sh: see --help. Runs io.tributary.client.tools.ProducerPerformance from the client SDK's build output.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tributary-run-class.sh" io.tributary.client.tools.ProducerPerformance "$@"
