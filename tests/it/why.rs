//! "Why?": each situation is built, then the explanation must name the
//! cause that the simulation's own state shows (the relays' shedding, the
//! outage reserve, the over-frequency curtailment), with its numbers.

use bevy::prelude::*;

use crate::common::{built, with_outages};
use microgrid::physics::frequency::PV_CURTAIL_START_HZ;
use microgrid::run::{RunOptions, parse_price, simulate};
use microgrid::scenario::DeviceKind;
use microgrid::sim::devices::{BatteryState, DeviceIndex, DevicePower};
use microgrid::sim::grid_mode::{GridMode, GridState};
use microgrid::sim::island::{EventKind, EventLog};
use microgrid::sim::metrics::HousePowers;
use microgrid::sim::prices::CurrentPrices;
use microgrid::sim::why::{Subject, explain, shed_stage_of_house, subject_named};

#[test]
fn a_dark_house_is_explained_by_the_shedding_that_darkened_it() {
    // Without vehicle-to-grid the home batteries cannot carry a calm June
    // night (seed 9's).
    let mut b = built("scenes/default.scenario.ron");
    b.scenario.seed = 9;
    for d in &mut b.devices {
        if let DeviceKind::Ev(e) = &mut d.kind {
            e.v2g = false;
        }
    }
    let (mut dark_checked, mut relay_checked, mut served_checked) = (0, 0, 0);
    simulate(
        &b,
        &with_outages(1.0, &["2025-06-21 20:00..2025-06-22 05:00"]),
        |world: &World| {
            let grid = world.resource::<GridState>();
            if grid.mode == GridMode::Connected {
                // On the grid no house is dark and no island is named.
                let said = explain(world, Subject::House(1)).join(" ");
                assert!(!said.contains("Dark") && !said.contains("island"), "{said}");
                return;
            }
            if grid.mode != GridMode::Islanded {
                return;
            }
            let houses = b.scenario.houses.len();
            if grid.stages_shed == 0 {
                let said = explain(world, Subject::House(0)).join(" ");
                assert!(said.contains("the grid failed at 20:00"), "{said}");
                served_checked += 1;
                return;
            }
            // The relays' log: when each stage now in force was last shed, and at what frequency.
            let log = world.resource::<EventLog>();
            for h in (0..houses).filter(|&h| shed_stage_of_house(h) <= grid.stages_shed) {
                let stage = shed_stage_of_house(h);
                let shed = log
                    .0
                    .iter()
                    .rev()
                    .find(|e| {
                        e.kind == EventKind::ShedStage
                            && e.detail.starts_with(&format!("stage {stage} shed"))
                    })
                    .expect("the stage was shed");
                let said = explain(world, Subject::House(h)).join(" ");
                // A black start since brought the island back with every stage shed.
                let black_start = log
                    .0
                    .iter()
                    .rev()
                    .find(|e| e.kind == EventKind::BlackStart)
                    .filter(|e| e.time > shed.time);
                if let Some(start) = black_start {
                    let since = start.time.format("Dark since %H:%M").to_string();
                    assert!(said.starts_with(&since), "{said} / {start:?}");
                    assert!(said.contains("started again"), "{said}");
                    dark_checked += 1;
                    continue;
                }
                let since = shed.time.format("Dark since %H:%M").to_string();
                assert!(said.starts_with(&since), "{said} / {shed:?}");
                assert!(said.contains(&format!("shed stage {stage}")), "{said}");
                if shed.detail.contains("by the controller") {
                    assert!(said.contains("the controller shed"), "{said}");
                } else {
                    let f = shed.detail.split("shed at ").nth(1).map(|t| &t[..5]);
                    let f = f.expect("the relay's frequency");
                    assert!(said.contains(&format!("fell to {f} Hz")), "{said} / {f}");
                    assert!(said.contains("the relays shed"), "{said}");
                    relay_checked += 1;
                }
                dark_checked += 1;
            }
            // A house in a stage still served says so.
            if let Some(h) = (0..houses).find(|&h| shed_stage_of_house(h) > grid.stages_shed) {
                let said = explain(world, Subject::House(h)).join(" ");
                assert!(said.starts_with("Served in the island"), "{said}");
            }
        },
    )
    .expect("runs");
    assert!(dark_checked > 0, "the night should shed");
    assert!(
        relay_checked > 0,
        "the relays should shed before any blackout"
    );
    assert!(served_checked > 0);
}

#[test]
fn a_battery_holding_its_reserve_at_a_high_price_says_so() {
    let b = built("scenes/default.scenario.ron");
    let options = RunOptions {
        strategy: Some(microgrid::scenario::tariff::Strategy::PriceAware),
        price_spikes: vec![parse_price("2025-06-21 17:00..2025-06-21 23:00=2.0").expect("price")],
        ..with_outages(1.0, &[])
    };
    let reserve = b.scenario.controller.outage_reserve;
    let (mut holding, mut in_spike) = (0, 0);
    simulate(&b, &options, |world: &World| {
        let houses = world.resource::<HousePowers>();
        let mut q = world
            .try_query::<(&DeviceIndex, &BatteryState, &DevicePower)>()
            .expect("registered");
        for (i, battery, power) in q.iter(world) {
            let Some(h) = b.devices[i.0].house else {
                continue;
            };
            let net = houses.0[h].net_kw();
            // The physics: the house buys while its battery sits at the reserve.
            let at_reserve = battery.soc_kwh <= reserve * battery.rating.capacity_kwh + 1e-6;
            if !(at_reserve && net > 0.1 && power.p_kw.abs() < 1e-9) {
                continue;
            }
            let said = explain(world, Subject::House(h)).join(" ");
            let price = world.resource::<CurrentPrices>().import_eur_per_kwh;
            assert!(
                said.contains(&format!("buys at {price:.2} EUR/kWh")),
                "{said}"
            );
            in_spike += usize::from(price == 2.0);
            assert!(
                said.contains(&format!(
                    "keeps {:.0} % as a reserve for outages",
                    reserve * 100.0
                )),
                "{said}"
            );
            let only_battery = explain(world, Subject::Device(i.0)).join(" ");
            assert!(
                only_battery.starts_with("Its battery holds its charge"),
                "{only_battery}"
            );
            holding += 1;
        }
    })
    .expect("runs");
    assert!(holding > 0, "some battery should reach its reserve");
    assert!(
        in_spike > 0,
        "and some in the spike, where the house pays 2 EUR/kWh"
    );
}

