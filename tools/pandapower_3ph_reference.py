"""Unbalanced (three-phase) reference fixtures from pandapower's runpp_3ph.

  python3 tools/pandapower_3ph_reference.py case CASE.json OUT.json PATTERN
      Rebuild a case written by `microgrid powerflow --json` (with its
      zero-sequence columns: r0/x0/c0 per km, the transformer's vector group
      and zero-sequence data, the grid's short-circuit data), put its loads
      and PV on the phases as PATTERN says, solve with runpp_3ph, and write
      the fixture: the case's tables with asymmetric_load / asymmetric_sgen,
      and pandapower's res_bus_3ph, res_line_3ph and res_trafo_3ph.
  python3 tools/pandapower_3ph_reference.py kerber OUT.json
      create_kerber_dorfnetz() (seeded as tools/make_kerber_scenario.py),
      each house's 6 kW load on one phase drawn with random.Random(3), with
      the zero-sequence data microgrid gives its cables and transformer.

Patterns (deterministic, by the load's or generator's position in its table):
  spread     load k: half on phase k mod 3, a quarter on each other phase;
             PV k: all on phase k mod 3 (single-phase inverters, rotated).
  pv-on-a    loads as spread; every PV on phase A (the teaching case).
  as-is      the case's own tables: a scenario solved per phase writes its
             uneven devices in asymmetric_load / asymmetric_sgen already.

pandapower's runpp_3ph ignores storage, so batteries and cars go in as
balanced loads; and it ignores a static generator whose `type` is not
"wye" or "delta" (create_sgen leaves it empty), so ours say "wye". Its outer stop is fixed at 3e-8 MVA; a diverged run can
report converged with NaN (issue #3068), so NaN fails here.
Tested with pandapower 3.5.6.
"""
import json
import math
import random
import sys

import pandapower as pp
import pandapower.networks as pn
from pandapower.pf.runpp_3ph import runpp_3ph

# microgrid's defaults (src/network/catalogue.rs): R0 = X0 = 4 x R, X;
# C0 = 312.4/690 x C; vk0 = vk, vkr0 = vkr; mag0 1000 %, mag0_rx 0, si0 0.9;
# the grid (src/network/mod.rs): 100 MVA, R/X 0.1, X0/X 1, R0/X0 0.1.
Z0_RATIO = 4.0
C0_RATIO = 312.4 / 690.0


def net_from_case(case):
    net = pp.create_empty_network(f_hz=case["f_hz"], sn_mva=case["sn_mva"])
    for b in case["bus"]:
        pp.create_bus(net, vn_kv=b["vn_kv"], name=b["name"])
    for l in case["line"]:
        pp.create_line_from_parameters(
            net, l["from_bus"], l["to_bus"], l["length_km"], l["r_ohm_per_km"], l["x_ohm_per_km"],
            l["c_nf_per_km"], l["max_i_ka"], name=l["name"], in_service=l["in_service"],
            r0_ohm_per_km=l["r0_ohm_per_km"], x0_ohm_per_km=l["x0_ohm_per_km"],
            c0_nf_per_km=l["c0_nf_per_km"])
    for sw in case.get("switch", []):
        pp.create_switch(net, sw["bus"], sw["element"], et=sw["et"], closed=sw["closed"])
    for t in case["trafo"]:
        pp.create_transformer_from_parameters(
            net, t["hv_bus"], t["lv_bus"], t["sn_mva"], t["vn_hv_kv"], t["vn_lv_kv"], t["vkr_percent"],
            t["vk_percent"], t["pfe_kw"], t["i0_percent"], shift_degree=t["shift_degree"], name=t["name"],
            vector_group=t["vector_group"], vk0_percent=t["vk0_percent"], vkr0_percent=t["vkr0_percent"],
            mag0_percent=t["mag0_percent"], mag0_rx=t["mag0_rx"], si0_hv_partial=t["si0_hv_partial"])
    for g in case["ext_grid"]:
        pp.create_ext_grid(net, g["bus"], vm_pu=g["vm_pu"], va_degree=g["va_degree"],
                           s_sc_max_mva=g["s_sc_max_mva"], rx_max=g["rx_max"], x0x_max=g["x0x_max"],
                           r0x0_max=g["r0x0_max"])
    return net


def phases(share_on, k):
    """Shares of phases a, b, c: `share_on` on phase k mod 3, the rest split."""
    out = [(1.0 - share_on) / 2.0] * 3
    out[k % 3] = share_on
    return out


