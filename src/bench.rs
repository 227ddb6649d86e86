//! `microgrid bench`: power-flow solve time on generated towns or a scenario.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDateTime;

use crate::network::unbalanced::UnbalancedModel;
use crate::network::{PowerFlowModel, SolverOptions};
use crate::scenario::generate::Generated;
use crate::scenario::{self, Built, GridConnection, Location, Scenario, TransformerSpec, Weather};
use crate::sim::snapshot::{bus_consumption_mva, device_powers_at};

/// One row of the bench table.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// Houses in the case.
    pub houses: usize,
    /// Buses in the case.
    pub buses: usize,
    /// Mean time per solve, microseconds.
    pub solve_us: f64,
    /// Sweeps per solve.
    pub iterations: usize,
    /// Cables that close loops (0: radial).
    pub loops: usize,
    /// Mean time per unbalanced (per-phase) solve of the same instant with
    /// each household's load spread 50/25/25 as in a per-phase scenario,
    /// microseconds.
    pub per_phase_us: f64,
    /// Sweeps per unbalanced solve.
    pub per_phase_iterations: usize,
}

/// A generated town of about `houses` houses (streets of up to 25), with a
/// transformer sized at 2 kVA per house so that any size solves. Real towns
/// this large have several substations; this one exists to time the solver.
pub fn generated_town(houses: usize, seed: u64) -> Scenario {
    let per_street = houses.clamp(1, 25);
    let streets = houses.div_ceil(per_street).max(1);
    let sn_mva = (houses as f64 * 0.002).max(0.1);
    let name = format!("{sn_mva} MVA bench transformer");
    let mut transformer_types = BTreeMap::new();
    transformer_types.insert(
        name.clone(),
        TransformerSpec {
            sn_mva,
            vn_hv_kv: 10.0,
            vn_lv_kv: 0.4,
            vk_percent: 6.0,
            vkr_percent: 1.0,
            pfe_kw: sn_mva * 1.6,
            i0_percent: 0.3,
            shift_degree: 150.0,
            vector_group: Default::default(),
            vk0_percent: None,
            vkr0_percent: None,
            mag0_percent: None,
            mag0_rx: None,
            si0_hv_partial: None,
        },
    );
    Scenario {
        phases: Default::default(),
        name: format!("Generated town of {houses} houses"),
        description: String::new(),
        location: Location {
            latitude_deg: 52.52,
            longitude_deg: 13.40,
            utc_offset_hours: 1.0,
        },
        start: scenario::DateTime(bench_time()),
        seed,
        grid: GridConnection {
            transformer: name,
            vm_pu: 1.0,
            mv_kv: None,
            s_sc_mva: None,
            rx: None,
            x0x: None,
            r0x0: None,
            locked: false,
        },
        cable_types: BTreeMap::new(),
        transformer_types,
        weather: Weather::default(),
        ev_charging: Default::default(),
        feeders: Vec::new(),
        houses: Vec::new(),
        wind_turbines: Vec::new(),
        generated: Some(Generated {
            streets: streets as u32,
            houses_per_street: per_street as u32,
            house_spacing_m: 20.0,
            street_cable: "NAYY 4x150 SE".into(),
            service_cable: "NAYY 4x50 SE".into(),
            service_length_m: 15.0,
            annual_kwh: scenario::generate::Range {
                min: 2500.0,
                max: 5000.0,
            },
            pv_share: 0.6,
            pv_kwp: scenario::generate::Range {
                min: 4.0,
                max: 10.0,
            },
            battery_share: 0.3,
            battery: scenario::Battery {
                capacity_kwh: 13.5,
                power_kw: 5.0,
                efficiency: 0.95,
                phase: Default::default(),
                locked: false,
            },
            ev_share: 0.25,
            v2g_share: 0.5,
            wind_turbines: 0,
            wind_model: "Bergey Excel 10".into(),
        }),
        events: Vec::new(),
        tariff: Default::default(),
        controller: Default::default(),
        market: Default::default(),
        locked: false,
        prices: Default::default(),
        budget_eur: None,
    }
}

/// The instant the generated towns are timed at: a winter weekday evening peak.
fn bench_time() -> NaiveDateTime {
    scenario::parse_date_time("2025-01-15 18:00").unwrap_or_default()
}

