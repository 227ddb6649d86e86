"""Times our power flow against pandapower's runpp and lightsim2grid's
Newton-Raphson on the same networks, in one run.

  python3 tools/time_reference.py [MICROGRID]   (default target/release/microgrid)

For each scenario below: `microgrid powerflow FILE --json` gives the
network and its loads at the scenario's start; pandapower rebuilds it
(tools/pandapower_reference.py) and `runpp` (Newton-Raphson, 1e-10 MVA)
is timed; lightsim2grid's `ac_pf` is timed on the same network from a flat
start that includes the transformer's phase shift, to 1e-10; `microgrid
bench FILE` times ours (mean solve, same instant). Prints a table with the
ratios. Needs pandapower 3.5.6 and lightsim2grid 1.2.

Then per phase: the shipped per-phase scenes and the 1,000-house town
solved per phase (its file with `phases: Unbalanced`, written to a
temporary folder): `microgrid bench FILE` times our balanced and our
per-phase solve of the same instant; pandapower rebuilds the case with its
asymmetric tables (tools/pandapower_3ph_reference.py, "as-is") and times
`runpp` and `runpp_3ph` on it. Prints each tool's per-phase time over its
balanced one.
"""
import json
import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
import pandapower as pp  # noqa: E402
from lightsim2grid.gridmodel import init_from_pandapower  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pandapower_reference import RUNPP, net_from_case  # noqa: E402
import pandapower_3ph_reference as ref3  # noqa: E402
from pandapower.pf.runpp_3ph import runpp_3ph  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MG = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "release" / "microgrid")
CASES = [
    "scenes/default.scenario.ron",
    "scenes/kerber-dorfnetz.scenario.ron",
    "scenes/town-1000.scenario.ron",
    "tests/fixtures/default-ring.scenario.ron",
    "tests/fixtures/kerber-ring.scenario.ron",
]


def mean_time(f, at_least_s):
    f()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < at_least_s or n < 5:
        f()
        n += 1
    return (time.perf_counter() - t0) / n


def ours_of(scenario, solves):
    """`microgrid powerflow --json` of `scenario`, and `microgrid bench`'s row of it."""
    case = json.loads(subprocess.run([MG, "powerflow", scenario, "--json"], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout)
    bench = subprocess.run([MG, "bench", scenario, "--solves", str(solves)], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    return case, bench[1].split()


print(f"{'case':44} {'buses':>6} {'loops':>5} {'ours_us':>9} {'lightsim_us':>12} {'runpp_us':>10} {'x lightsim':>10} {'x runpp':>8}")
for scenario in CASES:
    case, row = ours_of(scenario, 500)
    buses, loops, ours = int(row[1]), int(row[2]), float(row[3])
    net = net_from_case(case)
    pp.runpp(net, **RUNPP)
    runpp = mean_time(lambda: pp.runpp(net, **RUNPP), 2.0) * 1e6
    model = init_from_pandapower(net)
    shift = np.round(net.res_bus.va_degree.values / 30.0) * 30.0
    v0 = np.exp(1j * np.deg2rad(shift))
    v = model.ac_pf(v0.copy(), 20, 1e-10)
    if len(v) == 0:
        raise SystemExit(f"{scenario}: lightsim2grid did not converge")
    err = float(np.abs(np.abs(v) - net.res_bus.vm_pu.values).max())
    ls = mean_time(lambda: model.ac_pf(v0.copy(), 20, 1e-10), 1.0) * 1e6
    print(f"{scenario:44} {buses:>6} {loops:>5} {ours:>9.1f} {ls:>12.1f} {runpp:>10.0f} {ls / ours:>10.1f} {runpp / ours:>8.0f}"
          f"   (lightsim vs pandapower {err:.0e} pu)")


def per_phase_town(folder):
    """town-1000 solved per phase, in `folder`."""
    text = (ROOT / "scenes/town-1000.scenario.ron").read_text()
    text, n = re.subn(r"\n(\s*)grid: \((.*)\),\n", lambda m: m.group(0) + f"{m.group(1)}phases: Unbalanced,\n",
                      text, count=1)
    assert n == 1, "no grid line in town-1000"
    path = Path(folder) / "town-1000-per-phase.scenario.ron"
    path.write_text(text)
    return str(path)


print()
print(f"{'per phase':44} {'buses':>6} {'ours_us':>9} {'ours_3ph_us':>12} {'x':>5} "
      f"{'runpp_us':>10} {'runpp_3ph_us':>13} {'x':>5} {'x runpp_3ph':>11}")
with tempfile.TemporaryDirectory() as folder:
    for scenario in ["scenes/default-unbalanced.scenario.ron",
                     "scenes/kerber-dorfnetz-unbalanced.scenario.ron",
                     per_phase_town(folder)]:
        case, row = ours_of(scenario, 200)
        buses, balanced, per_phase = int(row[1]), float(row[3]), float(row[5])
        net = ref3.net_from_case(case)
        ref3.place(net, case, "as-is")
        pp.runpp(net, **RUNPP)
        runpp = mean_time(lambda: pp.runpp(net, **RUNPP), 2.0) * 1e6
        runpp_3ph(net)
        if not net.converged:
            raise SystemExit(f"{scenario}: runpp_3ph did not converge")
        three = mean_time(lambda: runpp_3ph(net), 2.0) * 1e6
        name = Path(scenario).name if scenario.startswith("/") else scenario
        print(f"{name:44} {buses:>6} {balanced:>9.1f} {per_phase:>12.1f} {per_phase / balanced:>5.2f} "
              f"{runpp:>10.0f} {three:>13.0f} {three / runpp:>5.2f} {three / per_phase:>11.0f}")
