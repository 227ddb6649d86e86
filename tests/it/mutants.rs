//! Scenario mutants through `run`, not only `check`: every number of a
//! scenario that uses every feature (tariff with a peak, strategy, market,
//! island pricing, outages, spikes, a cloud front, a car fleet, batteries,
//! cars, a turbine) is replaced in turn by NaN, infinities, huge, tiny,
//! negative and zero values. A mutant is either refused with a located
//! error, or it runs a day whose summary, step CSV, per-house CSV, events,
//! trades and ledger hold no NaN and no infinity.

use crate::common::errors_of;
use microgrid::market::Mechanism;
use microgrid::run::{RunOptions, simulate, summary_text};
use microgrid::scenario;

/// A small scenario with every feature that takes a number.
const EVERYTHING: &str = r#"Scenario(
    name: "Everything",
    location: (latitude_deg: 52.5, longitude_deg: 13.4, utc_offset_hours: 1.0),
    start: "2025-06-21 00:00",
    seed: 3,
    grid: (transformer: "0.25 MVA 10/0.4 kV", vm_pu: 1.0),
    weather: (mean_wind_m_s: 5.0, wind_reference_height_m: 10.0, shear_exponent: 0.2),
    feeders: [
        (
            name: "Main street",
            buses: [(name: "A", position_m: (20.0, 0.0)), (name: "B", position_m: (60.0, 0.0))],
            lines: [
                (from: "LV busbar", to: "A", cable: "NAYY 4x150 SE", length_m: 50.0),
                (from: "A", to: "B", cable: "NAYY 4x150 SE", length_m: 40.0),
            ],
        ),
    ],
    houses: [
        (name: "House A", bus: "A", annual_kwh: 3500, position_m: (10.0, 5.0), critical_share: 0.3,
         power_factor: 0.97, pv: (kwp: 6.0, tilt_deg: 30.0, azimuth_deg: 180.0),
         battery: (capacity_kwh: 10.0, power_kw: 5.0, efficiency: 0.95)),
        (name: "House B", bus: "B", annual_kwh: 4000, position_m: (50.0, 5.0),
         ev: (battery_kwh: 60.0, charger_kw: 11.0, v2g: true, daily_km: 40.0, kwh_per_km: 0.18)),
    ],
    wind_turbines: [
        (name: "Mill", bus: "B", model: "Bergey Excel 10", hub_height_m: 24.0, position_m: (80.0, 10.0)),
    ],
    events: [
        GridOutage(from: "2025-06-21 18:00", until: "2025-06-21 23:00"),
        PriceSpike(from: "2025-06-21 07:00", until: "2025-06-21 09:00", import_eur_per_kwh: 0.9),
        CloudFront(from: "2025-06-21 11:00", until: "2025-06-21 13:00", cloud_oktas: 7.0),
        EvFleet(from: "2025-06-21 09:00", until: "2025-06-21 17:00", bus: "A", cars: 3,
                battery_kwh: 50.0, charger_kw: 7.4, arrival_soc: 0.4, v2g: true),
    ],
    tariff: (import_eur_per_kwh: 0.38, export_eur_per_kwh: 0.08,
             peak: (from: "17:00", until: "20:00", import_eur_per_kwh: 0.55)),
    controller: (strategy: EconomicIslanding, cheap_eur_per_kwh: 0.2, island_above_eur_per_kwh: 0.6,
                 island_for_hours: 2.0, outage_reserve: 0.3),
    market: (mechanism: SupplyDemandRatio, interval_min: 15,
             island_pricing: Scarcity(full_eur_per_kwh: 0.2, empty_eur_per_kwh: 1.0)),
)
"#;

const BAD_VALUES: [&str; 9] = [
    "NaN", "inf", "-inf", "1e308", "-1e308", "-1.0", "0.0", "1e-300", "1e9",
];

/// Byte ranges of the plain numbers in `text` (not inside strings).
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            in_string = !in_string;
        } else if !in_string
            && c.is_ascii_digit()
            && !bytes[i.saturating_sub(1)].is_ascii_alphanumeric()
        {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            out.push((start, i));
            continue;
        }
        i += 1;
    }
    out
}

/// Whether `text` shows a non-finite number: the word NaN, inf or infinity
/// on its own (not inside another word).
fn has_non_finite(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w.to_ascii_lowercase().as_str(), "nan" | "inf" | "infinity"))
}

#[test]
fn no_mutant_prints_nan_or_infinity() {
    assert_eq!(errors_of(EVERYTHING), Vec::<String>::new());
    let dir = std::env::temp_dir().join(format!("microgrid-mutants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let spots = numbers(EVERYTHING);
    assert!(spots.len() > 45, "{} numbers", spots.len());
    let (mut refused, mut ran) = (0, 0);
    for &(a, b) in &spots {
        for bad in BAD_VALUES {
            let text = format!("{}{bad}{}", &EVERYTHING[..a], &EVERYTHING[b..]);
            let file = "mutant.scenario.ron";
            let built = match scenario::parse(&text, file)
                .map_err(|e| vec![e])
                .and_then(|s| scenario::build(&s, file, &text))
            {
                Ok(built) => built,
                Err(errors) => {
                    for e in &errors {
                        let shown = e.to_string();
                        assert!(shown.starts_with(file), "{shown}");
                        assert!(!shown.trim().is_empty());
                    }
                    refused += 1;
                    continue;
                }
            };
            ran += 1;
            let (csv, trades, ledger) = (dir.join("s.csv"), dir.join("t.csv"), dir.join("l.csv"));
            let (events, houses) = (dir.join("e.csv"), dir.join("h.csv"));
            let options = RunOptions {
                csv: Some(csv.clone()),
                trades: Some(trades.clone()),
                ledger: Some(ledger.clone()),
                events: Some(events.clone()),
                per_house: Some(houses.clone()),
                market: Some(Mechanism::SupplyDemandRatio),
                ..RunOptions::new(86_400, 900)
            };
            let mutant = &text[a.saturating_sub(30)..(a + bad.len() + 10).min(text.len())];
            let summary = simulate(&built, &options, |_| {})
                .unwrap_or_else(|e| panic!("a checked scenario must run ({mutant:?}): {e}"));
            let shown = summary_text(&built, &summary);
            assert!(!has_non_finite(&shown), "{mutant:?} prints:\n{shown}");
            for out in [&csv, &trades, &ledger, &events, &houses] {
                let body = std::fs::read_to_string(out).expect("written");
                // Names are the scenario's own; the numbers must be finite.
                for line in body.lines().skip(1) {
                    for field in line.split(',') {
                        if field.parse::<f64>().is_ok() || field.is_empty() {
                            let v: f64 = field.parse().unwrap_or(0.0);
                            assert!(v.is_finite(), "{mutant:?}: {} has {line}", out.display());
                        } else {
                            assert!(
                                !has_non_finite(field),
                                "{mutant:?}: {} has {line}",
                                out.display()
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "{} mutants of {} numbers: {refused} refused with located errors, {ran} ran clean",
        refused + ran,
        spots.len()
    );
    assert!(refused > 0 && ran > 0);
    std::fs::remove_dir_all(&dir).ok();
}
