//! The local peer-to-peer market between neighbours, as pure functions.
//!
//! Every interval (15 minutes by default) each participant - a house behind
//! its meter, after its own battery has done what its policy asks, or a shared
//! asset such as a wind turbine - brings its metered net energy: a surplus to
//! sell or a deficit to buy. A mechanism prices the local energy and says how
//! much of each offer and bid is traded locally; [`feeder`] says who supplied
//! whom; [`ledger`] settles the money against the main grid and against a
//! baseline without sharing.
//!
//! The mechanisms (notation of the domain notes: `import` is the retail price
//! lambda_b, `export` the feed-in price lambda_s; TSP and TBP the total energy
//! offered and bid):
//!
//! - [`Mechanism::SupplyDemandRatio`] (Liu et al. 2017): SDR = TSP / TBP. For
//!   SDR <= 1 sellers get `export * import / ((import - export) * SDR + export)`
//!   for everything and buyers pay `P_sell * SDR + import * (1 - SDR)`, which is
//!   the same as buying the share SDR locally at P_sell and the rest from the
//!   grid; for SDR > 1 both prices are the export price.
//! - [`Mechanism::MidMarketRate`] (Long et al. 2017): local energy at
//!   `(import + export) / 2`; the short side trades all of it, the long side
//!   pro rata, its remainder with the grid.
//! - [`Mechanism::BillSharing`] (Long et al. 2017): the community settles its
//!   net with the supplier; the import cost is shared by consumption and the
//!   export revenue by generation. Local kWh then carry no price of their own
//!   (zero): bill sharing is the one mechanism whose local price lies outside
//!   `[export, import]`, and sellers earn less than without sharing.
//! - [`Mechanism::Auction`]: a uniform-price double auction. Each agent is a
//!   zero-intelligence-constrained trader (Gode and Sunder 1993): its limit
//!   price is drawn uniformly from `[export, import]`, so it never trades at a
//!   loss against the grid; bids sorted down, asks up, matched while the bid
//!   covers the ask; everyone pays the mid-point of the marginal bid and ask.
//!
//! Inside an island there is no grid price: sharing goes on at the scenario's
//! [`IslandPricing`], the short side served in full, the long side pro rata.

pub mod feeder;
pub mod ledger;

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

/// Energy below this is nothing, kWh (a thousandth of a watt-hour).
pub const KWH_EPSILON: f64 = 1e-6;

/// How local energy is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Mechanism {
    /// No local market: every house trades with the grid alone.
    #[default]
    None,
    /// Supply-demand ratio pricing (Liu et al. 2017).
    SupplyDemandRatio,
    /// Mid-market rate (Long et al. 2017).
    MidMarketRate,
    /// Bill sharing (Long et al. 2017).
    BillSharing,
    /// Uniform-price double auction.
    Auction,
}

impl Mechanism {
    /// The mechanisms that trade, in the order docs/market.md compares them.
    pub const TRADING: [Mechanism; 4] = [
        Mechanism::SupplyDemandRatio,
        Mechanism::MidMarketRate,
        Mechanism::BillSharing,
        Mechanism::Auction,
    ];

    /// Name on the command line.
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::SupplyDemandRatio => "sdr",
            Self::MidMarketRate => "mmr",
            Self::BillSharing => "bill-sharing",
            Self::Auction => "auction",
        }
    }

    /// Name a reader understands.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "no market",
            Self::SupplyDemandRatio => "supply-demand ratio",
            Self::MidMarketRate => "mid-market rate",
            Self::BillSharing => "bill sharing",
            Self::Auction => "double auction",
        }
    }

    /// Parses a command-line name (`sdr`, `mmr`, `bill-sharing`, `auction`, `none`).
    pub fn from_cli(text: &str) -> Result<Self, String> {
        let t = text.trim().to_ascii_lowercase();
        [Self::None]
            .into_iter()
            .chain(Self::TRADING)
            .find(|m| m.cli_name() == t)
            .ok_or_else(|| {
                format!(
                    "\"{text}\" is not a market; choose sdr, mmr, bill-sharing, auction or none"
                )
            })
    }
}

