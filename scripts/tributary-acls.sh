#!/usr/bin/env bash
# tributary-acls.sh: see --help. Runs io.tributary.client.tools.AclsCommand from the client SDK's build output.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tributary-run-class.sh" io.tributary.client.tools.AclsCommand "$@"
