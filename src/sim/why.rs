//! Why things are as they are. The controller, the island's dispatch and
//! its relays record each decision here where they make it ([`Decisions`]),
//! and [`explain`] turns those records and the step's state into one or two
//! plain sentences about a house, a device, a cable or the transformer. The
//! window's cards and `microgrid why` say the same, in either language, so
//! an explanation cannot drift from the physics that it explains.

use bevy::prelude::*;
use chrono::NaiveDateTime;

use super::grid_mode::{GridMode, GridState};
use super::metrics::HousePowers;
use crate::lang::{num, tr};
use crate::physics::frequency::SHED_STAGES_HZ;
use crate::scenario::DeviceKind;
use crate::tr;

/// What the controller told a home battery to do in the step, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatteryDecision {
    /// Charging from the grid: power is at or below the price the controller calls cheap.
    FillsCheap {
        /// The import price, EUR/kWh.
        price: f64,
        /// The controller's cheap price, EUR/kWh.
        cheap: f64,
    },
    /// The house imports, but the battery keeps its outage reserve.
    HoldsReserve {
        /// The reserve, a share of its capacity.
        reserve: f64,
        /// Its charge, percent.
        soc_percent: f64,
        /// The import price, EUR/kWh.
        price: f64,
    },
    /// Gives what the house uses beyond its PV.
    Covers {
        /// kW given.
        kw: f64,
    },
    /// Stores the house's PV surplus.
    Stores {
        /// kW taken.
        kw: f64,
    },
    /// Full: the surplus goes on to the neighbours and the grid.
    Full,
    /// Empty: the house buys what its PV does not cover.
    Empty,
    /// The house uses about what it makes.
    Idle,
    /// In an island it forms the grid: its share, by rating, of what the
    /// island needs (positive: it gives).
    HoldsIsland {
        /// kW given (negative: taken).
        kw: f64,
        /// Its charge, percent.
        soc_percent: f64,
    },
}

/// A shedding stage in force: when and why the relays (or the controller) shed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shed {
    /// When.
    pub since: NaiveDateTime,
    /// The island's frequency then, Hz.
    pub f_hz: f64,
    /// How full the island's batteries and cars were, percent.
    pub stored_percent: f64,
    /// What they could give, kW.
    pub give_kw: f64,
    /// What the island asked of them (demand less sun and wind), kW.
    pub asked_kw: f64,
    /// Shed by the controller to reach 50 Hz before reconnecting, not by
    /// the under-frequency relays.
    pub for_resync: bool,
}

/// Why the island went dark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DarkCause {
    /// No battery or vehicle-to-grid car can form the island.
    NoFormer,
    /// The units could not give what the critical loads need.
    Short {
        /// What they could give, kW.
        give_kw: f64,
        /// How far short, kW.
        short_kw: f64,
    },
    /// The frequency collapsed.
    Collapsed {
        /// The lowest frequency, Hz.
        f_hz: f64,
    },
}

/// Why the breaker opened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IslandCause {
    /// The main grid failed (or was switched off).
    Outage,
    /// On purpose: grid power is dear and storage can carry the island.
    Dear {
        /// The import price, EUR/kWh.
        price: f64,
        /// The controller's price for islanding, EUR/kWh.
        above: f64,
    },
}

/// PV held back in an island.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Curtailed {
    /// Share of the available PV let through.
    pub share: f64,
    /// The island's highest frequency in the step, Hz.
    pub f_hz: f64,
    /// Held back by the controller to reach 50 Hz before reconnecting.
    pub for_resync: bool,
    /// Held back by the inverters' over-frequency droop (else, or besides,
    /// because the island's units could take no more).
    pub by_droop: bool,
}