/// Prices inside an island, where the grid sets none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum IslandPricing {
    /// One price whatever the storage holds.
    Fixed {
        /// EUR/kWh.
        #[serde(deserialize_with = "crate::scenario::checked::price_eur_per_kwh")]
        eur_per_kwh: f64,
    },
    /// Scarcity pricing: the price rises in a straight line as the home
    /// batteries empty, from `full` with all storage charged to `empty`.
    Scarcity {
        /// EUR/kWh with the batteries full.
        #[serde(deserialize_with = "crate::scenario::checked::price_eur_per_kwh")]
        full_eur_per_kwh: f64,
        /// EUR/kWh with the batteries empty.
        #[serde(deserialize_with = "crate::scenario::checked::price_eur_per_kwh")]
        empty_eur_per_kwh: f64,
    },
}

impl Default for IslandPricing {
    fn default() -> Self {
        Self::Scarcity {
            full_eur_per_kwh: 0.20,
            empty_eur_per_kwh: 1.00,
        }
    }
}

impl IslandPricing {
    /// The island's price with `storage_share` (0 empty to 1 full) of the
    /// batteries' capacity stored, EUR/kWh.
    pub fn price_eur_per_kwh(&self, storage_share: f64) -> f64 {
        match *self {
            Self::Fixed { eur_per_kwh } => eur_per_kwh,
            Self::Scarcity {
                full_eur_per_kwh,
                empty_eur_per_kwh,
            } => {
                let full = if storage_share.is_finite() {
                    storage_share.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                empty_eur_per_kwh + (full_eur_per_kwh - empty_eur_per_kwh) * full
            }
        }
    }
}

/// The scenario's market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketSettings {
    /// The mechanism.
    #[serde(default)]
    pub mechanism: Mechanism,
    /// Minutes per market interval; divides an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60).
    #[serde(default = "default_interval_min", deserialize_with = "interval_min")]
    pub interval_min: u32,
    /// Prices inside an island.
    #[serde(default)]
    pub island_pricing: IslandPricing,
}

fn default_interval_min() -> u32 {
    15
}

impl Default for MarketSettings {
    fn default() -> Self {
        Self {
            mechanism: Mechanism::None,
            interval_min: default_interval_min(),
            island_pricing: IslandPricing::default(),
        }
    }
}

/// Checks a market interval in minutes: it must divide an hour.
pub fn check_interval_min(minutes: u32) -> Result<u32, String> {
    if (1..=60).contains(&minutes) && 60 % minutes == 0 {
        Ok(minutes)
    } else {
        Err(format!(
            "a market interval of {minutes} min does not divide an hour; choose 5, 10, 15, 20, 30 or 60"
        ))
    }
}

fn interval_min<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let minutes = u32::deserialize(d)?;
    check_interval_min(minutes).map_err(D::Error::custom)
}

/// One participant in one interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Metered net energy, kWh: positive is a deficit to buy, negative a surplus to sell.
    pub net_kwh: f64,
    /// The agent's limit price in an auction (the most a buyer pays, the
    /// least a seller takes), EUR/kWh; other mechanisms ignore it.
    pub limit_eur_per_kwh: f64,
}

impl Position {
    /// A position without a limit price.
    pub fn net(net_kwh: f64) -> Self {
        Self {
            net_kwh,
            limit_eur_per_kwh: 0.0,
        }
    }

    /// Energy offered, kWh.
    pub fn offer_kwh(&self) -> f64 {
        (-self.net_kwh).max(0.0)
    }

    /// Energy bid for, kWh.
    pub fn bid_kwh(&self) -> f64 {
        self.net_kwh.max(0.0)
    }
}

/// What a mechanism decided for one interval: one price for every local kWh
/// and how much each participant trades locally.
#[derive(Debug, Clone, PartialEq)]
pub struct Clearing {
    /// Price of each local kWh, EUR/kWh.
    pub local_price_eur_per_kwh: f64,
    /// Local kWh each participant sells.
    pub sell_kwh: Vec<f64>,
    /// Local kWh each participant buys.
    pub buy_kwh: Vec<f64>,
}

