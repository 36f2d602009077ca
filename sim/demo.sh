#!/usr/bin/env bash
# The README's main command: installs what is missing, builds in release mode and runs the
# main job on the bundled defaults (camera.png at 64x64, SRResNet, density 0.3, the default
# hardware config): masks → RTL → every layer co-simulated in Verilator against the model and
# SparseCNN → ./sparsetile-out/report.html, layers.csv, layers.json. Extra arguments go to
# `sparsetile demo` (see `.build/release/sparsetile demo --help`). Exit status 1 on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
bash sim/install-deps.sh
swift build -c release --product sparsetile
exec .build/release/sparsetile demo "$@"
