"""Writes the meshed test scenarios: a shipped scenario with one more cable
between the far ends of two of its streets, which closes a ring.

  python3 tools/make_meshed_scenarios.py

writes tests/fixtures/default-ring.scenario.ron (Lindenweg's end L10 to Am
Windrad's W6), the same ring open at a switch on that cable
(default-ring-open.scenario.ron, a normally-open point) and tests/fixtures/kerber-ring.scenario.ron (the ends of
Kerber Dorfnetz's branches 2 and 3, MUF_2_9 to KV_3_16). The cable's length
is the straight distance between the two joints. tools/make_fixtures.sh
then solves them in pandapower.
"""
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RINGS = [
    ("scenes/default.scenario.ron", "tests/fixtures/default-ring.scenario.ron",
     "L10", "W6", "NAYY 4x150 SE", "Lindenhof with a ring"),
    ("scenes/default.scenario.ron", "tests/fixtures/default-ring-open.scenario.ron",
     "L10", "W6", "NAYY 4x150 SE", "Lindenhof with a ring open at a switch"),
    ("scenes/kerber-dorfnetz.scenario.ron", "tests/fixtures/kerber-ring.scenario.ron",
     "MUF_2_9", "KV_3_16", "NAYY 4x150", "Kerber Dorfnetz with a ring"),
]


def position(text, bus):
    m = re.search(r'\(name: "%s", position_m: \(([-0-9.]+), ([-0-9.]+)\)\)' % re.escape(bus), text)
    if not m:
        raise SystemExit(f"bus {bus} has no position")
    return float(m.group(1)), float(m.group(2))


for source, target, a, b, cable, name in RINGS:
    switch = ", switch: Open" if "open" in target else ""
    text = (ROOT / source).read_text()
    (xa, ya), (xb, yb) = position(text, a), position(text, b)
    length = round(math.hypot(xa - xb, ya - yb), 1)
    # The ring cable goes first in the first feeder's lines.
    at = text.index("lines: [") + len("lines: [")
    line = f'\n                (from: "{a}", to: "{b}", cable: "{cable}", length_m: {length}{switch}),'
    text = text[:at] + line + text[at:]
    text = re.sub(r'name: "[^"]*",', f'name: "{name}",', text, count=1)
    header = f"// Made by tools/make_meshed_scenarios.py from {source}: one more cable,\n// {a} to {b} ({length} m), closes a ring.\n"
    (ROOT / target).write_text(header + text)
    print(f"{target}: {a} - {b}, {length} m")
