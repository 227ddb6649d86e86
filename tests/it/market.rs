//! The local market on the default neighbourhood: money is conserved, each
//! mechanism keeps (or, bill sharing, breaks) its promise, the same seed
//! gives the same trades, sharing goes on in an island, and trades never
//! change the physics.

use std::process::Command;

use crate::common::{built, errors_of, repo};
use microgrid::market::Mechanism;
use microgrid::run::{RunOptions, RunSummary, parse_outage, simulate};
use microgrid::sim::market::Market;

fn options(days: f64, mechanism: Mechanism) -> RunOptions {
    RunOptions {
        market: Some(mechanism),
        ..RunOptions::new((days * 86_400.0) as u64, 60)
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("microgrid-market-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// Runs and checks every interval's trades as it is cleared.
fn run_checking_prices(mechanism: Mechanism, days: f64) -> RunSummary {
    let b = built("scenes/default.scenario.ron");
    let mut seen = 0;
    let summary = simulate(&b, &options(days, mechanism), |world| {
        let market = world.resource::<Market>();
        if market.cleared == seen {
            return;
        }
        seen = market.cleared;
        let last = market.last.as_ref().expect("an interval was cleared");
        for t in &last.trades {
            let p = t.price_eur_per_kwh;
            if last.islanded || mechanism != Mechanism::BillSharing {
                assert!(
                    p >= last.export_eur_per_kwh - 1e-12 && p <= last.import_eur_per_kwh + 1e-12,
                    "{mechanism:?} at {}: {p} outside [{}, {}]",
                    last.start,
                    last.export_eur_per_kwh,
                    last.import_eur_per_kwh
                );
            } else {
                assert_eq!(p, 0.0, "bill sharing prices local kWh at nothing");
            }
            assert!(t.kwh > 0.0 && t.seller != t.buyer);
        }
        // An interval never runs past its boundary: 15 minutes at most.
        assert!((last.end - last.start).num_minutes() <= 15);
    })
    .expect("runs");
    assert!(seen > 0);
    summary
}

#[test]
fn every_mechanism_balances_to_the_cent_and_keeps_its_promise() {
    for mechanism in Mechanism::TRADING {
        let summary = run_checking_prices(mechanism, 2.0);
        let m = summary.market.expect("the market traded");
        let l = &m.ledger;
        assert_eq!(l.intervals, 2 * 96, "{mechanism:?}");
        assert!(l.trades > 100 && l.local_kwh > 10.0, "{mechanism:?}: {l:?}");
        // Every payment has a payer and a payee: the participants' net
        // payments are the supplier's bill plus what the community kept.
        assert!(
            l.balance_eur().abs() < 1e-6,
            "{mechanism:?}: {}",
            l.balance_eur()
        );
        let paid: f64 = l.accounts.iter().map(|a| a.paid_local_eur).sum();
        let earned: f64 = l.accounts.iter().map(|a| a.earned_local_eur).sum();
        assert!((paid - earned).abs() < 1e-9);
        let bought: f64 = l.accounts.iter().map(|a| a.bought_local_kwh).sum();
        assert!((bought - l.local_kwh).abs() < 1e-9);
        // The pro-rata mechanisms leave nothing unmatched on both sides.
        if mechanism != Mechanism::Auction {
            assert!(l.kept_by_community_eur.abs() < 1e-6, "{mechanism:?}");
        }
        let worst = l
            .accounts
            .iter()
            .map(|a| a.savings_eur())
            .fold(f64::INFINITY, f64::min);
        match mechanism {
            // Prices inside [export, import]: no one pays more than alone.
            Mechanism::SupplyDemandRatio | Mechanism::MidMarketRate | Mechanism::Auction => {
                assert!(worst > -1e-9, "{mechanism:?}: someone lost {worst}");
            }
            // The named counterexample: sellers' local kWh earn nothing, so
            // a house that sells more than it buys loses against the baseline.
            _ => {
                let (name, a) = m
                    .participants
                    .iter()
                    .zip(&l.accounts)
                    .min_by(|x, y| x.1.savings_eur().total_cmp(&y.1.savings_eur()))
                    .expect("participants");
                assert!(
                    a.savings_eur() < -0.01 && a.sold_local_kwh > a.bought_local_kwh,
                    "bill sharing: {} {a:?}",
                    name.name
                );
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_trades() {
    let b = built("scenes/default.scenario.ron");
    let run = |seed: u64, name: &str| {
        let path = temp(name);
        let o = RunOptions {
            seed: Some(seed),
            trades: Some(path.clone()),
            ..options(1.0, Mechanism::Auction)
        };
        simulate(&b, &o, |_| {}).expect("runs");
        std::fs::read_to_string(path).expect("trades written")
    };
    let first = run(5, "a.csv");
    assert!(first.lines().count() > 50, "{first}");
    assert!(first.starts_with("interval,seller,buyer,kwh,price_eur_per_kwh,money_eur,"));
    assert_eq!(first, run(5, "b.csv"));
    assert_ne!(first, run(6, "c.csv"));
}

#[test]
fn sharing_goes_on_inside_an_island_at_scarcity_prices() {
    let b = built("scenes/default.scenario.ron");
    let o = RunOptions {
        outages: vec![parse_outage("2025-06-21 19:00..2025-06-21 23:00").expect("valid")],
        ..options(1.0, Mechanism::SupplyDemandRatio)
    };
    let mut island_prices = Vec::new();
    let mut seen = 0;
    let summary = simulate(&b, &o, |world| {
        let market = world.resource::<Market>();
        if market.cleared != seen {
            seen = market.cleared;
            let last = market.last.as_ref().expect("cleared");
            if last.islanded {
                assert!(last.local_kwh() > 0.0, "no sharing at {}", last.start);
                for t in &last.trades {
                    assert_eq!(t.price_eur_per_kwh, last.import_eur_per_kwh);
                }
                island_prices.push(last.import_eur_per_kwh);
            }
        }
    })
    .expect("runs");
    let l = summary.market.expect("traded").ledger;
    assert_eq!(l.island_intervals, 16);
    assert!(l.balance_eur().abs() < 1e-6);
    // Scarcity: 0.20 full to 1.00 empty; the batteries drain through the evening.
    assert!(island_prices.iter().all(|p| (0.2..=1.0).contains(p)));
    assert!(
        island_prices.last() > island_prices.first(),
        "{island_prices:?}"
    );
}

#[test]
fn trades_are_money_and_never_change_the_physics() {
    let b = built("scenes/default.scenario.ron");
    let none = simulate(&b, &options(1.0, Mechanism::None), |_| {}).expect("runs");
    let sdr = simulate(&b, &options(1.0, Mechanism::SupplyDemandRatio), |_| {}).expect("runs");
    assert_eq!(none.totals, sdr.totals);
    assert!(none.market.is_none() && sdr.market.is_some());
}

#[test]
fn a_bad_market_in_a_scenario_is_located() {
    let with = |market: &str| {
        crate::common::SMALL.replacen(
            "    houses: [",
            &format!("    market: {market},\n    houses: ["),
            1,
        )
    };
    let text = with("(mechanism: SupplyDemandRatio, interval_min: 7)");
    let errors = errors_of(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("divide an hour"), "{errors:?}");
    crate::common::assert_located(&errors[0], "test.scenario.ron", &text, "interval_min: 7");
    let errors = errors_of(&with("(mechanism: Barter)"));
    assert!(errors[0].contains("Barter"), "{errors:?}");
    let errors = errors_of(&with("(island_pricing: Fixed(eur_per_kwh: 500.0))"));
    assert!(errors[0].contains("-1 to 100"), "{errors:?}");
    assert!(errors_of(&with("(mechanism: Auction, interval_min: 30)")).is_empty());
}

#[test]
fn the_command_line_writes_trades_and_ledger_or_says_what_is_missing() {
    let (trades, ledger) = (temp("cli-trades.csv"), temp("cli-ledger.csv"));
    let out = Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args(["run", "scenes/default.scenario.ron", "--days", "0.5"])
        .args(["--market", "mmr", "--trades"])
        .arg(&trades)
        .arg("--ledger")
        .arg(&ledger)
        .current_dir(repo(""))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for words in [
        "mid-market rate, 15-min intervals",
        "savings/house    min",
        "Gini",
        "= 0.00 EUR",
    ] {
        assert!(stdout.contains(words), "{words:?} not in {stdout}");
    }
    let ledger = std::fs::read_to_string(ledger).expect("ledger");
    assert_eq!(ledger.lines().count(), 1 + 24 + 2, "{ledger}");
    assert!(ledger.contains("Windrad Nord,shared,"));
    assert!(
        std::fs::read_to_string(trades)
            .expect("trades")
            .lines()
            .count()
            > 10
    );
    // No market in the scenario, none asked for: --trades is refused up front.
    let out = Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args([
            "run",
            "scenes/kerber-dorfnetz.scenario.ron",
            "--trades",
            "x.csv",
        ])
        .current_dir(repo(""))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--market sdr"));
}

#[test]
fn a_trade_across_an_overloaded_cable_is_curtailed_and_reported() {
    // House B at the end of the street gets 60 kWp behind a thin cable
    // (30 A): at noon its surplus runs back over A-B at more than twice the
    // rating, so B's sale to A cannot all be carried.
    let text = crate::common::SMALL
        .replace(
            "    feeders: [",
            "    cable_types: {\"thin\": (r_ohm_per_km: 0.642, x_ohm_per_km: 0.083, c_nf_per_km: 210, max_i_ka: 0.03)},\n    feeders: [",
        )
        .replace(
            "(from: \"A\", to: \"B\", cable: \"NAYY 4x150 SE\"",
            "(from: \"A\", to: \"B\", cable: \"thin\"",
        )
        .replace(", pv: (kwp: 6.0))", ")")
        .replace(
            "annual_kwh: 4000, position_m: (50.0, 5.0))",
            "annual_kwh: 4000, position_m: (50.0, 5.0), pv: (kwp: 60.0))",
        );
    let b = crate::common::build_text(&text, "thin.scenario.ron");
    let summary =
        simulate(&b, &options(1.0 / 24.0, Mechanism::MidMarketRate), |_| {}).expect("runs");
    assert!(summary.totals.max_line_loading_percent > 150.0);
    let l = summary.market.expect("traded").ledger;
    assert!(l.curtailed_trades > 0 && l.curtailed_kwh > 0.0, "{l:?}");
    // What was curtailed went to the grid: still every cent accounted for.
    assert!(l.balance_eur().abs() < 1e-9);
    assert!(l.kept_by_community_eur > 0.0);
}

/// A house's standing order in the auction: asking the grid's import
/// price it sells next to nothing to its neighbours; asking nothing (the
/// feed-in tariff, as clamped) it sells more than with the drawn limits,
/// and an order outside the grid's prices acts at the grid's price.
#[test]
fn a_house_with_an_order_trades_at_its_order() {
    use microgrid::scenario::DateTime;
    use microgrid::scenario::edit::Edit;
    use microgrid::scenario::timed::{Timed, TimedStep};
    let b = built("scenes/default.scenario.ron");
    let house = "Lindenweg 1";
    let sold = |order: Option<(f64, f64)>| {
        let mut options = options(1.0, Mechanism::Auction);
        if let Some((ask, bid)) = order {
            options.script = vec![TimedStep {
                at: DateTime(b.scenario.start.0),
                act: Timed::Edit(Edit::SetOrder {
                    house: house.into(),
                    ask_eur_per_kwh: ask,
                    bid_eur_per_kwh: bid,
                }),
            }];
        }
        let s = simulate(&b, &options, |_| {}).expect("runs");
        assert_eq!(s.script_applied, usize::from(order.is_some()));
        let m = s.market.expect("a market");
        let p = m
            .participants
            .iter()
            .position(|p| p.name == house)
            .expect("trades");
        m.ledger.accounts[p].sold_local_kwh
    };
    let drawn = sold(None);
    let dear = sold(Some((0.5, 0.5)));
    let cheap = sold(Some((0.0, 0.0)));
    let wild = sold(Some((-1.0, 100.0)));
    assert!(drawn > 0.1, "{drawn} kWh sold with drawn limits");
    assert!(
        dear < 0.1 * drawn,
        "asking the import price: {dear} of {drawn} kWh"
    );
    assert!(
        cheap > drawn,
        "asking the feed-in price: {cheap} vs {drawn} kWh"
    );
    assert!(
        (wild - cheap).abs() < 1e-9,
        "below the grid's price acts at it: {wild} vs {cheap}"
    );
}
