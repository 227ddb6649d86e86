//! Batteries: state of charge, limits and the self-consumption policy.
//!
//! SOC(t + dt) = SOC(t) + (eta_c P_ch - P_dis / eta_d) dt / E_nom, with the
//! power limited by the inverter and the SOC kept inside [5 %, 95 %] of the
//! usable energy. A battery never charges and discharges at once: its power
//! is one signed number (consumer frame, positive charges).

/// Lowest state of charge a battery is run down to, as a share of capacity.
pub const SOC_MIN: f64 = 0.05;
/// Highest state of charge a battery is charged to, as a share of capacity.
pub const SOC_MAX: f64 = 0.95;

/// A battery's ratings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatteryRating {
    /// Usable energy, kWh.
    pub capacity_kwh: f64,
    /// Inverter power limit, kW.
    pub power_kw: f64,
    /// One-way efficiency (charging and discharging each).
    pub efficiency: f64,
}

impl BatteryRating {
    /// The most the battery can take now, kW (at the grid side).
    pub fn max_charge_kw(&self, soc_kwh: f64, dt_h: f64) -> f64 {
        let room_kwh = (SOC_MAX * self.capacity_kwh - soc_kwh).max(0.0);
        (room_kwh / (self.efficiency * dt_h)).min(self.power_kw)
    }

    /// The most the battery can give now, kW (at the grid side).
    pub fn max_discharge_kw(&self, soc_kwh: f64, dt_h: f64) -> f64 {
        let stored_kwh = (soc_kwh - SOC_MIN * self.capacity_kwh).max(0.0);
        (stored_kwh * self.efficiency / dt_h).min(self.power_kw)
    }

    /// Clamps a requested power (positive charges) to what is possible now.
    pub fn feasible_kw(&self, request_kw: f64, soc_kwh: f64, dt_h: f64) -> f64 {
        if request_kw >= 0.0 {
            request_kw.min(self.max_charge_kw(soc_kwh, dt_h))
        } else {
            -(-request_kw).min(self.max_discharge_kw(soc_kwh, dt_h))
        }
    }

    /// Change of stored energy over `dt_h` hours at `power_kw` (positive charges), kWh.
    pub fn stored_delta_kwh(&self, power_kw: f64, dt_h: f64) -> f64 {
        let delta = if power_kw >= 0.0 {
            power_kw * self.efficiency
        } else {
            power_kw / self.efficiency
        };
        delta * dt_h
    }

    /// State of charge after `dt_h` hours at `power_kw` (positive charges).
    pub fn next_soc_kwh(&self, soc_kwh: f64, power_kw: f64, dt_h: f64) -> f64 {
        (soc_kwh + self.stored_delta_kwh(power_kw, dt_h)).clamp(0.0, self.capacity_kwh)
    }

    /// Energy lost in conversion at `power_kw` over `dt_h`, kWh.
    pub fn conversion_loss_kwh(&self, power_kw: f64, dt_h: f64) -> f64 {
        if power_kw >= 0.0 {
            power_kw * (1.0 - self.efficiency) * dt_h
        } else {
            -power_kw * (1.0 / self.efficiency - 1.0) * dt_h
        }
    }
}

/// Self-consumption: charge from the house's surplus, discharge into its
/// deficit. `house_net_kw` is the house's demand minus its generation
/// before the battery (positive = the house would import).
pub fn self_consumption_kw(
    rating: &BatteryRating,
    soc_kwh: f64,
    house_net_kw: f64,
    dt_h: f64,
) -> f64 {
    rating.feasible_kw(-house_net_kw, soc_kwh, dt_h)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALL: BatteryRating = BatteryRating {
        capacity_kwh: 13.5,
        power_kw: 5.0,
        efficiency: 0.95,
    };

    #[test]
    fn soc_follows_the_efficiency_both_ways() {
        let charged = WALL.next_soc_kwh(5.0, 4.0, 0.5);
        assert!((charged - (5.0 + 4.0 * 0.95 * 0.5)).abs() < 1e-12);
        let drained = WALL.next_soc_kwh(5.0, -4.0, 0.5);
        assert!((drained - (5.0 - 4.0 / 0.95 * 0.5)).abs() < 1e-12);
    }

    #[test]
    fn limits_hold_power_and_soc() {
        assert_eq!(self_consumption_kw(&WALL, 6.0, -9.0, 1.0 / 60.0), 5.0);
        assert_eq!(self_consumption_kw(&WALL, 6.0, 9.0, 1.0 / 60.0), -5.0);
        // Nearly full: only what fits below 95 %.
        let p = self_consumption_kw(&WALL, 12.8, -5.0, 1.0);
        assert!((WALL.next_soc_kwh(12.8, p, 1.0) - 0.95 * 13.5).abs() < 1e-9);
        // Empty: nothing more to give.
        assert_eq!(self_consumption_kw(&WALL, 0.05 * 13.5, 3.0, 1.0), 0.0);
    }
}