/// The decisions of the step, as they were made.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Decisions {
    /// Each home battery's, by device index.
    pub batteries: Vec<Option<BatteryDecision>>,
    /// Each shedding stage in force.
    pub stages: [Option<Shed>; SHED_STAGES_HZ.len()],
    /// Since when and why the island is dark.
    pub dark: Option<(NaiveDateTime, DarkCause)>,
    /// Since when and why the neighbourhood is an island.
    pub island: Option<(NaiveDateTime, IslandCause)>,
    /// PV held back in the island.
    pub curtailed: Option<Curtailed>,
    /// When a dark island started again from its own sun and wind, with
    /// only the critical loads.
    pub black_start: Option<NaiveDateTime>,
}

impl Decisions {
    /// Records battery `device`'s decision.
    pub fn battery(&mut self, device: usize, decision: BatteryDecision) {
        if self.batteries.len() <= device {
            self.batteries.resize(device + 1, None);
        }
        self.batteries[device] = Some(decision);
    }

    /// Back on the grid: the island's records go.
    pub fn reconnected(&mut self) {
        self.stages = Default::default();
        self.dark = None;
        self.island = None;
        self.curtailed = None;
        self.black_start = None;
    }
}

/// The shedding stage a house belongs to (1-based): houses take turns, so
/// each stage darkens a quarter of the street. The simulation sheds a quarter
/// of the neighbourhood's non-critical demand a stage; this is how it is
/// shown and explained house by house.
pub fn shed_stage_of_house(house: usize) -> usize {
    house % SHED_STAGES_HZ.len() + 1
}

/// Whether `house` has power: not in a blackout, and not in a shed stage.
pub fn house_served(house: usize, mode: GridMode, stages_shed: usize) -> bool {
    match mode {
        GridMode::Blackout => false,
        GridMode::Islanded => shed_stage_of_house(house) > stages_shed,
        GridMode::Connected => true,
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Decisions>();
}

/// No decisions yet (a scenario loaded or started over).
pub(super) fn reset(world: &mut World) {
    world.insert_resource(Decisions::default());
}

/// What to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A house, by index.
    House(usize),
    /// A device, by index.
    Device(usize),
    /// A cable, by index in the network's lines.
    Line(usize),
    /// The transformer and the breaker at the grid link.
    Transformer,
}

/// `s` with its first letter small, to follow a colon.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

fn hhmm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

fn eur(x: f64) -> String {
    num(x, 2)
}

/// One or two sentences on why `subject` is as it is now, from the step's
/// decisions and state in `world` (in the current language).
pub fn explain(world: &World, subject: Subject) -> Vec<String> {
    let Some(hood) = world.get_resource::<super::Neighbourhood>() else {
        return Vec::new();
    };
    let (Some(grid), Some(decisions)) = (
        world.get_resource::<GridState>(),
        world.get_resource::<Decisions>(),
    ) else {
        return Vec::new();
    };
    let built = &hood.0;
    let facts = Facts {
        built,
        grid,
        decisions,
        houses: world.get_resource::<HousePowers>(),
        price: world
            .get_resource::<super::prices::CurrentPrices>()
            .map_or(0.0, |p| p.import_eur_per_kwh),
        ghi: world
            .get_resource::<super::devices::CurrentEnvironment>()
            .map_or(0.0, |e| e.0.ghi_w_m2),
        flow: world
            .get_resource::<super::network::NetworkState>()
            .and_then(|n| n.solved()),
        phases: world
            .get_resource::<super::network::NetworkState>()
            .and_then(|n| n.phases.as_ref()),
    };
    match subject {
        Subject::House(h) => facts.house(h),
        Subject::Device(d) => facts.device(d),
        Subject::Line(l) => facts.line(l),
        Subject::Transformer => facts.transformer(),
    }
}

/// What an explanation reads.
struct Facts<'a> {
    built: &'a crate::scenario::Built,
    grid: &'a GridState,
    decisions: &'a Decisions,
    houses: Option<&'a HousePowers>,
    price: f64,
    ghi: f64,
    flow: Option<&'a crate::network::PowerFlow>,
    phases: Option<&'a crate::network::unbalanced::UnbalancedFlow>,
}

