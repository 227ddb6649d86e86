//! `microgrid run`: the neighbourhood through days, headless and as fast as
//! the machine allows, with a step CSV, a per-house CSV and a summary.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use bevy::prelude::*;
use chrono::{Duration, NaiveDateTime};

use crate::files::{AtomicFile, write_atomically};
use crate::market::ledger::Ledger;
use crate::market::{MarketSettings, Mechanism};
use crate::physics::ev::Charging;
use crate::scenario::Built;
use crate::scenario::edit::Edit;
use crate::scenario::timed::{Timed, TimedControl, TimedStep};
use crate::sim::devices::CurrentEnvironment;
use crate::sim::island::{EventLog, LoggedEvent};
use crate::sim::market::{Market, Participant, total_of};
use crate::sim::metrics::{
    EnergyTotals, HousePower, HousePowers, StepRecord, UNBALANCE_LIMIT_PERCENT, VOLTAGE_BAND_PU,
};
use crate::sim::{self, SimClock, SimulationPlugin};

/// Longest run accepted, days.
pub const MAX_DAYS: f64 = 3660.0;
/// Interval of the per-house CSV, seconds.
pub const PER_HOUSE_INTERVAL_S: u32 = 900;

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Simulated time to cover from the scenario's start.
    pub duration_s: u64,
    /// Seconds per step.
    pub step_s: u32,
    /// Seed instead of the scenario's.
    pub seed: Option<u64>,
    /// Charging mode instead of the scenario's.
    pub charging: Option<Charging>,
    /// Step CSV to write.
    pub csv: Option<PathBuf>,
    /// Per-house CSV to write.
    pub per_house: Option<PathBuf>,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Grid outages besides the scenario's timeline.
    pub outages: Vec<(NaiveDateTime, NaiveDateTime)>,
    /// Events log CSV to write.
    pub events: Option<PathBuf>,
    /// Import price spikes besides the scenario's: (from, until, EUR/kWh).
    pub price_spikes: Vec<(NaiveDateTime, NaiveDateTime, f64)>,
    /// Strategy instead of the scenario's.
    pub strategy: Option<crate::scenario::tariff::Strategy>,
    /// Market mechanism instead of the scenario's.
    pub market: Option<Mechanism>,
    /// Market interval instead of the scenario's, minutes.
    pub market_interval_min: Option<u32>,
    /// Trades CSV to write.
    pub trades: Option<PathBuf>,
    /// Per-participant ledger CSV to write.
    pub ledger: Option<PathBuf>,
    /// Edits and controls at simulated times, in time order.
    pub script: Vec<TimedStep>,
}

impl RunOptions {
    /// A run of `duration_s` in steps of `step_s`, everything else as the scenario says.
    pub fn new(duration_s: u64, step_s: u32) -> Self {
        Self {
            duration_s,
            step_s,
            seed: None,
            charging: None,
            csv: None,
            per_house: None,
            progress: false,
            outages: Vec::new(),
            events: None,
            price_spikes: Vec::new(),
            strategy: None,
            market: None,
            market_interval_min: None,
            trades: None,
            ledger: None,
            script: Vec::new(),
        }
    }
}

/// The market's outcome over a run.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketOutcome {
    /// Mechanism, interval and island prices.
    pub settings: MarketSettings,
    /// Houses first, then shared assets.
    pub participants: Vec<Participant>,
    /// The settlement.
    pub ledger: Ledger,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Energy totals and extremes.
    pub totals: EnergyTotals,
    /// First step.
    pub start: NaiveDateTime,
    /// Steps run.
    pub steps: u64,
    /// Seconds per step.
    pub step_s: u32,
    /// Wall-clock seconds the run took.
    pub wall_s: f64,
    /// Breaker operations, shedding, blackouts and black starts, in order.
    pub events: Vec<LoggedEvent>,
    /// The local market, when it traded.
    pub market: Option<MarketOutcome>,
    /// The script's steps carried out.
    pub script_applied: usize,
    /// The script's steps refused: when, what, and why.
    pub script_refused: Vec<(NaiveDateTime, String, String)>,
}

/// Parses a step length: `60`, `30s`, `1min`, `15min`, `1h`.
pub fn parse_step(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let (number, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u32 = number.parse().map_err(|_| {
        format!("\"{text}\" is not a step length; write e.g. 1min, 15min, 30s or 1h")
    })?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" => n,
        "m" | "min" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => {
            return Err(format!(
                "\"{text}\" has an unknown unit; use s, min or h (e.g. 1min)"
            ));
        }
    };
    if !(1..=3600).contains(&seconds) {
        return Err(format!(
            "a step of {seconds} s is outside 1 s to 1 h; choose e.g. 1min"
        ));
    }
    Ok(seconds)
}