/// What device `d` gives this step, kW (positive: produces).
fn output_kw(world: &World, d: usize) -> f64 {
    let mut q = world
        .try_query::<(&DeviceIndex, &DevicePower)>()
        .expect("registered");
    q.iter(world)
        .find(|(i, _)| i.0 == d)
        .map_or(0.0, |(_, p)| -p.p_kw)
}

/// Device `pv`'s output at each step, kW (positive: produces).
fn pv_output(b: &microgrid::scenario::Built, outages: &[&str], pv: usize) -> Vec<f64> {
    let mut out = Vec::new();
    simulate(b, &with_outages(1.0, outages), |world: &World| {
        out.push(output_kw(world, pv));
    })
    .expect("runs");
    out
}

#[test]
fn curtailed_pv_is_explained_by_the_island_frequency() {
    let b = built("scenes/default.scenario.ron");
    let pv = b
        .devices
        .iter()
        .position(|d| matches!(d.kind, DeviceKind::Pv(_)))
        .expect("a PV system");
    // What the sun allowed: the same day (same seed, same weather) on the grid.
    let available = pv_output(&b, &[], pv);
    let outage = ["2025-06-21 11:00..2025-06-21 14:00"];
    let mut step = 0;
    let mut curtailed = 0;
    let mut free = 0;
    simulate(&b, &with_outages(1.0, &outage), |world: &World| {
        let grid = world.resource::<GridState>();
        let said = explain(world, Subject::Device(pv)).join(" ");
        let made = output_kw(world, pv);
        let allowed = available[step];
        step += 1;
        if grid.mode == GridMode::Islanded && allowed > 0.5 && made < 0.99 * allowed {
            assert!(grid.f_max_hz > PV_CURTAIL_START_HZ);
            // The share it names is what the panel let through.
            let named: f64 = said
                .strip_prefix("Held back to ")
                .and_then(|t| t.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{said}"));
            let share = 100.0 * made / allowed;
            assert!((named - share).abs() <= 1.0, "{said} / {share:.1} %");
            if grid.resync_pending {
                // The grid is back: the controller holds PV to reach 50 Hz.
                assert!(said.contains("by the controller"), "{said}");
            } else {
                assert!(
                    said.contains(&format!("rose to {:.2} Hz", grid.f_max_hz)),
                    "{said} / {}",
                    grid.f_max_hz
                );
            }
            curtailed += 1;
        } else if grid.mode == GridMode::Islanded && allowed > 0.5 {
            // Not held back: it must not say so.
            assert!(!said.contains("Held back"), "{said} / {made} of {allowed}");
        } else if grid.mode == GridMode::Connected && allowed > 0.5 {
            assert!(said.starts_with(&format!("Making {made:.1} kW")), "{said}");
            free += 1;
        }
    })
    .expect("runs");
    assert!(curtailed > 0, "a sunny island with full batteries curtails");
    assert!(free > 0, "on the grid PV is not held back");
}

#[test]
fn the_command_line_names_its_subject_or_says_what_it_takes() {
    let b = built("scenes/default.scenario.ron");
    let house = b.scenario.houses[3].name.clone();
    assert_eq!(
        subject_named(&b, Some(&house), None, false),
        Ok(Subject::House(3))
    );
    // Bus names may hold a hyphen: W-turbines.
    let l = b
        .network
        .lines
        .iter()
        .position(|l| b.network.buses[l.to_bus].name == "W-turbines")
        .expect("the turbines' cable");
    let from = &b.network.buses[b.network.lines[l].from_bus].name;
    assert_eq!(
        subject_named(&b, None, Some(&format!("W-turbines-{from}")), false),
        Ok(Subject::Line(l))
    );
    assert!(
        subject_named(&b, Some("Nowhere 1"), None, false)
            .expect_err("no such house")
            .contains("no house \"Nowhere 1\"")
    );
    assert!(subject_named(&b, None, Some("L1-W-turbines"), false).is_err());
    assert!(
        subject_named(&b, Some(&house), None, true)
            .expect_err("two subjects")
            .contains("name one thing")
    );
    // The binary: German on request, and a bad name is a clear error.
    let why_at_half_past_nine = |subject: &[&str], more: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_microgrid"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "why",
                "scenes/default.scenario.ron",
                "--at",
                "2025-06-21 21:30",
            ])
            .args(subject)
            .args(more)
            .output()
            .expect("runs")
    };
    let out = why_at_half_past_nine(
        &["--transformer"],
        &[
            "--outage",
            "2025-06-21 18:00..2025-06-21 23:00",
            "--lang",
            "de",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Der Netzschalter ist offen: das Netz ist um 18:00 ausgefallen."),
        "{text}"
    );
    let out = why_at_half_past_nine(&["--house", "Nowhere 1"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no house \"Nowhere 1\""));
}