impl Clearing {
    /// No local trade.
    pub fn nothing(participants: usize, price: f64) -> Self {
        Self {
            local_price_eur_per_kwh: price,
            sell_kwh: vec![0.0; participants],
            buy_kwh: vec![0.0; participants],
        }
    }

    /// Energy traded locally, kWh.
    pub fn local_kwh(&self) -> f64 {
        self.buy_kwh.iter().sum()
    }
}

/// Total offered (TSP) and bid (TBP) energy, kWh.
pub fn totals_kwh(positions: &[Position]) -> (f64, f64) {
    positions
        .iter()
        .fold((0.0, 0.0), |(s, b), p| (s + p.offer_kwh(), b + p.bid_kwh()))
}

/// Supply-demand ratio prices (sell, buy) in EUR/kWh for TSP and TBP.
///
/// Liu et al. 2017, "Energy sharing management for microgrids with PV
/// prosumers: a Stackelberg game approach", eqs. (5)-(6).
pub fn supply_demand_ratio_prices(
    tsp_kwh: f64,
    tbp_kwh: f64,
    import_eur_per_kwh: f64,
    export_eur_per_kwh: f64,
) -> (f64, f64) {
    let (b, s) = (import_eur_per_kwh, export_eur_per_kwh);
    if tbp_kwh <= 0.0 || tsp_kwh > tbp_kwh {
        return (s, s);
    }
    let sdr = tsp_kwh / tbp_kwh;
    // The formula assumes 0 < export < import. With no supply nobody sells;
    // with a negative feed-in price (or none) sellers get the formula's
    // limit at export = 0, which is 0, rather than a pole where the
    // denominator crosses zero.
    if sdr <= 0.0 {
        return (b, b);
    }
    let s_formula = s.max(0.0);
    let sell = if s_formula <= 0.0 {
        0.0
    } else {
        s_formula * b / ((b - s_formula) * sdr + s_formula)
    };
    (sell, sell * sdr + b * (1.0 - sdr))
}

/// Mid-market rate, EUR/kWh.
pub fn mid_market_rate(import_eur_per_kwh: f64, export_eur_per_kwh: f64) -> f64 {
    (import_eur_per_kwh + export_eur_per_kwh) / 2.0
}

/// Clears one connected interval.
///
/// When export is not below import there is nothing to gain locally: no trade.
pub fn clear(
    mechanism: Mechanism,
    positions: &[Position],
    import_eur_per_kwh: f64,
    export_eur_per_kwh: f64,
) -> Clearing {
    let n = positions.len();
    if mechanism == Mechanism::None || import_eur_per_kwh <= export_eur_per_kwh {
        return Clearing::nothing(n, export_eur_per_kwh);
    }
    let (tsp, tbp) = totals_kwh(positions);
    let price = match mechanism {
        Mechanism::None => unreachable!("returned above"),
        Mechanism::SupplyDemandRatio => {
            supply_demand_ratio_prices(tsp, tbp, import_eur_per_kwh, export_eur_per_kwh).0
        }
        Mechanism::MidMarketRate => mid_market_rate(import_eur_per_kwh, export_eur_per_kwh),
        Mechanism::BillSharing => 0.0,
        Mechanism::Auction => return double_auction(positions),
    };
    pro_rata(positions, price)
}

/// Clears one island interval at `price_eur_per_kwh`: the short side in full,
/// the long side pro rata.
pub fn clear_island(positions: &[Position], price_eur_per_kwh: f64) -> Clearing {
    pro_rata(positions, price_eur_per_kwh)
}

