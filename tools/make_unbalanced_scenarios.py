"""Writes the shipped unbalanced variants of the default and Kerber Dorfnetz.

  python3 tools/make_unbalanced_scenarios.py

scenes/default-unbalanced.scenario.ron: the default neighbourhood solved per
phase (`phases: Unbalanced`): each three-phase house's load spread 50/25/25
with its busiest phase drawn from the seed, and the five 4.5 kWp arrays on
single-phase inverters (4.1 kVA, under VDE-AR-N 4105's 4.6 kVA), one on
each phase in turn; the larger arrays, the batteries and the 7.4/11 kW
chargers stay three-phase. Am Windrad, the lane out to the wind turbines,
is the village's old overhead line (pandapower's "15-AL1/3-ST1A 0.4", 15 mm2
aluminium) with 50 m between the houses, and its last three houses have a
4.5 kWp single-phase array each, on A, B and C: put all three on one phase
and the lane's far end passes EN 50160's 2 % unbalance at noon on a clear
day (the scenario's weather is `SunnySummer`); spread them and it stays
near 0.5 %.
scenes/kerber-dorfnetz-unbalanced.scenario.ron: Kerber Dorfnetz per phase,
every house three-phase with its load spread.
tests/fixtures/default-unbalanced-lane-on-a.scenario.ron: the first with
Am Windrad's three arrays all on phase A (a runpp_3ph fixture).
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def unbalanced(text, name, description):
    grid = re.search(r"\n(\s*)grid: \(.*\),\n", text)
    assert grid, "no grid line"
    indent = grid.group(1)
    text = text[:grid.end()] + f"{indent}// Each phase solved: see docs/models.md, \"Unbalanced power flow\".\n" \
        f"{indent}phases: Unbalanced,\n" + text[grid.end():]
    return renamed(text, name, description)


def renamed(text, name, description):
    text = re.sub(r'\n(\s*)name: "[^"]*",', lambda m: f'\n{m.group(1)}name: "{name}",', text, count=1)
    text = re.sub(r'\n(\s*)description: "[^"]*",', lambda m: f'\n{m.group(1)}description: "{description}",',
                  text, count=1)
    return text


LANE_SPAN_M = 50.0
LANE_LINE = "15-AL1/3-ST1A 0.4"


def old_lane(text):
    """Am Windrad as an old overhead lane: a weak line, long spans, and its
    last three houses with a single-phase 4.5 kWp array on A, B and C."""
    def y(k):
        return 20.0 + LANE_SPAN_M * (k - 1)

    def line(m):
        start, end = m.group(1), m.group(2)
        if end == "W-turbines":
            return m.group(0)
        length = 40.0 if start == "LV busbar" else LANE_SPAN_M
        return f'(from: "{start}", to: "{end}", cable: "{LANE_LINE}", length_m: {length})'

    text, n = re.subn(r'\(from: "(LV busbar|W\d)", to: "(W\d)", cable: "[^"]*", length_m: [\d.]+\)', line, text)
    assert n == 6, n
    for k in range(1, 7):
        text, n = re.subn(rf'\(name: "W{k}", position_m: \([\d.-]+, [\d.-]+\)\)',
                          f'(name: "W{k}", position_m: (8.0, {y(k)}))', text)
        assert n == 1, k
        text, n = re.subn(rf'(name: "Am Windrad {k}",\n\s*bus: "W{k}",\n\s*annual_kwh: \d+,\n\s*position_m: )'
                          r'\([\d.-]+, [\d.-]+\)', lambda m: m.group(1) + f"(20.0, {y(k)})", text)
        assert n == 1, k
    turbines = y(6) + 40.0
    text, n = re.subn(r'\(name: "W-turbines", position_m: \([\d.-]+, [\d.-]+\)\)',
                      f'(name: "W-turbines", position_m: (8.0, {turbines}))', text)
    assert n == 1
    text, n = re.subn(r'(bus: "W-turbines", .*?position_m: \()([\d.-]+), [\d.-]+\)',
                      lambda m: f"{m.group(1)}{m.group(2)}, {turbines + 15.0})", text)
    assert n == 2, n
    for k, phase in ((4, "A"), (5, "B"), (6, "C")):
        start = text.index(f'name: "Am Windrad {k}",')
        end = text.index("\n        )", start)
        house = text[start:end]
        array = f"pv: (kwp: 4.5, tilt_deg: 30, azimuth_deg: 180, phase: {phase})"
        if "pv:" in house:
            house = re.sub(r"pv: \([^)]*\)", array, house)
        else:
            house += f"\n            {array},"
        text = text[:start] + house + text[end:]
    text, n = re.subn(r'\n(\s*)name: "Am Windrad",',
                      lambda m: f"\n{m.group(1)}// The village's old overhead line, 50 m between the houses: a weak"
                                f"\n{m.group(1)}// lane where one phase's surplus shows (its three small arrays)."
                                f'\n{m.group(1)}name: "Am Windrad",', text)
    assert n == 1
    text, n = re.subn(r"weather: \(mean_wind_m_s", "weather: (pattern: SunnySummer, mean_wind_m_s", text)
    assert n == 1
    return text


def main():
    header = ("// Made by tools/make_unbalanced_scenarios.py from scenes/{src}.\n"
              "// Do not edit by hand: rerun the script.\n")
    default = (ROOT / "scenes/default.scenario.ron").read_text()
    phases = iter("ABC" * 10)
    default = re.sub(r"pv: \(kwp: 4\.5, ([^)]*)\)",
                     lambda m: f"pv: (kwp: 4.5, {m.group(1)}, phase: {next(phases)})", default)
    default = old_lane(default)
    default = unbalanced(default, "Lindenhof, phase by phase",
                         "The default neighbourhood solved per phase: small PV on single-phase inverters, "
                         "household loads uneven over the phases, and Am Windrad on an old overhead line. "
                         "Put its three small arrays on one phase and watch the unbalance at noon.")
    (ROOT / "scenes/default-unbalanced.scenario.ron").write_text(
        header.format(src="default.scenario.ron") + default)
    # The walk done as a file: the lane's three arrays on phase A.
    on_a = default
    for k in (5, 6):
        start = on_a.index(f'name: "Am Windrad {k}",')
        end = on_a.index("\n        )", start)
        on_a = on_a[:start] + re.sub(r"phase: [BC]\)", "phase: A)", on_a[start:end]) + on_a[end:]
    on_a = renamed(on_a, "Lindenhof, the lane's arrays on phase A",
                   "The per-phase default with Am Windrad's three single-phase arrays all on phase A.")
    (ROOT / "tests/fixtures/default-unbalanced-lane-on-a.scenario.ron").write_text(
        header.format(src="default.scenario.ron") + on_a)
    kerber = (ROOT / "scenes/kerber-dorfnetz.scenario.ron").read_text()
    kerber = kerber.replace("// Do not edit by hand: rerun the script.\n", "", 1)
    kerber = unbalanced(kerber, "Kerber Dorfnetz, phase by phase",
                        "pandapower's Kerber village grid solved per phase: every house's load uneven "
                        "over its three phases.")
    (ROOT / "scenes/kerber-dorfnetz-unbalanced.scenario.ron").write_text(
        header.format(src="kerber-dorfnetz.scenario.ron") + kerber)


if __name__ == "__main__":
    main()
