//! The market set: meters each participant's energy through the market
//! interval and, when it ends, clears, matches and settles it with the pure
//! functions of [`crate::market`].
//!
//! The market settles metered energy after the fact, as a quarter-hour
//! settlement does, so it runs after the power flow and the meters of each
//! step. Trades are money: they never change what the devices do. An
//! interval also ends early when the breaker opens or closes, so each
//! interval is wholly connected or wholly islanded.

use bevy::prelude::*;
use chrono::{NaiveDateTime, Timelike};
use rand::{RngExt, SeedableRng, rngs::StdRng};

use super::devices::{DeviceIndex, DevicePower};
use super::grid_mode::{GridMode, GridState};
use super::metrics::StepRecord;
use super::network::NetworkState;
use super::prices::CurrentPrices;
use super::{Neighbourhood, SimClock, SimSettings, SimulationStep, SimulationSystems};
use crate::market::feeder::{self, FeederTree, LineHeadroom, Trade};
use crate::market::ledger::{Account, IntervalPrices, Ledger, settle};
use crate::market::{Clearing, MarketSettings, Mechanism, Position, clear, clear_island};
use crate::network::Network;
use crate::scenario::Built;

/// Someone who trades: a house behind its meter, or a shared asset (a wind
/// turbine, a visiting car) without a house.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    /// Name shown to users (the house's or the device's).
    pub name: String,
    /// Bus of its meter.
    pub bus: usize,
    /// The house, if it is one.
    pub house: Option<usize>,
    /// Where it stands, m (x east, y north).
    pub position_m: [f64; 2],
}

/// One interval, cleared.
#[derive(Debug, Clone, PartialEq)]
pub struct ClearedInterval {
    /// First instant.
    pub start: NaiveDateTime,
    /// End (exclusive).
    pub end: NaiveDateTime,
    /// The interval was islanded.
    pub islanded: bool,
    /// The mechanism it was cleared by (in an island: the island price).
    pub mechanism: Mechanism,
    /// Mean import price (island: the island price), EUR/kWh.
    pub import_eur_per_kwh: f64,
    /// Mean export price (island: the island price), EUR/kWh.
    pub export_eur_per_kwh: f64,
    /// Energy offered, kWh.
    pub offered_kwh: f64,
    /// Energy bid for, kWh.
    pub bid_kwh: f64,
    /// The trades, in matching order (deepest meeting bus first).
    pub trades: Vec<Trade>,
}

impl ClearedInterval {
    /// Energy traded locally, kWh.
    pub fn local_kwh(&self) -> f64 {
        self.trades.iter().map(|t| t.kwh).sum()
    }
}

/// The energy metered so far in the open interval.
#[derive(Debug, Clone, Default)]
struct OpenInterval {
    start: Option<NaiveDateTime>,
    steps: u32,
    islanded: bool,
    net_kwh: Vec<f64>,
    pcc_kwh: f64,
    losses_kwh: f64,
    import_sum: f64,
    export_sum: f64,
    storage_share_sum: f64,
    headroom: LineHeadroom,
}

/// The local market: its settings, participants, open interval and ledger.
#[derive(Resource, Debug)]
pub struct Market {
    /// Mechanism, interval and island prices.
    pub settings: MarketSettings,
    /// Houses first (in house order), then shared assets.
    pub participants: Vec<Participant>,
    /// The settlement so far.
    pub ledger: Ledger,
    /// The interval cleared last (the window draws its trades).
    pub last: Option<ClearedInterval>,
    /// Intervals cleared since the start.
    pub cleared: u64,
    /// Local trades matched since the start.
    pub trades_matched: u64,
    device_participant: Vec<usize>,
    /// Each participant's standing order in the auction (houses that set
    /// one; the others' limits are drawn).
    orders: Vec<Option<crate::scenario::Order>>,
    /// Each participant's bus (from `participants`, as the matching takes it).
    bus_of: Vec<usize>,
    tree: FeederTree,
    open: OpenInterval,
    rng: StdRng,
}

/// The houses' accounts (`houses`) or the shared assets', summed.
pub fn total_of(participants: &[Participant], ledger: &Ledger, houses: bool) -> Account {
    ledger.total(|i| {
        participants
            .get(i)
            .is_some_and(|p| p.house.is_some() == houses)
    })
}

/// A request to change the mechanism; the interval so far is settled first.
#[derive(Event, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetMarket(pub Mechanism);

