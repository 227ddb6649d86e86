//! Who has which house, and what a student may do: the host's checks on
//! every student action, before the scenario's own checks. Pure data, so
//! the same rules hold in a test without a network.

use crate::lang::Lang;
use crate::scenario::Scenario;
use crate::scenario::edit::Edit;
use crate::scenario::prices::spending;
use crate::scenario::timed::Timed;
use crate::{tr, tr_in};

/// The class's budget for each student by default, EUR: a rooftop array
/// and a home battery (docs/class.md).
pub const DEFAULT_BUDGET_EUR: f64 = 15_000.0;

/// One house and its student.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatState {
    /// The house.
    pub house: String,
    /// Its student, by name.
    pub student: Option<String>,
    /// The student's window is open.
    pub connected: bool,
    /// The student's actions carried out and refused.
    pub applied: u32,
    /// Refused.
    pub refused: u32,
    /// The student left and came back.
    pub rejoined: bool,
    /// The language the student's window reads (the host's words to them).
    pub lang: Lang,
    /// The key the student's window was given with the house: only a
    /// window that shows it gets the house back under the name (none:
    /// free, or the teacher let the student back in from anywhere).
    pub key: Option<String>,
}

/// The class's houses, in the scenario's order, and who has each.
#[derive(Debug, Clone, PartialEq)]
pub struct Seats {
    /// One per house.
    pub seats: Vec<SeatState>,
}

/// What [`Seats::take`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The seat's index (the house's).
    pub seat: usize,
    /// The student had it before.
    pub rejoined: bool,
    /// The key their window keeps to come back to it.
    pub key: String,
}

/// A new rejoin key: 64 bits in hex that another window cannot guess (the
/// time hashed with SipHash under the random keys std draws from the
/// operating system for each `RandomState`).
fn new_key() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(now);
    format!("{:016x}", hasher.finish())
}

impl Seats {
    /// Every house of `scenario` free.
    pub fn new(scenario: &Scenario) -> Self {
        Self {
            seats: scenario
                .houses
                .iter()
                .map(|h| SeatState {
                    house: h.name.clone(),
                    student: None,
                    connected: false,
                    applied: 0,
                    refused: 0,
                    rejoined: false,
                    lang: Lang::En,
                    key: None,
                })
                .collect(),
        }
    }

    /// The student's house: theirs again if they had one (and `key` is the
    /// one their window was given with it), else the first free one.
    /// Refused when the name is another window's (open, or away with a key
    /// this one does not show), is empty, too long or not printable, or
    /// when every house is taken (the reason in the student's language,
    /// `lang`).
    pub fn take(&mut self, name: &str, lang: Lang, key: Option<&str>) -> Result<Taken, NotSeated> {
        check_name(name, lang).map_err(NotSeated::now)?;
        if let Some(seat) = self.of(name) {
            let s = &mut self.seats[seat];
            if s.key.as_deref().is_some_and(|k| key != Some(k)) {
                return Err(NotSeated::now(tr_in!(lang, "class.name_kept", name = name)));
            }
            if s.connected {
                return Err(NotSeated {
                    reason: tr_in!(lang, "class.name_taken", name = name),
                    retry: true,
                });
            }
            s.connected = true;
            s.rejoined = true;
            s.lang = lang;
            let key = s.key.get_or_insert_with(new_key).clone();
            return Ok(Taken {
                seat,
                rejoined: true,
                key,
            });
        }
        let seat = self
            .seats
            .iter()
            .position(|s| s.student.is_none())
            .ok_or_else(|| NotSeated::now(tr_in!(lang, "class.all_taken", n = self.seats.len())))?;
        let s = &mut self.seats[seat];
        s.student = Some(name.to_owned());
        s.connected = true;
        s.lang = lang;
        let key = new_key();
        s.key = Some(key.clone());
        Ok(Taken {
            seat,
            rejoined: false,
            key,
        })
    }

