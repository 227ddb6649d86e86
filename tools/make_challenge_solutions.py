#!/usr/bin/env python3
"""Writes the reference solutions of the shipped challenges.

Each solution is its challenge's starting scenario with parts added, as a
student would add them in build mode; `microgrid challenge` must give it
every star (tests/it/challenges.rs checks that). Run from the repository
root: python3 tools/make_challenge_solutions.py
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CH = ROOT / "scenes" / "challenges"


def house_block(text, name):
    """Start and end of the `(name: "...", ...)` entry of a house."""
    start = text.index(f'(name: "{name}"')
    depth, i = 0, start
    while True:
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return start, i
        i += 1


def give(text, house, part):
    """Adds `part` (e.g. 'pv: (kwp: 3.0)') to a house's entry."""
    start, end = house_block(text, house)
    body = text[start:end].rstrip().rstrip(",")
    return text[:start] + body + ", " + part + text[end:]


def replace(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def write(stem, start, header, change):
    text = (CH / "start" / start).read_text()
    text = re.sub(r"\A(//[^\n]*\n)+", "", text)
    text = change(text)
    out = CH / "solutions" / f"{stem}.scenario.ron"
    out.write_text(f"// Reference solution of {stem}.challenge.ron: {header}\n"
                   "// Made by tools/make_challenge_solutions.py.\n" + text)
    print("wrote", out.relative_to(ROOT))


def first_light(t):
    for i in range(1, 9):
        t = give(t, f"Sonnenweg {i}", "pv: (kwp: 2.8, tilt_deg: 30, azimuth_deg: 180)")
    return t


write("01-first-light", "sonnenweg.scenario.ron",
      "2.8 kWp of solar on each of the eight roofs.", first_light)


def batteries(houses, kwh, kw):
    def change(t):
        for h in houses:
            t = give(t, f"Sonnenweg {h}",
                     f"battery: (capacity_kwh: {kwh}, power_kw: {kw}, efficiency: 0.95)")
        return t
    return change


write("02-keep-the-lights-on", "sonnenweg-solar.scenario.ron",
      "three 8 kWh, 5 kW batteries.", batteries([2, 5, 7], 8.0, 5.0))
write("03-hold-the-frequency", "sonnenweg-one-battery.scenario.ron",
      "three more batteries of 8 kWh, 5 kW.", batteries([2, 5, 7], 8.0, 5.0))
write("04-smooth-reconnection", "sonnenweg-one-battery.scenario.ron",
      "three more batteries of 10 kWh, 5 kW.", batteries([2, 5, 7], 10.0, 5.0))


def buy_cheap(t):
    t = batteries([2, 4, 6], 10.0, 5.0)(t)
    return replace(t, "    market: (", "    controller: (strategy: EconomicIslanding),\n    market: (")


write("05-buy-cheap-island-dear", "sonnenweg-solar.scenario.ron",
      "three 10 kWh batteries, and the street islands on purpose during the spike.", buy_cheap)
write("06-share-fairly", "sonnenweg-solar.scenario.ron",
      "two 10 kWh batteries.", lambda t: batteries([3, 7], 10.0, 5.0)(t))


def stronger_path(t):
    return replace(t, '''to: "F6", cable: "24-AL1/4-ST1A 0.4", length_m: 70.0),''',
                   '''to: "F6", cable: "24-AL1/4-ST1A 0.4", length_m: 70.0),
                // A new underground cable from the busbar to the middle of the
                // line: the farms' surplus takes the stronger path.
                (from: "LV busbar", to: "F4", cable: "NAYY 4x150 SE", length_m: 300.0),''')


write("07-too-much-sun", "feldweg.scenario.ron",
      "a 300 m NAYY 4x150 cable from the busbar to F4, closing a loop.", stronger_path)


def winter(t):
    t = batteries([1, 2, 3, 4, 5, 6, 7, 8], 15.0, 5.0)(t)
    return replace(t, "    market: (",
                   "    controller: (strategy: PriceAware, outage_reserve: 0.9),\n    market: (")


write("08-grey-winter-week", "sonnenweg-winter.scenario.ron",
      "eight 15 kWh, 5 kW batteries, filled at the night rate and kept 90 % full\n"
      "// for outages by the price-aware strategy.",
      winter)


def one_phase(t):
    # Three arrays stay on A; five go to B and C, alternating along the line.
    for house, phase in [(2, "B"), (3, "C"), (5, "B"), (6, "C"), (8, "B")]:
        start, end = house_block(t, f"Dorfstraße {house}")
        t = t[:start] + t[start:end].replace("phase: A", f"phase: {phase}") + t[end:]
    return t


write("09-too-much-on-one-phase", "dorfstrasse.scenario.ron",
      "five of the eight single-phase arrays moved from phase A to B and C (3 A, 3 B, 2 C).",
      one_phase)
