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
