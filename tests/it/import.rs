//! `microgrid import` against pandapower (tools/pandapower_import_reference.py):
//! the imported network's tables equal the original's, and its power flow,
//! at the original's own loads, equals pandapower's.

use num_complex::Complex64;
use serde::Deserialize;

use crate::common::repo;
use microgrid::network::{PowerFlowModel, SolverOptions};
use microgrid::scenario::{edit, import};

#[derive(Deserialize)]
struct Result_ {
    buses: Vec<BusResult>,
    lines: Vec<LineResult>,
}

#[derive(Deserialize)]
struct BusResult {
    name: String,
    p_mw: f64,
    q_mvar: f64,
    vm_pu: f64,
    va_degree: f64,
}

#[derive(Deserialize)]
struct LineResult {
    from: String,
    to: String,
    length_km: f64,
    r_ohm_per_km: f64,
    x_ohm_per_km: f64,
    c_nf_per_km: f64,
    max_i_ka: f64,
    loading_percent: f64,
}

fn read(name: &str) -> String {
    std::fs::read_to_string(repo(&format!("tests/fixtures/pandapower/{name}"))).expect("fixture")
}

/// Our line for pandapower's `l`: the same ends and length.
fn line_of(net: &microgrid::network::Network, l: &LineResult) -> Option<usize> {
    net.lines.iter().position(|x| {
        net.buses[x.from_bus].name == l.from
            && net.buses[x.to_bus].name == l.to
            && (x.length_km - l.length_km).abs() < 1e-12
    })
}

/// Imports `name`, checks it as a file, and compares it with pandapower.
fn compare(name: &str) -> (f64, f64) {
    let scenario = import::import(&read(&format!("{name}.json")), name).expect("imports");
    let built = edit::check(&scenario).expect("the import checks as a scenario file");
    let pp: Result_ = serde_json::from_str(&read(&format!("{name}.result.json"))).expect("result");
    let net = &built.network;
    assert_eq!(net.buses.len(), pp.buses.len(), "{name}: buses");
    assert_eq!(net.lines.len(), pp.lines.len(), "{name}: lines");
    // The tables: every line with its ends and parameters.
    for l in &pp.lines {
        let ours = &net.lines
            [line_of(net, l).unwrap_or_else(|| panic!("{name}: no line {} - {}", l.from, l.to))];
        assert_eq!(ours.cable.r_ohm_per_km, l.r_ohm_per_km);
        assert_eq!(ours.cable.x_ohm_per_km, l.x_ohm_per_km);
        assert_eq!(ours.cable.c_nf_per_km, l.c_nf_per_km);
        assert_eq!(ours.cable.max_i_ka, l.max_i_ka);
    }
    // The power flow at pandapower's own loads.
    let mut s = vec![Complex64::ZERO; net.buses.len()];
    for b in &pp.buses {
        let i = net
            .bus_index(&b.name)
            .unwrap_or_else(|| panic!("{name}: no bus {}", b.name));
        s[i] = Complex64::new(b.p_mw, b.q_mvar);
    }
    let flow = PowerFlowModel::new(net)
        .solve(&s, &SolverOptions::default())
        .expect("solves");
    let (mut dvm, mut dva, mut dload) = (0.0f64, 0.0f64, 0.0f64);
    for b in &pp.buses {
        let i = net.bus_index(&b.name).expect("bus");
        dvm = dvm.max((flow.vm_pu[i] - b.vm_pu).abs());
        dva = dva.max((flow.va_degree()[i] - b.va_degree).abs());
    }
    for l in &pp.lines {
        let k = line_of(net, l).expect("line");
        dload = dload.max((flow.lines[k].loading_percent - l.loading_percent).abs());
    }
    eprintln!("{name}: |dvm| {dvm:.1e} pu, |dva| {dva:.1e} deg, |dloading| {dload:.1e} pp");
    assert!(dvm < 1e-4, "{name}: {dvm} pu");
    assert!(dva < 0.01, "{name}: {dva} degrees");
    assert!(dload < 0.1, "{name}: {dload} pp");
    (dvm, dload)
}

#[test]
fn kerber_landnetz_imports_and_solves_as_pandapower_does() {
    compare("kerber_landnetz_kabel_1");
    compare("kerber_landnetz_freileitung_1");
}

#[test]
fn dickert_networks_import_and_solve_as_pandapower_does() {
    compare("dickert_middle_cable_multiple");
    compare("dickert_long_mixed_multiple");
}