impl Facts<'_> {
    /// Why the neighbourhood is an island, in a clause.
    fn island_cause(&self) -> String {
        match self.decisions.island {
            Some((since, IslandCause::Dear { price, above })) => tr!(
                "why.island_dear",
                since = hhmm(since),
                price = eur(price),
                above = eur(above)
            ),
            Some((since, IslandCause::Outage)) => tr!("why.island_outage", since = hhmm(since)),
            None => tr("why.island_unknown").to_owned(),
        }
    }

    /// Why the island is dark, in a sentence.
    fn dark(&self) -> String {
        match self.decisions.dark {
            Some((since, cause)) => {
                let why = match cause {
                    DarkCause::NoFormer => tr("why.dark_no_former").to_owned(),
                    DarkCause::Short { give_kw, short_kw } => tr!(
                        "why.dark_short",
                        give = num(give_kw, 1),
                        short = num(short_kw, 1)
                    ),
                    DarkCause::Collapsed { f_hz } => {
                        tr!("why.dark_collapsed", f = num(f_hz, 2))
                    }
                };
                tr!("why.dark_since", since = hhmm(since), why = why)
            }
            None => tr("why.dark").to_owned(),
        }
    }

    fn house(&self, h: usize) -> Vec<String> {
        let mut out = Vec::new();
        let g = self.grid;
        if g.mode == GridMode::Blackout {
            out.push(self.dark());
            return out;
        }
        if !house_served(h, g.mode, g.stages_shed) {
            let stage = shed_stage_of_house(h);
            out.push(
                match self.decisions.stages.get(stage - 1).copied().flatten() {
                    Some(s) if s.for_resync => {
                        tr!("why.shed_for_resync", since = hhmm(s.since), stage = stage)
                    }
                    Some(s) => tr!(
                        "why.shed",
                        since = hhmm(s.since),
                        f = num(s.f_hz, 2),
                        stored = num(s.stored_percent, 0),
                        give = num(s.give_kw, 1),
                        asked = num(s.asked_kw, 1),
                        stage = stage
                    ),
                    None => match self.decisions.black_start {
                        Some(since) => {
                            tr!("why.shed_black_start", since = hhmm(since), stage = stage)
                        }
                        None => tr!("why.shed_unknown", stage = stage),
                    },
                },
            );
            return out;
        }
        let net = self.houses.and_then(|p| p.0.get(h)).map(|p| p.net_kw());
        if g.mode == GridMode::Islanded {
            out.push(tr!("why.house_island", cause = self.island_cause()));
        } else if let Some(net) = net {
            let kw = num(net.abs(), 1);
            out.push(if net > 0.05 {
                tr!("why.house_imports", kw = kw, price = eur(self.price))
            } else if net < -0.05 {
                tr!("why.house_exports", kw = kw)
            } else {
                tr("why.house_even").to_owned()
            });
        }
        if let Some(sentence) = self.unbalance(h) {
            out.push(sentence);
        }
        // Its panels, when the island holds them back.
        let has_pv = self
            .built
            .devices
            .iter()
            .any(|d| d.house == Some(h) && matches!(d.kind, DeviceKind::Pv(_)));
        if has_pv && g.mode == GridMode::Islanded && self.decisions.curtailed.is_some() {
            out.push(tr!("why.its_pv", what = lower_first(&self.pv(Some(h)))));
        }
        // Its battery's part in it.
        let battery = self
            .built
            .devices
            .iter()
            .enumerate()
            .find(|(_, d)| d.house == Some(h) && matches!(d.kind, DeviceKind::Battery(_)));
        if let Some((i, _)) = battery
            && let Some(sentence) = self.battery(i)
        {
            out.push(sentence);
        }
        out
    }

    /// Why house `h`'s phases are out of balance, when its bus is over
    /// EN 50160's 2 %: the phase that stands out, high (fed in on it) or
    /// low (drawn from it), against the other two.
    fn unbalance(&self, h: usize) -> Option<String> {
        let phases = self.phases?;
        let bus = self.built.household(h)?.bus;
        let percent = phases.unbalance_percent(bus);
        if percent < super::metrics::UNBALANCE_LIMIT_PERCENT {
            return None;
        }
        let volts = self.built.network.phase_volts(bus, phases.vm_pu(bus));
        // The phase farthest from the other two's mean.
        let off = |k: usize| volts[k] - 0.5 * (volts[(k + 1) % 3] + volts[(k + 2) % 3]);
        let k = (0..3).max_by(|&a, &b| off(a).abs().total_cmp(&off(b).abs()))?;
        let label = ["A", "B", "C"][k];
        let args = (
            num(percent, 1),
            num(volts[k], 0),
            num(volts[(k + 1) % 3], 0),
            num(volts[(k + 2) % 3], 0),
        );
        Some(if off(k) > 0.0 {
            tr!(
                "why.unbalance_fed",
                percent = args.0,
                phase = label,
                v = args.1,
                v1 = args.2,
                v2 = args.3
            )
        } else {
            tr!(
                "why.unbalance_drawn",
                percent = args.0,
                phase = label,
                v = args.1,
                v1 = args.2,
                v2 = args.3
            )
        })
    }

    /// What battery `device` does and why, from its decision.
    fn battery(&self, device: usize) -> Option<String> {
        let decision = self.decisions.batteries.get(device).copied().flatten()?;
        Some(match decision {
            BatteryDecision::FillsCheap { price, cheap } => {
                tr!("why.battery_cheap", price = eur(price), cheap = eur(cheap))
            }
            BatteryDecision::HoldsReserve {
                reserve,
                soc_percent,
                price,
            } => tr!(
                "why.battery_reserve",
                soc = num(soc_percent, 0),
                reserve = num(reserve * 100.0, 0),
                price = eur(price)
            ),
            BatteryDecision::Covers { kw } => tr!("why.battery_covers", kw = num(kw, 1)),
            BatteryDecision::Stores { kw } => tr!("why.battery_stores", kw = num(kw, 1)),
            BatteryDecision::Full => tr("why.battery_full").to_owned(),
            BatteryDecision::Empty => tr("why.battery_empty").to_owned(),
            BatteryDecision::Idle => tr("why.battery_idle").to_owned(),
            BatteryDecision::HoldsIsland { kw, soc_percent } => {
                let soc = num(soc_percent, 0);
                let empty = soc_percent <= crate::physics::storage::SOC_MIN * 100.0 + 0.5;
                if kw.abs() < 0.05 && empty {
                    tr!("why.battery_island_empty", soc = soc)
                } else if kw.abs() < 0.05 {
                    tr!("why.battery_island_rests", soc = soc)
                } else if kw > 0.0 {
                    tr!("why.battery_island_gives", kw = num(kw, 1), soc = soc)
                } else {
                    tr!("why.battery_island_takes", kw = num(-kw, 1), soc = soc)
                }
            }
        })
    }

    /// PV on house `h` (or nowhere): what it makes and what holds it back.
    fn pv(&self, house: Option<usize>) -> String {
        if self.grid.mode == GridMode::Blackout {
            return tr("why.pv_dark").to_owned();
        }
        if self.ghi < 1.0 {
            return tr("why.pv_night").to_owned();
        }
        let kw = house
            .and_then(|h| self.houses.and_then(|p| p.0.get(h)))
            .map_or(0.0, |p| p.pv_kw);
        match self.decisions.curtailed {
            Some(c) if self.grid.mode == GridMode::Islanded && c.for_resync => {
                tr!("why.pv_resync", share = num(c.share * 100.0, 0))
            }
            Some(c) if self.grid.mode == GridMode::Islanded && c.by_droop => tr!(
                "why.pv_curtailed",
                share = num(c.share * 100.0, 0),
                f = num(c.f_hz, 2)
            ),
            Some(c) if self.grid.mode == GridMode::Islanded => {
                tr!("why.pv_full", share = num(c.share * 100.0, 0))
            }
            _ => tr!("why.pv_producing", kw = num(kw, 1), ghi = num(self.ghi, 0)),
        }
    }

    fn device(&self, d: usize) -> Vec<String> {
        let Some(device) = self.built.devices.get(d) else {
            return Vec::new();
        };
        match device.kind {
            DeviceKind::Battery(_) => self.battery(d).into_iter().collect(),
            DeviceKind::Pv(_) => vec![self.pv(device.house)],
            DeviceKind::Household { .. } => device.house.map_or_else(Vec::new, |h| self.house(h)),
            _ => Vec::new(),
        }
    }

    fn line(&self, l: usize) -> Vec<String> {
        let (Some(line), Some(b)) = (
            self.built.network.lines.get(l),
            self.flow.and_then(|f| f.lines.get(l)),
        ) else {
            return Vec::new();
        };
        let buses = &self.built.network.buses;
        let kw = b.p_from_mw * 1000.0;
        let (from, to) = if kw >= 0.0 {
            (&buses[line.from_bus].name, &buses[line.to_bus].name)
        } else {
            (&buses[line.to_bus].name, &buses[line.from_bus].name)
        };
        vec![tr!(
            "why.line",
            kw = num(kw.abs(), 1),
            from = from,
            to = to,
            loading = num(b.loading_percent, 0)
        )]
    }

    fn transformer(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.grid.mode {
            GridMode::Connected => {
                if let Some(f) = self.flow {
                    let kw = f.ext_grid_p_mw * 1000.0;
                    out.push(if kw > 0.05 {
                        tr!(
                            "why.trafo_imports",
                            kw = num(kw, 1),
                            price = eur(self.price),
                            loading = num(f.transformer.loading_percent, 0)
                        )
                    } else {
                        tr!(
                            "why.trafo_exports",
                            kw = num(-kw, 1),
                            loading = num(f.transformer.loading_percent, 0)
                        )
                    });
                }
            }
            GridMode::Islanded => out.push(tr!("why.breaker_open", cause = self.island_cause())),
            GridMode::Blackout => {
                out.push(tr!("why.breaker_open", cause = self.island_cause()));
                out.push(self.dark());
            }
        }
        out
    }
}

