//! The unbalanced power flow against pandapower's `runpp_3ph` fixtures
//! (tools/pandapower_3ph_reference.py): every phase voltage within 1e-6 pu,
//! the unbalance factor within 1e-4 percentage points, phase and neutral
//! currents within 1e-6 kA.

use crate::common::{built, fixture};
use microgrid::network::SolverOptions;
use microgrid::network::unbalanced::{UnbalancedFlow, UnbalancedModel};
use microgrid::report::PandapowerCase;

/// Angle difference folded into -180..180 degrees.
fn angle(a: f64, b: f64) -> f64 {
    (a - b + 540.0).rem_euclid(360.0) - 180.0
}

/// Largest differences: (phase vm pu, phase va deg, unbalance pp, line and transformer
/// phase currents kA, neutral kA, line and transformer loading pp).
fn compare(flow: &UnbalancedFlow, pp: &PandapowerCase) -> [f64; 6] {
    let mut d = [0.0f64; 6];
    for (b, r) in pp.res_bus_3ph.iter().enumerate() {
        let (vm, va) = (flow.vm_pu(b), flow.va_degree(b));
        for (k, (m, a)) in [
            (r.vm_a_pu, r.va_a_degree),
            (r.vm_b_pu, r.va_b_degree),
            (r.vm_c_pu, r.va_c_degree),
        ]
        .into_iter()
        .enumerate()
        {
            d[0] = d[0].max((vm[k] - m).abs());
            d[1] = d[1].max(angle(va[k], a).abs());
        }
        d[2] = d[2].max((flow.unbalance_percent(b) - r.unbalance_percent).abs());
    }
    for (l, r) in flow.lines.iter().zip(&pp.res_line_3ph) {
        for (ours, theirs) in l
            .i_from_ka
            .iter()
            .zip([r.i_a_from_ka, r.i_b_from_ka, r.i_c_from_ka])
        {
            d[3] = d[3].max((ours - theirs).abs());
        }
        for (ours, theirs) in l
            .i_to_ka
            .iter()
            .zip([r.i_a_to_ka, r.i_b_to_ka, r.i_c_to_ka])
        {
            d[3] = d[3].max((ours - theirs).abs());
        }
        d[4] = d[4]
            .max((l.i_n_from_ka - r.i_n_from_ka).abs())
            .max((l.i_n_to_ka - r.i_n_to_ka).abs());
        d[5] = d[5].max((l.loading_percent - r.loading_percent).abs());
    }
    let t = &pp.res_trafo_3ph[0];
    let tr = &flow.transformer;
    for (ours, theirs) in tr
        .i_from_ka
        .iter()
        .zip([t.i_a_hv_ka, t.i_b_hv_ka, t.i_c_hv_ka])
    {
        d[3] = d[3].max((ours - theirs).abs());
    }
    for (ours, theirs) in tr
        .i_to_ka
        .iter()
        .zip([t.i_a_lv_ka, t.i_b_lv_ka, t.i_c_lv_ka])
    {
        d[3] = d[3].max((ours - theirs).abs());
    }
    for (ours, theirs) in flow.transformer.loading_phase_percent.iter().zip([
        t.loading_a_percent,
        t.loading_b_percent,
        t.loading_c_percent,
    ]) {
        d[5] = d[5].max((ours - theirs).abs());
    }
    d
}

fn check_against(scenario: &str, fixture_name: &str) -> UnbalancedFlow {
    let b = built(scenario);
    let pp = fixture(fixture_name);
    assert!(pp.converged, "runpp_3ph did not converge on {fixture_name}");
    assert_eq!(pp.res_bus_3ph.len(), b.network.buses.len());
    assert_eq!(pp.res_line_3ph.len(), b.network.lines.len());
    // The fixture was made from the scenario's own zero-sequence data.
    for (line, record) in b.network.lines.iter().zip(&pp.line) {
        let (r0, x0, c0) = line.cable.zero_sequence();
        assert!((record.r0_ohm_per_km.expect("r0") - r0).abs() < 1e-9);
        assert!((record.x0_ohm_per_km.expect("x0") - x0).abs() < 1e-9);
        assert!((record.c0_nf_per_km.expect("c0") - c0).abs() < 1e-6);
    }
    let flow = UnbalancedModel::new(&b.network)
        .solve(&pp.phase_consumption_mva(), &SolverOptions::default())
        .expect("converges");
    let [dvm, dva, dvuf, di, dn, dtrafo] = compare(&flow, &pp);
    eprintln!(
        "{fixture_name}: |dvm| {dvm:.1e} pu |dva| {dva:.1e} deg |dVUF| {dvuf:.1e} pp |dI| {di:.1e} kA |dIn| {dn:.1e} kA |dloading| {dtrafo:.1e} pp, {} sweeps",
        flow.iterations
    );
    assert!(
        dvm < 1e-6,
        "{fixture_name}: a phase voltage differs by {dvm} pu"
    );
    assert!(
        dva < 1e-4,
        "{fixture_name}: a phase angle differs by {dva} degrees"
    );
    assert!(
        dvuf < 1e-4,
        "{fixture_name}: unbalance differs by {dvuf} pp"
    );
    assert!(
        di < 1e-6,
        "{fixture_name}: a phase current differs by {di} kA"
    );
    assert!(
        dn < 1e-6,
        "{fixture_name}: a neutral current differs by {dn} kA"
    );
    assert!(
        dtrafo < 1e-3,
        "{fixture_name}: transformer loading differs by {dtrafo} pp"
    );
    flow
}

