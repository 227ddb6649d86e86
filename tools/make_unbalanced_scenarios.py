"""Writes the shipped unbalanced variants of the default and Kerber Dorfnetz.

  python3 tools/make_unbalanced_scenarios.py

scenes/default-unbalanced.scenario.ron: the default neighbourhood solved per
phase (`phases: Unbalanced`): each three-phase house's load spread 50/25/25
with its busiest phase drawn from the seed, and the five 4.5 kWp arrays on
single-phase inverters (4.1 kVA, under VDE-AR-N 4105's 4.6 kVA), one on
each phase in turn; the larger arrays, the batteries and the 7.4/11 kW
chargers stay three-phase.
scenes/kerber-dorfnetz-unbalanced.scenario.ron: Kerber Dorfnetz per phase,
every house three-phase with its load spread.
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
    text = re.sub(r'\n(\s*)name: "[^"]*",', lambda m: f'\n{m.group(1)}name: "{name}",', text, count=1)
    text = re.sub(r'\n(\s*)description: "[^"]*",', lambda m: f'\n{m.group(1)}description: "{description}",',
                  text, count=1)
    return text


def main():
    header = ("// Made by tools/make_unbalanced_scenarios.py from scenes/{src}.\n"
              "// Do not edit by hand: rerun the script.\n")
    default = (ROOT / "scenes/default.scenario.ron").read_text()
    phases = iter("ABC" * 10)
    default = re.sub(r"pv: \(kwp: 4\.5, ([^)]*)\)",
                     lambda m: f"pv: (kwp: 4.5, {m.group(1)}, phase: {next(phases)})", default)
    default = unbalanced(default, "Lindenhof, phase by phase",
                         "The default neighbourhood solved per phase: small PV on single-phase inverters, "
                         "household loads uneven over the phases. Watch the unbalance at noon.")
    (ROOT / "scenes/default-unbalanced.scenario.ron").write_text(
        header.format(src="default.scenario.ron") + default)
    kerber = (ROOT / "scenes/kerber-dorfnetz.scenario.ron").read_text()
    kerber = kerber.replace("// Do not edit by hand: rerun the script.\n", "", 1)
    kerber = unbalanced(kerber, "Kerber Dorfnetz, phase by phase",
                        "pandapower's Kerber village grid solved per phase: every house's load uneven "
                        "over its three phases.")
    (ROOT / "scenes/kerber-dorfnetz-unbalanced.scenario.ron").write_text(
        header.format(src="kerber-dorfnetz.scenario.ron") + kerber)


if __name__ == "__main__":
    main()
