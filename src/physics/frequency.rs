//! Island frequency: the aggregate swing equation of the grid-forming
//! inverters with droop, virtual inertia, secondary restoration, PV
//! over-frequency curtailment and under-frequency load shedding.
//!
//! In per unit on the grid-forming units' total rating S:
//!
//! ```text
//! (2H / f0) df/dt = (P_m - P_load + P_pv(f)) / S - D (f - f0) / f0
//! P_m    = clamp(P_set - (S / R) (f - f0) / f0, -charge limit, discharge limit)
//! dP_set/dt = -(S / R) (f - f0) / f0 / T_secondary      (restores 50 Hz)
//! P_pv(f) = P_pv,avail (1 - (f - 50.2) / 1 Hz)  above 50.2 Hz (2 % droop), tripped above 51.5 Hz
//! ```
//!
//! Without the limits and the secondary loop a load step dP gives the
//! textbook response df(t) = -dP/S f0 / (1/R + D) (1 - exp(-t / tau)),
//! tau = 2H / (1/R + D); a unit test holds the integrator to it.
//! Under-frequency relays shed stages of non-critical load at 49.0, 48.7,
//! 48.4 and 48.1 Hz (German practice, VDE-AR-N 4142; "check" in the
//! domain notes); below 47.5 Hz the inverters trip: blackout.
//!
//! Integration: linearly implicit Euler (stable for any step, which matters
//! because PV droop makes the loop stiff when PV outweighs the batteries),
//! 5 ms steps for the first 2 s after a change, 10 ms to 10 s, then 0.1 s.

/// Nominal frequency, Hz.
pub const F0_HZ: f64 = 50.0;
/// Under-frequency shedding thresholds, Hz, one stage each.
pub const SHED_STAGES_HZ: [f64; 4] = [49.0, 48.7, 48.4, 48.1];
/// Below this the inverters trip.
pub const TRIP_LOW_HZ: f64 = 47.5;
/// PV starts curtailing above this (VDE-AR-N 4105 / EN 50549-1).
pub const PV_CURTAIL_START_HZ: f64 = 50.2;
/// PV trips above this.
pub const PV_TRIP_HZ: f64 = 51.5;
/// PV reduction per Hz above [`PV_CURTAIL_START_HZ`], share of available power.
///
/// EN 50549-1 lets installers set the over-frequency droop between 2 % and
/// 12 % (default 5 %, 40 %/Hz). At 5 % a PV inverter can shed only 52 % of
/// its output before it trips at 51.5 Hz, so a large surplus trips all the
/// PV at once and the island falls into under-frequency shedding. A
/// microgrid's inverters are set to the steepest 2 % (100 %/Hz): they
/// curtail fully by 51.2 Hz, before the trip.
pub const PV_CURTAIL_PER_HZ: f64 = 1.0;

/// The grid-forming units' control parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DroopParams {
    /// Droop, share of f0 at full power (0.04 = 4 %).
    pub droop: f64,
    /// Virtual inertia constant, s, on the units' rating.
    pub inertia_h_s: f64,
    /// Load damping, pu power per pu frequency.
    pub damping: f64,
    /// Secondary control time constant, s (`None`: primary droop only).
    pub secondary_s: Option<f64>,
}

impl Default for DroopParams {
    fn default() -> Self {
        Self {
            droop: 0.04,
            inertia_h_s: 4.0,
            damping: 1.0,
            secondary_s: Some(20.0),
        }
    }
}

/// The island's frequency state carried between simulation steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrequencyState {
    /// Frequency, Hz.
    pub f_hz: f64,
    /// Secondary set point of the grid-forming units, kW.
    pub p_set_kw: f64,
    /// The island's voltage angle against the main grid's, which keeps
    /// [`F0_HZ`], degrees in [-180, 180): the integral of the island's
    /// frequency deviation since it left the grid (0 while connected).
    pub phase_deg: f64,
}

impl Default for FrequencyState {
    fn default() -> Self {
        Self {
            f_hz: F0_HZ,
            p_set_kw: 0.0,
            phase_deg: 0.0,
        }
    }
}

/// `deg` wrapped into [-180, 180).
pub fn wrap_degrees(deg: f64) -> f64 {
    (deg + 180.0).rem_euclid(360.0) - 180.0
}