/// Seconds from the scenario's start to `until`, or an error a user can act on.
pub fn duration_until(start: NaiveDateTime, until: NaiveDateTime) -> Result<u64, String> {
    let s = (until - start).num_seconds();
    if s <= 0 {
        return Err(format!(
            "--until {} is not after the scenario's start {}; choose a later time",
            until.format("%Y-%m-%d %H:%M"),
            start.format("%Y-%m-%d %H:%M")
        ));
    }
    if s as f64 > MAX_DAYS * 86_400.0 {
        return Err(format!(
            "--until {} is {:.0} days after the scenario's start {}, more than the limit of {MAX_DAYS} days; choose an earlier time",
            until.format("%Y-%m-%d %H:%M"),
            s as f64 / 86_400.0,
            start.format("%Y-%m-%d %H:%M")
        ));
    }
    Ok(s as u64)
}

/// Seconds in `days`, checked.
pub fn duration_days(days: f64) -> Result<u64, String> {
    if !(days > 0.0 && days <= MAX_DAYS) {
        return Err(format!(
            "--days {days} is outside 0 to {MAX_DAYS}; choose e.g. --days 7"
        ));
    }
    Ok((days * 86_400.0).round() as u64)
}

/// Refuses a run that goes beyond the scenario's weather series.
pub fn check_series_covers(built: &Built, duration_s: u64) -> Result<(), String> {
    let spans = built
        .weather_series
        .iter()
        .map(|s| ("weather", s.file.clone(), s.span()))
        .chain(
            built
                .price_series
                .iter()
                .map(|s| ("price", s.file.clone(), s.span())),
        );
    let start = built.scenario.start.0;
    let end = start + Duration::seconds(duration_s as i64);
    for (what, file, (first, last)) in spans {
        if start < first || end > last {
            return Err(format!(
                "the {what} series {file} covers {} to {}, but the run needs {} to {}; shorten the run or extend the series",
                first.format("%Y-%m-%d %H:%M"),
                last.format("%Y-%m-%d %H:%M"),
                start.format("%Y-%m-%d %H:%M"),
                end.format("%Y-%m-%d %H:%M")
            ));
        }
    }
    Ok(())
}

/// Refuses an interval (`--outage`, `--price`) that lies wholly outside
/// the run from `start` for `duration_s`: it would change nothing.
pub fn check_within_run(
    option: &str,
    intervals: &[(NaiveDateTime, NaiveDateTime)],
    start: NaiveDateTime,
    duration_s: u64,
) -> Result<(), String> {
    let end = start + Duration::seconds(duration_s as i64);
    let format = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    match intervals
        .iter()
        .find(|(from, until)| *until <= start || *from >= end)
    {
        Some((from, until)) => Err(format!(
            "{option} {}..{} is outside the run, which goes from {} to {}; it would change nothing, so move it into the run or run longer (--days, --until)",
            format(*from),
            format(*until),
            format(start),
            format(end)
        )),
        None => Ok(()),
    }
}

