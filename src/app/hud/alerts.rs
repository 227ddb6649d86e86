//! The alerts over the 3D view and how serious each is: islanding,
//! shedding, blackout, voltage outside the band, overloads.

use crate::lang::{num, tr};
use crate::physics::frequency::SHED_STAGES_HZ;
use crate::sim::grid_mode::GridMode;
use crate::sim::metrics::StepRecord;
use crate::tr;

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Worth knowing (islanded on purpose).
    Notice,
    /// Something is wrong (shedding, limits).
    Warning,
    /// The lights are out.
    Critical,
}

/// The alerts for the latest step: islanding, shedding, blackout, voltage
/// outside the band, overloads, a power flow without a solution.
pub fn alerts(
    record: &StepRecord,
    mode: GridMode,
    economic: bool,
    stages_shed: usize,
) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    match mode {
        GridMode::Blackout => out.push((Severity::Critical, tr("alert.blackout").to_owned())),
        GridMode::Islanded if economic => {
            out.push((Severity::Notice, tr("alert.islanded_by_choice").to_owned()))
        }
        GridMode::Islanded => out.push((Severity::Warning, tr("alert.islanded").to_owned())),
        GridMode::Connected => {}
    }
    if mode == GridMode::Islanded && stages_shed > 0 {
        out.push((
            Severity::Critical,
            tr!(
                "alert.shedding",
                stage = stages_shed,
                stages = SHED_STAGES_HZ.len(),
                kw = num(record.shed_kw, 1)
            ),
        ));
    }
    // Before the first step there is nothing to judge yet.
    let (v_low, v_high) = crate::sim::metrics::VOLTAGE_BAND_PU;
    if mode != GridMode::Blackout && record.time.is_some() {
        if !record.power_flow_ok {
            out.push((Severity::Critical, tr("alert.no_solution").to_owned()));
        }
        if record.v_max_pu > v_high {
            out.push((
                Severity::Warning,
                tr!(
                    "alert.over_voltage",
                    pu = num(record.v_max_pu, 3),
                    limit = num(v_high, 2)
                ),
            ));
        }
        if record.v_min_pu < v_low {
            out.push((
                Severity::Warning,
                tr!(
                    "alert.under_voltage",
                    pu = num(record.v_min_pu, 3),
                    limit = num(v_low, 2)
                ),
            ));
        }
        if record.max_loading_percent > 100.0 {
            out.push((
                Severity::Warning,
                tr!(
                    "alert.overload",
                    percent = num(record.max_loading_percent, 0)
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::prelude::default;

    #[test]
    fn alerts_name_islanding_shedding_and_limits() {
        let ok = StepRecord {
            time: crate::scenario::parse_date_time("2025-06-21 12:00").ok(),
            power_flow_ok: true,
            v_min_pu: 0.97,
            v_max_pu: 1.02,
            max_loading_percent: 40.0,
            ..default()
        };
        assert!(alerts(&ok, GridMode::Connected, false, 0).is_empty());
        let island = alerts(&ok, GridMode::Islanded, false, 2);
        assert_eq!(island.len(), 2);
        assert!(island[1].1.contains("stage 2 of 4"), "{island:?}");
        assert_eq!(
            alerts(&ok, GridMode::Islanded, true, 0)[0].0,
            Severity::Notice
        );
        let stressed = StepRecord {
            v_max_pu: 1.12,
            max_loading_percent: 130.0,
            ..ok
        };
        let list = alerts(&stressed, GridMode::Connected, false, 0);
        assert_eq!(list.len(), 2);
        assert!(list[0].1.contains("OVER VOLTAGE") && list[1].1.contains("130 %"));
        // A blackout says so, and nothing about voltages it does not have.
        let dark = alerts(&StepRecord::default(), GridMode::Blackout, false, 4);
        assert_eq!(dark.len(), 1);
        assert_eq!(dark[0].0, Severity::Critical);
    }
}