#[test]
fn a_meshed_network_with_switches_imports_with_them() {
    compare("kerber_dorfnetz_ring");
    let s = import::import(&read("kerber_dorfnetz_ring.json"), "ring").expect("imports");
    let switches: Vec<_> = s
        .feeders
        .iter()
        .flat_map(|f| &f.lines)
        .filter_map(|l| l.switch)
        .collect();
    use microgrid::scenario::SwitchState::{Closed, Open};
    assert_eq!(switches.len(), 2);
    assert!(switches.contains(&Open) && switches.contains(&Closed));
    let built = edit::check(&s).expect("checks");
    assert_eq!(PowerFlowModel::new(&built.network).loop_count(), 1);
}

#[test]
fn an_imported_network_exported_and_imported_again_is_the_same() {
    // Out through the sandbox's pandapower tables (powerflow --json) and in again.
    let s = import::import(&read("kerber_dorfnetz_ring.json"), "ring").expect("imports");
    let first = edit::check(&s).expect("checks");
    let time = first.scenario.start.0;
    let (_, powers) = microgrid::sim::snapshot::device_powers_at(&first, time);
    let consumption = microgrid::sim::snapshot::bus_consumption_mva(
        first.network.buses.len(),
        first.devices.iter().zip(&powers).map(|(d, p)| (d.bus, *p)),
    );
    let flow = PowerFlowModel::new(&first.network).solve(&consumption, &SolverOptions::default());
    let case = microgrid::report::pandapower_case(&first, time, &powers, &flow);
    let text = serde_json::to_string(&case).expect("JSON");
    let again = import::import(&text, "again").expect("imports again");
    let second = edit::check(&again).expect("checks");
    assert_eq!(
        second.network, first.network,
        "the same buses, cables, switches and transformer"
    );
    assert_eq!(second.house_count(), first.house_count());
    // The houses follow the stated rule: p_mw is the house's peak on the H0 profile.
    let s = import::import(&read("kerber_landnetz_kabel_1.json"), "landnetz").expect("imports");
    let hours = import::h0_full_load_hours();
    assert!(hours > 3000.0 && hours < 8000.0, "{hours}");
    let h = &s.houses[0];
    assert!(
        (h.annual_kwh - (8.0 * hours / 10.0).round() * 10.0).abs() < 1e-9,
        "{}",
        h.annual_kwh
    );
}

#[test]
fn what_cannot_be_imported_is_refused_with_its_reason() {
    let land = read("kerber_landnetz_kabel_1.json");
    for (text, says) in [
        ("not json".to_owned(), "line 1, column 2: this is not JSON"),
        ("{\"a\": 1}".to_owned(), "not a pandapower network"),
        (
            land.replacen("\"trafo\":", "\"trafo_renamed\":", 1),
            "has no \"trafo\" table",
        ),
        (read("cigre_lv.json"), "3 transformers in service"),
    ] {
        let why = import::import(&text, "bad").expect_err("refused");
        assert!(why.contains(says), "{why}");
    }
}

#[test]
fn one_part_of_a_network_with_several_transformers_imports_and_solves_as_pandapower_does() {
    let text = read("cigre_lv.json");
    let why = import::import(&text, "cigre").expect_err("three transformers");
    assert!(why.contains("choose one with --transformer"), "{why}");
    // The residential part, behind the first transformer.
    let s = import::import_with(&text, "cigre", Some("Trafo R0-R1")).expect("imports");
    let built = edit::check(&s).expect("checks");
    let net = &built.network;
    let pp: Result_ = serde_json::from_str(&read("cigre_lv.result.json")).expect("result");
    let mut load = vec![Complex64::ZERO; net.buses.len()];
    for b in &pp.buses {
        if let Some(i) = net.bus_index(&b.name) {
            load[i] = Complex64::new(b.p_mw, b.q_mvar);
        }
    }
    let flow = PowerFlowModel::new(net)
        .solve(&load, &SolverOptions::default())
        .expect("solves");
    // Behind a stiff grid and closed breakers, the part is independent of
    // the other two: its voltages are pandapower's for the whole network.
    let mut compared = 0;
    let mut dvm = 0.0f64;
    for b in &pp.buses {
        if let Some(i) = net.bus_index(&b.name)
            && b.name != "MV grid"
        {
            dvm = dvm.max((flow.vm_pu[i] - b.vm_pu).abs());
            compared += 1;
        }
    }
    eprintln!("cigre_lv residential: {compared} buses, |dvm| {dvm:.1e} pu");
    assert_eq!(compared, net.buses.len() - 1);
    assert!(dvm < 1e-4, "{dvm}");
    assert!(
        flow.vm_min_pu() < 0.95,
        "the residential feeder's end sags: {}",
        flow.vm_min_pu()
    );
}