/// Refuses a run's script steps that cannot run: one after the run's end
/// (it would never play), a student's `Rejoin`, and an edit that adds or
/// takes away a house (a run's per-house outputs keep its houses).
pub fn check_timed_steps(
    steps: &[TimedStep],
    start: NaiveDateTime,
    duration_s: u64,
) -> Result<(), String> {
    let end = start + Duration::seconds(duration_s as i64);
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        if step.at.0 >= end {
            return Err(format!(
                "step {n} at {} is after the run, which ends at {}; run longer (--days, --until) or move it",
                step.at,
                end.format("%Y-%m-%d %H:%M")
            ));
        }
        match &step.act {
            Timed::Control(TimedControl::Rejoin) => {
                return Err(format!(
                    "step {n} at {} is Rejoin, a student's step in a class; a run has no window to close",
                    step.at
                ));
            }
            Timed::Edit(Edit::AddHouse { .. } | Edit::RemoveHouse { .. }) => {
                return Err(format!(
                    "step {n} at {} adds or removes a house; a run keeps its houses (put the house in the scenario file)",
                    step.at
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses market outputs (`--trades`, `--ledger`) without a market.
pub fn check_market_outputs(mechanism: Mechanism, wanted: bool) -> Result<(), String> {
    if wanted && mechanism == Mechanism::None {
        return Err(
            "--trades and --ledger need a market; add e.g. --market sdr (or set one in the scenario)"
                .to_owned(),
        );
    }
    Ok(())
}

/// Header of the step CSV (units in the names).
pub const STEP_CSV_HEADER: &str = "time,pv_kw,wind_kw,load_kw,ev_kw,battery_kw,grid_import_kw,losses_kw,v_min_pu,v_max_pu,max_loading_percent,battery_soc_percent,cloud_oktas,ghi_w_m2,wind_m_s,air_temperature_c,power_flow_ok,islanded,frequency_hz,frequency_min_hz,shed_kw,unserved_kwh,price_eur_per_kwh,cost_eur,unbalance_percent";

fn step_row(
    out: &mut String,
    r: &StepRecord,
    env: &crate::sim::snapshot::Environment,
    step_h: f64,
) {
    out.clear();
    let time = r
        .time
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{time},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.4},{:.5},{:.5},{:.2},{:.2},{:.2},{:.1},{:.2},{:.1},{},{},{:.3},{:.3},{:.3},{:.4},{:.4},{:.5},{:.4}",
        no_negative_zero(r.pv_kw, 3),
        no_negative_zero(r.wind_kw, 3),
        r.load_kw,
        r.ev_kw,
        no_negative_zero(r.battery_kw, 3),
        no_negative_zero(r.grid_import_kw, 3),
        r.losses_kw,
        r.v_min_pu,
        r.v_max_pu,
        r.max_loading_percent,
        r.battery_soc_percent,
        env.cloud_oktas,
        env.ghi_w_m2,
        env.wind_m_s,
        env.air_c,
        u8::from(r.power_flow_ok),
        u8::from(r.islanded),
        r.frequency_hz,
        r.frequency_min_hz,
        no_negative_zero(r.shed_kw, 3),
        no_negative_zero(r.shed_kw * step_h, 4),
        r.price_eur_per_kwh,
        no_negative_zero(r.cost_eur, 5),
        r.unbalance_percent
    );
}

/// Runs `built` headless and writes the requested files. `on_step` sees the
/// world after every step (tests use it to check invariants).
pub fn simulate(
    built: &Built,
    options: &RunOptions,
    mut on_step: impl FnMut(&World),
) -> Result<RunSummary, String> {
    check_series_covers(built, options.duration_s)?;
    let mut plugin = SimulationPlugin::new(built.clone(), options.step_s);
    if let Some(seed) = options.seed {
        plugin = plugin.with_seed(seed);
    }
    if let Some(charging) = options.charging {
        plugin = plugin.with_charging(charging);
    }
    plugin = plugin.with_outages(options.outages.clone());
    if options.strategy.is_some()
        || !options.price_spikes.is_empty()
        || options.market.is_some()
        || options.market_interval_min.is_some()
    {
        let mut changed = built.clone();
        if let Some(mechanism) = options.market {
            changed.scenario.market.mechanism = mechanism;
        }
        if let Some(minutes) = options.market_interval_min {
            changed.scenario.market.interval_min = minutes;
        }
        if let Some(strategy) = options.strategy {
            changed.scenario.controller.strategy = strategy;
        }
        for (from, until, price) in &options.price_spikes {
            changed
                .scenario
                .events
                .push(crate::scenario::TimelineEvent::PriceSpike {
                    from: crate::scenario::DateTime(*from),
                    until: crate::scenario::DateTime(*until),
                    import_eur_per_kwh: *price,
                });
        }
        plugin = plugin.with_built(changed);
    }
    let mut app = App::new();
    app.add_plugins(plugin);
    let steps = options
        .duration_s
        .div_ceil(u64::from(options.step_s))
        .max(1);
    let trading = app.world().resource::<Market>().is_trading();
    check_market_outputs(
        app.world().resource::<Market>().settings.mechanism,
        options.trades.is_some() || options.ledger.is_some(),
    )?;
    let mut files = Vec::new();
    for path in [&options.csv, &options.per_house, &options.trades] {
        match path.as_deref().map(AtomicFile::create).transpose() {
            Ok(f) => files.push(f),
            Err(e) => {
                files.into_iter().flatten().for_each(AtomicFile::abandon);
                return Err(e);
            }
        }
    }
    let [mut csv, mut per_house, mut trades] = [files.remove(0), files.remove(0), files.remove(0)];
    let mut played = Played::default();
    let result = run_steps(
        &mut app,
        built,
        options,
        steps,
        &mut played,
        Outputs {
            csv: csv.as_mut(),
            per_house: per_house.as_mut(),
            trades: trades.as_mut(),
        },
        &mut on_step,
    );
    match result {
        Ok(wall_s) => {
            for f in [csv, per_house, trades].into_iter().flatten() {
                f.finish()?;
            }
            let world = app.world();
            let events = world.resource::<EventLog>().0.clone();
            if let Some(path) = &options.events {
                write_events(path, &events)?;
            }
            let market = world.resource::<Market>();
            let market = trading.then(|| MarketOutcome {
                settings: market.settings.clone(),
                participants: market.participants.clone(),
                ledger: market.ledger.clone(),
            });
            if let (Some(path), Some(m)) = (&options.ledger, &market) {
                write_ledger(path, m)?;
            }
            Ok(RunSummary {
                totals: world.resource::<EnergyTotals>().clone(),
                start: built.scenario.start.0,
                steps,
                step_s: options.step_s,
                wall_s,
                events,
                market,
                script_applied: played.applied,
                script_refused: played.refused,
            })
        }
        Err(e) => {
            for f in [csv, per_house, trades].into_iter().flatten() {
                f.abandon();
            }
            Err(e)
        }
    }
}

/// The files a run writes as it goes.
struct Outputs<'a> {
    csv: Option<&'a mut AtomicFile>,
    per_house: Option<&'a mut AtomicFile>,
    trades: Option<&'a mut AtomicFile>,
}

/// Header of the trades CSV.
pub const TRADES_CSV_HEADER: &str =
    "interval,seller,buyer,kwh,price_eur_per_kwh,money_eur,curtailed_kwh";

/// Writes the trades of the interval cleared last.
fn write_trades(out: &mut impl Write, market: &Market) -> std::io::Result<()> {
    let Some(interval) = &market.last else {
        return Ok(());
    };
    let when = interval.start.format("%Y-%m-%d %H:%M");
    for t in &interval.trades {
        writeln!(
            out,
            "{when},{},{},{:.4},{:.4},{:.4},{:.4}",
            csv_text(&market.participants[t.seller].name),
            csv_text(&market.participants[t.buyer].name),
            t.kwh,
            t.price_eur_per_kwh,
            t.money_eur(),
            t.curtailed_kwh
        )?;
    }
    Ok(())
}

/// Header of the ledger CSV.
pub const LEDGER_CSV_HEADER: &str = "participant,kind,bought_local_kwh,sold_local_kwh,paid_local_eur,earned_local_eur,bought_grid_kwh,sold_grid_kwh,paid_grid_eur,earned_grid_eur,loss_charge_eur,net_cost_eur,baseline_eur,savings_eur";

/// Writes each participant's account over the run.
fn write_ledger(path: &Path, market: &MarketOutcome) -> Result<(), String> {
    let mut body = format!("{LEDGER_CSV_HEADER}\n");
    for (p, a) in market.participants.iter().zip(&market.ledger.accounts) {
        let _ = writeln!(
            body,
            "{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4}",
            csv_text(&p.name),
            if p.house.is_some() { "house" } else { "shared" },
            a.bought_local_kwh,
            a.sold_local_kwh,
            a.paid_local_eur,
            a.earned_local_eur,
            a.bought_grid_kwh,
            a.sold_grid_kwh,
            a.paid_grid_eur,
            a.earned_grid_eur,
            no_negative_zero(a.loss_charge_eur, 4),
            no_negative_zero(a.net_cost_eur(), 4),
            no_negative_zero(a.baseline_eur, 4),
            no_negative_zero(a.savings_eur(), 4)
        );
    }
    write_atomically(path, body.as_bytes())
}

/// What a run's script did.
#[derive(Debug, Default)]
struct Played {
    /// Steps carried out, and the next step's index.
    applied: usize,
    next: usize,
    /// Steps refused: when, what, why.
    refused: Vec<(NaiveDateTime, String, String)>,
}

/// Carries out the script's steps due by the step about to run.
fn play_due(world: &mut World, script: &[TimedStep], played: &mut Played) {
    let now = world.resource::<SimClock>().now();
    while let Some(step) = script.get(played.next).filter(|s| s.at.0 <= now) {
        played.next += 1;
        match crate::sim::timed::apply(world, &step.act) {
            Ok(()) => played.applied += 1,
            Err(why) => {
                let what = match &step.act {
                    Timed::Edit(e) => e.to_do(),
                    Timed::Control(c) => format!("{c:?}"),
                };
                eprintln!("script: {}: refused to {what}: {why}", step.at);
                played.refused.push((step.at.0, what, why));
            }
        }
    }
}

fn run_steps(
    app: &mut App,
    built: &Built,
    options: &RunOptions,
    steps: u64,
    played: &mut Played,
    outputs: Outputs,
    on_step: &mut impl FnMut(&World),
) -> Result<f64, String> {
    let Outputs {
        mut csv,
        mut per_house,
        mut trades,
    } = outputs;
    let io = |e: std::io::Error| format!("cannot write the output: {e}");
    if let Some(f) = csv.as_deref_mut() {
        writeln!(f.out, "{STEP_CSV_HEADER}").map_err(io)?;
    }
    let per_house_every = (PER_HOUSE_INTERVAL_S / options.step_s).max(1);
    if let Some(f) = per_house.as_deref_mut() {
        writeln!(f.out, "interval_start,house,load_kw,pv_kw,battery_kw,ev_kw,net_import_kw,import_kwh,export_kwh").map_err(io)?;
    }
    let mut house_sums = vec![HousePower::default(); built.house_count()];
    let mut interval_start = built.scenario.start.0;
    let mut in_interval = 0u32;
    let bar = progress_bar(options.progress, steps);
    let started = Instant::now();
    let mut row = String::with_capacity(256);
    if let Some(f) = trades.as_deref_mut() {
        writeln!(f.out, "{TRADES_CSV_HEADER}").map_err(io)?;
    }
    let mut cleared = 0;
    // The step schedule is taken out of the world once for the whole run,
    // not once a step (4 % of a year).
    let world = app.world_mut();
    world.schedule_scope(sim::SimulationStep, |world, schedule| {
        for i in 0..steps {
            play_due(world, &options.script, played);
            sim::step_with(world, schedule);
            if i + 1 == steps {
                sim::market::close_open_interval(world);
            }
            let world: &World = world;
            on_step(world);
            let market = world.resource::<Market>();
            if market.cleared != cleared {
                cleared = market.cleared;
                if let Some(f) = trades.as_deref_mut() {
                    write_trades(&mut f.out, market).map_err(io)?;
                }
            }
            if let Some(f) = csv.as_deref_mut() {
                step_row(
                    &mut row,
                    world.resource::<StepRecord>(),
                    &world.resource::<CurrentEnvironment>().0,
                    f64::from(options.step_s) / 3600.0,
                );
                f.out.write_all(row.as_bytes()).map_err(io)?;
            }
            if let Some(f) = per_house.as_deref_mut() {
                for (sum, h) in house_sums
                    .iter_mut()
                    .zip(&world.resource::<HousePowers>().0)
                {
                    sum.load_kw += h.load_kw;
                    sum.pv_kw += h.pv_kw;
                    sum.battery_kw += h.battery_kw;
                    sum.ev_kw += h.ev_kw;
                }
                in_interval += 1;
                if in_interval == per_house_every || i + 1 == steps {
                    let n = f64::from(in_interval);
                    let energy = &world.resource::<EnergyTotals>().houses;
                    for (h, (sum, e)) in house_sums.iter_mut().zip(energy).enumerate() {
                        let name = csv_text(&built.scenario.houses[h].name);
                        let mean = HousePower {
                            load_kw: sum.load_kw / n,
                            pv_kw: sum.pv_kw / n,
                            battery_kw: sum.battery_kw / n,
                            ev_kw: sum.ev_kw / n,
                        };
                        writeln!(
                            f.out,
                            "{},{name},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3}",
                            interval_start.format("%Y-%m-%d %H:%M"),
                            no_negative_zero(mean.load_kw, 3),
                            no_negative_zero(mean.pv_kw, 3),
                            no_negative_zero(mean.battery_kw, 3),
                            no_negative_zero(mean.ev_kw, 3),
                            no_negative_zero(mean.net_kw(), 3),
                            e.import_kwh,
                            e.export_kwh
                        )
                        .map_err(io)?;
                        *sum = HousePower::default();
                    }
                    in_interval = 0;
                    interval_start = world.resource::<SimClock>().now();
                }
            }
            if i % 512 == 0 {
                bar.set_position(i);
            }
        }
        Ok::<(), String>(())
    })?;
    bar.finish_and_clear();
    Ok(started.elapsed().as_secs_f64())
}

fn progress_bar(wanted: bool, steps: u64) -> indicatif::ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(steps);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}%  step {pos}/{len}  {elapsed} elapsed, {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Writes the events log: time, event, frequency/voltage/phase differences at
/// breaker closings, and a readable description.
fn write_events(path: &Path, events: &[LoggedEvent]) -> Result<(), String> {
    let mut f = AtomicFile::create(path)?;
    let io = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut body = String::from("time,event,sync_df_hz,sync_dv_percent,sync_dphase_deg,detail\n");
    for e in events {
        let (df, dv, dphase) = match e.sync {
            Some((df, dv, dp)) => (
                format!("{df:.3}"),
                format!("{:.2}", dv * 100.0),
                if dp.is_finite() {
                    format!("{dp:.1}")
                } else {
                    String::new()
                },
            ),
            None => Default::default(),
        };
        let _ = writeln!(
            body,
            "{},{},{df},{dv},{dphase},{}",
            e.time.format("%Y-%m-%d %H:%M:%S"),
            e.kind.label(),
            csv_text(&e.detail)
        );
    }
    if let Err(e) = f.out.write_all(body.as_bytes()) {
        f.abandon();
        return Err(io(e));
    }
    f.finish()
}

/// Parses a price spike "YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM=EUR_PER_KWH".
pub fn parse_price(text: &str) -> Result<(NaiveDateTime, NaiveDateTime, f64), String> {
    let (interval, price) = text.rsplit_once('=').ok_or_else(|| {
        format!("\"{text}\" needs a price; write \"YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM=0.95\"")
    })?;
    let (from, until) = parse_interval(interval, "price spike")?;
    let eur: f64 = price
        .trim()
        .parse()
        .map_err(|_| format!("\"{price}\" is not a price in EUR/kWh; write e.g. 0.95"))?;
    if !eur.is_finite() || !(-1.0..=100.0).contains(&eur) {
        return Err(format!(
            "a price of {eur} EUR/kWh is outside -1 to 100; check the number"
        ));
    }
    Ok((from, until, eur))
}

/// Parses an outage "YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM".
pub fn parse_outage(text: &str) -> Result<(NaiveDateTime, NaiveDateTime), String> {
    parse_interval(text, "outage")
}

/// Parses an interval "YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM"; `what` names
/// it in errors ("outage", "price spike").
fn parse_interval(text: &str, what: &str) -> Result<(NaiveDateTime, NaiveDateTime), String> {
    let (a, b) = text.split_once("..").ok_or_else(|| {
        format!("\"{text}\" is not an interval; write \"YYYY-MM-DD HH:MM..YYYY-MM-DD HH:MM\"")
    })?;
    let (from, until) = (
        crate::scenario::parse_date_time(a)?,
        crate::scenario::parse_date_time(b)?,
    );
    if until <= from {
        return Err(format!(
            "the {what} \"{text}\" ends before it starts; put the earlier time first"
        ));
    }
    Ok((from, until))
}

/// Rounds to `decimals` and turns -0 into 0, so a spreadsheet shows "0.000", not "-0.000".
fn no_negative_zero(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale + 0.0
}

/// Quotes a CSV field when it needs it.
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The summary a user reads after a run.
pub fn summary_text(built: &Built, s: &RunSummary) -> String {
    let t = &s.totals;
    let mut out = String::new();
    let days = s.steps as f64 * f64::from(s.step_s) / 86_400.0;
    let end = s.start + Duration::seconds((s.steps * u64::from(s.step_s)) as i64);
    let _ = writeln!(
        out,
        "{}: {days:.2} days, {} to {}, {} steps of {} s, in {:.2} s ({:.0} simulated days per second)",
        built.scenario.name,
        s.start.format("%Y-%m-%d %H:%M"),
        end.format("%Y-%m-%d %H:%M"),
        s.steps,
        s.step_s,
        s.wall_s,
        days / s.wall_s.max(1e-9)
    );
    if s.script_applied + s.script_refused.len() > 0 {
        let _ = writeln!(
            out,
            "  script           {} steps played, {} refused",
            s.script_applied,
            s.script_refused.len()
        );
    }
    let _ = writeln!(
        out,
        "  energy           PV {:.1} kWh, wind {:.1} kWh; demand {:.1} kWh, EV charging {:.1} kWh",
        t.pv_kwh, t.wind_kwh, t.load_kwh, t.ev_kwh
    );
    let _ = writeln!(
        out,
        "  grid             imported {:.1} kWh, exported {:.1} kWh, peak import {:.1} kW",
        t.import_kwh, t.export_kwh, t.peak_import_kw
    );
    let _ = writeln!(
        out,
        "  batteries        charged {:.1} kWh, discharged {:.1} kWh",
        t.battery_charge_kwh, t.battery_discharge_kwh
    );
    let _ = writeln!(
        out,
        "  losses           {:.1} kWh in cables and the transformer",
        t.losses_kwh
    );
    let _ = writeln!(
        out,
        "  self-sufficiency {:.1} % of demand met locally; self-consumption {:.1} % of generation used locally",
        t.self_sufficiency() * 100.0,
        t.self_consumption() * 100.0
    );
    if t.v_min_pu.is_finite() && t.v_max_pu.is_finite() {
        let _ = writeln!(
            out,
            "  voltage          {:.3} to {:.3} pu; {:.1} h with a bus outside {:.2}-{:.2} pu",
            t.v_min_pu,
            t.v_max_pu,
            t.hours_outside_voltage_band,
            VOLTAGE_BAND_PU.0,
            VOLTAGE_BAND_PU.1
        );
    } else {
        let _ = writeln!(
            out,
            "  voltage          none measured: no step had a power-flow solution (dark, or it failed throughout)"
        );
    }
    if built.scenario.phases == crate::scenario::PhaseModel::Unbalanced {
        let (windows, above) = t.unbalance_windows();
        let share = if windows > 0 {
            format!(
                "{above} of {windows} 10-minute values above {UNBALANCE_LIMIT_PERCENT:.0} % ({:.1} %; EN 50160 allows 5 %)",
                above as f64 / windows as f64 * 100.0
            )
        } else {
            "no complete 10-minute window".to_owned()
        };
        let _ = writeln!(
            out,
            "  unbalance        worst {:.2} % (|V2|/|V1| at a customer bus); {share}",
            t.unbalance_max_percent
        );
    }
    let _ = writeln!(
        out,
        "  loading          cables up to {:.1} %, transformer up to {:.1} %",
        t.max_line_loading_percent, t.max_trafo_loading_percent
    );
    let _ = writeln!(
        out,
        "  money            paid {:.2} EUR for imports, earned {:.2} EUR for exports: net {:.2} EUR",
        t.import_cost_eur,
        t.export_revenue_eur,
        t.import_cost_eur - t.export_revenue_eur
    );
    if let Some(m) = &s.market {
        market_summary(&mut out, m, s.step_s);
    }
    if t.hours_islanded > 0.0 {
        let frequency = if t.hours_islanded - t.hours_blackout > 1e-9 {
            format!(
                "frequency {:.2} to {:.2} Hz",
                t.frequency_min_hz, t.frequency_max_hz
            )
        } else {
            "no island frequency (dark throughout)".to_owned()
        };
        let _ = writeln!(
            out,
            "  island           {:.2} h islanded ({:.2} h dark); {frequency}; unserved {:.1} kWh",
            t.hours_islanded, t.hours_blackout, t.unserved_kwh
        );
    }

    if !s.events.is_empty() {
        let _ = writeln!(out, "  events");
        const SHOWN: usize = 24;
        for e in s.events.iter().take(SHOWN) {
            let _ = writeln!(
                out,
                "    {}  {}",
                e.time.format("%Y-%m-%d %H:%M:%S"),
                e.detail
            );
        }
        if s.events.len() > SHOWN {
            let _ = writeln!(
                out,
                "    ... and {} more (--events OUT.csv lists them all)",
                s.events.len() - SHOWN
            );
        }
    }
    if t.failed_steps > 0 {
        let _ = writeln!(
            out,
            "  WARNING: {} steps had no power-flow solution (voltage collapse)",
            t.failed_steps
        );
    }
    out
}

/// The market's lines of the summary.
fn market_summary(out: &mut String, m: &MarketOutcome, step_s: u32) {
    let l = &m.ledger;
    let interval = if step_s > m.settings.interval_min * 60 {
        format!(
            "{}-min intervals (each {} s step settles alone, being longer)",
            m.settings.interval_min, step_s
        )
    } else {
        format!("{}-min intervals", m.settings.interval_min)
    };
    let _ = writeln!(
        out,
        "  market           {}, {interval}: {} settled ({} islanded), {} trades",
        m.settings.mechanism.label(),
        l.intervals,
        l.island_intervals,
        l.trades
    );
    let offered = l.total(|_| true).offered_kwh();
    let mean_price = if l.local_kwh > 0.0 {
        format!("at {:.3} EUR/kWh on average", l.local_eur / l.local_kwh)
    } else {
        "no local trade".to_owned()
    };
    let _ = writeln!(
        out,
        "  local sharing    {:.1} kWh between neighbours ({:.1} % of the {:.1} kWh offered), {mean_price}; {} trades curtailed by cable limits ({:.2} kWh)",
        l.local_kwh,
        percent(l.local_kwh, offered),
        offered,
        l.curtailed_trades,
        l.curtailed_kwh
    );
    let _ = writeln!(
        out,
        "  community        supplier bill at the PCC {:.2} EUR (in {:.1} kWh, out {:.1} kWh, settled per interval); losses {:.1} kWh cost {:.2} EUR, charged by energy drawn",
        l.supplier_bill_eur, l.pcc_import_kwh, l.pcc_export_kwh, l.losses_kwh, l.loss_cost_eur
    );
    let houses = total_of(&m.participants, l, true);
    let (paid, baseline) = (houses.net_cost_eur(), houses.baseline_eur);
    let _ = writeln!(
        out,
        "  houses           paid {:.2} EUR net; without sharing {:.2} EUR: saved {:.2} EUR ({:.1} %)",
        paid,
        baseline,
        baseline - paid,
        percent(baseline - paid, baseline.abs())
    );
    let shared_count = m.participants.iter().filter(|p| p.house.is_none()).count();
    if shared_count > 0 {
        let shared = total_of(&m.participants, l, false);
        let (net, saved) = (shared.net_cost_eur(), shared.savings_eur());
        let _ = writeln!(
            out,
            "  shared assets    {} (turbines, visiting cars): net {} {:.2} EUR, {:.2} EUR {} than without sharing",
            shared_count,
            if net <= 0.0 { "earned" } else { "paid" },
            net.abs(),
            saved.abs(),
            if saved >= 0.0 { "better" } else { "worse" }
        );
    }
    let mut savings: Vec<(f64, &str)> = m
        .participants
        .iter()
        .zip(&l.accounts)
        .filter(|(p, _)| p.house.is_some())
        .map(|(p, a)| (a.savings_eur(), p.name.as_str()))
        .collect();
    if !savings.is_empty() {
        savings.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = savings.len();
        let median = if n % 2 == 1 {
            savings[n / 2].0
        } else {
            (savings[n / 2 - 1].0 + savings[n / 2].0) / 2.0
        };
        let gaining = savings.iter().filter(|s| s.0 > 0.005).count();
        let losing = savings.iter().filter(|s| s.0 < -0.005).count();
        let values: Vec<f64> = savings.iter().map(|s| s.0).collect();
        let fairness = match crate::market::gini(&values) {
            Some(g) => format!("Gini of savings {g:.2}"),
            None => "Gini of savings n/a (mean saving not positive)".to_owned(),
        };
        let _ = writeln!(
            out,
            "  savings/house    min {:.2} EUR ({}), median {:.2} EUR, max {:.2} EUR ({}); {gaining} gain, {losing} lose; {fairness}",
            no_negative_zero(savings[0].0, 2),
            named_with_ties(&savings, savings[0].0),
            no_negative_zero(median, 2),
            no_negative_zero(savings[n - 1].0, 2),
            named_with_ties(&savings, savings[n - 1].0)
        );
    }
    let _ = writeln!(
        out,
        "  ledger balance   everyone's net payments {:.2} EUR - supplier bill {:.2} EUR - kept by the community {:.2} EUR = {:.2} EUR",
        l.participants_net_eur(),
        l.supplier_bill_eur,
        no_negative_zero(l.kept_by_community_eur, 2),
        no_negative_zero(l.balance_eur(), 2)
    );
}

/// `part` as a percentage of `whole` (0 when the whole is 0).
fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole * 100.0
    } else {
        0.0
    }
}