    /// Lets the student `name` back in from any window: the next to come
    /// under the name gets the house (and a new key). For a student whose
    /// computer was swapped.
    pub fn let_in_again(&mut self, name: &str) -> Result<usize, String> {
        let seat = self
            .of(name)
            .ok_or_else(|| tr!("class.move_no_student", name = name))?;
        if self.seats[seat].connected {
            return Err(tr!("class.let_in_here", name = name));
        }
        self.seats[seat].key = None;
        Ok(seat)
    }

    /// Gives a seat back (its student left before doing anything, or the
    /// teacher freed it): the house stays as built, its counts start again.
    pub fn free(&mut self, seat: usize) {
        if let Some(s) = self.seats.get_mut(seat) {
            s.student = None;
            s.connected = false;
            s.rejoined = false;
            s.applied = 0;
            s.refused = 0;
            s.lang = Lang::En;
            s.key = None;
        }
    }

    /// Moves the student `name` to the free house `house` (the teacher's
    /// choice): they take their window and counts along, the house they
    /// leave is free for another, built as it is. Gives (from, to).
    pub fn move_to(&mut self, name: &str, house: &str) -> Result<(usize, usize), String> {
        let from = self
            .of(name)
            .ok_or_else(|| tr!("class.move_no_student", name = name))?;
        let to = self
            .seats
            .iter()
            .position(|s| s.house == house)
            .ok_or_else(|| tr!("class.move_no_house", house = house))?;
        if from == to {
            return Err(tr!("class.move_already", name = name, house = house));
        }
        if let Some(other) = &self.seats[to].student {
            return Err(tr!("class.move_taken", house = house, other = other));
        }
        let moving = self.seats[from].clone();
        self.seats[to] = SeatState {
            house: self.seats[to].house.clone(),
            // Their window's key goes with them (a new one if the teacher
            // had let them in again and they are not back yet).
            key: Some(moving.key.clone().unwrap_or_else(new_key)),
            ..moving
        };
        self.free(from);
        Ok((from, to))
    }

    /// The seat of the student `name`.
    pub fn of(&self, name: &str) -> Option<usize> {
        self.seats
            .iter()
            .position(|s| s.student.as_deref() == Some(name))
    }
}

/// Why a student got no house.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSeated {
    /// In words.
    pub reason: String,
    /// Trying again in a moment may work.
    pub retry: bool,
}

impl NotSeated {
    fn now(reason: String) -> Self {
        Self {
            reason,
            retry: false,
        }
    }
}