/// The island during one simulation step, kW.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IslandBalance {
    /// Demand that stays whatever happens (critical loads, losses), kW.
    pub firm_load_kw: f64,
    /// Non-critical demand, shed in [`SHED_STAGES_HZ`] stages of a quarter each, kW.
    pub sheddable_load_kw: f64,
    /// Stages already shed before this step.
    pub stages_shed: usize,
    /// PV available (before curtailment), kW.
    pub pv_available_kw: f64,
    /// Wind available, kW. Small turbines feed through inverters and
    /// follow the same over-frequency rules as PV (VDE-AR-N 4105, EN
    /// 50549-1): less power above 50.2 Hz, off at 51.5 Hz. `pv_share`
    /// applies to it too.
    pub other_generation_kw: f64,
    /// Grid-forming units' total rating, kW.
    pub rating_kw: f64,
    /// Most the units can give now, kW.
    pub discharge_limit_kw: f64,
    /// Most the units can take now, kW.
    pub charge_limit_kw: f64,
}

/// What the frequency did during the step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrequencyOutcome {
    /// State at the end of the step.
    pub end: FrequencyState,
    /// Lowest frequency in the step, Hz.
    pub f_min_hz: f64,
    /// Highest frequency in the step, Hz.
    pub f_max_hz: f64,
    /// Stages shed at the end of the step (including earlier ones).
    pub stages_shed: usize,
    /// Frequencies at which new stages were shed in this step.
    pub shed_at_hz: [Option<f64>; 4],
    /// Share of available PV delivered at the end of the step.
    pub pv_share: f64,
    /// Power the grid-forming units deliver at the end, kW (negative charges).
    pub units_kw: f64,
    /// The units tripped on low frequency: blackout.
    pub blackout: bool,
}

/// Share of available PV that over-frequency droop lets through at `f_hz`.
pub fn pv_share_at(f_hz: f64) -> f64 {
    if f_hz >= PV_TRIP_HZ {
        0.0
    } else if f_hz > PV_CURTAIL_START_HZ {
        (1.0 - PV_CURTAIL_PER_HZ * (f_hz - PV_CURTAIL_START_HZ)).max(0.0)
    } else {
        1.0
    }
}

