#!/usr/bin/env bash
# tributary-topics.sh: see --help. Runs io.tributary.client.tools.TopicsCommand from the client SDK's build output.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tributary-run-class.sh" io.tributary.client.tools.TopicsCommand "$@"