/// A student's name: 1 to [`super::protocol::MAX_NAME_CHARS`] printable
/// characters, not only spaces (what is wrong said in `lang`).
pub fn check_name(name: &str, lang: Lang) -> Result<(), String> {
    let chars = name.chars().count();
    if name.trim().is_empty() {
        return Err(tr_in!(lang, "class.name_empty").to_owned());
    }
    if chars > super::protocol::MAX_NAME_CHARS {
        return Err(tr_in!(
            lang,
            "class.name_long",
            n = chars,
            most = super::protocol::MAX_NAME_CHARS
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(tr_in!(lang, "class.name_control").to_owned());
    }
    Ok(())
}

/// Whether a student may do `act` on the house `own` (before the
/// scenario's checks): only edits of their own house and what stands on
/// it; the street, the grid and the other houses are the teacher's. Why
/// not, in `lang`.
pub fn check_student_act(act: &Timed, own: &str, lang: Lang) -> Result<(), String> {
    let Timed::Edit(edit) = act else {
        return Err(tr_in!(
            lang,
            match act {
                Timed::Control(crate::scenario::timed::TimedControl::Rejoin) => {
                    "class.rejoin_not_sent"
                }
                _ => "class.teachers_controls",
            }
        )
        .to_owned());
    };
    let allowed = matches!(
        edit,
        Edit::AddPv { .. }
            | Edit::AddBattery { .. }
            | Edit::AddCar { .. }
            | Edit::RemovePv { .. }
            | Edit::RemoveBattery { .. }
            | Edit::RemoveCar { .. }
            | Edit::SetPv { .. }
            | Edit::SetBattery { .. }
            | Edit::SetCar { .. }
            | Edit::SetPhase { .. }
            | Edit::SetOrder { .. }
            | Edit::ClearOrder { .. }
    );
    if !allowed {
        return Err(tr_in!(lang, "class.teachers_edit", what = edit.to_do()));
    }
    match edit.house() {
        Some(h) if h == own => Ok(()),
        Some(other) => Err(tr_in!(
            lang,
            "class.not_your_house",
            other = other,
            own = own
        )),
        None => Err(tr_in!(lang, "class.not_a_house_edit").to_owned()),
    }
}

/// What the student of `house` has spent on it, EUR: the parts added or
/// grown since the class began, at the scenario's prices.
pub fn spent_on(house: &str, start: &Scenario, now: &Scenario) -> f64 {
    let only = |s: &Scenario| {
        let mut s = s.clone();
        s.houses.retain(|h| h.name == house);
        s.wind_turbines.clear();
        s.feeders.iter_mut().for_each(|f| f.lines.clear());
        s
    };
    // An empty sum is -0.0; the table shows 0.
    spending(&only(start), &only(now)).total() + 0.0
}

/// Refuses a scenario that takes the student of `house` over `budget_eur`
/// (why, in the language in force: the host puts the student's in force
/// while it plays their action).
pub fn check_budget(
    house: &str,
    start: &Scenario,
    after: &Scenario,
    budget_eur: f64,
) -> Result<f64, String> {
    let spent = spent_on(house, start, after);
    if spent > budget_eur + 1e-6 {
        return Err(tr!(
            "class.over_budget",
            spent = format!("{spent:.0}"),
            budget = format!("{budget_eur:.0}")
        ));
    }
    Ok(spent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::timed::TimedControl;

    fn village() -> Scenario {
        crate::scenario::load_and_build(std::path::Path::new("scenes/default.scenario.ron"))
            .expect("the default scenario")
            .scenario
    }

    #[test]
    fn a_student_gets_a_free_house_and_the_same_one_back() {
        let s = village();
        let mut seats = Seats::new(&s);
        let anna = seats.take("Anna", Lang::En, None).expect("a house");
        let ben = seats.take("Ben", Lang::En, None).expect("a house");
        assert_eq!((anna.seat, ben.seat), (0, 1));
        assert!(!anna.rejoined);
        assert_ne!(anna.key, ben.key, "each house its own key");
        // Anna's window is open: a second Anna is turned away.
        let again = seats.take("Anna", Lang::En, Some(&anna.key)).unwrap_err();
        assert!(again.reason.contains("already in the class") && again.retry);
        seats.seats[0].connected = false;
        // Away, her house waits for her window's key: a classmate who
        // types her name (with no key, or Ben's) does not get it.
        for key in [None, Some(ben.key.as_str())] {
            let taken = seats.take("Anna", Lang::En, key).unwrap_err();
            assert!(
                taken.reason.contains("The house of Anna is kept") && !taken.retry,
                "{taken:?}"
            );
        }
        assert_eq!(
            seats.take("Anna", Lang::En, Some(&anna.key)),
            Ok(Taken {
                seat: 0,
                rejoined: true,
                key: anna.key.clone(),
            })
        );
        // On another computer she has no key: the teacher lets her in again,
        // and the window that comes first under her name gets a new one.
        assert!(
            seats.let_in_again("Anna").is_err(),
            "her window is open: nothing to let in"
        );
        seats.seats[0].connected = false;
        assert_eq!(seats.let_in_again("Anna"), Ok(0));
        let elsewhere = seats.take("Anna", Lang::En, None).expect("let in");
        assert!(elsewhere.rejoined && elsewhere.seat == 0);
        assert_ne!(elsewhere.key, anna.key);
        assert!(seats.let_in_again("Nobody").is_err());
        assert!(seats.take(" ", Lang::En, None).is_err());
        assert!(
            seats
                .take(&"x".repeat(41), Lang::En, None)
                .unwrap_err()
                .reason
                .contains("too long")
        );
        assert!(seats.take("a\u{7}b", Lang::En, None).is_err());
        for i in 2..s.houses.len() {
            seats
                .take(&format!("S{i}"), Lang::En, None)
                .expect("a house");
        }
        assert!(
            seats
                .take("Late", Lang::En, None)
                .unwrap_err()
                .reason
                .contains("every one of the 24")
        );
    }

    #[test]
    fn the_teacher_moves_a_student_to_a_free_house_and_frees_one() {
        let s = village();
        let mut seats = Seats::new(&s);
        seats.take("Anna", Lang::En, None).expect("a house");
        seats.take("Ben", Lang::En, None).expect("a house");
        seats.seats[0].applied = 3;
        let last = s.houses.last().expect("houses").name.clone();
        assert_eq!(seats.move_to("Anna", &last), Ok((0, s.houses.len() - 1)));
        let anna = &seats.seats[s.houses.len() - 1];
        assert_eq!(
            (anna.student.as_deref(), anna.connected, anna.applied),
            (Some("Anna"), true, 3),
            "her window and counts went with her"
        );
        assert_eq!(
            (seats.seats[0].student.as_deref(), seats.seats[0].applied),
            (None, 0)
        );
        // Her old house is the first free one again.
        assert_eq!(seats.take("Cem", Lang::En, None).map(|t| t.seat), Ok(0));
        let ben = s.houses[1].name.clone();
        assert!(seats.move_to("Anna", &ben).unwrap_err().contains("Ben's"));
        assert!(
            seats
                .move_to("Anna", &last)
                .unwrap_err()
                .contains("already")
        );
        assert!(
            seats
                .move_to("Dora", &last)
                .unwrap_err()
                .contains("no house")
        );
        assert!(
            seats
                .move_to("Anna", "Nowhere 1")
                .unwrap_err()
                .contains("no house Nowhere")
        );
        seats.free(1);
        assert_eq!(seats.of("Ben"), None);
        assert_eq!(seats.move_to("Anna", &ben), Ok((s.houses.len() - 1, 1)));
    }

    #[test]
    fn a_student_builds_only_on_their_own_house() {
        let own = "Lindenweg 2";
        let pv = |house: &str| {
            Timed::Edit(Edit::AddPv {
                house: house.into(),
                kwp: 5.0,
                tilt_deg: 30.0,
                azimuth_deg: 180.0,
            })
        };
        assert_eq!(check_student_act(&pv(own), own, Lang::En), Ok(()));
        assert!(
            check_student_act(&pv("Lindenweg 3"), own, Lang::En)
                .unwrap_err()
                .contains("not your house")
        );
        let street = Timed::Edit(Edit::RemoveHouse { house: own.into() });
        assert!(
            check_student_act(&street, own, Lang::En)
                .unwrap_err()
                .contains("teacher's to do")
        );
        let outage = Timed::Control(TimedControl::GridOutage(true));
        assert!(
            check_student_act(&outage, own, Lang::En)
                .unwrap_err()
                .contains("teacher's controls")
        );
    }

    #[test]
    fn spending_counts_only_the_students_house_and_holds_the_budget() {
        let start = village();
        let built = crate::scenario::edit::apply(
            &Edit::AddBattery {
                house: "Lindenweg 2".into(),
                capacity_kwh: 10.0,
                power_kw: 5.0,
                efficiency: 0.95,
            },
            &start,
        )
        .expect("a battery fits");
        let battery = start.prices.battery(10.0, 5.0);
        assert!((spent_on("Lindenweg 2", &start, &built.scenario) - battery).abs() < 1e-9);
        assert_eq!(spent_on("Lindenweg 3", &start, &built.scenario), 0.0);
        assert!(check_budget("Lindenweg 2", &start, &built.scenario, battery).is_ok());
        assert!(
            check_budget("Lindenweg 2", &start, &built.scenario, battery - 1.0)
                .unwrap_err()
                .contains("over your budget")
        );
    }
}