/// Times the power flow of `built` at `time` over at least `solves` solves
/// (and at least 0.3 s).
pub fn time_solves(built: &Built, time: NaiveDateTime, solves: u32) -> Result<BenchRow, String> {
    let (_, powers) = device_powers_at(built, time);
    let consumption = bus_consumption_mva(
        built.network.buses.len(),
        built.devices.iter().zip(&powers).map(|(d, p)| (d.bus, *p)),
    );
    let model = PowerFlowModel::new(&built.network);
    let options = SolverOptions::default();
    let first = model
        .solve(&consumption, &options)
        .map_err(|e| e.to_string())?;
    let solve_us = mean_us(solves, || {
        let _ = std::hint::black_box(model.solve(std::hint::black_box(&consumption), &options));
    });
    // The same instant per phase: households uneven, the rest as they are.
    let phases = crate::sim::snapshot::bus_phase_consumption_mva(
        built.network.buses.len(),
        built.devices.iter().zip(&powers).map(|(d, p)| {
            let shares = match d.kind {
                crate::scenario::DeviceKind::Household { .. } => {
                    crate::scenario::build::household_phase_shares(built.scenario.seed, &d.name)
                }
                _ => d.phases,
            };
            (d.bus, shares, *p)
        }),
    );
    let per_phase = UnbalancedModel::new(&built.network);
    let first_phase = per_phase
        .solve(&phases, &options)
        .map_err(|e| e.to_string())?;
    let per_phase_us = mean_us(solves, || {
        let _ = std::hint::black_box(per_phase.solve(std::hint::black_box(&phases), &options));
    });
    Ok(BenchRow {
        houses: built.house_count(),
        buses: built.network.buses.len(),
        solve_us,
        iterations: first.iterations,
        loops: model.loop_count(),
        per_phase_us,
        per_phase_iterations: first_phase.iterations,
    })
}

