//! Settlement: each interval's money per participant, the community's bill at
//! the point of common coupling, and the baseline without sharing.
//!
//! The rules, applied to every interval:
//!
//! - Local trades: the buyer pays the seller `kWh x price`.
//! - The rest of each participant's deficit is bought at the import price,
//!   the rest of its surplus sold at the export price, through the
//!   community, which is one customer at the point of common coupling and
//!   pays the supplier for the interval's net energy there. In an island the
//!   community stands in for the grid at the island price.
//! - Losses: the supplier's bill covers what the meters saw plus the feeder's
//!   losses (cables, transformer). The difference between that bill and the
//!   participants' net energy at the grid prices - the losses' cost - is
//!   charged to the participants in proportion to the energy they drew in the
//!   interval (their deficit); when no one drew, in proportion to their
//!   surplus. It depends on the physics alone, not on the mechanism.
//! - Spread: when a mechanism leaves both offers and bids unmatched (the
//!   auction; a curtailed trade), the unmatched buyers pay the import price
//!   and the unmatched sellers get the export price for energy that met
//!   inside the neighbourhood. The community keeps that difference.
//! - The baseline is the same interval without sharing: each participant's
//!   whole deficit at the import price and whole surplus at the export price
//!   (in an island, both at the island price), with the same loss charge,
//!   which depends only on the physics. A participant's saving is its
//!   baseline minus what it paid.
//!
//! The supplier's bill comes from the PCC meter, the losses' cost from the
//! power flow's losses and the spread from the unmatched volumes, each on
//! its own. So when every cent is accounted for, the participants' net
//! payments equal the supplier's bill plus what the community kept (see
//! [`Ledger::balance_eur`]); a wrong price, a trade booked on one side only
//! or energy missing between the meters and the PCC shows in the balance.

use super::feeder::Trade;
use super::{KWH_EPSILON, Position};

/// What one interval brings to the settlement.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalPrices {
    /// Import price (island: the island price), EUR/kWh.
    pub import_eur_per_kwh: f64,
    /// Export price (island: the island price), EUR/kWh.
    pub export_eur_per_kwh: f64,
    /// Net energy from the grid at the point of common coupling, kWh (negative exports; 0 in an island).
    pub pcc_kwh: f64,
    /// Energy lost in the cables and the transformer, kWh (from the power flow).
    pub losses_kwh: f64,
    /// The interval was islanded.
    pub islanded: bool,
}

/// One participant's money and energy, for an interval or summed over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Account {
    /// Bought from neighbours, kWh.
    pub bought_local_kwh: f64,
    /// Sold to neighbours, kWh.
    pub sold_local_kwh: f64,
    /// Paid to neighbours, EUR.
    pub paid_local_eur: f64,
    /// Earned from neighbours, EUR.
    pub earned_local_eur: f64,
    /// Bought from the grid (in an island: from the community), kWh.
    pub bought_grid_kwh: f64,
    /// Sold to the grid (in an island: to the community), kWh.
    pub sold_grid_kwh: f64,
    /// Paid for grid energy, EUR.
    pub paid_grid_eur: f64,
    /// Earned for grid energy, EUR.
    pub earned_grid_eur: f64,
    /// Share of the losses' cost, EUR.
    pub loss_charge_eur: f64,
    /// What the same energy would have cost without sharing, EUR.
    pub baseline_eur: f64,
}

impl Account {
    /// What the participant paid, net of earnings, EUR.
    pub fn net_cost_eur(&self) -> f64 {
        self.paid_local_eur - self.earned_local_eur + self.paid_grid_eur - self.earned_grid_eur
            + self.loss_charge_eur
    }

    /// Baseline minus net cost, EUR (positive: sharing saved money).
    pub fn savings_eur(&self) -> f64 {
        self.baseline_eur - self.net_cost_eur()
    }

    /// Surplus offered, locally or to the grid, kWh.
    pub fn offered_kwh(&self) -> f64 {
        self.sold_local_kwh + self.sold_grid_kwh
    }

    fn add(&mut self, other: &Account) {
        self.bought_local_kwh += other.bought_local_kwh;
        self.sold_local_kwh += other.sold_local_kwh;
        self.paid_local_eur += other.paid_local_eur;
        self.earned_local_eur += other.earned_local_eur;
        self.bought_grid_kwh += other.bought_grid_kwh;
        self.sold_grid_kwh += other.sold_grid_kwh;
        self.paid_grid_eur += other.paid_grid_eur;
        self.earned_grid_eur += other.earned_grid_eur;
        self.loss_charge_eur += other.loss_charge_eur;
        self.baseline_eur += other.baseline_eur;
    }
}