/// The house whose saving prints as `value` (to the cent), and how many
/// more print the same: "Lindenweg 1 and 3 more". Of the ties the first
/// by name, so that differences far below a cent do not pick the house.
fn named_with_ties(savings: &[(f64, &str)], value: f64) -> String {
    let cents = |v: f64| (v * 100.0).round();
    let mut ties: Vec<&str> = savings
        .iter()
        .filter(|(v, _)| cents(*v) == cents(value))
        .map(|(_, name)| *name)
        .collect();
    ties.sort_unstable();
    match ties.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::named_with_ties;

    #[test]
    fn a_saving_that_several_houses_share_names_one_and_counts_the_rest() {
        let savings = [
            (-0.001, "Lindenweg 3"),
            (0.0004, "Birkenallee 6"),
            (0.002, "Lindenweg 1"),
            (0.02, "Am Windrad 2"),
            (4.05, "Lindenweg 7"),
        ];
        // Three print as 0.00 EUR: the first by name, whichever is lowest.
        assert_eq!(
            named_with_ties(&savings, -0.001),
            "Birkenallee 6 and 2 more"
        );
        assert_eq!(named_with_ties(&savings, 0.002), "Birkenallee 6 and 2 more");
        assert_eq!(named_with_ties(&savings, 4.05), "Lindenweg 7");
        assert_eq!(named_with_ties(&savings, 0.02), "Am Windrad 2");
    }
}
