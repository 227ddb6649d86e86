"""Solves power-flow cases in pandapower and writes reference fixtures.

The fixtures use the same JSON shape as `microgrid powerflow --json`
(pandapower's table and column names), with pandapower's results in the
res_* tables, so the Rust tests can read both with one type.

  python3 tools/pandapower_reference.py case CASE.json OUT.json [--scale-loads X]
      Rebuild a case written by `microgrid powerflow --json` in pandapower,
      optionally scale every load, solve, write the fixture.
  python3 tools/pandapower_reference.py kerber OUT.json
      Build create_kerber_dorfnetz() itself (its own 6 kW loads), solve, write.
      Its service cable types are drawn from Python's `random`: seeded with 0 as
      tools/make_kerber_scenario.py does, so both describe the same grid.
  python3 tools/pandapower_reference.py check CASE.json [CASE.json ...]
      Solve each case again and compare with its own results: the largest
      voltage difference (pu) and loading difference (percentage points).

tools/make_fixtures.sh runs the whole set. Tested with pandapower 3.5.6.
"""
import json
import random
import sys

import pandapower as pp
import pandapower.networks as pn

RUNPP = dict(algorithm="nr", calculate_voltage_angles=True, tolerance_mva=1e-10, trafo_model="t")


def net_from_case(case, scale_loads=1.0):
    net = pp.create_empty_network(f_hz=case["f_hz"], sn_mva=case["sn_mva"])
    for b in case["bus"]:
        pp.create_bus(net, vn_kv=b["vn_kv"], name=b["name"])
    for l in case["line"]:
        pp.create_line_from_parameters(
            net, l["from_bus"], l["to_bus"], l["length_km"], l["r_ohm_per_km"], l["x_ohm_per_km"],
            l["c_nf_per_km"], l["max_i_ka"], name=l["name"], in_service=l["in_service"])
    # Line switches (pandapower's switch table, et "l"); an open one cuts
    # the cable off at that bus.
    for sw in case.get("switch", []):
        pp.create_switch(net, sw["bus"], sw["element"], et=sw["et"], closed=sw["closed"])
    for t in case["trafo"]:
        pp.create_transformer_from_parameters(
            net, t["hv_bus"], t["lv_bus"], t["sn_mva"], t["vn_hv_kv"], t["vn_lv_kv"], t["vkr_percent"],
            t["vk_percent"], t["pfe_kw"], t["i0_percent"], shift_degree=t["shift_degree"], name=t["name"])
    for g in case["ext_grid"]:
        pp.create_ext_grid(net, g["bus"], vm_pu=g["vm_pu"], va_degree=g["va_degree"])
    for r in case["load"]:
        pp.create_load(net, r["bus"], r["p_mw"] * scale_loads, r["q_mvar"] * scale_loads, name=r["name"])
    for r in case["sgen"]:
        pp.create_sgen(net, r["bus"], r["p_mw"], r["q_mvar"], name=r["name"])
    for r in case["storage"]:
        pp.create_storage(net, r["bus"], r["p_mw"], 1.0, q_mvar=r["q_mvar"], name=r["name"])
    return net


def records(frame, columns):
    return [{c: (bool(v) if c == "in_service" else (int(v) if c.endswith("bus") else (v if isinstance(v, str) else float(v))))
             for c, v in zip(columns, row)} for row in frame[columns].itertuples(index=False)]