/// Mean microseconds per call of `f` over at least `calls` calls and 0.3 s.
fn mean_us(calls: u32, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut n = 0u32;
    while n < calls.max(1) || started.elapsed().as_secs_f64() < 0.3 {
        f();
        n += 1;
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

fn print_row(row: &BenchRow) {
    outln!(
        "{:>8} {:>8} {:>6} {:>12.1} {:>10} {:>14.1} {:>10} {:>7.2}",
        row.houses,
        row.buses,
        row.loops,
        row.solve_us,
        row.iterations,
        row.per_phase_us,
        row.per_phase_iterations,
        row.per_phase_us / row.solve_us.max(1e-9)
    );
}

/// `town` with rings: a cable between the far ends of each pair of
/// neighbouring streets on the same side of the trunk (40 m apart), up to
/// the cap on loops.
pub fn with_rings(town: &Scenario) -> Scenario {
    let mut s = scenario::generate::expand(town);
    let Some(g) = town.generated.as_ref() else {
        return s;
    };
    let (streets, last) = (g.streets as usize, g.houses_per_street);
    for k in (0..streets.saturating_sub(2)).take(scenario::MAX_LOOPS) {
        let line = scenario::LineSpec {
            from: format!("S{}-{last}", k + 1),
            to: format!("S{}-{last}", k + 3),
            cable: g.street_cable.clone(),
            length_m: 40.0,
            switch: None,
        };
        if let Some(f) = s.feeders.get_mut(k) {
            f.lines.push(line);
        }
    }
    s
}

/// A headless run to time: scenario, days, step, and the market (None: the scenario's).
struct RunCase {
    label: String,
    built: Built,
    days: f64,
    step_s: u32,
    market: Option<crate::market::Mechanism>,
}

/// Times headless runs and prints their table.
fn time_runs(cases: Vec<RunCase>) -> Result<(), String> {
    outln!();
    outln!(
        "{:<44} {:>9} {:>9} {:>15}",
        "run",
        "steps",
        "wall_s",
        "sim_days_per_s"
    );
    for case in cases {
        let options = crate::run::RunOptions {
            progress: true,
            market: case.market,
            ..crate::run::RunOptions::new((case.days * 86_400.0) as u64, case.step_s)
        };
        let summary = crate::run::simulate(&case.built, &options, |_| {})?;
        outln!(
            "{:<44} {:>9} {:>9.2} {:>15.1}",
            case.label,
            summary.steps,
            summary.wall_s,
            case.days / summary.wall_s.max(1e-9)
        );
    }
    Ok(())
}

/// Runs the bench and prints the tables.
pub fn run(file: Option<&Path>, solves: u32) -> ExitCode {
    if cfg!(debug_assertions) {
        eprintln!(
            "note: this is a debug build; for real figures run `cargo run --release -- bench`"
        );
    }
    outln!(
        "{:>8} {:>8} {:>6} {:>12} {:>10} {:>14} {:>10} {:>7}",
        "houses",
        "buses",
        "loops",
        "solve_us",
        "iterations",
        "per_phase_us",
        "phase_iter",
        "ratio"
    );
    let cases: Vec<(Built, NaiveDateTime)> = match file {
        Some(path) => match crate::cli::load_built(path) {
            Ok(b) => {
                let t = b.scenario.start.0;
                vec![(b, t)]
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("error: {e}");
                }
                return ExitCode::from(crate::cli::EXIT_BAD_INPUT);
            }
        },
        None => {
            let mut v = Vec::new();
            // Each town radial, then with rings between its streets' ends.
            let towns = [10, 100, 1_000, 10_000]
                .into_iter()
                .map(|h| (h, generated_town(h, 1)))
                .chain(
                    [100, 1_000, 10_000]
                        .into_iter()
                        .map(|h| (h, with_rings(&generated_town(h, 1)))),
                );
            for (houses, town) in towns {
                match scenario::build(&town, "generated town", "") {
                    Ok(b) => v.push((b, bench_time())),
                    Err(e) => {
                        eprintln!(
                            "error: generated town of {houses} houses: {}",
                            e.first().map(|e| e.to_string()).unwrap_or_default()
                        );
                        return ExitCode::FAILURE;
                    }
                }
            }
            v
        }
    };
    for (built, time) in &cases {
        match time_solves(built, *time, solves) {
            Ok(row) => print_row(&row),
            Err(e) => {
                eprintln!("error: {}: {e}", built.scenario.name);
                return ExitCode::from(crate::cli::EXIT_NO_SOLUTION);
            }
        }
    }
    let runs = match file {
        Some(_) => cases
            .into_iter()
            .map(|(built, _)| RunCase {
                label: format!("{}, 1 day at 1 min", built.scenario.name),
                built,
                days: 1.0,
                step_s: 60,
                market: None,
            })
            .collect(),
        None => {
            let mut runs = Vec::new();
            use crate::market::Mechanism;
            for (path, days, label, market) in [
                (
                    "scenes/default.scenario.ron",
                    365.0,
                    "default, 365 days at 1 min, no market",
                    Mechanism::None,
                ),
                (
                    "scenes/default.scenario.ron",
                    365.0,
                    "default, 365 days at 1 min, SDR market",
                    Mechanism::SupplyDemandRatio,
                ),
                (
                    "scenes/town-1000.scenario.ron",
                    1.0,
                    "town-1000, 1 day at 1 min, no market",
                    Mechanism::None,
                ),
                (
                    "scenes/town-1000.scenario.ron",
                    1.0,
                    "town-1000, 1 day at 1 min, SDR market",
                    Mechanism::SupplyDemandRatio,
                ),
            ] {
                match crate::cli::load_built(Path::new(path)) {
                    Ok(built) => runs.push(RunCase {
                        label: label.into(),
                        built,
                        days,
                        step_s: 60,
                        market: Some(market),
                    }),
                    Err(_) => eprintln!(
                        "note: {path} not found here; run the bench from the repository to time it"
                    ),
                }
            }
            runs
        }
    };
    if let Err(e) = time_runs(runs) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `microgrid bench --class K ...`: classes of K scripted students on
/// loopback, one after another, on `file` or a generated town of 120
/// houses on a June day.
pub fn class(file: Option<&Path>, sizes: &[usize]) -> ExitCode {
    if cfg!(debug_assertions) {
        eprintln!(
            "note: this is a debug build; for real figures run `cargo run --release -- bench --class ...`"
        );
    }
    let built = match file {
        Some(path) => match crate::cli::load_built(path) {
            Ok(b) => b,
            Err(errors) => {
                for e in errors {
                    eprintln!("error: {e}");
                }
                return ExitCode::from(crate::cli::EXIT_BAD_INPUT);
            }
        },
        None => {
            let mut town = generated_town(125, 1);
            town.start = scenario::DateTime(
                scenario::parse_date_time("2025-06-21 06:00").unwrap_or_default(),
            );
            match scenario::build(&town, "generated town", "") {
                Ok(b) => b,
                Err(e) => {
                    eprintln!(
                        "error: {}",
                        e.first().map(|e| e.to_string()).unwrap_or_default()
                    );
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    outln!(
        "{:>8} {:>7} {:>6} {:>9} {:>8} {:>14} {:>13} {:>10} {:>8} {:>8}",
        "students",
        "houses",
        "steps",
        "step_us",
        "wall_s",
        "bytes_per_s",
        "answer_ms_50",
        "answer_ms_95",
        "applied",
        "refused"
    );
    let mut reasons = std::collections::BTreeMap::new();
    for &k in sizes {
        match crate::class::load::measure(&built, k) {
            Ok(f) => {
                for (why, n) in &f.reasons {
                    *reasons.entry(why.clone()).or_insert(0) += n;
                }
                outln!(
                    "{:>8} {:>7} {:>6} {:>9.1} {:>8.1} {:>14.0} {:>13.1} {:>10.1} {:>8} {:>8}",
                    f.students,
                    f.houses,
                    f.steps,
                    f.step_us,
                    f.wall_s,
                    f.bytes_per_s,
                    f.answer_ms_median,
                    f.answer_ms_p95,
                    f.applied,
                    f.refused
                )
            }
            Err(e) => {
                eprintln!("error: a class of {k}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    for (why, n) in reasons {
        outln!("  refused {n}x: {why}");
    }
    ExitCode::SUCCESS
}