def asymmetric(net, table, name, bus, p, q, shares):
    create = pp.create_asymmetric_load if table == "load" else pp.create_asymmetric_sgen
    create(net, bus, name=name,
           p_a_mw=p * shares[0], q_a_mvar=q * shares[0],
           p_b_mw=p * shares[1], q_b_mvar=q * shares[1],
           p_c_mw=p * shares[2], q_c_mvar=q * shares[2])


def place(net, case, pattern):
    if pattern == "as-is":
        for r in case["load"] + case["storage"]:
            pp.create_load(net, r["bus"], r["p_mw"], r["q_mvar"], name=r["name"])
        # create_sgen leaves `type` empty, and runpp_3ph takes only "wye" and
        # "delta" elements: without it a balanced generator is silently left
        # out of the unbalanced solve (pandapower 3.5.6).
        for r in case["sgen"]:
            pp.create_sgen(net, r["bus"], r["p_mw"], r["q_mvar"], name=r["name"], type="wye")
        for table, create in (("asymmetric_load", pp.create_asymmetric_load),
                              ("asymmetric_sgen", pp.create_asymmetric_sgen)):
            for r in case.get(table, []):
                create(net, r["bus"], name=r["name"], **{k: r[k] for k in (
                    "p_a_mw", "q_a_mvar", "p_b_mw", "q_b_mvar", "p_c_mw", "q_c_mvar")})
        return
    for k, r in enumerate(case["load"]):
        asymmetric(net, "load", r["name"], r["bus"], r["p_mw"], r["q_mvar"], phases(0.5, k))
    for r in case["storage"]:
        pp.create_load(net, r["bus"], r["p_mw"], r["q_mvar"], name=r["name"])
    for k, r in enumerate(case["sgen"]):
        shares = [1.0, 0.0, 0.0] if pattern == "pv-on-a" else phases(1.0, k)
        asymmetric(net, "sgen", r["name"], r["bus"], r["p_mw"], r["q_mvar"], shares)


def records(frame, columns):
    out = []
    for row in frame[columns].itertuples(index=False):
        rec = {}
        for c, v in zip(columns, row):
            if c == "in_service":
                rec[c] = bool(v)
            elif c == "bus" or c.endswith("_bus"):
                rec[c] = int(v)
            elif isinstance(v, str):
                rec[c] = v
            else:
                if math.isnan(float(v)):
                    raise SystemExit(f"NaN in column {c}: runpp_3ph diverged")
                rec[c] = float(v)
        out.append(rec)
    return out


def fixture_from_net(net, time):
    runpp_3ph(net)
    if not net.converged:
        raise SystemExit("runpp_3ph did not converge")
    for t in ("load", "sgen", "asymmetric_load", "asymmetric_sgen", "bus", "line", "trafo"):
        net[t]["name"] = net[t]["name"].fillna("")
    line = net.line.copy()
    line["std_type"] = line["std_type"].fillna("")
    trafo = net.trafo.copy()
    trafo["std_type"] = trafo["std_type"].fillna("")
    asym = ["name", "bus", "p_a_mw", "q_a_mvar", "p_b_mw", "q_b_mvar", "p_c_mw", "q_c_mvar"]
    return {
        "time": time,
        "f_hz": float(net.f_hz),
        "sn_mva": float(net.sn_mva),
        "bus": records(net.bus, ["name", "vn_kv"]),
        "line": records(line, ["name", "std_type", "from_bus", "to_bus", "length_km", "r_ohm_per_km",
                               "x_ohm_per_km", "c_nf_per_km", "max_i_ka", "in_service", "r0_ohm_per_km",
                               "x0_ohm_per_km", "c0_nf_per_km"]),
        "trafo": records(trafo, ["name", "std_type", "hv_bus", "lv_bus", "sn_mva", "vn_hv_kv", "vn_lv_kv",
                                 "vk_percent", "vkr_percent", "pfe_kw", "i0_percent", "shift_degree",
                                 "vector_group", "vk0_percent", "vkr0_percent", "mag0_percent", "mag0_rx",
                                 "si0_hv_partial"]),
        "switch": [{"bus": int(r.bus), "element": int(r.element), "et": str(r.et), "closed": bool(r.closed)}
                   for r in net.switch.itertuples(index=False)],
        "ext_grid": records(net.ext_grid, ["bus", "vm_pu", "va_degree", "s_sc_max_mva", "rx_max", "x0x_max",
                                           "r0x0_max"]),
        "load": records(net.load, ["name", "bus", "p_mw", "q_mvar"]),
        "sgen": records(net.sgen, ["name", "bus", "p_mw", "q_mvar"]),
        "storage": [],
        "asymmetric_load": records(net.asymmetric_load, asym),
        "asymmetric_sgen": records(net.asymmetric_sgen, asym),
        "converged": bool(net.converged),
        "iterations": 0,
        "res_bus": [],
        "res_line": [],
        "res_trafo": [],
        "res_ext_grid": [],
        "res_bus_3ph": records(net.res_bus_3ph, ["vm_a_pu", "va_a_degree", "vm_b_pu", "va_b_degree", "vm_c_pu",
                                                 "va_c_degree", "unbalance_percent"]),
        "res_line_3ph": records(net.res_line_3ph, ["i_a_from_ka", "i_b_from_ka", "i_c_from_ka", "i_n_from_ka",
                                                   "i_a_to_ka", "i_b_to_ka", "i_c_to_ka", "i_n_to_ka",
                                                   "loading_percent"]),
        "res_trafo_3ph": records(net.res_trafo_3ph, ["i_a_hv_ka", "i_b_hv_ka", "i_c_hv_ka", "i_a_lv_ka",
                                                     "i_b_lv_ka", "i_c_lv_ka", "loading_a_percent",
                                                     "loading_b_percent", "loading_c_percent",
                                                     "loading_percent"]),
    }


