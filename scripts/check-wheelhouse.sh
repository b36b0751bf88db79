#!/usr/bin/env bash
# Prove the offline install: a fresh venv, no index, no pip configuration, only the wheelhouse.
set -euo pipefail
wheelhouse=$(cd "${1:-dist/wheelhouse}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
PIP_CONFIG_FILE=/dev/null "$tmp/venv/bin/python" -m pip install --quiet --no-index --find-links "$wheelhouse" certbench
"$tmp/venv/bin/certbench" --version
"$tmp/venv/bin/certbench" --workspace "$tmp/ws" list --json
echo "offline install from $wheelhouse: ok"
