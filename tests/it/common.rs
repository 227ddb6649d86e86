//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use microgrid::report::PandapowerCase;
use microgrid::scenario::{self, Built};
use microgrid::sim::metrics::StepRecord;

/// The `microgrid` binary run with `args` from the repository's folder,
/// as a user runs it.
pub fn microgrid(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args(args)
        .current_dir(repo(""))
        .output()
        .expect("runs")
}

/// A command's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Loads and builds a shipped scenario, failing the test with its errors.
pub fn built(path: &str) -> Built {
    let text = std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    build_text(&text, path)
}

/// Parses and builds scenario text, failing the test with its errors.
pub fn build_text(text: &str, file: &str) -> Built {
    let parsed = scenario::parse(text, file).unwrap_or_else(|e| panic!("{e}"));
    scenario::build(&parsed, file, text).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Reads a pandapower reference fixture.
pub fn fixture(name: &str) -> PandapowerCase {
    let text =
        std::fs::read_to_string(repo(&format!("tests/fixtures/{name}"))).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture parses")
}

/// Parses and builds scenario text, returning the errors as strings.
pub fn errors_of(text: &str) -> Vec<String> {
    let file = "test.scenario.ron";
    match scenario::parse(text, file) {
        Err(e) => vec![e.to_string()],
        Ok(s) => match scenario::build(&s, file, text) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        },
    }
}

/// A small valid scenario to break in tests: two houses on one feeder.
pub const SMALL: &str = r#"Scenario(
    name: "Small",
    location: (latitude_deg: 52.5, longitude_deg: 13.4, utc_offset_hours: 1.0),
    start: "2025-06-21 12:00",
    seed: 7,
    grid: (transformer: "0.25 MVA 10/0.4 kV"),
    feeders: [
        (
            name: "Main street",
            buses: [(name: "A"), (name: "B")],
            lines: [
                (from: "LV busbar", to: "A", cable: "NAYY 4x150 SE", length_m: 50.0),
                (from: "A", to: "B", cable: "NAYY 4x150 SE", length_m: 40.0),
            ],
        ),
    ],
    houses: [
        (name: "House A", bus: "A", annual_kwh: 3500, position_m: (10.0, 5.0), pv: (kwp: 6.0)),
        (name: "House B", bus: "B", annual_kwh: 4000, position_m: (50.0, 5.0)),
    ],
)
"#;

/// Relative mismatch of a step's energy balance: generation + import against
/// demand + charging + losses, over the flows' magnitude. The losses are
/// not the flow's (the sum of its terminal powers, which balances by
/// construction) but [`losses_from_voltages_kw`]'s, from the solved
/// voltages and the cables' and transformer's impedances alone.
pub fn relative_imbalance(world: &bevy::prelude::World) -> f64 {
    let r = world.resource::<StepRecord>();
    let losses_kw = losses_from_voltages_kw(world);
    assert!(
        losses_kw.is_finite(),
        "losses from the voltages: {losses_kw}"
    );
    let supply = r.pv_kw + r.wind_kw + r.grid_import_kw;
    let use_ = r.load_kw + r.ev_kw + r.battery_kw + losses_kw;
    // Magnitudes: cars giving to the island (V2G) make ev_kw negative.
    let scale = [
        r.pv_kw,
        r.wind_kw,
        r.grid_import_kw,
        r.load_kw,
        r.ev_kw,
        r.battery_kw,
        losses_kw,
    ]
    .iter()
    .map(|x| x.abs())
    .sum::<f64>();
    (supply - use_).abs() / scale.max(1e-9)
}