/// One interval settled.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// Per participant.
    pub accounts: Vec<Account>,
    /// The supplier's bill for the interval's net energy at the PCC, EUR.
    pub supplier_bill_eur: f64,
    /// The losses' cost, EUR.
    pub loss_cost_eur: f64,
    /// What the community kept: the spread on unmatched offers and bids,
    /// less any loss cost no one could be charged (no one drew or fed in), EUR.
    pub kept_by_community_eur: f64,
}

/// Settles one interval: `positions` as brought, `trades` as matched and curtailed.
pub fn settle(positions: &[Position], trades: &[Trade], prices: &IntervalPrices) -> Settlement {
    let (buy, sell) = (prices.import_eur_per_kwh, prices.export_eur_per_kwh);
    let mut accounts = vec![Account::default(); positions.len()];
    for t in trades {
        let money = t.money_eur();
        accounts[t.buyer].bought_local_kwh += t.kwh;
        accounts[t.buyer].paid_local_eur += money;
        accounts[t.seller].sold_local_kwh += t.kwh;
        accounts[t.seller].earned_local_eur += money;
    }
    let (mut net_kwh, mut unmatched_bids_kwh, mut unmatched_offers_kwh) = (0.0, 0.0, 0.0);
    for (a, p) in accounts.iter_mut().zip(positions) {
        a.bought_grid_kwh = (p.bid_kwh() - a.bought_local_kwh).max(0.0);
        a.sold_grid_kwh = (p.offer_kwh() - a.sold_local_kwh).max(0.0);
        a.paid_grid_eur = a.bought_grid_kwh * buy;
        a.earned_grid_eur = a.sold_grid_kwh * sell;
        a.baseline_eur = p.bid_kwh() * buy - p.offer_kwh() * sell;
        net_kwh += p.net_kwh;
        unmatched_bids_kwh += a.bought_grid_kwh;
        unmatched_offers_kwh += a.sold_grid_kwh;
    }
    // Each figure from its own source, so that the balance checks them
    // against each other: the bill from the PCC meter, the losses' cost
    // from the power flow's losses, the spread from the unmatched volumes.
    let at_grid_prices = |kwh: f64| if kwh >= 0.0 { kwh * buy } else { kwh * sell };
    let supplier_bill_eur = if prices.islanded {
        0.0
    } else {
        at_grid_prices(prices.pcc_kwh)
    };
    // The losses are drawn through the PCC on top of the participants' net
    // (in an island, from the sellers): what they add at the grid prices.
    let loss_cost_eur = at_grid_prices(net_kwh + prices.losses_kwh) - at_grid_prices(net_kwh);
    // Unmatched bids and offers that met inside the neighbourhood: the
    // smaller of the two volumes flowed from the one to the other, bought
    // at the import price and sold at the export price.
    let spread_eur = unmatched_bids_kwh.min(unmatched_offers_kwh) * (buy - sell);
    let drawn: f64 = positions.iter().map(Position::bid_kwh).sum();
    let fed: f64 = positions.iter().map(Position::offer_kwh).sum();
    let weight = |p: &Position| {
        if drawn > KWH_EPSILON {
            p.bid_kwh()
        } else {
            p.offer_kwh()
        }
    };
    let total = if drawn > KWH_EPSILON { drawn } else { fed };
    let mut kept_by_community_eur = spread_eur - loss_cost_eur;
    if total > KWH_EPSILON {
        for (a, p) in accounts.iter_mut().zip(positions) {
            let charge = loss_cost_eur * weight(p) / total;
            a.loss_charge_eur = charge;
            a.baseline_eur += charge;
        }
        kept_by_community_eur = spread_eur;
    }
    Settlement {
        accounts,
        supplier_bill_eur,
        loss_cost_eur,
        kept_by_community_eur,
    }
}