/// The short side trades everything; the long side the same share each.
fn pro_rata(positions: &[Position], price: f64) -> Clearing {
    let (tsp, tbp) = totals_kwh(positions);
    let local = tsp.min(tbp);
    let mut clearing = Clearing::nothing(positions.len(), price);
    if local <= KWH_EPSILON {
        return clearing;
    }
    let (sell_share, buy_share) = (local / tsp, local / tbp);
    for (i, p) in positions.iter().enumerate() {
        clearing.sell_kwh[i] = p.offer_kwh() * sell_share;
        clearing.buy_kwh[i] = p.bid_kwh() * buy_share;
    }
    clearing
}

/// A uniform-price double auction over divisible offers and bids.
fn double_auction(positions: &[Position]) -> Clearing {
    let mut clearing = Clearing::nothing(positions.len(), 0.0);
    let mut asks: Vec<usize> = (0..positions.len())
        .filter(|&i| positions[i].offer_kwh() > KWH_EPSILON)
        .collect();
    let mut bids: Vec<usize> = (0..positions.len())
        .filter(|&i| positions[i].bid_kwh() > KWH_EPSILON)
        .collect();
    // Cheapest asks and dearest bids first; ties by participant, so the
    // outcome does not depend on anything but the positions.
    asks.sort_by(|&a, &b| {
        positions[a]
            .limit_eur_per_kwh
            .total_cmp(&positions[b].limit_eur_per_kwh)
            .then(a.cmp(&b))
    });
    bids.sort_by(|&a, &b| {
        positions[b]
            .limit_eur_per_kwh
            .total_cmp(&positions[a].limit_eur_per_kwh)
            .then(a.cmp(&b))
    });
    let (mut i, mut j) = (0, 0);
    let mut left_ask = asks.first().map_or(0.0, |&a| positions[a].offer_kwh());
    let mut left_bid = bids.first().map_or(0.0, |&b| positions[b].bid_kwh());
    let mut marginal = None;
    while i < asks.len() && j < bids.len() {
        let (seller, buyer) = (asks[i], bids[j]);
        let (ask, bid) = (
            positions[seller].limit_eur_per_kwh,
            positions[buyer].limit_eur_per_kwh,
        );
        if bid < ask {
            break;
        }
        let q = left_ask.min(left_bid);
        clearing.sell_kwh[seller] += q;
        clearing.buy_kwh[buyer] += q;
        marginal = Some((ask, bid));
        left_ask -= q;
        left_bid -= q;
        if left_ask <= KWH_EPSILON {
            i += 1;
            left_ask = asks.get(i).map_or(0.0, |&a| positions[a].offer_kwh());
        }
        if left_bid <= KWH_EPSILON {
            j += 1;
            left_bid = bids.get(j).map_or(0.0, |&b| positions[b].bid_kwh());
        }
    }
    if let Some((ask, bid)) = marginal {
        clearing.local_price_eur_per_kwh = (ask + bid) / 2.0;
    }
    clearing
}