/// The network's active losses in the step just solved, kW, from its bus
/// voltages (per sequence where it is solved per phase) and its branches'
/// impedances: each cable in service 3 |dV_s|^2 R_s / |Z_s|^2 per sequence
/// s (its capacitance takes no active power), and the transformer through
/// pandapower's T model per sequence (half the leakage impedance on each
/// side of the magnetising branch; in the zero sequence a Dyn's delta
/// closes the HV end to earth). Zero when the neighbourhood is dark.
pub fn losses_from_voltages_kw(world: &bevy::prelude::World) -> f64 {
    use microgrid::network::catalogue::VectorGroup;
    use num_complex::Complex64;
    let state = world.resource::<microgrid::sim::network::NetworkState>();
    let net = &world.resource::<microgrid::sim::Neighbourhood>().0.network;
    let Some(flow) = state.solved().filter(|_| !state.dark) else {
        return 0.0;
    };
    // Each bus's zero-, positive- and negative-sequence voltage, pu.
    let v_012: Vec<[Complex64; 3]> = match &state.phases {
        Some(phases) => phases.v_012.clone(),
        None => (0..net.buses.len())
            .map(|b| {
                let v = Complex64::from_polar(flow.vm_pu[b], flow.va_degree()[b].to_radians());
                [Complex64::ZERO, v, Complex64::ZERO]
            })
            .collect(),
    };
    let mut loss_mw = 0.0;
    for l in net.lines.iter().filter(|l| l.in_service()) {
        let (r0, x0, _) = l.cable.zero_sequence();
        let z1 = Complex64::new(l.cable.r_ohm_per_km, l.cable.x_ohm_per_km) * l.length_km;
        let z = [Complex64::new(r0, x0) * l.length_km, z1, z1];
        let kv = net.buses[l.from_bus].vn_kv / 3f64.sqrt();
        for s in 0..3 {
            let dv_kv = (v_012[l.from_bus][s] - v_012[l.to_bus][s]) * kv;
            loss_mw += 3.0 * dv_kv.norm_sqr() * z[s].re / z[s].norm_sqr();
        }
    }
    // A T: the HV end, za, the middle (zm to earth), zb, the LV end; pu.
    let t_loss = |v1: Complex64, v2: Complex64, za: Complex64, zb: Complex64, zm: Complex64| {
        let vm = (v1 / za + v2 / zb) / (za.inv() + zb.inv() + zm.inv());
        let (i1, i2) = ((v1 - vm) / za, (vm - v2) / zb);
        i1.norm_sqr() * za.re + i2.norm_sqr() * zb.re + vm.norm_sqr() * zm.inv().re
    };
    let tr = &net.transformer;
    let t = &tr.params;
    let base_mva = microgrid::network::BASE_MVA;
    let z_k = t.vk_percent / 100.0 * base_mva / t.sn_mva;
    let r_k = t.vkr_percent / 100.0 * base_mva / t.sn_mva;
    let z = Complex64::new(r_k, (z_k * z_k - r_k * r_k).sqrt());
    let (g, y) = (t.pfe_kw * 1e-3, t.i0_percent / 100.0 * t.sn_mva);
    let z_m = (Complex64::new(g, -(y * y - g * g).sqrt()) / base_mva).inv();
    let mut loss_pu = 0.0;
    // The positive sequence seen through the vector group's shift, the negative the other way.
    for (s, turn) in [(1, -1.0), (2, 1.0)] {
        let shift = Complex64::from_polar(1.0, turn * t.shift_degree.to_radians());
        let (v1, v2) = (v_012[tr.hv_bus][s] * shift, v_012[tr.lv_bus][s]);
        loss_pu += t_loss(v1, v2, z / 2.0, z / 2.0, z_m);
    }
    if state.phases.is_some() {
        let z0 = t.zero_sequence();
        let z_sc = z0.vk0_percent / 100.0 * base_mva / t.sn_mva;
        let r_sc = z0.vkr0_percent / 100.0 * base_mva / t.sn_mva;
        let z_short = Complex64::new(r_sc, (z_sc * z_sc - r_sc * r_sc).max(0.0).sqrt());
        let x_m = z_sc * z0.mag0_percent / 100.0 / (z0.mag0_rx * z0.mag0_rx + 1.0).sqrt();
        let zm0 = Complex64::new(x_m * z0.mag0_rx, x_m);
        let (za, zb) = (
            z_short * z0.si0_hv_partial,
            z_short * (1.0 - z0.si0_hv_partial),
        );
        let v1 = match t.vector_group {
            VectorGroup::Dyn => Complex64::ZERO,
            VectorGroup::YNyn => v_012[tr.hv_bus][0],
        };
        loss_pu += t_loss(v1, v_012[tr.lv_bus][0], za, zb, zm0);
    }
    (loss_mw + loss_pu * base_mva) * 1000.0
}

