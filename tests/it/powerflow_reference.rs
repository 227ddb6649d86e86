//! The AC power flow against pandapower fixtures (tools/pandapower_reference.py):
//! voltage magnitudes within 1e-4 pu, loadings within 0.1 percentage point.

use num_complex::Complex64;

use crate::common::{built, fixture};
use microgrid::network::{PowerFlow, PowerFlowModel, SolverOptions};
use microgrid::report::PandapowerCase;

/// Per-bus consumption (MVA) from a fixture's load, sgen and storage tables.
fn consumption(case: &PandapowerCase, buses: usize) -> Vec<Complex64> {
    let mut s = vec![Complex64::ZERO; buses];
    for r in case.load.iter().chain(&case.storage) {
        s[r.bus] += Complex64::new(r.p_mw, r.q_mvar);
    }
    for r in &case.sgen {
        s[r.bus] -= Complex64::new(r.p_mw, r.q_mvar);
    }
    s
}

/// Largest differences: (vm pu, va deg, line loading pp, trafo loading pp, grid P MW, line losses MW).
fn compare(flow: &PowerFlow, pp: &PandapowerCase) -> [f64; 6] {
    let max = |it: &mut dyn Iterator<Item = f64>| it.fold(0.0, f64::max);
    [
        max(&mut flow
            .vm_pu
            .iter()
            .zip(&pp.res_bus)
            .map(|(a, b)| (a - b.vm_pu).abs())),
        max(&mut flow
            .va_degree()
            .iter()
            .zip(&pp.res_bus)
            .map(|(a, b)| (a - b.va_degree).abs())),
        max(&mut flow
            .lines
            .iter()
            .zip(&pp.res_line)
            .map(|(a, b)| (a.loading_percent - b.loading_percent).abs())),
        (flow.transformer.loading_percent - pp.res_trafo[0].loading_percent).abs(),
        (flow.ext_grid_p_mw - pp.res_ext_grid[0].p_mw).abs(),
        max(&mut flow
            .lines
            .iter()
            .zip(&pp.res_line)
            .map(|(a, b)| (a.pl_mw - b.pl_mw).abs())),
    ]
}

fn check_against(scenario: &str, fixture_name: &str) -> PowerFlow {
    let b = built(scenario);
    let pp = fixture(fixture_name);
    assert!(
        pp.converged,
        "pandapower did not converge on {fixture_name}"
    );
    assert_eq!(pp.res_bus.len(), b.network.buses.len());
    assert_eq!(pp.res_line.len(), b.network.lines.len());
    let flow = PowerFlowModel::new(&b.network)
        .solve(
            &consumption(&pp, b.network.buses.len()),
            &SolverOptions::default(),
        )
        .expect("converges");
    let [dvm, dva, dline, dtrafo, dp, dpl] = compare(&flow, &pp);
    eprintln!(
        "{fixture_name}: |dvm| {dvm:.1e} pu |dva| {dva:.1e} deg |dloading| {dline:.1e}/{dtrafo:.1e} pp |dP| {dp:.1e} MW, {} sweeps",
        flow.iterations
    );
    assert!(dvm < 1e-4, "{fixture_name}: voltage differs by {dvm} pu");
    assert!(
        dline < 0.1,
        "{fixture_name}: line loading differs by {dline} pp"
    );
    assert!(
        dtrafo < 0.1,
        "{fixture_name}: transformer loading differs by {dtrafo} pp"
    );
    assert!(dva < 0.01, "{fixture_name}: angle differs by {dva} degrees");
    assert!(
        dp < 1e-6,
        "{fixture_name}: grid exchange differs by {dp} MW"
    );
    assert!(dpl < 1e-6, "{fixture_name}: line losses differ by {dpl} MW");
    flow
}

#[test]
fn default_neighbourhood_matches_pandapower() {
    check_against("scenes/default.scenario.ron", "default_midday.json");
}

#[test]
fn default_neighbourhood_evening_matches_pandapower() {
    check_against("scenes/default.scenario.ron", "default_evening.json");
}