#[test]
fn default_with_loads_and_pv_spread_over_the_phases_matches_runpp_3ph() {
    check_against("scenes/default.scenario.ron", "default_3ph_spread.json");
}

#[test]
fn default_with_every_pv_on_phase_a_matches_runpp_3ph() {
    let flow = check_against("scenes/default.scenario.ron", "default_3ph_pv_on_a.json");
    // At noon the street's PV all on phase A lifts A and unbalances the far
    // ends past what the spread case shows.
    let spread = fixture("default_3ph_spread.json");
    let worst_spread = spread
        .res_bus_3ph
        .iter()
        .map(|r| r.unbalance_percent)
        .fold(0.0, f64::max);
    let worst = flow.worst_unbalance_percent(0..flow.v_abc.len());
    assert!(
        worst > 2.0 * worst_spread,
        "all PV on A: {worst:.3} %, spread: {worst_spread:.3} %"
    );
}

#[test]
fn kerber_dorfnetz_with_one_phase_per_house_matches_runpp_3ph() {
    let flow = check_against("scenes/kerber-dorfnetz.scenario.ron", "kerber_3ph.json");
    // Single-phase houses drive current in the neutral.
    let neutral = flow.lines.iter().map(|l| l.i_n_from_ka).fold(0.0, f64::max);
    assert!(neutral > 0.01, "largest neutral current {neutral} kA");
}

#[test]
fn a_meshed_network_with_pv_on_phase_a_matches_runpp_3ph() {
    check_against(
        "tests/fixtures/default-ring.scenario.ron",
        "default_ring_3ph_pv_on_a.json",
    );
}

#[test]
fn a_ynyn_transformer_passes_the_zero_sequence_and_matches_runpp_3ph() {
    let flow = check_against(
        "tests/fixtures/default-ynyn.scenario.ron",
        "default_ynyn_3ph_pv_on_a.json",
    );
    // The grid side now carries zero-sequence voltage (a Dyn's delta blocks it).
    assert!(flow.v_012[0][0].norm() > 1e-6, "{:?}", flow.v_012[0]);
}

#[test]
fn the_shipped_per_phase_default_as_powerflow_writes_it_matches_runpp_3ph() {
    // `powerflow --json` put its uneven devices in the asymmetric tables;
    // pandapower solved those tables as they were.
    let flow = check_against(
        "scenes/default-unbalanced.scenario.ron",
        "default_unbalanced_3ph.json",
    );
    let pp = fixture("default_unbalanced_3ph.json");
    assert_eq!(
        pp.asymmetric_load.len(),
        24,
        "every household's load is uneven"
    );
    assert_eq!(pp.asymmetric_sgen.len(), 8, "eight single-phase arrays");
    // Am Windrad's arrays on A, B and C: the weak lane stays near 0.5 %.
    let worst = flow.worst_customer_unbalance_percent();
    assert!((0.3..1.0).contains(&worst), "{worst} %");
}

#[test]
fn the_lanes_three_arrays_on_phase_a_pass_two_percent_as_in_runpp_3ph() {
    // Issue 25's walk as a file: Am Windrad's three single-phase arrays
    // on one phase; the far end of the old overhead line passes EN 50160's
    // 2 % at noon, and pandapower says the same to 1e-6 pu.
    let flow = check_against(
        "tests/fixtures/default-unbalanced-lane-on-a.scenario.ron",
        "default_unbalanced_lane_on_a_3ph.json",
    );
    let worst = flow.worst_customer_unbalance_percent();
    assert!(worst > 2.0, "{worst} %");
    let pp = fixture("default_unbalanced_lane_on_a_3ph.json");
    let theirs = pp
        .res_bus_3ph
        .iter()
        .map(|r| r.unbalance_percent)
        .fold(0.0, f64::max);
    assert!(theirs > 2.0, "runpp_3ph: {theirs} %");
}