def write(path, fixture):
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    vuf = max(b["unbalance_percent"] for b in fixture["res_bus_3ph"])
    vm = [min(b["vm_a_pu"], b["vm_b_pu"], b["vm_c_pu"]) for b in fixture["res_bus_3ph"]]
    i_n = max(l["i_n_from_ka"] for l in fixture["res_line_3ph"]) * 1000
    print(f"{path}: {len(vm)} buses, lowest phase {min(vm):.4f} pu, worst unbalance {vuf:.3f} %, "
          f"largest neutral current {i_n:.1f} A")


def with_microgrid_zero_sequence(net):
    """Gives a pandapower net the zero-sequence data microgrid derives for
    its cables, transformer and grid when a file gives none (also used by
    tools/pandapower_import_reference.py)."""
    pp.add_zero_impedance_parameters(net)
    net.line["r0_ohm_per_km"] = net.line["r_ohm_per_km"] * Z0_RATIO
    net.line["x0_ohm_per_km"] = net.line["x_ohm_per_km"] * Z0_RATIO
    net.line["c0_nf_per_km"] = net.line["c_nf_per_km"] * C0_RATIO
    net.trafo["vector_group"] = "Dyn"
    net.trafo["vk0_percent"] = net.trafo["vk_percent"]
    net.trafo["vkr0_percent"] = net.trafo["vkr_percent"]
    net.trafo["mag0_percent"] = 1000.0
    net.trafo["mag0_rx"] = 0.0
    net.trafo["si0_hv_partial"] = 0.9
    net.ext_grid["s_sc_max_mva"] = 100.0
    net.ext_grid["rx_max"] = 0.1
    net.ext_grid["x0x_max"] = 1.0
    net.ext_grid["r0x0_max"] = 0.1
    return net


def kerber():
    random.seed(0)  # the service cables' draw, as tools/make_kerber_scenario.py
    net = with_microgrid_zero_sequence(pn.create_kerber_dorfnetz())
    draw = random.Random(3)
    loads = net.load.copy()
    net.load.drop(net.load.index, inplace=True)
    for r in loads.itertuples():
        shares = [0.0, 0.0, 0.0]
        shares[draw.randrange(3)] = 1.0
        asymmetric(net, "load", r.name if isinstance(r.name, str) else "", int(r.bus), r.p_mw, r.q_mvar, shares)
    return net


def main(argv):
    if len(argv) == 4 and argv[0] == "case":
        case = json.load(open(argv[1]))
        net = net_from_case(case)
        place(net, case, argv[3])
        write(argv[2], fixture_from_net(net, case["time"]))
    elif len(argv) == 2 and argv[0] == "kerber":
        write(argv[1], fixture_from_net(kerber(), "pandapower create_kerber_dorfnetz(), one phase per house"))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