/// The window's controls, history and simulation on `MinimalPlugins`,
/// paused, on a shipped scenario: what the window runs, without rendering.
pub fn window_app(scenario: &str) -> bevy::prelude::App {
    window_app_on(&repo(scenario))
}

/// As [`window_app`], on any scenario file.
pub fn window_app_on(file: &std::path::Path) -> bevy::prelude::App {
    use bevy::prelude::*;
    let built = microgrid::scenario::load_and_build(file)
        .unwrap_or_else(|e| panic!("{} loads: {e:?}", file.display()));
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    let options = microgrid::app::OpenOptions {
        paused: true,
        ..microgrid::app::OpenOptions::new(file.to_path_buf())
    };
    microgrid::app::headless_plugins(&mut app, built, &options);
    app
}

/// A shipped scenario's text with `extra` fields before its closing parenthesis.
pub fn scenario_with(scenario: &str, extra: &str) -> String {
    let text = std::fs::read_to_string(repo(scenario)).expect("scenario");
    let i = text.rfind(')').expect("closing parenthesis");
    format!("{}    {extra}\n{}", &text[..i], &text[i..])
}

/// Queues `action` and carries it out as a frame would, finishing any jump
/// or load at once (the window runs them in slices).
pub fn act(app: &mut bevy::prelude::App, action: microgrid::app::control::action::Action) {
    use microgrid::app::control;
    app.world_mut()
        .resource_mut::<control::queue::PendingActions>()
        .push(action);
    control::queue::apply_actions(app.world_mut());
    control::source::finish_long_work(app.world_mut());
}

/// Runs `n` simulation steps.
pub fn steps(app: &mut bevy::prelude::App, n: usize) {
    for _ in 0..n {
        microgrid::sim::step(app.world_mut());
    }
}

/// A run of `days` at 1-minute steps with these outages ("FROM..UNTIL").
pub fn with_outages(days: f64, outages: &[&str]) -> microgrid::run::RunOptions {
    microgrid::run::RunOptions {
        outages: outages
            .iter()
            .map(|o| microgrid::run::parse_outage(o).expect("valid outage"))
            .collect(),
        ..microgrid::run::RunOptions::new((days * 86_400.0) as u64, 60)
    }
}

/// Asserts that `error` points into `file` at `needle` in `text`: the
/// needle's line, and a column within it (where a value starts or just
/// after it ends, as the parser reports it).
pub fn assert_located(error: &str, file: &str, text: &str, needle: &str) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the file's text"));
    let line = text[..at].matches('\n').count() + 1;
    let first = text[..at]
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.chars().count())
        + 1;
    let last = first + needle.chars().count();
    let prefix = format!("{file}:{line}:");
    let i = error
        .find(&prefix)
        .unwrap_or_else(|| panic!("{error:?} is not located at {file}:{line}"));
    let col: usize = error[i + prefix.len()..]
        .split(':')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{error:?} has no column"));
    assert!(
        (first..=last).contains(&col),
        "{error:?} points at column {col}, not at {needle:?} (columns {first} to {last})"
    );
}

/// The shipped content files of a folder whose names end in `suffix`.
pub fn content_files(folder: &str, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo(folder))
        .expect("content folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no {suffix} in {folder}");
    files
}
