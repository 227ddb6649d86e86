//! Names of things as the panels and lessons say them, in the language of
//! the moment.

use crate::lang::tr;
use crate::market::Mechanism;

/// A sharing mechanism's name, as the market control offers it.
pub fn market_name(m: Mechanism) -> &'static str {
    match m {
        Mechanism::None => tr("side.market_none"),
        Mechanism::SupplyDemandRatio => tr("side.market_sdr"),
        Mechanism::MidMarketRate => tr("side.market_mmr"),
        Mechanism::BillSharing => tr("side.market_bill_sharing"),
        Mechanism::Auction => tr("side.market_auction"),
    }
}
