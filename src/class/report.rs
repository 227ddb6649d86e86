//! A class's results: what `microgrid host --report` writes as JSON.

use serde::{Deserialize, Serialize};

/// One student's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentReport {
    /// Their name.
    pub name: String,
    /// Their house.
    pub house: String,
    /// Actions carried out.
    pub applied: u32,
    /// Actions refused.
    pub refused: u32,
    /// Net cost over the session, EUR.
    pub bill_eur: f64,
    /// Sold to neighbours, kWh.
    pub shared_kwh: f64,
    /// Bought from neighbours, kWh.
    pub bought_local_kwh: f64,
    /// Share of the house's demand not bought through its meter.
    pub self_sufficiency: f64,
    /// Spent on the house, EUR.
    pub spent_eur: f64,
    /// Their window was open at the end.
    pub connected: bool,
    /// They left and came back.
    pub rejoined: bool,
}

/// The whole session's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostReport {
    /// The class's name.
    pub class: String,
    /// The host's program version.
    pub version: String,
    /// The neighbourhood's name.
    pub scenario: String,
    /// First step, local time.
    pub start: String,
    /// After the last step.
    pub end: String,
    /// Steps simulated.
    pub steps: u64,
    /// The students, in house order.
    pub students: Vec<StudentReport>,
    /// Local trades matched.
    pub trades: u64,
    /// The teacher's steps carried out.
    pub teacher_steps: usize,
    /// The neighbourhood's grid import, kWh.
    pub import_kwh: f64,
    /// Its export, kWh.
    pub export_kwh: f64,
    /// PV produced, kWh.
    pub pv_kwh: f64,
    /// Demand not served, kWh.
    pub unserved_kwh: f64,
    /// The host's mean wall time per simulation step (the step alone, not
    /// the actions applied before it), µs.
    pub step_us: f64,
    /// Mean bytes a second the host sent each student while it ran.
    pub bytes_per_s_per_student: f64,
}

impl HostReport {
    /// As pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The class table in words.
    pub fn table_text(&self) -> String {
        let mut out = format!(
            "{} ({}), {} to {}, {} steps: {} student{}, {} local trades\n",
            self.class,
            self.scenario,
            self.start,
            self.end,
            self.steps,
            self.students.len(),
            if self.students.len() == 1 { "" } else { "s" },
            self.trades
        );
        if self.teacher_steps > 0 {
            out.push_str(&format!("  the teacher's steps: {}\n", self.teacher_steps));
        }
        out.push_str(
            "  student                house                    bill EUR  shared kWh  self-suff.  spent EUR  applied  refused\n",
        );
        for s in &self.students {
            out.push_str(&format!(
                "  {:<22} {:<22} {:>10.2} {:>11.2} {:>10.0} % {:>10.0} {:>8} {:>8}{}\n",
                s.name,
                s.house,
                s.bill_eur,
                s.shared_kwh,
                s.self_sufficiency * 100.0,
                s.spent_eur,
                s.applied,
                s.refused,
                if s.connected { "" } else { "  (left)" }
            ));
        }
        out
    }
}
