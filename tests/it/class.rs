//! A class on loopback: a host and scripted students in threads, the
//! host's results checked against the same actions played on one machine
//! (`run::simulate` with a script, as `microgrid run --script` does), and
//! the door and the checks held against students who try what they may not.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;
use microgrid::class::host::{HostOptions, run_headless};
use microgrid::class::net;
use microgrid::class::protocol::{
    Act, Answer, ClassClock, Denied, FromStudent, Hello, Horizon, Outcome, Seat, Welcome,
};
use microgrid::class::report::HostReport;
use microgrid::class::student::{self, StudentOptions, StudentOutcome};
use microgrid::market::Mechanism;
use microgrid::run::{RunOptions, simulate};
use microgrid::scenario::Built;
use microgrid::scenario::edit::Edit;
use microgrid::scenario::timed::{self, Timed, TimedStep};

use crate::common::{build_text, microgrid, repo, text};

/// Runs `microgrid` with `args` (a file path given as such), expecting it
/// to refuse at once (exit 2); gives what it said on stderr.
fn refused(args: &[&str]) -> String {
    let out = microgrid(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    err
}

/// Kerber's village on a June morning, with the double auction: 57 houses
/// without PV, so whatever the students build is all the sharing there is.
fn village() -> Built {
    let text = std::fs::read_to_string(repo("scenes/kerber-dorfnetz.scenario.ron"))
        .expect("the Kerber scenario");
    let text = text.replace("start: \"2025-01-15 18:00\"", "start: \"2025-06-21 06:00\"");
    assert!(text.contains("2025-06-21 06:00"), "the start moved");
    let mut built = build_text(&text, "kerber-june.scenario.ron");
    built.scenario.market.mechanism = Mechanism::Auction;
    built
}

fn host_options(built: Built, students: usize, hours: u64) -> HostOptions {
    HostOptions {
        class: "7b physics".into(),
        bind: "127.0.0.1:0".parse().expect("an address"),
        pin: Some("4711".into()),
        students,
        duration_s: hours * 3600,
        ..HostOptions::new(built)
    }
}

/// Starts a host in a thread; gives its address and the thread.
fn start_host(options: HostOptions) -> (SocketAddr, JoinHandle<Result<HostReport, String>>) {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        run_headless(options, move |addr| {
            let _ = tx.send(addr);
        })
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the host listens");
    (addr, thread)
}

/// Student `i`'s script: a roof array or a battery (or both) in the
/// morning, an order in the market, and for one student a window closed at
/// 11:00 and a battery and a new order after coming back.
fn script_of(i: usize) -> String {
    let mut steps = Vec::new();
    let t = |h: usize, m: usize| format!("2025-06-21 {h:02}:{m:02}");
    if i % 3 != 1 {
        steps.push(format!(
            "(at: \"{}\", edit: AddPv(house: \"mine\", kwp: {}.0))",
            t(6 + i % 2, (i * 7) % 60),
            3 + i % 5
        ));
    }
    if i.is_multiple_of(4) {
        steps.push(format!(
            "(at: \"{}\", edit: AddBattery(house: \"mine\", capacity_kwh: {}.0, power_kw: 2.5))",
            t(8, i % 60),
            5 + (i % 3) * 2
        ));
    }
    steps.push(format!(
        "(at: \"{}\", edit: SetOrder(house: \"mine\", ask_eur_per_kwh: {:.2}, bid_eur_per_kwh: {:.2}))",
        t(9, (i * 11) % 60),
        0.06 + 0.01 * (i % 9) as f64,
        0.18 + 0.015 * (i % 7) as f64
    ));
    if i == 7 {
        steps.push(format!("(at: \"{}\", control: Rejoin)", t(11, 0)));
        steps.push(format!(
            "(at: \"{}\", edit: AddBattery(house: \"mine\", capacity_kwh: 10.0, power_kw: 5.0))",
            t(11, 0)
        ));
        steps.push(format!(
            "(at: \"{}\", edit: SetOrder(house: \"mine\", ask_eur_per_kwh: 0.05, bid_eur_per_kwh: 0.30))",
            t(13, 30)
        ));
    }
    format!("TimedScript(steps: [{}])", steps.join(",\n"))
}

/// The teacher's afternoon: the grid fails for an hour and a half.
const TEACHER: &str = r#"TimedScript(steps: [
    (at: "2025-06-21 13:00", control: GridOutage(true)),
    (at: "2025-06-21 14:30", control: GridOutage(false)),
])"#;

/// What the cheat tries: another student's house, the teacher's outage,
/// and an array over the budget; then one honest step.
const CHEAT: &str = r#"TimedScript(steps: [
    (at: "2025-06-21 07:00", edit: AddPv(house: "House 6_4", kwp: 5.0)),
    (at: "2025-06-21 07:00", control: GridOutage(true)),
    (at: "2025-06-21 07:30", edit: AddPv(house: "mine", kwp: 30.0)),
    (at: "2025-06-21 08:00", edit: AddPv(house: "mine", kwp: 4.0)),
])"#;

fn student(
    addr: SocketAddr,
    name: String,
    script: &str,
) -> JoinHandle<Result<StudentOutcome, String>> {
    let steps = timed::parse(script, &format!("{name}.steps.ron"))
        .unwrap_or_else(|e| panic!("{name}'s script: {e}"))
        .steps;
    std::thread::spawn(move || {
        student::run_headless(&StudentOptions {
            server: addr,
            name,
            pin: Some("4711".into()),
            script: steps,
            timeout_s: 60.0,
        })
    })
}

/// The steps a student may take, with "mine" read as their house, in the
/// order the host plays them: by time, then by house, then as written.
fn one_machine_script(
    built: &Built,
    report: &HostReport,
    scripts: &[(String, String)],
    outcomes: &[StudentOutcome],
) -> Vec<TimedStep> {
    let house_index = |h: &str| {
        built
            .scenario
            .houses
            .iter()
            .position(|x| x.name == h)
            .expect("a house of the village")
    };
    // The teacher's steps first at their time, then the houses in order.
    let mut steps: Vec<(usize, TimedStep)> = timed::parse(TEACHER, "teacher.steps.ron")
        .expect("the teacher's script")
        .steps
        .into_iter()
        .map(|s| (0, s))
        .collect();
    for ((name, script), outcome) in scripts.iter().zip(outcomes) {
        let refused: Vec<u32> = outcome.refused.iter().map(|(seq, _)| *seq).collect();
        let house = &report
            .students
            .iter()
            .find(|s| &s.name == name)
            .unwrap_or_else(|| panic!("{name} is in the report"))
            .house;
        let written = timed::parse(script, "s.steps.ron").expect("a script").steps;
        for (i, step) in written.into_iter().enumerate() {
            // What the host refused, and the student's own Rejoin, stay out.
            if refused.contains(&(i as u32 + 1)) || matches!(step.act, Timed::Control(_)) {
                continue;
            }
            let act = step.act.for_house(house);
            steps.push((house_index(house) + 1, TimedStep { at: step.at, act }));
        }
    }
    steps.sort_by_key(|(h, s)| (s.at, *h));
    steps.into_iter().map(|(_, s)| s).collect()
}