/// A minimal network in the record form `powerflow --json` writes: grid,
/// transformer, busbar, one cable to a house.
fn minimal() -> serde_json::Value {
    serde_json::json!({
        "bus": [
            {"name": "mv", "vn_kv": 10.0},
            {"name": "lv", "vn_kv": 0.4},
            {"name": "house", "vn_kv": 0.4}
        ],
        "line": [{"name": "l", "std_type": "NAYY 4x150 SE", "from_bus": 1, "to_bus": 2, "length_km": 0.05,
                  "r_ohm_per_km": 0.208, "x_ohm_per_km": 0.08, "c_nf_per_km": 261.0, "max_i_ka": 0.27,
                  "in_service": true}],
        "trafo": [{"name": "t", "std_type": "0.25 MVA 10/0.4 kV", "hv_bus": 0, "lv_bus": 1, "sn_mva": 0.25,
                   "vn_hv_kv": 10.0, "vn_lv_kv": 0.4, "vk_percent": 4.0, "vkr_percent": 1.2, "pfe_kw": 0.6,
                   "i0_percent": 0.24, "shift_degree": 150.0}],
        "ext_grid": [{"bus": 0, "vm_pu": 1.0, "va_degree": 0.0}],
        "load": [{"name": "h", "bus": 2, "p_mw": 0.002, "q_mvar": 0.0}]
    })
}

#[test]
fn every_element_the_sandbox_cannot_model_is_refused_by_name() {
    let ok =
        import::import(&minimal().to_string(), "minimal").expect("the minimal network imports");
    edit::check(&ok).expect("and checks");
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = minimal();
        f(&mut v);
        import::import(&v.to_string(), "bad").expect_err("refused")
    };
    let cases: Vec<(Box<dyn Fn(&mut serde_json::Value)>, &str)> = vec![
        (
            Box::new(|v| v["gen"] = serde_json::json!([{"bus": 2, "p_mw": 0.01}])),
            "voltage-controlled generators",
        ),
        (
            Box::new(|v| v["trafo3w"] = serde_json::json!([{"hv_bus": 0}])),
            "three-winding transformers",
        ),
        (
            Box::new(|v| v["ext_grid"] = serde_json::json!([{"bus": 0}, {"bus": 0}])),
            "2 external grids",
        ),
        (
            Box::new(|v| v["ext_grid"][0]["bus"] = serde_json::json!(1)),
            "not on the transformer's high-voltage bus",
        ),
        (
            Box::new(|v| v["line"][0]["parallel"] = serde_json::json!(2)),
            "parallel cables",
        ),
        (
            Box::new(|v| {
                let t = &mut v["trafo"][0];
                t["tap_pos"] = serde_json::json!(2);
                t["tap_neutral"] = serde_json::json!(0);
                t["tap_step_percent"] = serde_json::json!(2.5);
            }),
            "tap is off its neutral position",
        ),
        (
            Box::new(|v| {
                v["switch"] =
                    serde_json::json!([{"bus": 1, "element": 2, "et": "b", "closed": false}])
            }),
            "open bus-bus switch",
        ),
        (
            Box::new(|v| v["bus"][2]["vn_kv"] = serde_json::json!(0.23)),
            "not the transformer's low voltage",
        ),
        (
            Box::new(|v| v["line"][0]["r_ohm_per_km"] = serde_json::Value::Null),
            "no number in its column \"r_ohm_per_km\"",
        ),
        (
            Box::new(|v| v["load"][0]["bus"] = serde_json::json!(9)),
            "names bus 9, which is not in the bus table",
        ),
        (
            Box::new(|v| v["trafo"][0]["vector_group"] = serde_json::json!("Yzn11")),
            "vector group \"Yzn11\" is not one the sandbox models",
        ),
        (
            Box::new(|v| v["line"][0]["r0_ohm_per_km"] = serde_json::json!(-1.0)),
            "line 0: r0_ohm_per_km",
        ),
        (
            Box::new(|v| v["trafo"][0]["si0_hv_partial"] = serde_json::json!(1.5)),
            "trafo 0: si0_hv_partial",
        ),
    ];
    for (f, says) in cases {
        let why = with(&*f);
        assert!(why.contains(says), "expected \"{says}\": {why}");
    }
}

