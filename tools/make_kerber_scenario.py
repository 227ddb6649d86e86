"""Writes scenes/kerber-dorfnetz.scenario.ron from pandapower's create_kerber_dorfnetz().

A faithful copy: the same transformer type, the same cable types (Kerber's own
"NAYY 4x150" and "NAYY 4x50", defined in the scenario's cable_types), the
same lengths, and one house on each of the 57 load buses, with buses and
lines in pandapower's order so that results compare index by index.
Positions are invented for drawing: the six branches fan out from the
transformer (pandapower's Kerber grids carry no geodata).

Usage: pip install pandapower==3.5.6 && python3 tools/make_kerber_scenario.py
"""
import math
import pathlib
import random

import pandapower.networks as pn

# pandapower draws each service cable's type (its "NAYY 4x50" or the standard
# "NAYY 4x50 SE", p = 0.5) from Python's unseeded `random`, so every call builds
# a different grid. Seed it: pandapower_reference.py uses the same seed.
KERBER_SEED = 0
random.seed(KERBER_SEED)
net = pn.create_kerber_dorfnetz()
assert len(net.bus) == 116 and len(net.load) == 57, "unexpected Kerber Dorfnetz size"
assert net.bus.name[0] == "Trafostation_OS" and net.bus.name[1] == "main_busbar"
trafo = net.trafo.iloc[0]
rename = {0: "MV grid", 1: "LV busbar"}


def bus_name(i):
    return rename.get(i, net.bus.name[i])


# Group lines by branch number (line names end in _<branch>_<n>).
branches = {}
for idx, line in net.line.iterrows():
    branch = int(line["name"].split("_")[-2])
    branches.setdefault(branch, []).append(idx)

import pandapower as pp

standard = set(pp.available_std_types(pp.create_empty_network(), "line").index)
# Kerber defines its own types; pandapower's generator also uses the standard
# "NAYY 4x50 SE" for every second service cable, which the sandbox knows already.
used_types = sorted(t for t in set(net.line.std_type) if t not in standard)
lines_out = []
lines_out.append("// Kerber Dorfnetz: the German rural benchmark LV grid, copied from")
lines_out.append("// pandapower.networks.create_kerber_dorfnetz() by tools/make_kerber_scenario.py.")
lines_out.append("// 0.4 MVA transformer, 116 buses, 57 houses on six branches, Kerber's cable types;")
lines_out.append("// pandapower picks each service cable at random between Kerber's NAYY 4x50 and the")
lines_out.append(f"// standard NAYY 4x50 SE; this is the draw with Python's random.seed({KERBER_SEED}).")
lines_out.append("// Do not edit by hand: rerun the script.")
lines_out.append("Scenario(")
lines_out.append('    name: "Kerber Dorfnetz",')
lines_out.append('    description: "pandapower\'s Kerber village grid: 57 houses on six cable branches behind a 400 kVA transformer.",')
lines_out.append("    location: (latitude_deg: 48.14, longitude_deg: 11.58, utc_offset_hours: 1.0),")
lines_out.append('    start: "2025-01-15 18:00",')
lines_out.append("    seed: 1,")
lines_out.append(f'    grid: (transformer: "{trafo.std_type}", mv_kv: {net.bus.vn_kv[0]:.1f}, vm_pu: {net.ext_grid.vm_pu[0]:.1f}),')
lines_out.append("    cable_types: {")
for t in used_types:
    p = net.std_types["line"][t]
    lines_out.append(
        f'        "{t}": (r_ohm_per_km: {p["r_ohm_per_km"]!r}, x_ohm_per_km: {p["x_ohm_per_km"]!r}, '
        f'c_nf_per_km: {float(p["c_nf_per_km"])!r}, max_i_ka: {p["max_i_ka"]!r}),'
    )
lines_out.append("    },")
lines_out.append("    feeders: [")
positions = {1: (0.0, 0.0)}
houses = []
n_branches = len(branches)
for b, idxs in sorted(branches.items()):
    angle = 2 * math.pi * (b - 1) / n_branches
    direction = (math.cos(angle), math.sin(angle))
    normal = (-direction[1], direction[0])
    buses = []
    for idx in idxs:
        line = net.line.loc[idx]
        f, t = int(line.from_bus), int(line.to_bus)
        fx, fy = positions[f]
        length_m = float(line.length_km) * 1000.0
        if line["name"].startswith("branchout"):
            positions[t] = (fx + normal[0] * length_m, fy + normal[1] * length_m)
        else:
            positions[t] = (fx + direction[0] * length_m, fy + direction[1] * length_m)
        buses.append(t)
    lines_out.append("        (")
    lines_out.append(f'            name: "Branch {b}",')
    lines_out.append("            buses: [")
    for t in buses:
        x, y = positions[t]
        lines_out.append(f'                (name: "{bus_name(t)}", position_m: ({x:.1f}, {y:.1f})),')
    lines_out.append("            ],")
    lines_out.append("            lines: [")
    for idx in idxs:
        line = net.line.loc[idx]
        lines_out.append(
            f'                (from: "{bus_name(int(line.from_bus))}", to: "{bus_name(int(line.to_bus))}", '
            f'cable: "{line.std_type}", length_m: {float(line.length_km) * 1000.0:.1f}),'
        )
    lines_out.append("            ],")
    lines_out.append("        ),")
lines_out.append("    ],")
lines_out.append("    // One household on every load bus (pandapower's 6 kW loads become 3,500 kWh/a H0 demand).")
lines_out.append("    houses: [")
for _, load in net.load.iterrows():
    bus = int(load.bus)
    x, y = positions[bus]
    name = bus_name(bus).replace("loadbus_", "House ")
    lines_out.append(f'        (name: "{name}", bus: "{bus_name(bus)}", annual_kwh: 3500, position_m: ({x:.1f}, {y:.1f})),')
lines_out.append("    ],")
lines_out.append(")")
out = pathlib.Path(__file__).resolve().parent.parent / "scenes" / "kerber-dorfnetz.scenario.ron"
out.write_text("\n".join(lines_out) + "\n")
print(f"wrote {out}: {len(net.bus)} buses, {len(net.line)} lines, {len(net.load)} houses")