def fixture_from_net(net, time):
    pp.runpp(net, **RUNPP)
    line = net.line.copy()
    line["std_type"] = line["std_type"].fillna("")
    trafo = net.trafo.copy()
    trafo["std_type"] = trafo["std_type"].fillna("")
    for t in ("load", "sgen", "storage"):
        net[t]["name"] = net[t]["name"].fillna("")
    net.bus["name"] = net.bus["name"].fillna("")
    line["name"] = line["name"].fillna("")
    trafo["name"] = trafo["name"].fillna("")
    return {
        "time": time,
        "f_hz": float(net.f_hz),
        "sn_mva": float(net.sn_mva),
        "bus": records(net.bus, ["name", "vn_kv"]),
        "line": records(line, ["name", "std_type", "from_bus", "to_bus", "length_km", "r_ohm_per_km",
                               "x_ohm_per_km", "c_nf_per_km", "max_i_ka", "in_service"]),
        "trafo": records(trafo, ["name", "std_type", "hv_bus", "lv_bus", "sn_mva", "vn_hv_kv", "vn_lv_kv",
                                 "vk_percent", "vkr_percent", "pfe_kw", "i0_percent", "shift_degree"]),
        "switch": [{"bus": int(r.bus), "element": int(r.element), "et": str(r.et), "closed": bool(r.closed)}
                   for r in net.switch.itertuples(index=False)],
        "ext_grid": records(net.ext_grid, ["bus", "vm_pu", "va_degree"]),
        "load": records(net.load, ["name", "bus", "p_mw", "q_mvar"]),
        "sgen": records(net.sgen, ["name", "bus", "p_mw", "q_mvar"]),
        "storage": records(net.storage, ["name", "bus", "p_mw", "q_mvar"]),
        "converged": bool(net.converged),
        "iterations": int(net._ppc["iterations"]) if "iterations" in net._ppc else 0,
        "res_bus": records(net.res_bus, ["vm_pu", "va_degree"]),
        "res_line": records(net.res_line, ["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar", "pl_mw", "i_ka",
                                           "loading_percent"]),
        "res_trafo": records(net.res_trafo, ["p_hv_mw", "q_hv_mvar", "p_lv_mw", "q_lv_mvar", "pl_mw",
                                             "loading_percent"]),
        "res_ext_grid": records(net.res_ext_grid, ["p_mw", "q_mvar"]),
    }


def write(path, fixture):
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    vm = [b["vm_pu"] for b in fixture["res_bus"]]
    ld = max(l["loading_percent"] for l in fixture["res_line"])
    print(f"{path}: {len(vm)} buses, vm {min(vm):.4f}..{max(vm):.4f} pu, max line loading {ld:.1f} %, "
          f"trafo {fixture['res_trafo'][0]['loading_percent']:.1f} %")


def main(argv):
    if len(argv) >= 3 and argv[0] == "case":
        scale = float(argv[argv.index("--scale-loads") + 1]) if "--scale-loads" in argv else 1.0
        case = json.load(open(argv[1]))
        write(argv[2], fixture_from_net(net_from_case(case, scale), case["time"]))
    elif len(argv) == 2 and argv[0] == "kerber":
        # The same draw of service cable types as tools/make_kerber_scenario.py.
        random.seed(0)
        write(argv[1], fixture_from_net(pn.create_kerber_dorfnetz(), "pandapower create_kerber_dorfnetz()"))
    elif len(argv) >= 2 and argv[0] == "check":
        worst = 0.0
        for path in argv[1:]:
            case = json.load(open(path))
            ref = fixture_from_net(net_from_case(case), case["time"])
            dvm = max(abs(a["vm_pu"] - b["vm_pu"]) for a, b in zip(case["res_bus"], ref["res_bus"]))
            dva = max(abs(a["va_degree"] - b["va_degree"]) for a, b in zip(case["res_bus"], ref["res_bus"]))
            dld = max(abs(a["loading_percent"] - b["loading_percent"]) for a, b in zip(case["res_line"], ref["res_line"]))
            dtr = abs(case["res_trafo"][0]["loading_percent"] - ref["res_trafo"][0]["loading_percent"])
            dpg = abs(case["res_ext_grid"][0]["p_mw"] - ref["res_ext_grid"][0]["p_mw"]) * 1000
            print(f"{path}: max |dvm| {dvm:.2e} pu, max |dva| {dva:.2e} deg, max |dloading| line {dld:.2e} "
                  f"trafo {dtr:.2e} pp, |dP grid| {dpg:.2e} kW")
            worst = max(worst, dvm / 1e-4, dld / 0.1, dtr / 0.1)
        print("AGREE within 1e-4 pu and 0.1 pp" if worst <= 1.0 else "DISAGREE")
        return 0 if worst <= 1.0 else 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