#[test]
fn zero_sequence_columns_and_the_vector_group_are_imported() {
    let mut v = minimal();
    v["line"][0]["r0_ohm_per_km"] = serde_json::json!(0.9);
    v["line"][0]["x0_ohm_per_km"] = serde_json::json!(0.35);
    // C0 as the sandbox would derive it: left out of the scenario.
    v["line"][0]["c0_nf_per_km"] = serde_json::json!(261.0 * 312.4 / 690.0);
    let t = &mut v["trafo"][0];
    t["vector_group"] = serde_json::json!("YNyn0");
    t["shift_degree"] = serde_json::json!(0.0);
    t["vk0_percent"] = serde_json::json!(3.5);
    t["mag0_percent"] = serde_json::json!(f64::NAN.to_string());
    let scenario = import::import(&v.to_string(), "zero").expect("imports");
    let built = edit::check(&scenario).expect("checks");
    let cable = built.network.lines[0].cable;
    assert_eq!(cable.r0_ohm_per_km, Some(0.9));
    assert_eq!(cable.x0_ohm_per_km, Some(0.35));
    assert_eq!(cable.c0_nf_per_km, None);
    assert!((cable.zero_sequence().2 - 261.0 * 312.4 / 690.0).abs() < 1e-9);
    let tr = built.network.transformer.params;
    assert_eq!(tr.vector_group, microgrid::network::VectorGroup::YNyn);
    assert_eq!(tr.vk0_percent, Some(3.5));
    assert_eq!(
        tr.mag0_percent, None,
        "a text in a number column is no number"
    );
    // And what import wrote reads back the same.
    let text = edit::to_file_text(&built.scenario, "").expect("writes");
    let again = microgrid::scenario::parse(&text, "zero.scenario.ron").expect("parses");
    assert_eq!(again.transformer_types, built.scenario.transformer_types);
    assert_eq!(again.cable_types, built.scenario.cable_types);
}

#[test]
fn what_import_and_save_write_is_within_what_check_reads() {
    // A town of 20,000 houses is fine in its compact generated form; written
    // out house by house it is larger than a scenario file may be.
    let (mut s, text) =
        microgrid::scenario::load(&repo("scenes/town-1000.scenario.ron")).expect("loads");
    let g = s.generated.as_mut().expect("generated");
    g.streets = 800;
    let built = microgrid::scenario::build(&s, "town", &text).expect("builds");
    assert!(built.scenario.generated.is_none(), "written out");
    let e = edit::to_file_text(&built.scenario, "// header\n").expect_err("too large");
    assert!(e.contains("8 MiB") && e.contains("MiB, more than"), "{e}");
    // The 1,000-house town written out is within the limit, and reads back.
    let (s, text) =
        microgrid::scenario::load(&repo("scenes/town-1000.scenario.ron")).expect("loads");
    let built = microgrid::scenario::build(&s, "town", &text).expect("builds");
    let written = edit::to_file_text(&built.scenario, "// header\n").expect("fits");
    assert!(written.len() as u64 <= microgrid::scenario::MAX_FILE_BYTES);
    assert!(written.starts_with("// header\nScenario("));
    microgrid::scenario::parse(&written, "written").expect("reads back");
}

#[derive(Deserialize)]
struct PhaseBus {
    name: String,
    /// (P MW, Q Mvar) per phase, consumer frame.
    phases: [[f64; 2]; 3],
    vm_pu: [f64; 3],
    unbalance_percent: f64,
}

#[derive(Deserialize)]
struct PhaseResult {
    buses: Vec<PhaseBus>,
}