/// The running ledger of a market.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    /// Per participant, summed.
    pub accounts: Vec<Account>,
    /// Intervals settled.
    pub intervals: u64,
    /// Of those, islanded.
    pub island_intervals: u64,
    /// Local trades.
    pub trades: u64,
    /// Energy traded locally, kWh.
    pub local_kwh: f64,
    /// Money paid for local energy, EUR.
    pub local_eur: f64,
    /// Trades the cables curtailed.
    pub curtailed_trades: u64,
    /// Energy curtailed from trades, kWh.
    pub curtailed_kwh: f64,
    /// Energy from the grid at the PCC, kWh.
    pub pcc_import_kwh: f64,
    /// Energy to the grid at the PCC, kWh.
    pub pcc_export_kwh: f64,
    /// The supplier's bills, EUR.
    pub supplier_bill_eur: f64,
    /// Feeder losses, kWh.
    pub losses_kwh: f64,
    /// The losses' cost, EUR.
    pub loss_cost_eur: f64,
    /// Kept by the community: spread on unmatched offers and bids, less
    /// loss cost no one could be charged, EUR.
    pub kept_by_community_eur: f64,
    /// Net payments of participants that have left (removed in build mode), EUR.
    pub departed_net_eur: f64,
}

impl Ledger {
    /// An empty ledger for `participants`.
    pub fn new(participants: usize) -> Self {
        Self {
            accounts: vec![Account::default(); participants],
            ..Self::default()
        }
    }

    /// Adds an interval.
    pub fn record(
        &mut self,
        settlement: &Settlement,
        trades: &[Trade],
        prices: &IntervalPrices,
        losses_kwh: f64,
    ) {
        for (sum, a) in self.accounts.iter_mut().zip(&settlement.accounts) {
            sum.add(a);
        }
        self.intervals += 1;
        self.island_intervals += u64::from(prices.islanded);
        self.trades += trades.len() as u64;
        for t in trades {
            self.local_kwh += t.kwh;
            self.local_eur += t.money_eur();
            if t.curtailed_kwh > KWH_EPSILON {
                self.curtailed_trades += 1;
                self.curtailed_kwh += t.curtailed_kwh;
            }
        }
        if !prices.islanded {
            self.pcc_import_kwh += prices.pcc_kwh.max(0.0);
            self.pcc_export_kwh += (-prices.pcc_kwh).max(0.0);
        }
        self.supplier_bill_eur += settlement.supplier_bill_eur;
        self.losses_kwh += losses_kwh;
        self.loss_cost_eur += settlement.loss_cost_eur;
        self.kept_by_community_eur += settlement.kept_by_community_eur;
    }

    /// The accounts of the participants `include` picks, summed.
    pub fn total(&self, include: impl Fn(usize) -> bool) -> Account {
        let mut sum = Account::default();
        for (i, a) in self.accounts.iter().enumerate() {
            if include(i) {
                sum.add(a);
            }
        }
        sum
    }

    /// Sum of every participant's net cost, EUR.
    pub fn participants_net_eur(&self) -> f64 {
        self.accounts.iter().map(Account::net_cost_eur).sum::<f64>() + self.departed_net_eur
    }

