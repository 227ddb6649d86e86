#!/usr/bin/env bash
# Regenerates the pandapower reference fixtures in tests/fixtures/.
# Needs: pip install pandapower==3.5.6; a built `microgrid` (cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
mg="${MICROGRID:-target/debug/microgrid}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$mg" powerflow scenes/default.scenario.ron --at "2025-06-21 13:00" --json > "$tmp/midday.json"
"$mg" powerflow scenes/default.scenario.ron --at "2025-01-15 18:30" --json > "$tmp/evening.json"
python3 tools/pandapower_reference.py case "$tmp/midday.json" tests/fixtures/default_midday.json
python3 tools/pandapower_reference.py case "$tmp/evening.json" tests/fixtures/default_evening.json
# The heavy case: every household at 30 times its winter-evening demand
# (about 20 kW each, as if every house ran a heat pump and a fast charger at
# once): transformer at 266 %, cables at 140 %, the far end at 0.885 pu.
python3 tools/pandapower_reference.py case "$tmp/evening.json" tests/fixtures/default_heavy.json --scale-loads 30
python3 tools/pandapower_reference.py kerber tests/fixtures/kerber_dorfnetz.json
