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
# Meshed: the default and Kerber Dorfnetz with a ring cable between the ends
# of two streets (tools/make_meshed_scenarios.py writes the scenarios).
python3 tools/make_meshed_scenarios.py
"$mg" powerflow tests/fixtures/default-ring.scenario.ron --at "2025-01-15 18:30" --json > "$tmp/ring-evening.json"
"$mg" powerflow tests/fixtures/default-ring.scenario.ron --at "2025-06-21 13:00" --json > "$tmp/ring-midday.json"
"$mg" powerflow tests/fixtures/kerber-ring.scenario.ron --at "2025-01-15 18:30" --json > "$tmp/kerber-ring.json"
python3 tools/pandapower_reference.py case "$tmp/ring-evening.json" tests/fixtures/default_ring_heavy.json --scale-loads 20
python3 tools/pandapower_reference.py case "$tmp/ring-midday.json" tests/fixtures/default_ring_midday.json
python3 tools/pandapower_reference.py case "$tmp/kerber-ring.json" tests/fixtures/kerber_ring.json --scale-loads 6
# The ring open at a switch on its cable (pandapower's switch table).
"$mg" powerflow tests/fixtures/default-ring-open.scenario.ron --at "2025-06-21 13:00" --json > "$tmp/ring-open.json"
python3 tools/pandapower_reference.py case "$tmp/ring-open.json" tests/fixtures/default_ring_open.json
# Unbalanced (runpp_3ph): the default at noon with its loads and PV spread
# over the phases, with every PV on phase A, the same on the ring and behind
# a YNyn0 transformer, and Kerber Dorfnetz with each house on one phase.
python3 tools/pandapower_3ph_reference.py case "$tmp/midday.json" tests/fixtures/default_3ph_spread.json spread
python3 tools/pandapower_3ph_reference.py case "$tmp/midday.json" tests/fixtures/default_3ph_pv_on_a.json pv-on-a
python3 tools/pandapower_3ph_reference.py case "$tmp/ring-midday.json" tests/fixtures/default_ring_3ph_pv_on_a.json pv-on-a
bash tools/make_ynyn_scenario.sh
"$mg" powerflow tests/fixtures/default-ynyn.scenario.ron --at "2025-06-21 13:00" --json > "$tmp/ynyn-midday.json"
python3 tools/pandapower_3ph_reference.py case "$tmp/ynyn-midday.json" tests/fixtures/default_ynyn_3ph_pv_on_a.json pv-on-a
python3 tools/pandapower_3ph_reference.py kerber tests/fixtures/kerber_3ph.json
# The shipped per-phase default as microgrid puts it on the phases (its
# single-phase PV and uneven household loads), at noon.
python3 tools/make_unbalanced_scenarios.py
"$mg" powerflow scenes/default-unbalanced.scenario.ron --at "2025-06-21 13:00" --json > "$tmp/unbalanced-midday.json"
python3 tools/pandapower_3ph_reference.py case "$tmp/unbalanced-midday.json" tests/fixtures/default_unbalanced_3ph.json as-is
# The issue's walk as a file: the lane's three small arrays all on phase A
# (its far end passes 2 % unbalance at noon).
"$mg" powerflow tests/fixtures/default-unbalanced-lane-on-a.scenario.ron --at "2025-06-21 13:00" --json > "$tmp/lane-on-a.json"
python3 tools/pandapower_3ph_reference.py case "$tmp/lane-on-a.json" tests/fixtures/default_unbalanced_lane_on_a_3ph.json as-is
