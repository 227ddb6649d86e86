//! A class's load on this machine (`microgrid bench --class K`): a host and
//! K scripted students in threads on loopback, each student building on
//! their house and setting an order, one leaving and coming back. Gives the
//! host's time per simulation step, the bytes a second it sends each
//! student, and the time from a student's action to the host's answer.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::host::{HostOptions, run_headless};
use super::student::{StudentOptions, run_headless as play};
use crate::market::Mechanism;
use crate::scenario::Built;
use crate::scenario::timed;

/// One measured class.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadFigures {
    /// Students.
    pub students: usize,
    /// Houses in the neighbourhood.
    pub houses: usize,
    /// Steps simulated.
    pub steps: u64,
    /// The host's mean wall time per simulation step, µs.
    pub step_us: f64,
    /// Wall time from the first student's arrival to the end, s.
    pub wall_s: f64,
    /// Mean bytes a second the host sent each student.
    pub bytes_per_s: f64,
    /// Action to answer, ms: median.
    pub answer_ms_median: f64,
    /// Action to answer, ms: 95th percentile.
    pub answer_ms_p95: f64,
    /// Actions applied and refused, over the class.
    pub applied: u32,
    /// Refused.
    pub refused: u32,
    /// Why, with how often (the house's name taken out).
    pub reasons: std::collections::BTreeMap<String, u32>,
}

/// Student `i`'s steps on a day from `day` ("YYYY-MM-DD"): an array or a
/// battery, an order, and for student 1 a window closed at 11:00.
pub fn sample_script(i: usize, day: &str) -> String {
    let mut steps = vec![format!(
        "(at: \"{day} {:02}:{:02}\", edit: AddPv(house: \"mine\", kwp: {}.0))",
        6 + i % 2,
        (i * 7) % 60,
        3 + i % 5
    )];
    if i.is_multiple_of(4) {
        steps.push(format!(
            "(at: \"{day} 08:{:02}\", edit: AddBattery(house: \"mine\", capacity_kwh: 5.0, power_kw: 2.5))",
            i % 60
        ));
    }
    steps.push(format!(
        "(at: \"{day} 09:{:02}\", edit: SetOrder(house: \"mine\", ask_eur_per_kwh: {:.2}, bid_eur_per_kwh: {:.2}))",
        (i * 11) % 60,
        0.06 + 0.01 * (i % 9) as f64,
        0.18 + 0.015 * (i % 7) as f64
    ));
    if i == 1 {
        steps.push(format!("(at: \"{day} 11:00\", control: Rejoin)"));
        steps.push(format!(
            "(at: \"{day} 12:00\", edit: SetOrder(house: \"mine\", ask_eur_per_kwh: 0.05, bid_eur_per_kwh: 0.30))"
        ));
    }
    format!("TimedScript(steps: [{}])", steps.join(",\n"))
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs a class of `students` on `built` for a day on loopback.
pub fn measure(built: &Built, students: usize) -> Result<LoadFigures, String> {
    if students == 0 || students > built.house_count() {
        return Err(format!(
            "a class of {students} needs as many houses; the neighbourhood has {}",
            built.house_count()
        ));
    }
    let houses = built.house_count();
    let mut built = built.clone();
    built.scenario.market.mechanism = Mechanism::Auction;
    let day = built.scenario.start.0.format("%Y-%m-%d").to_string();
    let scripts = (0..students)
        .map(|i| {
            timed::parse(&sample_script(i, &day), "sample.steps.ron")
                .map(|s| s.steps)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = HostOptions {
        class: format!("load test of {students}"),
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        students,
        wait_s: 120.0,
        ..HostOptions::new(built)
    };
    let (tx, rx) = mpsc::channel();
    let host = std::thread::spawn(move || {
        run_headless(options, move |a| {
            let _ = tx.send(a);
        })
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "the host did not start listening".to_owned())?;
    let started = Instant::now();
    let players: Vec<_> = scripts
        .into_iter()
        .enumerate()
        .map(|(i, script)| {
            std::thread::spawn(move || {
                play(&StudentOptions {
                    server: addr,
                    name: format!("Student {i:03}"),
                    pin: None,
                    script,
                    timeout_s: 120.0,
                })
            })
        })
        .collect();
    let mut answers = Vec::new();
    let mut reasons = std::collections::BTreeMap::new();
    for p in players {
        let outcome = p
            .join()
            .map_err(|_| "a student's thread failed".to_owned())??;
        answers.extend(outcome.round_trip_ms);
        for (_, why) in outcome.refused {
            let why = why.replace(&outcome.house, "the house");
            *reasons.entry(why).or_insert(0) += 1;
        }
    }
    let report = host
        .join()
        .map_err(|_| "the host's thread failed".to_owned())??;
    answers.sort_by(f64::total_cmp);
    Ok(LoadFigures {
        students,
        houses,
        steps: report.steps,
        step_us: report.step_us,
        wall_s: started.elapsed().as_secs_f64(),
        bytes_per_s: report.bytes_per_s_per_student,
        answer_ms_median: percentile(&answers, 0.5),
        answer_ms_p95: percentile(&answers, 0.95),
        applied: report.students.iter().map(|s| s.applied).sum(),
        refused: report.students.iter().map(|s| s.refused).sum(),
        reasons,
    })
}
