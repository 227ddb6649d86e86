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

    /// The class table as CSV, a row per student.
    pub fn to_csv(&self) -> String {
        let quoted = |t: &str| {
            if t.contains([',', '"', '\n']) {
                format!("\"{}\"", t.replace('"', "\"\""))
            } else {
                t.to_owned()
            }
        };
        let mut out = String::from(
            "student,house,bill_eur,shared_kwh,bought_local_kwh,self_sufficiency_percent,spent_eur,applied,refused,connected,rejoined\n",
        );
        for s in &self.students {
            out.push_str(&format!(
                "{},{},{:.2},{:.3},{:.3},{:.1},{:.0},{},{},{},{}\n",
                quoted(&s.name),
                quoted(&s.house),
                s.bill_eur,
                s.shared_kwh,
                s.bought_local_kwh,
                s.self_sufficiency * 100.0,
                s.spent_eur,
                s.applied,
                s.refused,
                s.connected,
                s.rejoined
            ));
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_table_reads_as_csv_with_names_quoted() {
        let student = StudentReport {
            name: "Kim, \"the builder\"".into(),
            house: "Lindenweg 1".into(),
            applied: 2,
            refused: 1,
            bill_eur: -0.657,
            shared_kwh: 1.7493,
            bought_local_kwh: 0.0,
            self_sufficiency: 0.9994,
            spent_eur: 7000.0,
            connected: true,
            rejoined: false,
        };
        let report = HostReport {
            class: "7b".into(),
            version: "0.1.0".into(),
            scenario: "Lindenhof".into(),
            start: "2025-06-21 06:00".into(),
            end: "2025-06-22 06:00".into(),
            steps: 1440,
            students: vec![student],
            trades: 475,
            teacher_steps: 0,
            import_kwh: 1.0,
            export_kwh: 1.0,
            pv_kwh: 1.0,
            unserved_kwh: 0.0,
            step_us: 1.0,
            bytes_per_s_per_student: 1.0,
        };
        let csv = report.to_csv();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers = reader.headers().expect("a header").clone();
        assert_eq!(headers.len(), 11);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], "Kim, \"the builder\"");
        assert_eq!(&rows[0][2], "-0.66");
        assert_eq!(&rows[0][5], "99.9");
        assert_eq!(&rows[0][9], "true");
    }
}
