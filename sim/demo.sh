#!/usr/bin/env bash
# The README's main command: installs what is missing, builds in release mode and runs the
# main job on the bundled default (image, network, tile size). Extra arguments go to it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash sim/install-deps.sh
swift build -c release --product sparsetile
exec .build/release/sparsetile demo "$@"