impl Market {
    /// The market of `built`, with the auction's agents seeded from `seed`.
    pub fn new(built: &Built, seed: u64) -> Self {
        let mut participants: Vec<Participant> = built
            .scenario
            .houses
            .iter()
            .enumerate()
            .map(|(h, house)| Participant {
                name: house.name.clone(),
                bus: built.household(h).map_or(0, |d| d.bus),
                house: Some(h),
                position_m: built.household(h).map_or([0.0, 0.0], |d| d.position_m),
            })
            .collect();
        let device_participant = built
            .devices
            .iter()
            .map(|d| match d.house {
                Some(h) => h,
                None => {
                    participants.push(Participant {
                        name: d.name.clone(),
                        bus: d.bus,
                        house: None,
                        position_m: d.position_m,
                    });
                    participants.len() - 1
                }
            })
            .collect();
        let bus_of = participants.iter().map(|p| p.bus).collect();
        let orders = participants
            .iter()
            .map(|p| p.house.and_then(|h| built.scenario.houses[h].order))
            .collect();
        let open = OpenInterval {
            net_kwh: vec![0.0; participants.len()],
            headroom: LineHeadroom::new(built.network.lines.len()),
            ..default()
        };
        Self {
            settings: built.scenario.market.clone(),
            ledger: Ledger::new(participants.len()),
            participants,
            bus_of,
            last: None,
            cleared: 0,
            trades_matched: 0,
            device_participant,
            orders,
            tree: FeederTree::new(&built.network),
            open,
            rng: StdRng::seed_from_u64(seed ^ 0x0000_6d61_726b_6574),
        }
    }

    /// Takes over what `old` settled for a changed neighbourhood (an edit
    /// while it runs; close `old`'s open interval first, so that every
    /// metered kWh is settled among those who metered it): each
    /// participant's account by name, the totals and the random stream. A
    /// new participant starts at nothing; a removed one's net payments stay
    /// in the ledger's balance. The last interval's trades, which name old
    /// participants, are not carried.
    pub fn carry_over(&mut self, old: Market) {
        // Names repeat (a turbine named as a house, cars of two fleets at
        // one bus): matched in turn, as the devices are.
        let mut by_name: std::collections::HashMap<&str, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, p) in old.participants.iter().enumerate().rev() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let accounts = std::mem::take(&mut self.ledger.accounts);
        self.ledger = Ledger {
            accounts,
            ..old.ledger.clone()
        };
        for (i, p) in self.participants.iter().enumerate() {
            if let Some(j) = by_name.get_mut(p.name.as_str()).and_then(|l| l.pop()) {
                self.ledger.accounts[i] = old.ledger.accounts[j];
            }
        }
        // Who left takes its account along, and the balance keeps it.
        for j in by_name.into_values().flatten() {
            self.ledger.departed_net_eur += old.ledger.accounts[j].net_cost_eur();
        }
        self.settings = old.settings;
        self.cleared = old.cleared;
        self.trades_matched = old.trades_matched;
        self.rng = old.rng;
    }

    /// Takes the houses' market orders of `built` (the same houses and
    /// devices as now): the interval open now clears with them.
    pub fn set_orders(&mut self, built: &Built) {
        for (order, p) in self.orders.iter_mut().zip(&self.participants) {
            *order = p.house.and_then(|h| built.scenario.houses[h].order);
        }
    }

    /// The houses' accounts (`houses`) or the shared assets', summed.
    pub fn total(&self, houses: bool) -> Account {
        total_of(&self.participants, &self.ledger, houses)
    }

    /// Whether the market trades at all.
    pub fn is_trading(&self) -> bool {
        self.settings.mechanism != Mechanism::None
    }

    /// Clears, matches and settles the open interval, which ends at `end`.
    pub fn close_interval(&mut self, network: &Network, end: NaiveDateTime) {
        let Some(start) = self.open.start else {
            return;
        };
        let open = &mut self.open;
        let steps = f64::from(open.steps.max(1));
        let islanded = open.islanded;
        let (import, export) = if islanded {
            let p = self
                .settings
                .island_pricing
                .price_eur_per_kwh(open.storage_share_sum / steps);
            (p, p)
        } else {
            (open.import_sum / steps, open.export_sum / steps)
        };
        // Each agent's auction limit, drawn every interval for everyone so
        // that one house's position or order never shifts another's draw;
        // a house with a standing order trades at its order instead.
        let positions: Vec<Position> = open
            .net_kwh
            .iter()
            .zip(&self.orders)
            .map(|(&net_kwh, order)| {
                let u: f64 = self.rng.random();
                let drawn = export + u * (import - export);
                Position {
                    net_kwh,
                    limit_eur_per_kwh: order
                        .map_or(drawn, |o| o.limit_eur_per_kwh(net_kwh, export, import)),
                }
            })
            .collect();
        let clearing: Clearing = if islanded {
            clear_island(&positions, import)
        } else {
            clear(self.settings.mechanism, &positions, import, export)
        };
        let trades = feeder::trades(network, &self.tree, &open.headroom, &self.bus_of, &clearing);
        let prices = IntervalPrices {
            import_eur_per_kwh: import,
            export_eur_per_kwh: export,
            pcc_kwh: if islanded { 0.0 } else { open.pcc_kwh },
            losses_kwh: open.losses_kwh,
            islanded,
        };
        self.trades_matched += trades.len() as u64;
        let settlement = settle(&positions, &trades, &prices);
        self.ledger
            .record(&settlement, &trades, &prices, open.losses_kwh);
        let (offered_kwh, bid_kwh) = crate::market::totals_kwh(&positions);
        self.last = Some(ClearedInterval {
            start,
            end,
            islanded,
            mechanism: self.settings.mechanism,
            import_eur_per_kwh: import,
            export_eur_per_kwh: export,
            offered_kwh,
            bid_kwh,
            trades,
        });
        self.cleared += 1;
        open.start = None;
        open.steps = 0;
        open.net_kwh.fill(0.0);
        open.pcc_kwh = 0.0;
        open.losses_kwh = 0.0;
        open.import_sum = 0.0;
        open.export_sum = 0.0;
        open.storage_share_sum = 0.0;
        open.headroom.clear();
    }
}

