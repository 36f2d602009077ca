#!/usr/bin/env bash
# Installs what SparseTile needs and this machine lacks: Debian packages only, with apt-get
# (the scripts run as root on a fresh machine; elsewhere, sudo is used when present).
set -euo pipefail
need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
have_pkg libpng-dev || need+=(libpng-dev)
have_pkg pkg-config || have_cmd pkg-config || need+=(pkg-config)
have_cmd verilator || need+=(verilator)
have_cmd yosys || need+=(yosys)
have_cmd iverilog || need+=(iverilog)
have_cmd nextpnr-ice40 || need+=(nextpnr-ice40 fpga-icestorm)
have_cmd chromium || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "sparsetile: installing missing Debian packages: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && have_cmd sudo && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
