#!/usr/bin/env bash
# tributary-configs.sh: see --help. Runs io.tributary.client.tools.ConfigsCommand from the client SDK's build output.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tributary-run-class.sh" io.tributary.client.tools.ConfigsCommand "$@"