/// Gini coefficient of `values` (mean absolute difference over twice the
/// mean); `None` when the mean is not positive, where it means nothing.
pub fn gini(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if mean <= 0.0 || !mean.is_finite() {
        return None;
    }
    // Sorted, sum |x_i - x_j| over pairs = 2 * sum (2i - n + 1) x_i.
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * i as f64 - n as f64 + 1.0) * x)
        .sum();
    Some(weighted / (n as f64 * n as f64 * mean))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMPORT: f64 = 0.40;
    const EXPORT: f64 = 0.08;

    fn positions(nets: &[f64]) -> Vec<Position> {
        nets.iter().map(|&n| Position::net(n)).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn supply_demand_ratio_by_hand() {
        // One seller offers 1 kWh, two buyers want 1 and 3: SDR = 1/4.
        // P_sell = 0.08 * 0.40 / (0.32 * 0.25 + 0.08) = 0.032 / 0.16 = 0.20,
        // P_buy = 0.20 * 0.25 + 0.40 * 0.75 = 0.35.
        let (sell, buy) = supply_demand_ratio_prices(1.0, 4.0, IMPORT, EXPORT);
        assert!(close(sell, 0.20) && close(buy, 0.35), "{sell} {buy}");
        let c = clear(
            Mechanism::SupplyDemandRatio,
            &positions(&[-1.0, 1.0, 3.0]),
            IMPORT,
            EXPORT,
        );
        assert!(close(c.local_price_eur_per_kwh, 0.20));
        assert_eq!(c.sell_kwh, vec![1.0, 0.0, 0.0]);
        assert_eq!(c.buy_kwh, vec![0.0, 0.25, 0.75]);
        // The buyer of 3 kWh pays 0.75 * 0.20 + 2.25 * 0.40 = 1.05 = 3 * P_buy.
        assert!(close(0.75 * 0.20 + 2.25 * IMPORT, 3.0 * buy));
        // Ends of the range: SDR = 1 gives the export price, SDR -> 0 the import price.
        assert!(close(
            supply_demand_ratio_prices(2.0, 2.0, IMPORT, EXPORT).0,
            EXPORT
        ));
        assert!(close(
            supply_demand_ratio_prices(1e-12, 2.0, IMPORT, EXPORT).0,
            IMPORT
        ));
        // Oversupplied: both at the export price, buyers served in full.
        assert_eq!(
            supply_demand_ratio_prices(3.0, 1.0, IMPORT, EXPORT),
            (EXPORT, EXPORT)
        );
        let c = clear(
            Mechanism::SupplyDemandRatio,
            &positions(&[-2.0, -1.0, 1.0]),
            IMPORT,
            EXPORT,
        );
        assert!(close(c.sell_kwh[0], 2.0 / 3.0) && close(c.sell_kwh[1], 1.0 / 3.0));
        assert_eq!(c.buy_kwh[2], 1.0);
    }

    #[test]
    fn mid_market_rate_by_hand() {
        // Two sellers of 1 and 2 kWh, one buyer of 1.5: supply is long, the
        // buyer gets all 1.5 at 0.24; sellers each sell half their offer.
        let c = clear(
            Mechanism::MidMarketRate,
            &positions(&[-1.0, -2.0, 1.5]),
            IMPORT,
            EXPORT,
        );
        assert!(close(c.local_price_eur_per_kwh, 0.24));
        assert_eq!(c.sell_kwh, vec![0.5, 1.0, 0.0]);
        assert_eq!(c.buy_kwh, vec![0.0, 0.0, 1.5]);
    }

    #[test]
    fn bill_sharing_by_hand() {
        // Seller 1 kWh, buyers 1 and 3: the community imports 3 kWh for 1.20
        // EUR, shared by consumption: 0.30 and 0.90, i.e. 0.30 EUR/kWh each.
        let c = clear(
            Mechanism::BillSharing,
            &positions(&[-1.0, 1.0, 3.0]),
            IMPORT,
            EXPORT,
        );
        assert_eq!(c.local_price_eur_per_kwh, 0.0);
        let paid: Vec<f64> = [1.0, 3.0]
            .iter()
            .zip(&c.buy_kwh[1..])
            .map(|(want, local)| (want - local) * IMPORT)
            .collect();
        assert!(close(paid[0], 0.30) && close(paid[1], 0.90), "{paid:?}");
    }

    #[test]
    fn double_auction_by_hand() {
        // Asks: A 2 kWh at 0.10, B 2 kWh at 0.30. Bids: C 1 kWh at 0.35,
        // D 2 kWh at 0.25. C takes 1 from A at 0.35 >= 0.10; D takes A's
        // other 1 (0.25 >= 0.10); D's second kWh would need B at 0.30 > 0.25.
        // Marginal pair A (0.10) and D (0.25): price 0.175.
        let p = |net, limit| Position {
            net_kwh: net,
            limit_eur_per_kwh: limit,
        };
        let c = clear(
            Mechanism::Auction,
            &[p(-2.0, 0.10), p(-2.0, 0.30), p(1.0, 0.35), p(2.0, 0.25)],
            IMPORT,
            EXPORT,
        );
        assert!(close(c.local_price_eur_per_kwh, 0.175));
        assert_eq!(c.sell_kwh, vec![2.0, 0.0, 0.0, 0.0]);
        assert_eq!(c.buy_kwh, vec![0.0, 0.0, 1.0, 1.0]);
        // No bid covers any ask: no trade.
        let c = clear(
            Mechanism::Auction,
            &[p(-1.0, 0.30), p(1.0, 0.20)],
            IMPORT,
            EXPORT,
        );
        assert_eq!(c.local_kwh(), 0.0);
    }

    #[test]
    fn no_trade_without_a_spread_or_a_mechanism() {
        let pos = positions(&[-1.0, 1.0]);
        assert_eq!(
            clear(Mechanism::None, &pos, IMPORT, EXPORT).local_kwh(),
            0.0
        );
        assert_eq!(
            clear(Mechanism::MidMarketRate, &pos, 0.05, 0.08).local_kwh(),
            0.0
        );
    }

    #[test]
    fn island_prices_rise_as_storage_falls() {
        let scarcity = IslandPricing::default();
        assert!(close(scarcity.price_eur_per_kwh(1.0), 0.20));
        assert!(close(scarcity.price_eur_per_kwh(0.0), 1.00));
        assert!(close(scarcity.price_eur_per_kwh(0.5), 0.60));
        let fixed = IslandPricing::Fixed { eur_per_kwh: 0.3 };
        assert_eq!(fixed.price_eur_per_kwh(0.1), 0.3);
        let c = clear_island(&positions(&[-3.0, 1.0, 1.0]), 0.5);
        assert_eq!(c.buy_kwh, vec![0.0, 1.0, 1.0]);
        assert!(close(c.sell_kwh[0], 2.0));
    }

    #[test]
    fn no_one_pays_more_than_alone_under_sdr_mmr_and_the_auction() {
        use rand::{RngExt, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(11);
        for case in 0..2000 {
            let n = 1 + case % 9;
            let import = 0.1 + rng.random::<f64>() * 0.9;
            let export = rng.random::<f64>() * import;
            let positions: Vec<Position> = (0..n)
                .map(|_| Position {
                    net_kwh: rng.random::<f64>() * 4.0 - 2.0,
                    limit_eur_per_kwh: export + rng.random::<f64>() * (import - export),
                })
                .collect();
            for m in [
                Mechanism::SupplyDemandRatio,
                Mechanism::MidMarketRate,
                Mechanism::Auction,
            ] {
                let c = clear(m, &positions, import, export);
                let p = c.local_price_eur_per_kwh;
                assert!((c.sell_kwh.iter().sum::<f64>() - c.local_kwh()).abs() < 1e-9);
                for (i, pos) in positions.iter().enumerate() {
                    assert!(c.buy_kwh[i] <= pos.bid_kwh() + 1e-12);
                    assert!(c.sell_kwh[i] <= pos.offer_kwh() + 1e-12);
                    let cost = c.buy_kwh[i] * p + (pos.bid_kwh() - c.buy_kwh[i]) * import
                        - c.sell_kwh[i] * p
                        - (pos.offer_kwh() - c.sell_kwh[i]) * export;
                    let alone = pos.bid_kwh() * import - pos.offer_kwh() * export;
                    assert!(cost <= alone + 1e-12, "{m:?} case {case}: {cost} > {alone}");
                }
            }
        }
    }

    #[test]
    fn gini_by_hand() {
        assert_eq!(gini(&[1.0, 1.0, 1.0]), Some(0.0));
        // One of four has everything: (n - 1) / n = 0.75.
        assert!(close(
            gini(&[0.0, 0.0, 0.0, 4.0]).expect("positive mean"),
            0.75
        ));
        assert_eq!(gini(&[-1.0, 0.5]), None);
    }

    #[test]
    fn names_round_trip() {
        for m in [Mechanism::None].into_iter().chain(Mechanism::TRADING) {
            assert_eq!(Mechanism::from_cli(m.cli_name()), Ok(m));
        }
        assert!(
            Mechanism::from_cli("sdr2")
                .unwrap_err()
                .contains("choose sdr, mmr")
        );
        assert!(check_interval_min(15).is_ok() && check_interval_min(7).is_err());
    }
}