#[test]
fn kerber_dorfnetz_matches_pandapower() {
    let flow = check_against(
        "scenes/kerber-dorfnetz.scenario.ron",
        "kerber_dorfnetz.json",
    );
    // 57 houses at 6 kW pull the far ends of the long branches well down.
    assert!(flow.vm_min_pu() < 0.96, "{}", flow.vm_min_pu());
}

#[test]
fn heavily_loaded_feeder_matches_pandapower() {
    let flow = check_against("scenes/default.scenario.ron", "default_heavy.json");
    assert!(
        flow.vm_min_pu() < 0.9,
        "the heavy case should violate the voltage band: {}",
        flow.vm_min_pu()
    );
    assert!(flow.max_line_loading_percent() > 100.0 || flow.transformer.loading_percent > 100.0);
}

#[test]
fn absurd_overload_is_reported_not_a_panic_or_nan() {
    let b = built("scenes/kerber-dorfnetz.scenario.ron");
    let mut s = vec![Complex64::ZERO; b.network.buses.len()];
    for d in &b.devices {
        s[d.bus] += Complex64::new(0.5, 0.1); // 500 kW per house
    }
    let result = PowerFlowModel::new(&b.network).solve(&s, &SolverOptions::default());
    let err = result.expect_err("no solution exists");
    let text = err.to_string();
    assert!(
        text.contains("collapse") || text.contains("convergence"),
        "{text}"
    );
    assert!(!text.contains("NaN"), "{text}");
}

/// The ring cable's flow in a meshed fixture against pandapower's.
fn ring_matches(scenario: &str, fixture_name: &str) {
    let b = built(scenario);
    assert_eq!(
        PowerFlowModel::new(&b.network).loop_count(),
        1,
        "{scenario}"
    );
    let flow = check_against(scenario, fixture_name);
    let pp = fixture(fixture_name);
    // The ring cable is the first of the first feeder's (tools/make_meshed_scenarios.py).
    let ring = b
        .scenario
        .feeders
        .first()
        .and_then(|f| f.lines.first())
        .map(|l| format!("{} - {}", l.from, l.to))
        .expect("a ring cable");
    let k = b
        .network
        .lines
        .iter()
        .position(|l| l.name == ring)
        .expect("built");
    let (ours, theirs) = (flow.lines[k].p_from_mw, pp.res_line[k].p_from_mw);
    eprintln!("{fixture_name}: ring cable {ring} carries {ours:.6} MW, pandapower {theirs:.6} MW");
    assert!(
        ours.abs() > 1e-4,
        "the ring carries next to nothing: {ours} MW"
    );
    assert!((ours - theirs).abs() < 1e-6, "{ours} vs {theirs}");
}

#[test]
fn the_default_with_a_ring_matches_pandapower() {
    ring_matches(
        "tests/fixtures/default-ring.scenario.ron",
        "default_ring_midday.json",
    );
    ring_matches(
        "tests/fixtures/default-ring.scenario.ron",
        "default_ring_heavy.json",
    );
}

#[test]
fn kerber_dorfnetz_with_a_ring_matches_pandapower() {
    ring_matches(
        "tests/fixtures/kerber-ring.scenario.ron",
        "kerber_ring.json",
    );
}

#[test]
fn a_switch_that_opens_the_ring_gives_the_radial_result() {
    let open = built("tests/fixtures/default-ring-open.scenario.ron");
    let radial = built("scenes/default.scenario.ron");
    let model = PowerFlowModel::new(&open.network);
    assert_eq!(model.loop_count(), 0, "the open cable is out of the ring");
    // pandapower, with the switch in its switch table.
    let flow = check_against(
        "tests/fixtures/default-ring-open.scenario.ron",
        "default_ring_open.json",
    );
    assert_eq!(fixture("default_ring_open.json").switch.len(), 1);
    assert_eq!(flow.lines[0].i_ka, 0.0, "the open cable carries nothing");
    // And the default without the cable, at the same demand.
    let pp = fixture("default_ring_open.json");
    let s = consumption(&pp, radial.network.buses.len());
    let without = PowerFlowModel::new(&radial.network)
        .solve(&s, &SolverOptions::default())
        .expect("solves");
    for (a, b) in flow.vm_pu.iter().zip(&without.vm_pu) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    assert!((flow.ext_grid_p_mw - without.ext_grid_p_mw).abs() < 1e-12);
}