    /// What the participants paid, less the supplier's bill and what the
    /// community kept, EUR: zero when every cent is accounted for.
    pub fn balance_eur(&self) -> f64 {
        self.participants_net_eur() - self.supplier_bill_eur - self.kept_by_community_eur
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{Mechanism, clear};

    fn trade(seller: usize, buyer: usize, kwh: f64, price: f64) -> Trade {
        Trade {
            seller,
            buyer,
            kwh,
            price_eur_per_kwh: price,
            curtailed_kwh: 0.0,
            distance_ohm: 0.0,
        }
    }

    #[test]
    fn an_interval_settles_to_the_supplier_bill_with_losses_by_drawn_energy() {
        // Seller 0 offers 1 kWh; buyers 1 and 2 want 1 and 3 kWh. SDR price
        // 0.20 (see the mechanism's test). Losses 0.1 kWh: the PCC imports 3.1.
        let positions: Vec<Position> = [-1.0, 1.0, 3.0].map(Position::net).to_vec();
        let prices = IntervalPrices {
            import_eur_per_kwh: 0.40,
            export_eur_per_kwh: 0.08,
            pcc_kwh: 3.1,
            losses_kwh: 0.1,
            islanded: false,
        };
        let c = clear(Mechanism::SupplyDemandRatio, &positions, 0.40, 0.08);
        let trades = vec![trade(0, 1, 0.25, 0.20), trade(0, 2, 0.75, 0.20)];
        assert!((c.local_kwh() - 1.0).abs() < 1e-12);
        let s = settle(&positions, &trades, &prices);
        // Supplier: 3.1 * 0.40 = 1.24; participants' grid energy 3.0 * 0.40 =
        // 1.20, so the losses cost 0.04, charged 1:3 to the buyers.
        assert!((s.supplier_bill_eur - 1.24).abs() < 1e-12);
        assert!((s.loss_cost_eur - 0.04).abs() < 1e-12);
        assert!((s.accounts[1].loss_charge_eur - 0.01).abs() < 1e-12);
        assert!((s.accounts[2].loss_charge_eur - 0.03).abs() < 1e-12);
        // Seller: earns 0.20 against 0.08 without sharing.
        assert!((s.accounts[0].net_cost_eur() + 0.20).abs() < 1e-12);
        assert!((s.accounts[0].savings_eur() - 0.12).abs() < 1e-12);
        // Buyer of 3: 0.75 * 0.20 + 2.25 * 0.40 + 0.03 = 1.08 against 1.23.
        assert!((s.accounts[2].net_cost_eur() - 1.08).abs() < 1e-12);
        assert!((s.accounts[2].savings_eur() - 0.15).abs() < 1e-12);
        let mut ledger = Ledger::new(3);
        ledger.record(&s, &trades, &prices, 0.1);
        assert!(
            ledger.balance_eur().abs() < 1e-12,
            "{}",
            ledger.balance_eur()
        );
        assert_eq!(ledger.trades, 2);
    }

    #[test]
    fn an_island_settles_within_the_community() {
        // Two sellers give 1.05 kWh, one buyer takes 1: 0.05 kWh of losses,
        // bought from the sellers at the island price and charged to the buyer.
        let positions: Vec<Position> = [-0.7, -0.35, 1.0].map(Position::net).to_vec();
        let prices = IntervalPrices {
            import_eur_per_kwh: 0.5,
            export_eur_per_kwh: 0.5,
            pcc_kwh: 0.0,
            losses_kwh: 0.05,
            islanded: true,
        };
        let trades = vec![trade(0, 2, 2.0 / 3.0, 0.5), trade(1, 2, 1.0 / 3.0, 0.5)];
        let s = settle(&positions, &trades, &prices);
        assert!((s.accounts[2].net_cost_eur() - 0.525).abs() < 1e-12);
        assert!((s.accounts[0].net_cost_eur() + 0.35).abs() < 1e-12);
        // In an island sharing changes nothing against the baseline.
        for a in &s.accounts {
            assert!(a.savings_eur().abs() < 1e-12);
        }
        let total: f64 = s.accounts.iter().map(Account::net_cost_eur).sum();
        assert!(total.abs() < 1e-12 && s.supplier_bill_eur == 0.0);
    }

    #[test]
    fn the_balance_catches_a_wrong_price_a_one_sided_trade_and_missing_energy() {
        let positions: Vec<Position> = [-1.0, 1.0, 3.0].map(Position::net).to_vec();
        let prices = IntervalPrices {
            import_eur_per_kwh: 0.40,
            export_eur_per_kwh: 0.08,
            pcc_kwh: 3.1,
            losses_kwh: 0.1,
            islanded: false,
        };
        let trades = vec![trade(0, 1, 0.25, 0.20), trade(0, 2, 0.75, 0.20)];
        let balance = |s: &Settlement, p: &IntervalPrices| {
            let mut ledger = Ledger::new(3);
            ledger.record(s, &trades, p, p.losses_kwh);
            ledger.balance_eur()
        };
        let good = settle(&positions, &trades, &prices);
        assert!(balance(&good, &prices).abs() < 1e-12);
        // A buyer charged a wrong import price.
        let mut wrong_price = good.clone();
        wrong_price.accounts[2].paid_grid_eur *= 1.01;
        assert!(balance(&wrong_price, &prices).abs() > 1e-3);
        // A trade the buyer paid for but the seller was never paid.
        let mut one_sided = good.clone();
        one_sided.accounts[0].earned_local_eur -= trades[1].money_eur();
        assert!(balance(&one_sided, &prices).abs() > 1e-3);
        // The PCC meter saw energy the house meters and the losses do not explain.
        let missing = IntervalPrices {
            pcc_kwh: 3.2,
            ..prices.clone()
        };
        assert!(balance(&settle(&positions, &trades, &missing), &missing).abs() > 1e-3);
        // An island whose sellers gave more than the buyers and the losses took.
        let island = IntervalPrices {
            import_eur_per_kwh: 0.5,
            export_eur_per_kwh: 0.5,
            pcc_kwh: 0.0,
            losses_kwh: 0.0,
            islanded: true,
        };
        let trades = vec![trade(0, 1, 1.0, 0.5)];
        let surplus: Vec<Position> = [-1.2, 1.0].map(Position::net).to_vec();
        let mut ledger = Ledger::new(2);
        ledger.record(&settle(&surplus, &trades, &island), &trades, &island, 0.0);
        assert!(ledger.balance_eur().abs() > 1e-3);
    }
}
