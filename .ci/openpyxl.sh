#!/usr/bin/env bash
# Installs Debian's openpyxl, which the browser tests use to open the XLSX exports as a
# spreadsheet program would (issue #15: exports open with the filtered page's rows).
set -euo pipefail
if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq python3-openpyxl >/dev/null
/usr/bin/python3 -c 'import openpyxl; print("openpyxl", openpyxl.__version__)'