#[test]
fn a_network_with_asymmetric_loads_imports_per_phase_and_solves_as_runpp_3ph_does() {
    use microgrid::network::unbalanced::UnbalancedModel;
    use microgrid::scenario::{Phase, PhaseModel};
    let name = "kerber_dorfnetz_asymmetric";
    let scenario = import::import(&read(&format!("{name}.json")), name).expect("imports");
    assert_eq!(scenario.phases, PhaseModel::Unbalanced);
    // Every house on the one phase its load uses; the PV on its own.
    let single = scenario
        .houses
        .iter()
        .filter(|h| h.annual_kwh > 0.0 && !h.phase.is_three())
        .count();
    assert_eq!(single, 57);
    let pv: Vec<Phase> = scenario
        .houses
        .iter()
        .filter_map(|h| h.pv.map(|p| p.phase))
        .collect();
    assert_eq!(pv.len(), 12);
    assert!(pv.iter().all(|p| !p.is_three()), "{pv:?}");
    let built = edit::check(&scenario).expect("the import checks as a scenario file");
    let pp: PhaseResult =
        serde_json::from_str(&read(&format!("{name}.result.json"))).expect("result");
    let net = &built.network;
    let mut s = vec![[Complex64::ZERO; 3]; net.buses.len()];
    for b in &pp.buses {
        let i = net
            .bus_index(&b.name)
            .unwrap_or_else(|| panic!("no bus {}", b.name));
        s[i] = b.phases.map(|[p, q]| Complex64::new(p, q));
    }
    let flow = UnbalancedModel::new(net)
        .solve(&s, &SolverOptions::default())
        .expect("solves");
    let (mut dvm, mut dvuf) = (0.0f64, 0.0f64);
    for b in &pp.buses {
        let i = net.bus_index(&b.name).expect("bus");
        for (ours, theirs) in flow.vm_pu(i).iter().zip(b.vm_pu) {
            dvm = dvm.max((ours - theirs).abs());
        }
        dvuf = dvuf.max((flow.unbalance_percent(i) - b.unbalance_percent).abs());
    }
    eprintln!("{name}: |dvm| {dvm:.1e} pu per phase, |dVUF| {dvuf:.1e} pp");
    assert!(dvm < 1e-6, "{dvm} pu");
    assert!(dvuf < 1e-4, "{dvuf} pp");
}

/// An asymmetric load on two phases keeps its share on each phase (as
/// runpp_3ph draws it), and a symmetric load beside it draws evenly from
/// the three, not the seeded spread a house of the sandbox gets; both
/// survive the scenario file.
#[test]
fn a_load_on_two_phases_keeps_its_phase_powers_and_a_symmetric_one_draws_evenly() {
    use microgrid::scenario::DeviceKind;
    use serde_json::{Value, json};
    let name = "kerber_dorfnetz_asymmetric";
    let mut net: Value = serde_json::from_str(&read(&format!("{name}.json"))).expect("JSON");
    let table = |net: &Value, t: &str| -> Value {
        serde_json::from_str(net["_object"][t]["_object"].as_str().expect("a table"))
            .expect("the table's JSON")
    };
    let mut asymmetric = table(&net, "asymmetric_load");
    assert_eq!(asymmetric["data"][0][0], "House 1");
    // House 1 draws 6 kW on phase A; 3 kW on B besides.
    asymmetric["data"][0][4] = json!(0.003);
    let mut loads = table(&net, "load");
    loads["index"] = json!([0]);
    loads["data"] = json!([[
        "Shop", 5, 0.009, 0.0, 0.0, 0.0, 0.0, 0.0, null, 1.0, true, "wye"
    ]]);
    net["_object"]["asymmetric_load"]["_object"] = Value::String(asymmetric.to_string());
    net["_object"]["load"]["_object"] = Value::String(loads.to_string());
    let scenario = import::import(&net.to_string(), name).expect("imports");
    let built = edit::check(&scenario).expect("the import checks as a scenario file");
    let again = microgrid::scenario::parse(
        &edit::to_ron(&scenario).expect("writes"),
        "again.scenario.ron",
    )
    .expect("reads back");
    for (house, want) in [
        ("House 1", [2.0 / 3.0, 1.0 / 3.0, 0.0]),
        ("Shop", [1.0 / 3.0; 3]),
    ] {
        let i = scenario
            .houses
            .iter()
            .position(|h| h.name == house)
            .unwrap_or_else(|| panic!("no house {house}"));
        assert!(scenario.houses[i].phase.is_three(), "{house}");
        assert_eq!(again.houses[i].load_shares, scenario.houses[i].load_shares);
        let load = built
            .devices
            .iter()
            .find(|d| d.house == Some(i) && matches!(d.kind, DeviceKind::Household { .. }))
            .expect("its load");
        for (got, want) in load.phases.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{house}: {:?}", load.phases);
        }
    }
    // A share that is not one is refused as any scenario mistake.
    let mut wrong = scenario.clone();
    wrong.houses[0].load_shares = Some([0.5, 0.6, 0.0]);
    let refused = edit::check(&wrong).expect_err("shares over 1");
    assert!(refused.contains("add up to 1"), "{refused}");
}