/// Integrates the island's frequency over `duration_s` seconds.
pub fn integrate(
    state: FrequencyState,
    island: &IslandBalance,
    params: &DroopParams,
    duration_s: f64,
) -> FrequencyOutcome {
    let s = island.rating_kw.max(1e-6);
    let stages_total = SHED_STAGES_HZ.len();
    let mut f = state.f_hz;
    let mut p_set = state.p_set_kw;
    let mut phase = state.phase_deg;
    let mut stages = island.stages_shed.min(stages_total);
    let mut shed_at = [None; 4];
    let (mut f_min, mut f_max) = (f, f);
    let mut t = 0.0;
    let mut p_m = 0.0;
    // A PV inverter that trips stays off until the next step (VDE-AR-N 4105
    // asks for 60 s of normal frequency before it reconnects).
    let mut pv_tripped = f >= PV_TRIP_HZ;
    let mut pv_share = if pv_tripped { 0.0 } else { pv_share_at(f) };
    let gain = F0_HZ / (2.0 * params.inertia_h_s);
    while t < duration_s - 1e-9 {
        let dt = f64::min(
            if t < 2.0 {
                0.005
            } else if t < 10.0 {
                0.01
            } else {
                0.1
            },
            duration_s - t,
        );
        let load = island.firm_load_kw
            + island.sheddable_load_kw * (1.0 - stages as f64 / stages_total as f64);
        pv_tripped |= f >= PV_TRIP_HZ;
        pv_share = if pv_tripped { 0.0 } else { pv_share_at(f) };
        let inverters_kw = island.pv_available_kw + island.other_generation_kw;
        let generation = inverters_kw * pv_share;
        let dev = (f - F0_HZ) / F0_HZ;
        let p_droop = p_set - s / params.droop * dev;
        p_m = p_droop.clamp(-island.charge_limit_kw, island.discharge_limit_kw);
        let dfdt = gain * ((p_m - load + generation) / s - params.damping * dev);
        // Linearly implicit Euler: divide by 1 + dt * (-d(df/dt)/df), from the
        // droop (while not at a limit), the PV droop (in its band) and damping.
        let droop_slope = if p_m == p_droop {
            1.0 / (params.droop * F0_HZ)
        } else {
            0.0
        };
        let pv_slope = if !pv_tripped && f > PV_CURTAIL_START_HZ && pv_share > 0.0 {
            inverters_kw * PV_CURTAIL_PER_HZ / s
        } else {
            0.0
        };
        let stiffness = gain * (droop_slope + pv_slope + params.damping / F0_HZ);
        let f_before = f;
        f += dt * dfdt / (1.0 + dt * stiffness);
        // The angle runs ahead of the grid's by the frequency over F0 (trapezoid).
        phase += 360.0 * ((f_before + f) / 2.0 - F0_HZ) * dt;
        if let Some(tau) = params.secondary_s {
            // The secondary loop only moves the set point within the units' limits (no wind-up).
            p_set = (p_set - s / params.droop * dev * dt / tau)
                .clamp(-island.charge_limit_kw, island.discharge_limit_kw);
        }
        t += dt;
        f_min = f_min.min(f);
        f_max = f_max.max(f);
        while stages < stages_total && f < SHED_STAGES_HZ[stages] {
            shed_at[stages] = Some(f);
            stages += 1;
        }
        if f < TRIP_LOW_HZ {
            return FrequencyOutcome {
                end: FrequencyState {
                    f_hz: 0.0,
                    p_set_kw: 0.0,
                    phase_deg: 0.0,
                },
                f_min_hz: f_min,
                f_max_hz: f_max,
                stages_shed: stages,
                shed_at_hz: shed_at,
                pv_share: 0.0,
                units_kw: 0.0,
                blackout: true,
            };
        }
    }
    FrequencyOutcome {
        end: FrequencyState {
            f_hz: f,
            p_set_kw: p_set,
            phase_deg: wrap_degrees(phase),
        },
        f_min_hz: f_min,
        f_max_hz: f_max,
        stages_shed: stages,
        shed_at_hz: shed_at,
        pv_share,
        units_kw: p_m,
        blackout: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn island(load_kw: f64) -> IslandBalance {
        IslandBalance {
            firm_load_kw: load_kw,
            sheddable_load_kw: 0.0,
            stages_shed: 0,
            pv_available_kw: 0.0,
            other_generation_kw: 0.0,
            rating_kw: 100.0,
            discharge_limit_kw: 100.0,
            charge_limit_kw: 100.0,
        }
    }

    #[test]
    fn a_load_step_follows_the_analytic_droop_and_inertia_response() {
        let params = DroopParams {
            droop: 0.04,
            inertia_h_s: 4.0,
            damping: 1.0,
            secondary_s: None,
        };
        let step_kw = 20.0;
        let k = 1.0 / params.droop + params.damping;
        let tau = 2.0 * params.inertia_h_s / k;
        let settled = -step_kw / 100.0 * F0_HZ / k;
        for t in [0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0] {
            let out = integrate(FrequencyState::default(), &island(step_kw), &params, t);
            let analytic = settled * (1.0 - (-t / tau).exp());
            let simulated = out.end.f_hz - F0_HZ;
            assert!(
                (simulated - analytic).abs() <= 0.02 * analytic.abs(),
                "t {t}: {simulated} vs {analytic} Hz"
            );
            // The angle is the deviation's integral: settled (t - tau (1 - e^-t/tau)), in degrees.
            let angle = 360.0 * settled * (t - tau * (1.0 - (-t / tau).exp()));
            let off = wrap_degrees(out.end.phase_deg - angle);
            assert!(
                off.abs() <= 0.02 * angle.abs() + 1e-3,
                "t {t}: the island's angle {} deg against {angle} deg",
                out.end.phase_deg
            );
        }
        // Ten seconds at the settled frequency turn the angle more than once round: it stays in [-180, 180).
        let out = integrate(FrequencyState::default(), &island(step_kw), &params, 10.0);
        assert!((-180.0..180.0).contains(&out.end.phase_deg), "{out:?}");
    }

    #[test]
    fn secondary_control_restores_fifty_hertz() {
        let out = integrate(
            FrequencyState::default(),
            &island(30.0),
            &DroopParams::default(),
            60.0,
        );
        assert!(out.f_min_hz < 49.9, "there is a dip: {}", out.f_min_hz);
        assert!((out.end.f_hz - F0_HZ).abs() < 0.05, "{}", out.end.f_hz);
        assert!((out.units_kw - 30.0).abs() < 1.0);
        assert_eq!(out.stages_shed, 0);
    }

    #[test]
    fn a_deficit_beyond_the_units_sheds_in_order_and_keeps_the_firm_load() {
        let mut i = island(20.0);
        i.sheddable_load_kw = 100.0;
        i.discharge_limit_kw = 60.0;
        let out = integrate(FrequencyState::default(), &i, &DroopParams::default(), 60.0);
        // 120 kW of demand on 60 kW of units: two quarter stages leave 70 kW, three 45 kW.
        assert_eq!(out.stages_shed, 3, "{out:?}");
        let at: Vec<f64> = out.shed_at_hz.iter().flatten().copied().collect();
        assert!(
            at.windows(2).all(|w| w[0] > w[1]),
            "stages in falling order {at:?}"
        );
        assert!(!out.blackout);
        assert!(
            out.end.f_hz > 49.0 && out.end.f_hz < 50.5,
            "{}",
            out.end.f_hz
        );
    }

    #[test]
    fn full_batteries_curtail_pv_by_raising_the_frequency() {
        for (load_kw, pv_kw) in [(50.0, 80.0), (10.0, 80.0)] {
            let mut i = island(load_kw);
            i.pv_available_kw = pv_kw;
            i.charge_limit_kw = 0.0;
            let out = integrate(FrequencyState::default(), &i, &DroopParams::default(), 60.0);
            // PV settles at the load plus what frequency-sensitive load
            // (damping D) draws at the raised frequency, without tripping.
            let pv = out.pv_share * pv_kw;
            let damping_kw = (out.end.f_hz / F0_HZ - 1.0) * 100.0;
            assert!(out.f_max_hz < PV_TRIP_HZ, "{}", out.f_max_hz);
            assert!(out.end.f_hz > PV_CURTAIL_START_HZ, "{}", out.end.f_hz);
            assert!(
                (pv - load_kw - damping_kw).abs() < 0.5,
                "PV curtailed to the load: {pv}"
            );
        }
    }

    #[test]
    fn wind_beyond_what_full_batteries_take_is_held_back_like_pv() {
        // A gale at night: 20 kW of wind, 5 kW of load, batteries full.
        // Small turbines feed through inverters under the same rules as
        // PV (VDE-AR-N 4105): the frequency settles in the curtailment
        // band and never reaches the trip, let alone runs away.
        let mut i = island(5.0);
        i.other_generation_kw = 20.0;
        i.charge_limit_kw = 0.0;
        let out = integrate(FrequencyState::default(), &i, &DroopParams::default(), 60.0);
        assert!(out.f_max_hz < PV_TRIP_HZ, "{}", out.f_max_hz);
        assert!(out.end.f_hz > PV_CURTAIL_START_HZ, "{}", out.end.f_hz);
        let wind = out.pv_share * 20.0;
        let damping_kw = (out.end.f_hz / F0_HZ - 1.0) * 100.0;
        assert!(
            (wind - 5.0 - damping_kw).abs() < 0.5,
            "wind let through {wind}"
        );
    }

    #[test]
    fn pv_trips_above_51_5_hz_and_the_units_carry_the_load() {
        // Start the step already above the trip setting (an external disturbance).
        let mut i = island(10.0);
        i.pv_available_kw = 80.0;
        let out = integrate(
            FrequencyState {
                f_hz: 51.6,
                ..FrequencyState::default()
            },
            &i,
            &DroopParams::default(),
            60.0,
        );
        assert_eq!(out.pv_share, 0.0);
        assert!((out.units_kw - 10.0).abs() < 0.5, "{}", out.units_kw);
        assert!((out.end.f_hz - F0_HZ).abs() < 0.1, "{}", out.end.f_hz);
    }

    #[test]
    fn no_units_left_means_blackout() {
        let mut i = island(50.0);
        i.discharge_limit_kw = 0.0;
        let out = integrate(FrequencyState::default(), &i, &DroopParams::default(), 60.0);
        assert!(out.blackout);
    }
}