/// The subject a command line names: `--house NAME`, `--line FROM-TO`
/// (bus names, either way round; a name may hold a hyphen) or
/// `--transformer`; exactly one of them.
pub fn subject_named(
    built: &crate::scenario::Built,
    house: Option<&str>,
    line: Option<&str>,
    transformer: bool,
) -> Result<Subject, String> {
    match (house, line, transformer) {
        (Some(name), None, false) => built
            .scenario
            .houses
            .iter()
            .position(|h| h.name == name)
            .map(Subject::House)
            .ok_or_else(|| {
                let names: Vec<&str> = built
                    .scenario
                    .houses
                    .iter()
                    .take(5)
                    .map(|h| h.name.as_str())
                    .collect();
                format!(
                    "there is no house \"{name}\" (houses are named like {})",
                    names.join(", ")
                )
            }),
        (None, Some(pair), false) => {
            let net = &built.network;
            let found = pair.match_indices('-').find_map(|(i, _)| {
                let (a, b) = (net.bus_index(&pair[..i])?, net.bus_index(&pair[i + 1..])?);
                net.lines.iter().position(|l| {
                    (l.from_bus, l.to_bus) == (a, b) || (l.from_bus, l.to_bus) == (b, a)
                })
            });
            found.map(Subject::Line).ok_or_else(|| {
                format!("there is no cable \"{pair}\": give the buses at its ends as FROM-TO, e.g. L1-L2")
            })
        }
        (None, None, true) => Ok(Subject::Transformer),
        _ => Err("name one thing to explain: --house NAME, --line FROM-TO or --transformer".into()),
    }
}