#[test]
fn a_class_of_thirty_plays_as_one_machine_to_the_cent_and_the_watt_hour() {
    let built = village();
    let students = 30;
    let mut options = host_options(built.clone(), students, 24);
    options.teacher = timed::parse(TEACHER, "teacher.steps.ron")
        .expect("the teacher's script")
        .steps;
    let (addr, host) = start_host(options);
    let mut scripts: Vec<(String, String)> = (0..students - 1)
        .map(|i| (format!("Student {i:02}"), script_of(i)))
        .collect();
    scripts.push(("Cheat".to_owned(), CHEAT.to_owned()));
    let threads: Vec<_> = scripts
        .iter()
        .map(|(name, script)| student(addr, name.clone(), script))
        .collect();
    let outcomes: Vec<StudentOutcome> = threads
        .into_iter()
        .zip(&scripts)
        .map(|(t, (name, _))| {
            t.join()
                .expect("the student's thread")
                .unwrap_or_else(|e| panic!("{name}: {e}"))
        })
        .collect();
    let report = host
        .join()
        .expect("the host's thread")
        .expect("the class ran");
    assert_eq!(report.students.len(), students);
    assert_eq!(report.steps, 24 * 60);

    // The cheat: three refusals, each for its own reason, and the honest step.
    let cheat = report
        .students
        .iter()
        .find(|s| s.name == "Cheat")
        .expect("the cheat");
    let cheat_outcome = &outcomes[students - 1];
    let reasons: Vec<&str> = cheat_outcome
        .refused
        .iter()
        .map(|(_, w)| w.as_str())
        .collect();
    assert_eq!((cheat.applied, cheat.refused), (1, 3), "{reasons:?}");
    assert!(
        reasons[0].contains("House 6_4 is not your house"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("teacher's controls"), "{reasons:?}");
    assert!(reasons[2].contains("over your budget"), "{reasons:?}");

    // The student who left at 11:00 came back to the same house, and what
    // they did after coming back counted.
    let back = report
        .students
        .iter()
        .find(|s| s.name == "Student 07")
        .expect("07");
    assert!(back.rejoined && back.connected, "{back:?}");
    assert_eq!(outcomes[7].rejoins, 1);
    assert_eq!(back.applied, 3, "{back:?}");

    // The same steps on one machine.
    let merged = one_machine_script(&built, &report, &scripts, &outcomes);
    let applied: u32 = report.students.iter().map(|s| s.applied).sum();
    assert_eq!(
        merged.len() as u32,
        applied + 2,
        "every step the class applied and the teacher's two, and no other"
    );
    assert_eq!(report.teacher_steps, 2);
    // Everyone saw the island: the clock they share says so.
    for (o, (name, _)) in outcomes.iter().zip(&scripts) {
        assert!(o.island_minutes >= 90.0, "{name}: {} min", o.island_minutes);
    }
    let mut options = RunOptions::new(24 * 3600, 60);
    options.market = Some(Mechanism::Auction);
    options.script = merged;
    let alone = simulate(&built, &options, |_| {}).expect("the run");
    assert_eq!(alone.script_refused, Vec::new());
    let market = alone.market.expect("a market");
    let mut worst_eur: f64 = 0.0;
    let mut worst_kwh: f64 = 0.0;
    for s in &report.students {
        let p = market
            .participants
            .iter()
            .position(|p| p.name == s.house)
            .expect("the house trades");
        let account = market.ledger.accounts[p];
        worst_eur = worst_eur.max((account.net_cost_eur() - s.bill_eur).abs());
        worst_kwh = worst_kwh.max((account.sold_local_kwh - s.shared_kwh).abs());
        worst_kwh = worst_kwh.max((account.bought_local_kwh - s.bought_local_kwh).abs());
    }
    for (class, one) in [
        (report.import_kwh, alone.totals.import_kwh),
        (report.export_kwh, alone.totals.export_kwh),
        (report.pv_kwh, alone.totals.pv_kwh),
        (report.unserved_kwh, alone.totals.unserved_kwh),
    ] {
        worst_kwh = worst_kwh.max((class - one).abs());
    }
    assert!(worst_eur < 0.005, "bills differ by {worst_eur} EUR");
    assert!(worst_kwh < 0.0005, "energy differs by {worst_kwh} kWh");
    // And what they did mattered: the class shared, and not nothing.
    assert!(report.trades > 100, "{} trades", report.trades);
    assert!(report.pv_kwh > 100.0, "{} kWh of PV", report.pv_kwh);
    let shared: f64 = report.students.iter().map(|s| s.shared_kwh).sum();
    assert!(shared > 10.0, "{shared} kWh shared");
}

/// A bare client of the class at `addr`, connecting.
fn raw_client(addr: SocketAddr) -> App {
    let mut app = net::bare_app();
    net::connect(&mut app, addr).expect("a socket");
    app.finish();
    app.cleanup();
    app
}

/// Says `hello` once the client is connected and sees the class's clock
/// (as a student's program does), once.
fn hello_once_seen(world: &mut World, hello: &Hello, said: &mut bool) {
    let connected = *world.resource::<State<ClientState>>().get() == ClientState::Connected;
    let clock = world.query::<&ClassClock>().iter(world).next().is_some();
    if connected && clock && !*said {
        world.write_message(hello.clone());
        *said = true;
    }
}

/// A client that says `hello` and reports the host's answer: `Ok(house)`
/// or `Err(reason)`; with `flood`, it then sends that many actions at once
/// and counts the answers (queued, refused for flooding).
fn knock(addr: SocketAddr, hello: Hello, flood: u32) -> Result<(String, u32, u32), String> {
    let mut app = raw_client(addr);
    let started = Instant::now();
    let (mut said, mut house, mut queued, mut flooded) = (false, None, 0, 0);
    while started.elapsed() < Duration::from_secs(20) {
        app.update();
        std::thread::sleep(Duration::from_millis(3));
        let world = app.world_mut();
        hello_once_seen(world, &hello, &mut said);
        if let Some(d) = world.resource_mut::<Messages<Denied>>().drain().next() {
            return Err(d.reason);
        }
        let welcome = world.resource_mut::<Messages<Welcome>>().drain().next();
        if let Some(w) = welcome {
            house = Some(w.house);
            for seq in 0..flood {
                world.write_message(FromStudent::Act(Act {
                    seq,
                    at: None,
                    act: Timed::Edit(Edit::ClearOrder {
                        house: "mine".into(),
                    }),
                }));
            }
            world.write_message(FromStudent::Horizon(Horizon { until: None }));
        }
        for a in world.resource_mut::<Messages<Answer>>().drain() {
            match a.outcome {
                Outcome::Queued => queued += 1,
                Outcome::Refused(why) if why.contains("too many") => flooded += 1,
                _ => {}
            }
        }
        if let Some(h) = &house
            && queued + flooded >= flood
        {
            // Goodbye, so the host frees the seat at once.
            app.world_mut()
                .resource_mut::<bevy_replicon_renet::RenetClient>()
                .disconnect();
            for _ in 0..5 {
                app.update();
                std::thread::sleep(Duration::from_millis(5));
            }
            return Ok((h.clone(), queued, flooded));
        }
    }
    panic!("no answer from the host within 20 s");
}

#[test]
fn the_door_lets_in_only_the_class_and_bounds_what_comes_through() {
    let mut options = host_options(village(), 1, 1);
    options.grace_s = 1.0;
    let (addr, host) = start_host(options);
    let hello = |name: &str, pin: Option<&str>, version: &str| Hello {
        name: name.into(),
        pin: pin.map(str::to_owned),
        version: version.into(),
        lang: "en".into(),
        key: None,
    };
    let german = |name: &str, pin: Option<&str>| Hello {
        lang: "de".into(),
        ..hello(name, pin, microgrid::class::protocol::VERSION)
    };
    let version = microgrid::class::protocol::VERSION;
    let wrong_pin = knock(addr, hello("Mia", Some("1234"), version), 0).unwrap_err();
    assert!(wrong_pin.contains("PIN"), "{wrong_pin}");
    let no_pin = knock(addr, hello("Mia", None, version), 0).unwrap_err();
    assert!(no_pin.contains("PIN"), "{no_pin}");
    let old = knock(addr, hello("Mia", Some("4711"), "0.0.1"), 0).unwrap_err();
    assert!(old.contains("same version"), "{old}");
    let long = knock(addr, hello(&"x".repeat(41), Some("4711"), version), 0).unwrap_err();
    assert!(long.contains("too long"), "{long}");
    // A student whose window reads German is turned away in German.
    let wrong_pin = knock(addr, german("Mia", Some("1234")), 0).unwrap_err();
    assert!(
        wrong_pin.contains("nicht die PIN der Klasse"),
        "{wrong_pin}"
    );
    let long = knock(addr, german(&"x".repeat(41), Some("4711")), 0).unwrap_err();
    assert!(long.contains("zu lang"), "{long}");
    // In, and flooding: 500 actions at once, at most 200 of them read.
    let (house, queued, flooded) =
        knock(addr, hello("Mia", Some("4711"), version), 500).expect("Mia is in the class");
    assert_eq!(house, "House 1_1");
    assert_eq!(queued + flooded, 500);
    assert!(
        queued <= 200 && flooded >= 300,
        "{queued} queued, {flooded} refused"
    );
    let report = host
        .join()
        .expect("the host's thread")
        .expect("the class ran");
    assert_eq!(report.students.len(), 1, "only Mia got a house");
    assert_eq!(report.students[0].name, "Mia");
}

/// One machine on the network cannot take every place at the door: its
/// fifth connection is turned away with the reason, while the four it
/// holds stay.
#[test]
fn one_address_holds_at_most_four_places_at_the_door() {
    use microgrid::class::MAX_PER_ADDRESS;
    let Some(lan) = net::lan_address() else {
        panic!(
            "this test needs a network address besides loopback (the door does not bound loopback)"
        );
    };
    let mut options = host_options(village(), 1, 1);
    options.bind = "0.0.0.0:0".parse().expect("an address");
    options.wait_s = 4.0;
    let (addr, host) = start_host(options);
    let target = SocketAddr::from((lan, addr.port()));
    let mut clients: Vec<App> = (0..=MAX_PER_ADDRESS).map(|_| raw_client(target)).collect();
    let started = Instant::now();
    let mut denied = Vec::new();
    while denied.is_empty() && started.elapsed() < Duration::from_secs(6) {
        for (i, app) in clients.iter_mut().enumerate() {
            app.update();
            let world = app.world_mut();
            denied.extend(
                world
                    .resource_mut::<Messages<Denied>>()
                    .drain()
                    .map(|d| (i, d.reason)),
            );
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    assert_eq!(denied.len(), 1, "one connection too many: {denied:?}");
    let reason = &denied[0].1;
    assert!(
        reason.contains(&lan.to_string()) && reason.contains("already has 4 windows"),
        "{reason}"
    );
    // The one turned away is closed; the four it held stay at the door.
    let state_of = |app: &App| *app.world().resource::<State<ClientState>>().get();
    let started = Instant::now();
    while state_of(&clients[denied[0].0]) == ClientState::Connected
        && started.elapsed() < Duration::from_secs(6)
    {
        clients.iter_mut().for_each(App::update);
        std::thread::sleep(Duration::from_millis(3));
    }
    for (i, app) in clients.iter().enumerate() {
        let state = state_of(app);
        assert_eq!(
            state == ClientState::Connected,
            i != denied[0].0,
            "connection {i}: {state:?}"
        );
    }
    drop(clients);
    let _ = host.join().expect("the host's thread");
}

/// A headless class: the teacher's script builds a battery on the
/// student's house, and the class table counts it in the student's
/// spending (the house's, as the budget is).
#[test]
fn a_teachers_scripted_edit_counts_in_the_students_spending() {
    let mut options = host_options(village(), 1, 2);
    options.teacher = timed::parse(
        r#"TimedScript(steps: [
            (at: "2025-06-21 06:30", edit: AddBattery(house: "House 1_1", capacity_kwh: 10.0, power_kw: 5.0)),
        ])"#,
        "teacher.steps.ron",
    )
    .expect("the teacher's script")
    .steps;
    let (addr, host) = start_host(options);
    let mia = student(addr, "Mia".into(), "TimedScript(steps: [])");
    let outcome = mia.join().expect("Mia's thread").expect("Mia's class");
    assert_eq!(outcome.house, "House 1_1");
    let report = host
        .join()
        .expect("the host's thread")
        .expect("the class ran");
    let spent = report.students[0].spent_eur;
    assert!(spent > 1000.0, "the teacher's battery: {spent} EUR");
}

/// A host announces its class on the network every two seconds; a
/// student's listen hears it once, with where to join it, and takes
/// nothing else on the port for a class.
#[test]
fn a_host_announces_its_class_and_a_listen_hears_it_once() {
    use microgrid::class::announce;
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port();
    let mut options = host_options(village(), 1, 1);
    options.wait_s = 6.0;
    options.announce = vec![SocketAddr::from(([127, 0, 0, 1], port))];
    let (addr, host) = start_host(options);
    let noise = std::thread::spawn(move || {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a socket");
        for _ in 0..20 {
            for junk in [&b"hello"[..], b"microgrid-class {\"class\": 7}"] {
                socket.send_to(junk, ("127.0.0.1", port)).ok();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let heard = announce::listen(port, Duration::from_secs(5)).expect("listens");
    noise.join().expect("the noise");
    assert_eq!(heard.len(), 1, "{heard:?}");
    let class = &heard[0];
    assert_eq!(class.target, addr);
    assert_eq!(
        (
            class.said.class.as_str(),
            class.said.pin,
            class.said.free,
            class.said.houses
        ),
        ("7b physics", true, 57, 57)
    );
    host.join()
        .expect("the host's thread")
        .expect("the class ran");
}

#[test]
fn a_run_plays_a_timed_script_and_refuses_one_it_cannot_play() {
    let dir = std::env::temp_dir().join(format!("microgrid-class-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let ledger = dir.join("ledger.csv");
    let ledger = ledger.to_str().expect("a path");
    let out = microgrid(&[
        "run",
        "scenes/default.scenario.ron",
        "--market",
        "auction",
        "--script",
        "scenes/class/one-machine.steps.ron",
        "--ledger",
        ledger,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("script           3 steps played, 0 refused"));
    let with = std::fs::read_to_string(ledger).expect("the ledger");
    let out = microgrid(&[
        "run",
        "scenes/default.scenario.ron",
        "--market",
        "auction",
        "--ledger",
        ledger,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let without = std::fs::read_to_string(ledger).expect("the ledger");
    let row = |csv: &str, house: &str| {
        csv.lines()
            .find(|l| l.starts_with(house))
            .unwrap_or_else(|| panic!("{house} in the ledger"))
            .to_owned()
    };
    assert_ne!(
        row(&with, "Lindenweg 2,"),
        row(&without, "Lindenweg 2,"),
        "the steps changed the bill"
    );

    // Scripts a run cannot play: each refused before the run, with status 2.
    let cases = [
        (
            r#"TimedScript(steps: [
    (at: "2025-06-21 09:00", control: GridOutage(true)),
    (at: "2025-06-21 08:00", control: GridOutage(false)),
])"#,
            "3:",
            "in the order of their times",
        ),
        (
            r#"TimedScript(steps: [(at: "2025-06-21 09:00", control: Rejoin)])"#,
            "",
            "a student's step in a class",
        ),
        (
            r#"TimedScript(steps: [(at: "2025-06-23 09:00", control: GridOutage(true))])"#,
            "",
            "after the run",
        ),
        (
            r#"TimedScript(steps: [(at: "2025-06-21 09:00", edit: RemoveHouse(house: "Lindenweg 1"))])"#,
            "",
            "keeps its houses",
        ),
        (
            r#"TimedScript(steps: [(at: "2025-06-21 09:00:30", control: GridOutage(true))])"#,
            "1:",
            "to the minute",
        ),
        (
            r#"TimedScript(steps: [(at: "2025-06-21 09:00")])"#,
            "1:",
            "does nothing",
        ),
        (
            r#"TimedScript(steps: [(at: "2025-06-21 09:00", control: SetPrice(NaN))])"#,
            "1:",
            "price",
        ),
    ];
    for (i, (script, located, says)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad-{i}.steps.ron"));
        std::fs::write(&path, script).expect("written");
        let out = microgrid(&[
            "run",
            "scenes/default.scenario.ron",
            "--script",
            path.to_str().expect("a path"),
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {i}: {err}");
        assert!(err.contains(says), "case {i}: {err}");
        assert!(
            err.contains(&format!("bad-{i}.steps.ron:{located}")),
            "case {i} names its file (and line): {err}"
        );
    }
    // The script is an input: no output may write over it.
    let script = dir.join("bad-0.steps.ron");
    let script = script.to_str().expect("a path");
    let out = microgrid(&[
        "run",
        "scenes/default.scenario.ron",
        "--script",
        script,
        "--csv",
        script,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn host_and_join_say_what_is_wrong_before_they_start() {
    // A port another program holds is said before any window opens.
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("a socket");
    let port = taken.local_addr().expect("its address").port().to_string();
    for (args, says) in [
        (
            vec!["host", "--bind", "127.0.0.1", "--port", port.as_str()],
            "cannot listen",
        ),
        (
            vec!["host", "--resume", "no-such-class.session.json"],
            "no-such-class.session.json",
        ),
        (vec!["host", "--headless", "--students", "99"], "24 houses"),
        (vec!["host", "--headless", "--budget=-5"], "budget"),
        (vec!["host", "--headless", "--budget", "NaN"], "budget"),
        (
            vec![
                "host",
                "--headless",
                "--report",
                "scenes/default.scenario.ron",
            ],
            "--report",
        ),
        (
            vec!["join", "3Z000-03ERQ", "--name", "Anna", "--script", "x.ron"],
            "without a window",
        ),
        (
            vec!["join", "3Z000-03E", "--name", "Anna", "--headless"],
            "10 letters",
        ),
        (
            vec!["join", "localhost:5757", "--name", "Anna", "--headless"],
            "HOST:PORT",
        ),
        (
            vec!["join", "127.0.0.1:5757", "--name", "", "--headless"],
            "give a name",
        ),
    ] {
        let err = refused(&args);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // A session file that is not one, and a stop before the start.
    let garbage =
        std::env::temp_dir().join(format!("microgrid-garbage-{}.json", std::process::id()));
    std::fs::write(&garbage, "{\"version\": \"0.1.0\",\n \"class\": 7}").expect("written");
    let garbage_path = garbage.to_str().expect("a path");
    let err = refused(&["host", "--headless", "--resume", garbage_path]);
    assert!(
        err.contains("not a class session") && err.contains(".json:2:"),
        "{err}"
    );
    // Nor is it written over by a new class.
    let err = refused(&["host", "--headless", "--session", garbage_path]);
    assert!(err.contains("is there and is not a class session"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&garbage).expect("still there"),
        "{\"version\": \"0.1.0\",\n \"class\": 7}"
    );
    std::fs::remove_file(&garbage).ok();
    let err = refused(&["host", "--headless", "--until", "2025-06-20 12:00"]);
    assert!(
        err.contains("the class begins at 2025-06-21 06:00"),
        "{err}"
    );
    // More steps than a student may have waiting: refused before joining.
    let dir = std::env::temp_dir().join(format!("microgrid-join-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let many = dir.join("many.steps.ron");
    let steps: Vec<String> = (0..1001)
        .map(|i| {
            format!(
                "(at: \"2025-06-21 {:02}:{:02}\", edit: ClearOrder(house: \"mine\"))",
                6 + i / 60 % 18,
                i % 60
            )
        })
        .collect();
    let mut steps = steps;
    steps.sort();
    std::fs::write(
        &many,
        format!("TimedScript(steps: [{}])", steps.join(",\n")),
    )
    .expect("written");
    let out = microgrid(&[
        "join",
        "127.0.0.1:5757",
        "--name",
        "Anna",
        "--headless",
        "--script",
        many.to_str().expect("a path"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("1001 steps"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
    // Nobody there: a clear message after the timeout, not a hang.
    let free = std::net::UdpSocket::bind("127.0.0.1:0").expect("a socket");
    let addr = free.local_addr().expect("its address").to_string();
    drop(free);
    let out = microgrid(&[
        "join",
        &addr,
        "--name",
        "Anna",
        "--headless",
        "--timeout-s",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no class answered"),
        "{}",
        text(&out.stderr)
    );
}

/// A student who says hello and then nothing holds the class for the
/// grace at most, not for as long as their window stays open.
#[test]
fn a_silent_student_holds_the_class_for_the_grace_only() {
    let mut options = host_options(village(), 1, 2);
    options.wait_s = 1.0;
    options.grace_s = 1.0;
    let started = Instant::now();
    let (addr, host) = start_host(options);
    let idle = std::thread::spawn(move || {
        let mut app = raw_client(addr);
        let hello = Hello {
            name: "Idle".into(),
            pin: Some("4711".into()),
            version: microgrid::class::protocol::VERSION.into(),
            lang: "en".into(),
            key: None,
        };
        let mut said = false;
        // Connected, seated, silent for 10 s.
        while started.elapsed() < Duration::from_secs(10) {
            app.update();
            std::thread::sleep(Duration::from_millis(5));
            hello_once_seen(app.world_mut(), &hello, &mut said);
        }
    });
    let report = host
        .join()
        .expect("the host's thread")
        .expect("the class ran");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(7),
        "the class waited {took:?} for a silent student"
    );
    assert_eq!(report.steps, 120);
    assert_eq!(report.students.len(), 1);
    assert_eq!(report.students[0].name, "Idle");
    idle.join().expect("the idle student's thread");
}

/// The two commands as a teacher and two students type them: the host
/// prints its code, one student joins by the code and one by HOST:PORT,
/// and the results come out as JSON and CSV.
#[test]
fn host_and_join_run_a_class_from_the_command_line() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("microgrid-host-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let (json, csv) = (dir.join("class.json"), dir.join("class.csv"));
    // The class is announced on a port of its own (not another test's or
    // a real class's on this machine).
    let announce_port: &'static str = Box::leak(
        std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free port")
            .port()
            .to_string()
            .into_boxed_str(),
    );
    let mut host = Command::new(env!("CARGO_BIN_EXE_microgrid"))
        .args([
            "host",
            "--headless",
            "--students",
            "2",
            "--days",
            "0.25",
            "--port",
            "0",
        ])
        .args([
            "--bind",
            "127.0.0.1",
            "--class",
            "7b physics",
            "--pin",
            "4711",
        ])
        .arg("--report")
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .arg("--session")
        .arg(dir.join("class.session.json"))
        .args(["--announce-port", announce_port])
        .current_dir(repo(""))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the host starts");
    let mut lines = std::io::BufReader::new(host.stdout.take().expect("its output")).lines();
    let first = lines.next().expect("a line").expect("text");
    assert!(first.starts_with("Class \"7b physics\" is open"), "{first}");
    let code = first
        .split("microgrid join ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a code")
        .to_owned();
    let addr = first
        .split("(code for ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(')'))
        .expect("the address")
        .to_owned();
    // Ben gives no code: his join hears the class announced on this
    // machine (the host listens on loopback, so it announces there).
    let join = |target: Option<&str>, name: &str, script: &str| {
        Command::new(env!("CARGO_BIN_EXE_microgrid"))
            .arg("join")
            .args(target)
            .args(["--announce-port", announce_port])
            .args(["--name", name, "--pin", "4711", "--headless"])
            .args(["--script", script, "--timeout-s", "30"])
            .current_dir(repo(""))
            .output()
            .expect("the student runs")
    };
    let anna =
        std::thread::spawn(move || join(Some(&code), "Anna", "scenes/class/student.steps.ron"));
    let ben = join(None, "Ben", "scenes/class/student-rejoins.steps.ron");
    let anna = anna.join().expect("Anna's thread");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = host.wait().expect("the host ends");
    assert!(status.success(), "{rest:?}");
    for (who, out) in [("Anna", &anna), ("Ben", &ben)] {
        let said = text(&out.stdout);
        assert!(out.status.success(), "{who}: {}", text(&out.stderr));
        assert!(
            said.starts_with(&format!("{who} in \"7b physics\" at ")),
            "{said}"
        );
    }
    assert!(
        text(&ben.stdout).contains("rejoined once"),
        "{}",
        text(&ben.stdout)
    );
    assert!(
        text(&ben.stderr).contains("\"7b physics\"  code ")
            && text(&ben.stderr).contains(&format!("({addr})  PIN needed")),
        "Ben heard the class: {}",
        text(&ben.stderr)
    );
    let report: HostReport =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the report")).expect("JSON");
    assert_eq!(report.students.len(), 2);
    assert_eq!(report.steps, 6 * 60);
    let table = std::fs::read_to_string(&csv).expect("the table");
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(table.starts_with("student,house,bill_eur"), "{table}");
    // The session was saved as the class ended; it is over, so it cannot
    // be resumed, and says so.
    let session = dir.join("class.session.json");
    let session = session.to_str().expect("a path");
    let err = refused(&["host", "--headless", "--resume", session]);
    assert!(err.contains("that class is over"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A class stopped at noon and resumed from its saved session ends as the
/// same class played through on one machine: the session replays every
/// action applied, and the afternoon goes on from there.
#[test]
fn a_class_stopped_at_noon_and_resumed_ends_as_one_played_through() {
    use microgrid::class::session::Session;
    let built = village();
    let scripts: Vec<(String, String)> = (0..3)
        .map(|i| (format!("Student {i:02}"), script_of(i)))
        .collect();
    let path = std::env::temp_dir().join(format!("microgrid-session-{}.json", std::process::id()));
    let mut options = host_options(built.clone(), 3, 24);
    options.teacher = timed::parse(TEACHER, "teacher.steps.ron")
        .expect("the teacher's script")
        .steps;
    options.stop_at =
        Some(microgrid::scenario::parse_date_time("2025-06-21 12:00").expect("a time"));
    options.save = Some((path.clone(), Duration::from_secs(3600)));
    let (addr, host) = start_host(options);
    let students: Vec<_> = scripts
        .iter()
        .map(|(name, s)| student(addr, name.clone(), s))
        .collect();
    let outcomes: Vec<StudentOutcome> = students
        .into_iter()
        .map(|s| {
            s.join()
                .expect("a student's thread")
                .expect("the student played")
        })
        .collect();
    let noon = host
        .join()
        .expect("the host's thread")
        .expect("the class ran");
    assert_eq!(noon.steps, 6 * 60, "stopped at noon");
    let session = Session::load(&path).expect("the saved session");
    assert_eq!(session.steps_done, 6 * 60);
    // A headless class goes on headless, not in the teacher's window.
    let err = refused(&["host", "--resume", path.to_str().expect("a path")]);
    assert!(err.contains("ran headless"), "{err}");
    // Resumed with nobody there: the students' houses go on as they left them.
    let mut options = host_options(built.clone(), 0, 24);
    options.wait_s = 0.0;
    options.teacher = session
        .teacher
        .iter()
        .map(|(at, act)| TimedStep {
            at: *at,
            act: act.clone(),
        })
        .collect();
    options.resume = Some(session);
    let (_, host) = start_host(options);
    let resumed = host
        .join()
        .expect("the host's thread")
        .expect("the class went on");
    std::fs::remove_file(&path).ok();
    assert_eq!(resumed.steps, 24 * 60);
    assert_eq!(resumed.teacher_steps, 2, "the afternoon's outage came");
    // The whole day on one machine, with the houses the class had.
    let mut run = RunOptions::new(24 * 3600, 60);
    run.market = Some(Mechanism::Auction);
    run.script = one_machine_script(&built, &resumed, &scripts, &outcomes);
    let alone = simulate(&built, &run, |_| {}).expect("the run");
    let market = alone.market.expect("a market");
    for s in &resumed.students {
        let p = market
            .participants
            .iter()
            .position(|p| p.name == s.house)
            .expect("the house trades");
        let account = market.ledger.accounts[p];
        assert!((account.net_cost_eur() - s.bill_eur).abs() < 1e-6, "{s:?}");
        assert!(
            (account.sold_local_kwh - s.shared_kwh).abs() < 1e-6,
            "{s:?}"
        );
    }
    for (x, y) in [
        (alone.totals.import_kwh, resumed.import_kwh),
        (alone.totals.export_kwh, resumed.export_kwh),
        (alone.totals.pv_kwh, resumed.pv_kwh),
    ] {
        assert!((x - y).abs() < 1e-6, "{x} vs {y}");
    }
}

/// One of a student's steps as an edit of their own house.
fn own_edit(step: &str, house: &str) -> Edit {
    let script = timed::parse(
        &format!("TimedScript(steps: [(at: \"2025-06-21 06:00\", edit: {step})])"),
        "step.ron",
    )
    .expect("a step");
    match script.steps[0].act.for_house(house) {
        Timed::Edit(e) => e,
        other => panic!("not an edit: {other:?}"),
    }
}

/// Updates the host and the student until `done` holds of the student
/// (at most 20 s).
fn until(host: &mut App, student: &mut App, what: &str, done: impl Fn(&mut App) -> bool) {
    let start = Instant::now();
    while !done(student) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        host.update();
        student.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The state two copies of a class must share, as text (f64s in full).
fn state_of(world: &mut World) -> String {
    use microgrid::sim::devices::{BatteryState, DeviceIndex};
    let mut batteries: Vec<(usize, String)> = world
        .query::<(&DeviceIndex, &BatteryState)>()
        .iter(world)
        .map(|(i, b)| (i.0, format!("{b:?}")))
        .collect();
    batteries.sort_by_key(|b| b.0);
    // The teacher's weather and price hold until changed: they are state.
    let weather = world.resource::<microgrid::sim::devices::WeatherModel>();
    let held = (
        weather.cloud_override_oktas,
        weather.wind_override_m_s,
        world
            .resource::<microgrid::sim::prices::CurrentPrices>()
            .override_import_eur_per_kwh,
    );
    format!(
        "{:?}\n{held:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{batteries:?}",
        world.resource::<microgrid::sim::SimClock>().steps,
        world.resource::<microgrid::sim::metrics::EnergyTotals>(),
        world.resource::<microgrid::sim::market::Market>().ledger,
        world.resource::<microgrid::sim::grid_mode::GridState>(),
        world.resource::<microgrid::sim::Neighbourhood>().0.scenario,
    )
}

/// A student's window without the window, as `microgrid join` opens it:
/// on the default neighbourhood until the class's comes, joining the class
/// at `addr` as Ada (with the PIN of [`host_options`]).
fn students_copy(addr: SocketAddr) -> App {
    named_copy(addr, "Ada", microgrid::lang::Lang::En)
}

/// [`students_copy`] for the student `name`, whose window reads `lang`.
fn named_copy(addr: SocketAddr, name: &str, lang: microgrid::lang::Lang) -> App {
    use microgrid::class::mirror::Mirror;
    // The keys a student's windows keep on this computer: one file for
    // each test (its thread's name), so a copy opened again finds its key.
    let test = std::thread::current()
        .name()
        .unwrap_or("class")
        .replace("::", "-");
    let keys =
        std::env::temp_dir().join(format!("microgrid-keys-{}-{test}.json", std::process::id()));
    let mut mirror = Mirror::new(addr, name.into(), Some("4711".into())).with_keys_file(keys);
    mirror.lang = Some(lang);
    window_copy(mirror)
}

/// A student's window under `name` that keeps no key (another computer).
fn keyless_copy(addr: SocketAddr, name: &str) -> App {
    use microgrid::class::mirror::Mirror;
    window_copy(Mirror::new(addr, name.into(), Some("4711".into())))
}

/// A student's window's copy of the class, without drawing, as `mirror`
/// starts it (on the default neighbourhood until the class's comes).
fn window_copy(mirror: microgrid::class::mirror::Mirror) -> App {
    let default = microgrid::scenario::load_and_build(&repo(microgrid::scenario::DEFAULT_SCENARIO))
        .expect("the default");
    let mut student = net::bare_app();
    student.add_plugins(microgrid::sim::SimulationPlugin::new(default, 60));
    microgrid::class::mirror::start(&mut student, mirror).expect("starts");
    student.finish();
    student.cleanup();
    student
}

/// The teacher adds a 10 kWh battery to `house`, as the teacher's window
/// makes an edit (told to the students' windows as that edit).
fn teachers_battery(host: &mut App, house: &str) {
    use microgrid::class::live::LiveLog;
    let e = own_edit(
        "AddBattery(house: \"mine\", capacity_kwh: 10.0, power_kw: 5.0)",
        house,
    );
    host.world_mut().resource_mut::<LiveLog>().teacher_edit = Some(e.clone());
    let running = host
        .world()
        .resource::<microgrid::sim::Neighbourhood>()
        .0
        .clone();
    let b = microgrid::scenario::edit::apply(&e, &running.scenario)
        .expect("the teacher's edit")
        .carrying_over(&running);
    microgrid::sim::rebuild::rebuild(host.world_mut(), b);
}

/// Closes a student's window: its connection says goodbye, then it is gone.
fn close_window(host: &mut App, mut student: App) {
    if let Some(mut client) = student
        .world_mut()
        .get_resource_mut::<bevy_replicon_renet::RenetClient>()
    {
        client.disconnect();
    }
    for _ in 0..5 {
        student.update();
        host.update();
    }
}

/// A student's window opened without a code lists the classes announced
/// on the network; the student picks one, with its PIN, and is in.
#[test]
fn a_students_window_without_a_code_lists_the_classes_and_joins_the_one_picked() {
    use microgrid::class::announce::Listener;
    use microgrid::class::mirror::{self, Joining, Mirror};
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port();
    let mut options = host_options(village(), 0, 24);
    options.announce = vec![SocketAddr::from(([127, 0, 0, 1], port))];
    let (mut host, addr) = live_host(options);
    let mut student = window_copy(Mirror::choosing("Ada".into(), None, port));
    until(&mut host, &mut student, "the class to be heard", |s| {
        s.world()
            .get_resource::<Listener>()
            .is_some_and(|l| !l.heard.is_empty())
    });
    let heard = student.world().resource::<Listener>().heard.clone();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].target, addr);
    assert_eq!(
        (heard[0].said.class.as_str(), heard[0].said.pin),
        ("7b physics", true)
    );
    assert_eq!(
        student.world().resource::<Mirror>().joining,
        Joining::Choosing,
        "nothing joined before the student picks"
    );
    // A wrong PIN: turned away, and back to the list with the reason.
    mirror::pick(student.world_mut(), heard[0].target, Some("1111".into())).expect("picked");
    until(&mut host, &mut student, "the list again", |s| {
        s.world().resource::<Mirror>().joining == Joining::Choosing
    });
    let why = student.world().resource::<Mirror>().refused_pick.clone();
    assert!(why.as_deref().is_some_and(|w| w.contains("PIN")), "{why:?}");
    until(&mut host, &mut student, "the class heard again", |s| {
        s.world()
            .get_resource::<Listener>()
            .is_some_and(|l| !l.heard.is_empty())
    });
    mirror::pick(student.world_mut(), heard[0].target, Some("4711".into())).expect("picked");
    assert!(
        student.world().get_resource::<Listener>().is_none(),
        "it stops listening"
    );
    let house = following(&mut host, &mut student, None);
    assert_eq!(house, heard_first_house(&host));
    assert!(
        mirror::pick(student.world_mut(), addr, None).is_err(),
        "one class a window"
    );
}

/// The first house of a live class's neighbourhood (the first student's).
fn heard_first_house(host: &App) -> String {
    host.world()
        .resource::<microgrid::sim::Neighbourhood>()
        .0
        .scenario
        .houses[0]
        .name
        .clone()
}

/// A live class's host without its window, as the teacher's window
/// starts one: its address too.
fn live_host(options: HostOptions) -> (App, SocketAddr) {
    use microgrid::sim::{SimClock, SimulationPlugin};
    let mut host = net::bare_app();
    host.add_plugins(SimulationPlugin::new(options.built.clone(), 60));
    host.world_mut().resource_mut::<SimClock>().paused = true;
    let addr = microgrid::class::live::start(&mut host, options).expect("serves");
    host.finish();
    host.cleanup();
    (host, addr)
}

/// Steps the app's simulation has run.
fn steps(app: &App) -> u64 {
    app.world().resource::<microgrid::sim::SimClock>().steps
}

/// Runs `n` steps of the app's simulation.
fn step(app: &mut App, n: u64) {
    for _ in 0..n {
        microgrid::sim::step(app.world_mut());
    }
}

/// Waits until the student's copy follows the class (at `at` steps, when
/// given); gives the student's house.
fn following(host: &mut App, student: &mut App, at: Option<u64>) -> String {
    use microgrid::class::mirror::{Joining, Mirror};
    until(host, student, "the student's copy", |s| {
        s.world().resource::<Mirror>().joining == Joining::Following
            && at.is_none_or(|at| steps(s) == at)
    });
    student
        .world()
        .resource::<Mirror>()
        .house()
        .expect("seated")
        .to_owned()
}

/// A live class (the teacher's window) with one student's window joining
/// late: the teacher cuts the grid, fixes the price and the weather, edits
/// a house and takes it back; the student adds a roof array and an order.
/// The student's copy, which starts on another neighbourhood, ends in the
/// host's state to the last bit.
#[test]
fn a_students_window_runs_a_live_class_as_the_host_does() {
    use microgrid::class::live::LiveLog;
    use microgrid::class::mirror::{self, Joining, Mirror};
    use microgrid::sim::devices::SetWeather;
    use microgrid::sim::island::SetGridOutage;
    use microgrid::sim::prices::SetPrice;
    use microgrid::sim::{Neighbourhood, SimClock};

    let built = village();
    let (mut host, addr) = live_host(host_options(built.clone(), 0, 24));
    // Before the student comes: an outage at 06:30, a price at 07:00.
    step(&mut host, 30);
    host.world_mut().trigger(SetGridOutage(true));
    step(&mut host, 30);
    host.world_mut().trigger(SetPrice(Some(0.55)));
    step(&mut host, 30);
    host.update();

    let mut student = students_copy(addr);
    let house = following(&mut host, &mut student, Some(90));
    let pv = own_edit("AddPv(house: \"mine\", kwp: 4.0)", &house);
    mirror::send(student.world_mut(), pv, "a roof array".into());
    let before_teacher_edit = host.world().resource::<Neighbourhood>().0.scenario.clone();
    // The teacher edits another house (the last; the student has the first).
    let other = before_teacher_edit
        .houses
        .last()
        .expect("houses")
        .name
        .clone();
    assert_ne!(other, house);
    for frame in 0..70 {
        match frame {
            15 => host.world_mut().trigger(SetWeather {
                cloud_oktas: Some(6.0),
                wind_m_s: Some(12.0),
            }),
            25 => teachers_battery(&mut host, &other),
            30 => {
                let order = own_edit(
                    "SetOrder(house: \"mine\", ask_eur_per_kwh: 0.07, bid_eur_per_kwh: 0.25)",
                    &house,
                );
                mirror::send(student.world_mut(), order, "an order".into());
            }
            45 => host.world_mut().trigger(SetGridOutage(false)),
            50 => {
                // Undo: the neighbourhood as it was, with the student's array.
                let mut s = before_teacher_edit.clone();
                s.houses = host
                    .world()
                    .resource::<Neighbourhood>()
                    .0
                    .scenario
                    .houses
                    .clone();
                let h = s
                    .houses
                    .iter_mut()
                    .find(|h| h.name == other)
                    .expect("a house");
                let was = before_teacher_edit
                    .houses
                    .iter()
                    .find(|h| h.name == other)
                    .expect("a house");
                *h = was.clone();
                let running = host.world().resource::<Neighbourhood>().0.clone();
                let b = microgrid::scenario::edit::check(&s)
                    .expect("the undo")
                    .carrying_over(&running);
                microgrid::sim::rebuild::rebuild(host.world_mut(), b);
            }
            _ => {}
        }
        step(&mut host, 7);
        host.update();
        student.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let end = steps(&host);
    until(&mut host, &mut student, "the copy to catch up", |s| {
        s.world().resource::<SimClock>().steps == end
    });
    let log = host.world().resource::<LiveLog>().changes.clone();
    let kinds: Vec<&str> = log
        .iter()
        .map(|c| match c.change {
            microgrid::class::protocol::Change::Edit(_) => "edit",
            microgrid::class::protocol::Change::Neighbourhood(_) => "whole",
            microgrid::class::protocol::Change::Outage(_) => "outage",
            microgrid::class::protocol::Change::Price(_) => "price",
            microgrid::class::protocol::Change::Weather { .. } => "weather",
            microgrid::class::protocol::Change::Market(_) => "market",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "outage", "price", "edit", "weather", "edit", "edit", "outage", "whole"
        ],
        "every change was recorded, in order"
    );
    // The class table goes out twice a second: wait for the row.
    let row = |host: &mut App| {
        host.world_mut()
            .query::<&Seat>()
            .iter(host.world())
            .find(|s| s.house == house)
            .cloned()
            .expect("the student's row")
    };
    let waited = Instant::now();
    while row(&mut host).applied < 2 && waited.elapsed() < Duration::from_secs(5) {
        host.update();
        std::thread::sleep(Duration::from_millis(20));
    }
    let seat = row(&mut host);
    assert_eq!((seat.applied, seat.refused), (2, 0), "{seat:?}");
    let (a, b) = (state_of(host.world_mut()), state_of(student.world_mut()));
    assert!(
        a.contains(&house) && a.contains("ask_eur_per_kwh: 0.07"),
        "the student's order is in: {a}"
    );
    assert!(
        a == b,
        "the copy differs from the host:\nhost:\n{a}\n\nstudent:\n{b}"
    );

    // The student's window closes and opens again under the same name:
    // the same house, caught up with the class from its start.
    close_window(&mut host, student);
    step(&mut host, 20);
    // A classmate's window under her name, without the key hers kept, is
    // turned away; her house waits for her.
    let mut classmate = keyless_copy(addr, "Ada");
    until(&mut host, &mut classmate, "the refusal", |s| {
        matches!(s.world().resource::<Mirror>().joining, Joining::Denied(_))
    });
    let Joining::Denied(why) = classmate.world().resource::<Mirror>().joining.clone() else {
        unreachable!("waited for it")
    };
    assert!(why.contains("The house of Ada is kept"), "{why}");
    drop(classmate);
    let mut again = students_copy(addr);
    let end = steps(&host);
    assert_eq!(following(&mut host, &mut again, Some(end)), house);
    let welcome = again
        .world()
        .resource::<Mirror>()
        .welcome
        .clone()
        .expect("welcomed");
    assert!(welcome.rejoined, "the house came back to its student");
    let (a, b) = (state_of(host.world_mut()), state_of(again.world_mut()));
    assert!(
        a == b,
        "the copy that came back differs from the host:\nhost:\n{a}\n\nstudent:\n{b}"
    );
    // On another computer she has no key: the teacher lets her in again
    // (the Move menu's "Let Ada in from another computer"), and a window
    // with no key gets her house back.
    close_window(&mut host, again);
    microgrid::class::live::let_in_again(host.world_mut(), "Ada").expect("Ada is in the class");
    let mut elsewhere = keyless_copy(addr, "Ada");
    assert_eq!(following(&mut host, &mut elsewhere, None), house);
    assert!(
        microgrid::class::live::let_in_again(host.world_mut(), "Nobody").is_err(),
        "no such student"
    );
    // The teacher builds a battery on Ada's house: what she has spent
    // counts it at once (a house's spending is its student's budget).
    let spent = |host: &mut App| {
        microgrid::class::live::results(host.world_mut())
            .students
            .iter()
            .find(|s| s.name == "Ada")
            .map(|s| s.spent_eur)
            .expect("Ada in the table")
    };
    let before = spent(&mut host);
    teachers_battery(&mut host, &house);
    host.update();
    let after = spent(&mut host);
    assert!(
        after > before + 1000.0,
        "Ada had spent {before} EUR, and {after} EUR with a battery"
    );
}

/// A live class saved as it runs (as the teacher's window saves it every
/// minute) and continued from its file after the window closed: the
/// resumed host is the class as it was to the last bit (the teacher's
/// changes and the student's edit played again before their steps, and a
/// change made after the last step), the student gets their house back
/// under their name and follows it, the file is not one a headless host
/// goes on with, and once the teacher ends the class it cannot be resumed.
#[test]
fn a_live_class_saved_and_resumed_goes_on_as_it_was() {
    use microgrid::class::live::{self, LiveLog};
    use microgrid::class::mirror::{self, Mirror};
    use microgrid::class::protocol::Change;
    use microgrid::class::session::Session;
    use microgrid::sim::devices::SetWeather;
    use microgrid::sim::island::SetGridOutage;
    use microgrid::sim::prices::SetPrice;

    let dir = std::env::temp_dir().join(format!("microgrid-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let path = dir.join("live.session.json");
    let mut options = host_options(village(), 0, 24);
    options.save = Some((path.clone(), Duration::ZERO));
    let (mut host, addr) = live_host(options);
    step(&mut host, 30);
    host.world_mut().trigger(SetGridOutage(true));
    step(&mut host, 30);
    host.update();
    let mut student = students_copy(addr);
    let house = following(&mut host, &mut student, Some(60));
    let pv = own_edit("AddPv(house: \"mine\", kwp: 4.0)", &house);
    mirror::send(student.world_mut(), pv, "a roof array".into());
    let edited = |host: &App| {
        host.world()
            .resource::<LiveLog>()
            .changes
            .iter()
            .any(|c| matches!(c.change, Change::Edit(_)))
    };
    let waited = Instant::now();
    while !edited(&host) {
        assert!(waited.elapsed() < Duration::from_secs(20), "the edit came");
        host.update();
        student.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    step(&mut host, 40);
    host.world_mut().trigger(SetPrice(Some(0.55)));
    step(&mut host, 25);
    // A change after the last step: it goes with the class too.
    host.world_mut().trigger(SetWeather {
        cloud_oktas: Some(7.0),
        wind_m_s: Some(14.0),
    });
    // The teacher has sped the class up (and paused it).
    host.world_mut()
        .resource_mut::<microgrid::sim::SimClock>()
        .set_speed(900.0);
    host.update();
    let was = state_of(host.world_mut());
    let steps_then = steps(&host);
    // The teacher's window closes (or the machine stops).
    drop(student);
    drop(host);

    let session = Session::load(&path).expect("the saved class");
    assert_eq!(session.steps_done, steps_then);
    let record = session.live.clone().expect("a live class's record");
    assert_eq!(record.changes.len(), 4, "{:?}", record.changes);
    assert_eq!(record.changes[3].before_step, steps_then);
    assert_eq!(
        session
            .seats
            .iter()
            .filter_map(|s| s.student.as_deref())
            .collect::<Vec<_>>(),
        ["Ada"]
    );
    let file = path.to_str().expect("a path");
    let err = refused(&["host", "--headless", "--resume", file]);
    assert!(err.contains("teacher's window"), "{err}");
    // A new class does not write over one that can go on.
    let err = refused(&["host", "--headless", "--session", file]);
    assert!(
        err.contains("has not ended") && err.contains("host --resume"),
        "{err}"
    );
    assert_eq!(
        Session::load(&path).expect("still there").steps_done,
        steps_then
    );

    let start = build_text(&record.start, "the class's start");
    let mut options = host_options(start, 0, 24);
    options.save = Some((path.clone(), Duration::from_secs(3600)));
    options.resume = Some(session);
    let (mut again, addr) = live_host(options);
    let clock = again.world().resource::<microgrid::sim::SimClock>();
    assert_eq!(
        (clock.speed, clock.paused),
        (900.0, true),
        "as fast as the teacher left it"
    );
    let now = state_of(again.world_mut());
    assert!(
        now == was,
        "the resumed class differs:\nbefore:\n{was}\n\nresumed:\n{now}"
    );
    let mut ada = students_copy(addr);
    assert_eq!(following(&mut again, &mut ada, Some(steps_then)), house);
    let mirror = ada.world().resource::<Mirror>();
    assert!(mirror.welcome.as_ref().is_some_and(|w| w.rejoined));
    // Her window made the change after the last step too.
    for _ in 0..3 {
        again.update();
        ada.update();
    }
    let (a, b) = (state_of(again.world_mut()), state_of(ada.world_mut()));
    assert!(a == b, "Ada's copy differs:\nhost:\n{a}\n\nAda:\n{b}");
    let results = live::results(again.world_mut());
    assert_eq!(
        results
            .students
            .iter()
            .map(|s| (s.name.as_str(), s.applied, s.rejoined))
            .collect::<Vec<_>>(),
        [("Ada", 1, true)]
    );
    // Ended by the teacher: saved as over, and refused as such.
    live::end(again.world_mut());
    let refused = Session::load(&path).expect_err("an ended class");
    assert!(refused.contains("that class is over"), "{refused}");
    assert_eq!(
        Session::may_write_over(&path),
        Ok(()),
        "a new class may save there"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The teacher moves a student to a free house: their window follows on
/// and turns to it, their edits of "mine" go to the new house and the old
/// one is free. Then the teacher frees that house: the student's window is
/// sent away with the reason, and the next student gets the first free house.
#[test]
fn the_teacher_moves_a_student_and_frees_a_house() {
    use microgrid::class::live;
    use microgrid::class::mirror::{self, Joining, Mirror};
    use microgrid::sim::Neighbourhood;

    let built = village();
    // Saved where no file can be: the teacher's window is told.
    let mut options = host_options(built.clone(), 0, 24);
    options.save = Some(("/dev/null/class.session.json".into(), Duration::ZERO));
    let (mut host, addr) = live_host(options);
    host.update();
    let problem = live::save_problem(host.world()).expect("not saved");
    assert!(problem.contains("/dev/null"), "{problem}");
    let mut ada = students_copy(addr);
    let first = following(&mut host, &mut ada, None);
    let last = built.scenario.houses.last().expect("houses").name.clone();
    assert_eq!(first, built.scenario.houses[0].name);
    let started = ada.world().resource::<Mirror>().started;
    live::move_student(host.world_mut(), "Ada", &last).expect("moved");
    until(&mut host, &mut ada, "Ada at her new house", |s| {
        s.world().resource::<Mirror>().house() == Some(last.as_str())
    });
    let mirror = ada.world().resource::<Mirror>();
    assert_eq!(mirror.joining, Joining::Following, "her copy follows on");
    assert_eq!(mirror.started, started + 1, "her window turns to it");
    // Her roof array goes on the new house.
    let pv = own_edit("AddPv(house: \"mine\", kwp: 4.0)", &last);
    mirror::send(ada.world_mut(), pv, "a roof array".into());
    let has_pv = |host: &App, house: &str| {
        host.world()
            .resource::<Neighbourhood>()
            .0
            .scenario
            .houses
            .iter()
            .any(|h| h.name == house && h.pv.is_some())
    };
    let waited = Instant::now();
    while !has_pv(&host, &last) {
        assert!(waited.elapsed() < Duration::from_secs(20), "the array came");
        host.update();
        ada.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!has_pv(&host, &first), "nothing went on the house she left");
    // The old house is free; the new one is hers, and another move onto
    // it, or of someone not in the class, is refused.
    let refused = live::move_student(host.world_mut(), "Nobody", &first).unwrap_err();
    assert!(refused.contains("Nobody has no house"), "{refused}");
    let refused = live::free_house(host.world_mut(), "Bob", &last).unwrap_err();
    assert!(refused.contains("Bob is not"), "{refused}");
    live::free_house(host.world_mut(), "Ada", &last).expect("freed");
    until(
        &mut host,
        &mut ada,
        "Ada sent away",
        |s| matches!(&s.world().resource::<Mirror>().joining, Joining::SentAway(why) if why.contains("freed your house")),
    );
    assert_eq!(
        ada.world().resource::<Mirror>().house(),
        None,
        "not hers now"
    );
    let refused = live::free_house(host.world_mut(), "Ada", &last).unwrap_err();
    assert!(refused.contains("Ada is not"), "{refused}");
    drop(ada);
    let mut ben = named_copy(addr, "Ben", microgrid::lang::Lang::De);
    assert_eq!(following(&mut host, &mut ben, None), first);
    // Ben's window reads German: what the host refuses him comes in German,
    // on arrival (another house) and as it plays (the scenario's checks,
    // his budget), while the teacher's window goes on in English.
    for (step, house) in [
        ("AddPv(house: \"mine\", kwp: 4.0)", last.as_str()),
        ("AddPv(house: \"mine\", kwp: 4.0)", first.as_str()),
        ("AddPv(house: \"mine\", kwp: 5.0)", first.as_str()),
        (
            "AddBattery(house: \"mine\", capacity_kwh: 60.0, power_kw: 10.0)",
            first.as_str(),
        ),
    ] {
        mirror::send(ben.world_mut(), own_edit(step, house), step.into());
    }
    let mut answers = Vec::new();
    let waited = Instant::now();
    while answers.len() < 4 {
        assert!(waited.elapsed() < Duration::from_secs(20), "{answers:?}");
        host.update();
        ben.update();
        answers.extend(ben.world_mut().resource_mut::<Mirror>().answers.drain(..));
        std::thread::sleep(Duration::from_millis(5));
    }
    let refused: Vec<String> = answers
        .iter()
        .filter_map(|(_, outcome)| match outcome {
            microgrid::class::protocol::Outcome::Refused(why) => Some(why.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), 3, "{answers:?}");
    assert!(refused[0].contains("ist nicht dein Haus"), "{refused:?}");
    assert!(refused[1].contains("hat schon PV"), "{refused:?}");
    assert!(refused[2].contains("über dein Budget"), "{refused:?}");
    assert_eq!(microgrid::lang::current(), microgrid::lang::Lang::En);
    // Ben switches his window to English: the host hears it and answers so.
    ben.world_mut().resource_mut::<Mirror>().lang = Some(microgrid::lang::Lang::En);
    for _ in 0..3 {
        ben.update();
        host.update();
    }
    let pv = own_edit("AddPv(house: \"mine\", kwp: 4.0)", &last);
    mirror::send(ben.world_mut(), pv, "another's roof".into());
    let waited = Instant::now();
    let why = loop {
        assert!(waited.elapsed() < Duration::from_secs(20), "an answer");
        host.update();
        ben.update();
        if let Some((_, microgrid::class::protocol::Outcome::Refused(why))) =
            ben.world_mut().resource_mut::<Mirror>().answers.pop_front()
        {
            break why;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(why.contains("is not your house"), "{why}");
    let results = live::results(host.world_mut());
    assert_eq!(
        results
            .students
            .iter()
            .map(|s| (s.name.as_str(), s.house.as_str()))
            .collect::<Vec<_>>(),
        [("Ben", first.as_str())],
        "Ada left the class when her house was freed"
    );
}

/// The windows' gates: a student's edit of their house ("mine") goes to
/// the host and comes back done; another house, the outage and the
/// clock are refused in the student's window with the reason; the
/// teacher may not undo or open another file while the class runs, and
/// the teacher's outage reaches the student's window.
#[test]
fn in_the_windows_each_side_does_only_its_own() {
    use microgrid::app::control::action::{Action, ClassAction};
    use microgrid::app::control::editing::EditHistory;
    use microgrid::app::modes::class::{ClassRole, ClassWindow, begin};
    use microgrid::class::mirror::{Joining, Mirror};
    use microgrid::sim::{Neighbourhood, SimClock};

    let mut host = crate::common::window_app("scenes/default.scenario.ron");
    let built = host.world().resource::<Neighbourhood>().0.clone();
    begin(
        &mut host,
        ClassWindow::Host(Box::new(HostOptions {
            bind: "127.0.0.1:0".parse().expect("an address"),
            ..HostOptions::new(built)
        })),
    )
    .expect("hosts");
    host.finish();
    host.cleanup();
    let join = match host.world().resource::<ClassRole>() {
        ClassRole::Teacher { join, .. } => join.clone(),
        ClassRole::Student => panic!("the host is the teacher"),
    };
    let addr = microgrid::class::code::parse_target(&join).expect("the code reads");
    let mut student = crate::common::window_app("scenes/default.scenario.ron");
    begin(
        &mut student,
        ClassWindow::Join(Box::new(Mirror::new(addr, "Ada".into(), None))),
    )
    .expect("joins");
    student.finish();
    student.cleanup();
    until(&mut host, &mut student, "the student's window", |s| {
        s.world().resource::<Mirror>().joining == Joining::Following
    });
    let house = student
        .world()
        .resource::<Mirror>()
        .house()
        .expect("a house")
        .to_owned();
    let said = |app: &App| {
        let h = app.world().resource::<EditHistory>();
        (h.message.clone().unwrap_or_default(), h.refused)
    };
    let mine = match timed::parse(
        "TimedScript(steps: [(at: \"2025-06-21 06:00\", edit: SetPv(house: \"mine\", kwp: 9.5))])",
        "mine.ron",
    )
    .expect("a step")
    .steps[0]
        .act
        .clone()
    {
        Timed::Edit(e) => e,
        other => panic!("not an edit: {other:?}"),
    };
    let pv_of = |app: &App| {
        app.world()
            .resource::<Neighbourhood>()
            .0
            .scenario
            .houses
            .iter()
            .find(|h| h.name == house)
            .and_then(|h| h.pv.as_ref().map(|p| p.kwp))
    };
    crate::common::act(&mut student, Action::Edit(mine));
    let (message, refused) = said(&student);
    assert!(!refused && message.contains("Sent"), "{message}");
    assert_ne!(pv_of(&student), Some(9.5), "not made in the window itself");
    until(&mut host, &mut student, "the answer", |s| {
        s.world()
            .resource::<EditHistory>()
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("Done"))
    });
    assert_eq!(pv_of(&host), Some(9.5), "the host made it");
    until(&mut host, &mut student, "the copy to make it", |s| {
        pv_of(s) == Some(9.5)
    });

    for (action, says) in [
        (
            Action::Edit(own_edit("SetPv(house: \"mine\", kwp: 3.0)", "Lindenweg 9")),
            "not your house",
        ),
        (Action::ToggleOutage, "the teacher runs"),
        (Action::SetSpeed(3600.0), "the teacher runs"),
        (Action::Undo, "the teacher runs"),
    ] {
        crate::common::act(&mut student, action.clone());
        let (message, refused) = said(&student);
        assert!(refused && message.contains(says), "{action:?}: {message}");
    }
    // The teacher's own edit (unsaved in the window), then what would leave
    // or rewind the class: refused before the unsaved edits' question
    // could hold it (and its "discard" let it through).
    let teacher_pv = own_edit("AddPv(house: \"mine\", kwp: 12.0)", "Lindenweg 9");
    crate::common::act(&mut host, Action::Edit(teacher_pv));
    assert!(!said(&host).1, "the teacher's edit: {}", said(&host).0);
    for (action, says) in [
        (
            Action::Edit(own_edit("RemoveHouse(house: \"mine\")", "Lindenweg 9")),
            "houses stay",
        ),
        (Action::Undo, "undo would take back"),
        (
            Action::LoadScenario(repo("scenes/greensboro-tmy.scenario.ron")),
            "end the class first",
        ),
    ] {
        crate::common::act(&mut host, action.clone());
        let (message, refused) = said(&host);
        assert!(refused && message.contains(says), "{action:?}: {message}");
    }
    // The teacher stops building and shows a message: every window hears
    // both; the student's window refuses an edit at once, and the host
    // refuses one sent past the window.
    crate::common::act(&mut host, Action::Class(ClassAction::LockBuilding(true)));
    crate::common::act(
        &mut host,
        Action::Class(ClassAction::Banner(Some(
            "  Look at\n the   batteries ".into(),
        ))),
    );
    until(&mut host, &mut student, "the lock and the message", |s| {
        let world = s.world_mut();
        let clock = world.query::<&ClassClock>().iter(world).next().cloned();
        clock.is_some_and(|c| {
            c.building_locked && c.banner.as_deref() == Some("Look at the batteries")
        })
    });
    let pv = own_edit("SetPv(house: \"mine\", kwp: 4.0)", &house);
    crate::common::act(&mut student, Action::Edit(pv.clone()));
    let (message, refused) = said(&student);
    assert!(refused && message.contains("stopped building"), "{message}");
    microgrid::class::mirror::send(student.world_mut(), pv, "a smaller array".into());
    until(&mut host, &mut student, "the host's refusal", |s| {
        s.world()
            .resource::<EditHistory>()
            .message
            .as_deref()
            .is_some_and(|m| {
                m.contains("Not done: a smaller array") && m.contains("stopped building")
            })
    });
    assert_eq!(pv_of(&host), Some(9.5), "the array stayed as it was");
    crate::common::act(&mut host, Action::Class(ClassAction::LockBuilding(false)));

    // The teacher's outage, then an hour: the student's window islands too.
    crate::common::act(&mut host, Action::ToggleOutage);
    for _ in 0..60 {
        microgrid::sim::step(host.world_mut());
    }
    let end = host.world().resource::<SimClock>().steps;
    until(&mut host, &mut student, "the island", |s| {
        s.world().resource::<SimClock>().steps == end
    });
    let (a, b) = (state_of(host.world_mut()), state_of(student.world_mut()));
    assert!(
        a.contains("kwp: 12.0"),
        "the teacher's array reached the copy too"
    );
    use microgrid::sim::grid_mode::{GridMode, GridState};
    assert_ne!(
        student.world().resource::<GridState>().mode,
        GridMode::Connected,
        "the student's window shows the island"
    );
    assert!(
        a == b,
        "the student's window differs:\nhost:\n{a}\n\nstudent:\n{b}"
    );
    // The teacher moves Ada to the last house; her window says so and
    // turns there. Freeing a house is the teacher's, not hers.
    let last = host
        .world()
        .resource::<Neighbourhood>()
        .0
        .scenario
        .houses
        .last()
        .expect("houses")
        .name
        .clone();
    crate::common::act(
        &mut student,
        Action::Class(ClassAction::Free {
            student: "Ada".into(),
            house: house.clone(),
        }),
    );
    let (message, refused) = said(&student);
    assert!(refused && message.contains("the teacher runs"), "{message}");
    let move_ada = Action::Class(ClassAction::Move {
        student: "Ada".into(),
        house: last.clone(),
    });
    crate::common::act(&mut host, move_ada.clone());
    let (message, refused) = said(&host);
    assert!(
        !refused && message == format!("Ada is now at {last}"),
        "{message}"
    );
    until(
        &mut host,
        &mut student,
        "Ada's window at her new house",
        |s| {
            s.world()
                .resource::<EditHistory>()
                .message
                .as_deref()
                .is_some_and(|m| m == format!("The teacher moved you to {last}"))
        },
    );
    // Again: she is there already.
    crate::common::act(&mut host, move_ada);
    let (message, refused) = said(&host);
    assert!(refused && message.contains("already"), "{message}");
    // The end: the results stand, the clock stays stopped.
    crate::common::act(&mut host, Action::Class(ClassAction::End));
    let ClassRole::Teacher {
        results: Some(report),
        saved: Some(Ok(stem)),
        ..
    } = host.world().resource::<ClassRole>().clone()
    else {
        panic!("the class's results, saved");
    };
    // Saved as the report says (and taken away again: a test's files are
    // not the user's).
    let csv = std::fs::read_to_string(format!("{stem}.csv")).expect("the CSV");
    for ext in ["csv", "json"] {
        std::fs::remove_file(format!("{stem}.{ext}")).ok();
    }
    assert_eq!(report.students.len(), 1);
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|row| row.starts_with(&format!("Ada,{last},"))),
        "{csv}"
    );
    crate::common::act(&mut host, Action::TogglePause);
    let (message, refused) = said(&host);
    assert!(refused && message.contains("over"), "{message}");
    assert!(host.world().resource::<SimClock>().paused);
}