pub(super) fn plugin(app: &mut App) {
    reset(app.world_mut());
    app.add_observer(
        |event: On<SetMarket>,
         clock: Res<SimClock>,
         hood: Res<Neighbourhood>,
         mut market: ResMut<Market>| {
            // The interval so far settles under the mechanism it ran under.
            if market.settings.mechanism != event.0 {
                market.close_interval(&hood.0.network, clock.now());
                market.settings.mechanism = event.0;
            }
        },
    );
    app.add_systems(
        SimulationStep,
        settle_market.in_set(SimulationSystems::Market),
    );
}

/// A fresh market for the [`Neighbourhood`].
pub(super) fn reset(world: &mut World) {
    let seed = world.resource::<SimSettings>().seed;
    let market = Market::new(&world.resource::<Neighbourhood>().0, seed);
    world.insert_resource(market);
}

/// Settles the interval still open (at the end of a run).
pub fn close_open_interval(world: &mut World) {
    let end = world.resource::<SimClock>().now();
    world.resource_scope(|world, mut market: Mut<Market>| {
        market.close_interval(&world.resource::<Neighbourhood>().0.network, end);
    });
}

#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system's parameters are the data it reads and writes"
)]
fn settle_market(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    grid: Res<GridState>,
    state: Res<NetworkState>,
    record: Res<StepRecord>,
    prices: Res<CurrentPrices>,
    devices: Query<(&DeviceIndex, &DevicePower)>,
    mut market: ResMut<Market>,
) {
    if !market.is_trading() {
        return;
    }
    let network = &hood.0.network;
    let now = clock.now();
    let islanded = grid.mode != GridMode::Connected;
    if market.open.start.is_some() && market.open.islanded != islanded {
        market.close_interval(network, now);
    }
    let dt_h = f64::from(clock.step_s) / 3600.0;
    let market = &mut *market;
    let open = &mut market.open;
    if open.start.is_none() {
        open.start = Some(now);
        open.islanded = islanded;
    }
    open.steps += 1;
    for (index, power) in &devices {
        if let Some(&p) = market.device_participant.get(index.0) {
            open.net_kwh[p] += power.p_kw * dt_h;
        }
    }
    open.pcc_kwh += record.grid_import_kw * dt_h;
    open.losses_kwh += record.losses_kw * dt_h;
    open.import_sum += prices.import_eur_per_kwh;
    open.export_sum += prices.export_eur_per_kwh;
    open.storage_share_sum += record.battery_soc_percent / 100.0;
    if let Some(flow) = state.solved() {
        for (line, f) in flow.lines.iter().enumerate() {
            open.headroom.observe(line, f.p_from_mw, f.loading_percent);
        }
    }
    let interval_s = market.settings.interval_min * 60;
    let since_midnight = now.num_seconds_from_midnight();
    if since_midnight / interval_s != (since_midnight + clock.step_s) / interval_s {
        let end = now + chrono::Duration::seconds(i64::from(clock.step_s));
        market.close_interval(network, end);
    }
}
