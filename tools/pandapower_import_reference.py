"""Writes pandapower networks for `microgrid import` and their results.

  python3 tools/pandapower_import_reference.py

For each network of pandapower.networks below, writes
tests/fixtures/pandapower/NAME.json (pandapower.to_json, what a user
imports) and tests/fixtures/pandapower/NAME.result.json: pandapower's
power flow with the network's own loads (runpp, Newton-Raphson, 1e-10
MVA), per bus by the name the importer gives it (the transformer's LV bus
"LV busbar", its HV bus "MV grid", a nameless or doubly named bus
"bus N"): its net load, voltage and angle, and per line its ends,
parameters and loading. tests/it/import.rs compares the import with them. CIGRE LV has
three transformers: the importer refuses it whole and takes one part with
--transformer; its result names the buses of the part behind the first.
Tested with pandapower 3.5.6.
"""
import json
import random
from collections import Counter
from pathlib import Path

import pandapower as pp
import pandapower.networks as pn

from pandapower_3ph_reference import with_microgrid_zero_sequence

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "pandapower"
RUNPP = dict(algorithm="nr", calculate_voltage_angles=True, tolerance_mva=1e-10, trafo_model="t")


def ring(net):
    """Kerber Dorfnetz with a cable between the ends of two branches, open
    at a switch, and a second ring closed: a meshed network with a switch."""
    a = net.bus.index[net.bus.name == "MUF_2_9"][0]
    b = net.bus.index[net.bus.name == "KV_3_16"][0]
    c = net.bus.index[net.bus.name == "MUF_1_9"][0]
    d = net.bus.index[net.bus.name == "KV_2_8"][0]
    closed = pp.create_line(net, c, d, 0.3, "NAYY 4x150 SE", name="ring closed")
    opened = pp.create_line(net, a, b, 0.42, "NAYY 4x150 SE", name="ring open")
    pp.create_switch(net, b, opened, et="l", closed=False)
    pp.create_switch(net, d, closed, et="l", closed=True)
    return net


NETWORKS = {
    "kerber_landnetz_kabel_1": pn.create_kerber_landnetz_kabel_1,
    "kerber_landnetz_freileitung_1": pn.create_kerber_landnetz_freileitung_1,
    "kerber_dorfnetz_ring": lambda: ring(pn.create_kerber_dorfnetz()),
    "dickert_middle_cable_multiple": lambda: pn.create_dickert_lv_network(
        feeders_range="middle", linetype="cable", customer="multiple", case="average"),
    "dickert_long_mixed_multiple": lambda: pn.create_dickert_lv_network(
        feeders_range="long", linetype="C&OHL", customer="multiple", case="average"),
    # Three transformers: refused as a whole, imported one part at a time
    # (--transformer); names here are those of the part behind the first.
    "cigre_lv": pn.create_cigre_network_lv,
}


def names(net):
    count = Counter(n for n in net.bus.name if isinstance(n, str) and n)
    trafo = net.trafo.iloc[0]
    out = {}
    for i, n in zip(net.bus.index, net.bus.name):
        ok = isinstance(n, str) and n and count[n] == 1 and n not in ("LV busbar", "MV grid")
        out[i] = n if ok else f"bus {i}"
    out[int(trafo.lv_bus)] = "LV busbar"
    out[int(trafo.hv_bus)] = "MV grid"
    return out



for name, make in NETWORKS.items():
    # The Kerber networks draw their service cable types from `random`.
    random.seed(0)
    net = make()
    pp.to_json(net, str(OUT / f"{name}.json"))
    pp.runpp(net, **RUNPP)
    bus_name = names(net)
    load = {i: [0.0, 0.0] for i in net.bus.index}
    for r in net.load.itertuples():
        load[r.bus][0] += r.p_mw * r.scaling
        load[r.bus][1] += r.q_mvar * r.scaling
    result = {
        "buses": [{"name": bus_name[i], "p_mw": load[i][0], "q_mvar": load[i][1],
                   "vm_pu": float(net.res_bus.vm_pu[i]), "va_degree": float(net.res_bus.va_degree[i])}
                  for i in net.bus.index],
        "lines": [{"from": bus_name[int(l.from_bus)], "to": bus_name[int(l.to_bus)],
                   "length_km": float(l.length_km), "r_ohm_per_km": float(l.r_ohm_per_km),
                   "x_ohm_per_km": float(l.x_ohm_per_km), "c_nf_per_km": float(l.c_nf_per_km),
                   "max_i_ka": float(l.max_i_ka),
                   "loading_percent": float(net.res_line.loading_percent[i])}
                  for i, l in net.line.iterrows()],
    }
    (OUT / f"{name}.result.json").write_text(json.dumps(result, indent=1))
    print(f"{name}: {len(net.bus)} buses, {len(net.line)} lines, vm {net.res_bus.vm_pu.min():.4f} pu")


def asymmetric():
    """Kerber Dorfnetz with each house's load on one phase (drawn with
    random.Random(3)), a 4 kW single-phase PV array on every fifth house's
    bus, and the zero-sequence data runpp_3ph needs (R0 = X0 = 4x, C0 =
    312.4/690 C, as microgrid derives them; the transformer Dyn, vk0 = vk,
    mag0 1000 %, si0 0.9; the grid 100 MVA)."""
    random.seed(0)
    net = with_microgrid_zero_sequence(pn.create_kerber_dorfnetz())
    draw = random.Random(3)
    loads = net.load.copy()
    net.load.drop(net.load.index, inplace=True)
    for k, r in enumerate(loads.itertuples()):
        phase = "abc"[draw.randrange(3)]
        pp.create_asymmetric_load(net, int(r.bus), name=f"House {k + 1}",
                                  **{f"p_{phase}_mw": r.p_mw, f"q_{phase}_mvar": r.q_mvar})
        if k % 5 == 0:
            pp.create_asymmetric_sgen(net, int(r.bus), name=f"PV {k + 1}",
                                      **{f"p_{'abc'[(k // 5) % 3]}_mw": 0.004})
    return net


net = asymmetric()
pp.to_json(net, str(OUT / "kerber_dorfnetz_asymmetric.json"))
from pandapower.pf.runpp_3ph import runpp_3ph  # noqa: E402
runpp_3ph(net)
assert net.converged and not net.res_bus_3ph.vm_a_pu.isna().any()
bus_name = names(net)
load = {i: [[0.0, 0.0] for _ in range(3)] for i in net.bus.index}
for table, sign in (("asymmetric_load", 1.0), ("asymmetric_sgen", -1.0)):
    for r in net[table].itertuples():
        for k, ph in enumerate("abc"):
            load[r.bus][k][0] += sign * getattr(r, f"p_{ph}_mw")
            load[r.bus][k][1] += sign * getattr(r, f"q_{ph}_mvar")
result = {"buses": [{"name": bus_name[i], "phases": load[i],
                     "vm_pu": [float(net.res_bus_3ph[f"vm_{ph}_pu"][i]) for ph in "abc"],
                     "unbalance_percent": float(net.res_bus_3ph.unbalance_percent[i])}
                    for i in net.bus.index]}
(OUT / "kerber_dorfnetz_asymmetric.result.json").write_text(json.dumps(result, indent=1))
print(f"kerber_dorfnetz_asymmetric: {len(net.asymmetric_load)} asymmetric loads, "
      f"{len(net.asymmetric_sgen)} asymmetric sgen, worst unbalance {net.res_bus_3ph.unbalance_percent.max():.3f} %")
