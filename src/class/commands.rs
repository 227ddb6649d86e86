//! `microgrid host` and `microgrid join`: their arguments, checks and
//! printed results.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::host::{HostOptions, run_headless};
use super::seats::DEFAULT_BUDGET_EUR;
use super::student::{self, StudentOptions};
use crate::market::Mechanism;

/// Exit status for bad input (as the other commands).
const EXIT_BAD_INPUT: u8 = 2;

/// Where a class is saved unless told otherwise.
pub const DEFAULT_SESSION: &str = "scenes/my/class.session.json";

/// The port a class listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 5757;

/// `microgrid host`'s arguments.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Scenario file [default: scenes/default.scenario.ron].
    pub file: Option<PathBuf>,
    /// UDP port to listen on (0: any free one, printed).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Address to listen on [default: every address of this machine]; a
    /// specific IPv4 address also gives the class a join code.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// A PIN students must give to join.
    #[arg(long)]
    pub pin: Option<String>,
    /// The class's name, shown to students.
    #[arg(long, default_value = "Our class")]
    pub class: String,
    /// What each student may spend on their house, EUR.
    #[arg(long, default_value_t = DEFAULT_BUDGET_EUR)]
    pub budget: f64,
    /// Local market between neighbours: sdr, mmr, bill-sharing, auction or
    /// none [default: auction, where each student's order sets their prices].
    #[arg(long, value_parser = Mechanism::from_cli, value_name = "MECHANISM")]
    pub market: Option<Mechanism>,
    /// Without a window: wait for --students, simulate --days at full
    /// speed, print the class table. Without it, the teacher's window
    /// hosts the class live (docs/class.md).
    #[arg(long)]
    pub headless: bool,
    /// Students to wait for (headless).
    #[arg(long, default_value_t = 1, requires = "headless")]
    pub students: usize,
    /// Days to simulate (headless).
    #[arg(long, default_value_t = 1.0, requires = "headless")]
    pub days: f64,
    /// Simulated time per step: 30s, 1min, 15min, 1h.
    #[arg(long, default_value = "1min", value_parser = crate::run::parse_step, requires = "headless")]
    pub step: u32,
    /// Longest wait for the students, seconds.
    #[arg(long, default_value_t = 60.0, requires = "headless")]
    pub wait_s: f64,
    /// Longest a student whose window closed holds a scripted class, seconds.
    #[arg(long, default_value_t = 30.0, requires = "headless")]
    pub grace_s: f64,
    /// Write the results as JSON here.
    #[arg(long, value_name = "OUT", requires = "headless")]
    pub report: Option<PathBuf>,
    /// Write the class table as CSV here (a row per student).
    #[arg(long, value_name = "OUT", requires = "headless")]
    pub csv: Option<PathBuf>,
    /// Where the session is saved, every --autosave-s and when the class
    /// stops, for --resume [default: the file resumed, else
    /// scenes/my/class.session.json].
    #[arg(long, value_name = "FILE")]
    pub session: Option<PathBuf>,
    /// Seconds between saves of the session.
    #[arg(long, default_value_t = 60.0)]
    pub autosave_s: f64,
    /// Stop the class at this simulated time, "YYYY-MM-DD HH:MM" (saved;
    /// --resume goes on from there).
    #[arg(long, value_parser = crate::scenario::parse_date_time, value_name = "TIME", requires = "headless")]
    pub until: Option<chrono::NaiveDateTime>,
    /// Go on with a saved class (its scenario, settings, seats and every
    /// action so far); students rejoin under their names.
    #[arg(long, value_name = "SESSION", conflicts_with_all = ["file", "script", "days", "market", "budget", "pin", "step"])]
    pub resume: Option<PathBuf>,
    /// The teacher's steps at simulated times (a TimedScript: an outage, a
    /// price spike, the market; headless).
    #[arg(long, value_name = "STEPS")]
    pub script: Option<PathBuf>,
    /// Do not announce the class on the network (students type the code).
    #[arg(long)]
    pub no_announce: bool,
    /// The UDP port the class is announced on (tests use another).
    #[arg(long, default_value_t = super::announce::ANNOUNCE_PORT, hide = true)]
    pub announce_port: u16,
}

/// `microgrid join`'s arguments.
#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The class code the teacher shows (like 3Z4K0-01JR8), or HOST:PORT
    /// [default: the window lists the classes announced on this network to
    /// pick from; --headless joins the one it hears].
    pub target: Option<String>,
    /// Your name: the class knows your house by it (use it again to rejoin).
    #[arg(long)]
    pub name: String,
    /// The class's PIN, if the teacher set one.
    #[arg(long)]
    pub pin: Option<String>,
    /// Without a window: play --script and print your results.
    #[arg(long)]
    pub headless: bool,
    /// Your steps at simulated times (a TimedScript; the house "mine" is yours).
    #[arg(long, value_name = "STEPS")]
    pub script: Option<PathBuf>,
    /// Longest wait for the host, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub timeout_s: f64,
    /// The UDP port classes are announced on (tests use another).
    #[arg(long, default_value_t = super::announce::ANNOUNCE_PORT, hide = true)]
    pub announce_port: u16,
}

fn bad(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

fn check_seconds(value: f64, what: &str) -> Result<(), String> {
    if value.is_finite() && (0.0..=3600.0).contains(&value) {
        Ok(())
    } else {
        Err(format!("{what} of {value} s: give 0 to 3600 seconds"))
    }
}

/// `microgrid host --headless`.
pub fn host(args: HostArgs) -> ExitCode {
    let options = match host_options(&args) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let class = args.class.clone();
    let announced = !options.announce.is_empty();
    let result = run_headless(options, |addr| {
        println!("{}", joining_text(&class, addr));
        if announced {
            println!("{}", ANNOUNCED);
        }
    });
    match result {
        Ok(report) => {
            print!("{}", report.table_text());
            println!(
                "  host: {:.1} us a step; {:.0} bytes a second to each student",
                report.step_us, report.bytes_per_s_per_student
            );
            for (path, text, what) in [
                (&args.report, report.to_json(), "the results"),
                (&args.csv, report.to_csv(), "the class table"),
            ] {
                let Some(path) = path else { continue };
                if let Err(e) = crate::files::write_atomically(path, text.as_bytes()) {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
                println!("  wrote {what} to {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The class `args` ask for, checked (the scenario, the teacher's steps,
/// a saved session to resume, every number and output); the error's exit
/// status when something is wrong (said on stderr).
pub fn host_options(args: &HostArgs) -> Result<HostOptions, ExitCode> {
    let mut live_start = None;
    let file = match &args.resume {
        Some(path) => match super::session::Session::load(path) {
            Ok(session) => {
                // A class goes on where it ran: in the teacher's window, or
                // headless with its days and scripted steps.
                match (session.live.is_some(), args.headless) {
                    (true, true) => {
                        return Err(bad(format!(
                            "{}: that class ran in the teacher's window; go on with it there (without --headless)",
                            path.display()
                        )));
                    }
                    (false, false) => {
                        return Err(bad(format!(
                            "{}: that class ran headless; go on with it with --headless",
                            path.display()
                        )));
                    }
                    _ => {}
                }
                live_start = session.live.map(|live| live.start);
                session.scenario_file
            }
            Err(e) => return Err(bad(e)),
        },
        None => args
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::scenario::DEFAULT_SCENARIO)),
    };
    let loaded = match (&live_start, &args.resume) {
        (Some(start), Some(path)) => live_built(path, start).map_err(|e| vec![e]),
        _ => crate::scenario::load_and_build(&file)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    let mut built = match loaded {
        Ok(b) => b,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            return Err(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    // A resumed class is saved on where it was saved.
    let session_file = args
        .session
        .clone()
        .or_else(|| args.resume.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SESSION));
    let checks = (|| {
        if !(args.budget.is_finite() && (0.0..=10_000_000.0).contains(&args.budget)) {
            return Err(format!(
                "a budget of {} EUR: give 0 to 10,000,000",
                args.budget
            ));
        }
        check_seconds(args.wait_s, "--wait-s")?;
        check_seconds(args.grace_s, "--grace-s")?;
        if args.students > built.house_count() {
            return Err(format!(
                "--students {}: {} has {} houses, one for each student",
                args.students,
                file.display(),
                built.house_count()
            ));
        }
        if let Some(pin) = &args.pin {
            super::seats::check_name(pin, crate::lang::Lang::En)
                .map_err(|_| "--pin: give 1 to 40 printable characters".to_owned())?;
        }
        super::seats::check_name(&args.class, crate::lang::Lang::En)
            .map_err(|e| format!("--class: {e}"))?;
        let duration_s = crate::run::duration_days(args.days)?;
        check_seconds(args.autosave_s, "--autosave-s")?;
        if let Some(until) = args.until {
            let start = built.scenario.start.0;
            if until <= start {
                return Err(format!(
                    "--until {}: the class begins at {}",
                    until.format("%Y-%m-%d %H:%M"),
                    start.format("%Y-%m-%d %H:%M")
                ));
            }
        }
        // A resumed class saves on over its own file (the new one holds all
        // of it); any other file is written over only if its class is over.
        if args.resume.as_deref() != Some(session_file.as_path()) {
            super::session::Session::may_write_over(&session_file)?;
        }
        let mut inputs = vec![file.as_path()];
        inputs.extend(args.script.as_deref());
        // A resumed session is saved on as it goes (the new file holds all
        // of the old): only the results may not go over it.
        crate::files::check_outputs(
            &inputs,
            &[crate::files::Output {
                makes_folder: true,
                ..crate::files::Output::new("--session", &session_file)
            }],
        )?;
        inputs.extend(args.resume.as_deref());
        let outputs: Vec<crate::files::Output<'_>> =
            [("--report", &args.report), ("--csv", &args.csv)]
                .into_iter()
                .filter_map(|(option, path)| {
                    path.as_deref()
                        .map(|path| crate::files::Output::new(option, path))
                })
                .collect();
        crate::files::check_outputs(&inputs, &outputs)?;
        Ok(duration_s)
    })();
    let duration_s = match checks {
        Ok(d) => d,
        Err(e) => return Err(bad(e)),
    };
    let teacher = match args.script.as_deref().map(crate::scenario::timed::load) {
        Some(Ok(s)) => s.steps,
        Some(Err(e)) => return Err(bad(e)),
        None => Vec::new(),
    };
    if let Err(e) = crate::run::check_timed_steps(&teacher, built.scenario.start.0, duration_s) {
        return Err(bad(format!(
            "{}: {e}",
            args.script.as_deref().unwrap_or(Path::new("")).display()
        )));
    }
    built.scenario.market.mechanism = args.market.unwrap_or(Mechanism::Auction);
    let scenario_text = match live_start {
        // A live class's start is in its session, whatever the file holds now.
        Some(start) => start,
        None => match crate::scenario::error::read_text(&file) {
            Ok(t) => t,
            Err(e) => return Err(bad(e)),
        },
    };
    let mut options = HostOptions {
        class: args.class.clone(),
        bind: SocketAddr::new(args.bind, args.port),
        pin: args.pin.clone(),
        budget_eur: args.budget,
        step_s: args.step,
        students: args.students,
        duration_s,
        wait_s: args.wait_s,
        grace_s: args.grace_s,
        verbose: true,
        teacher,
        save: Some((
            session_file.clone(),
            Duration::from_secs_f64(args.autosave_s),
        )),
        scenario_file: file.clone(),
        scenario_text,
        stop_at: args.until,
        announce: if args.no_announce {
            Vec::new()
        } else {
            super::announce::destinations(SocketAddr::new(args.bind, args.port), args.announce_port)
        },
        ..HostOptions::new(built)
    };
    // A port in use is said now, before a window opens or a class waits.
    if let Err(e) = super::net::probe(options.bind) {
        return Err(bad(e));
    }
    if let Some(path) = &args.resume {
        options = match resumed(path, options) {
            Ok(o) => o,
            Err(e) => return Err(bad(e)),
        };
    }
    Ok(options)
}

/// `options` for going on with the class saved at `path`: its scenario
/// (refused if the file changed since), settings, teacher's steps and
/// actions so far; the address, the students to wait for, the grace and
/// where to save stay as given.
fn resumed(path: &Path, options: HostOptions) -> Result<HostOptions, String> {
    let session = super::session::Session::load(path)?;
    let built = match &session.live {
        // A live class holds the neighbourhood it began with.
        Some(live) => live_built(path, &live.start)?,
        None => {
            let text = crate::scenario::error::read_text(&session.scenario_file)
                .map_err(|e| e.to_string())?;
            if text != session.scenario_text {
                return Err(format!(
                    "{} has changed since the class began; the saved class needs it as it was",
                    session.scenario_file.display()
                ));
            }
            let mut built = crate::scenario::load_and_build(&session.scenario_file)
                .map_err(|errors| errors.first().map(ToString::to_string).unwrap_or_default())?;
            built.scenario.market.mechanism = session.market;
            built
        }
    };
    let teacher = session
        .teacher
        .iter()
        .map(|(at, act)| crate::scenario::timed::TimedStep {
            at: *at,
            act: act.clone(),
        })
        .collect();
    Ok(HostOptions {
        class: session.class.clone(),
        pin: session.pin.clone(),
        budget_eur: session.budget_eur,
        step_s: session.step_s,
        duration_s: session.total_steps * u64::from(session.step_s),
        teacher,
        scenario_file: session.scenario_file.clone(),
        scenario_text: session.scenario_text.clone(),
        built,
        resume: Some(session),
        ..options
    })
}

/// The neighbourhood a live class saved at `path` began with (`start`).
fn live_built(path: &Path, start: &str) -> Result<crate::scenario::Built, String> {
    crate::scenario::parse(start, &path.display().to_string())
        .map_err(|e| e.to_string())
        .and_then(|s| crate::scenario::edit::check(&s))
        .map_err(|e| format!("{}: the class's start does not read: {e}", path.display()))
}

/// Where students reach a host listening at `addr`: listening on every
/// address, this machine's on the school network (when it has one).
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    match (addr.ip().is_unspecified(), super::net::lan_address()) {
        (true, Some(ip)) => SocketAddr::from((ip, addr.port())),
        _ => addr,
    }
}

/// What the host prints for the students: its address, and the code where
/// it listens on one IPv4 address (or on every one, with this machine's).
pub fn joining_text(class: &str, addr: SocketAddr) -> String {
    let addr = reachable(addr);
    match addr {
        SocketAddr::V4(v4) if !v4.ip().is_unspecified() => format!(
            "Class \"{class}\" is open. Students join with:  microgrid join {} --name NAME   (code for {addr})",
            super::code::encode(v4)
        ),
        _ => format!(
            "Class \"{class}\" is open on port {}. Students join with:  microgrid join ADDRESS:{} --name NAME   (ADDRESS: this machine's on the school network; --bind ADDRESS gives a short code)",
            addr.port(),
            addr.port()
        ),
    }
}

/// The host `args` name and the student's checked name: the error's exit
/// status when either is wrong (said on stderr).
pub fn join_target(args: &JoinArgs) -> Result<SocketAddr, ExitCode> {
    match join_checks(args)? {
        Some(server) => Ok(server),
        None => announced_class(args.announce_port, LISTEN_FOR),
    }
}

/// `join`'s arguments checked: the class's address when a code or address
/// was given (none: the student picks one announced on the network).
pub fn join_checks(args: &JoinArgs) -> Result<Option<SocketAddr>, ExitCode> {
    let target = args
        .target
        .as_deref()
        .map(|t| super::code::parse_target(t).map_err(bad))
        .transpose()?;
    super::seats::check_name(&args.name, crate::lang::Lang::En)
        .map_err(|e| bad(format!("--name: {e}")))?;
    check_seconds(args.timeout_s, "--timeout-s").map_err(bad)?;
    if !args.headless && args.script.is_some() {
        return Err(bad(
            "--script plays a student without a window (--headless); in the window, build on your house yourself (or give --window-script)",
        ));
    }
    Ok(target)
}

/// What the host says when it announces its class.
pub const ANNOUNCED: &str =
    "  announced on this network: students here can also join with  microgrid join --name NAME";

/// How long `join` without a code listens for classes on the network.
const LISTEN_FOR: Duration = Duration::from_secs(3);

/// The one class announced on this network (heard on `port` within
/// `wait`); none or several are said, with the codes to choose from.
pub fn announced_class(port: u16, wait: Duration) -> Result<SocketAddr, ExitCode> {
    // On stderr: a headless student's stdout is their results.
    eprintln!("Listening for classes on this network...");
    let heard = super::announce::listen(port, wait).map_err(bad)?;
    match heard.as_slice() {
        [] => Err(bad(format!(
            "no class announced itself on this network within {} s; type the code the teacher shows: microgrid join CODE --name NAME",
            wait.as_secs()
        ))),
        [one] => {
            eprintln!("  {}", heard_line(one));
            Ok(one.target)
        }
        several => {
            for h in several {
                eprintln!("  {}", heard_line(h));
            }
            Err(bad(format!(
                "{} classes on this network: give the code of yours (microgrid join CODE --name NAME)",
                several.len()
            )))
        }
    }
}

/// A class heard, in one line: its name, code, PIN and free houses.
fn heard_line(h: &super::announce::Heard) -> String {
    let code = match h.target {
        SocketAddr::V4(v4) => super::code::encode(v4),
        other => other.to_string(),
    };
    format!(
        "\"{}\"  code {code}  ({}){}  {} of {} houses free",
        h.said.class,
        h.target,
        if h.said.pin { "  PIN needed" } else { "" },
        h.said.free,
        h.said.houses
    )
}

/// `microgrid join --headless`.
pub fn join(args: JoinArgs) -> ExitCode {
    let server = match join_target(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let script = match args.script.as_deref().map(crate::scenario::timed::load) {
        Some(Ok(s)) => s.steps,
        Some(Err(e)) => return bad(e),
        None => Vec::new(),
    };
    if let Err(e) = student::check_script(&script) {
        return bad(format!(
            "{}: {e}",
            args.script.as_deref().unwrap_or(Path::new("")).display()
        ));
    }
    let options = StudentOptions {
        server,
        name: args.name.clone(),
        pin: args.pin.clone(),
        script,
        timeout_s: args.timeout_s,
    };
    match student::run_headless(&options) {
        Ok(o) => {
            println!(
                "{}",
                outcome_text(&args.name, script_name(args.script.as_deref()), &o)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn script_name(path: Option<&Path>) -> String {
    path.map_or_else(|| "no script".to_owned(), |p| p.display().to_string())
}

fn outcome_text(name: &str, script: String, o: &student::StudentOutcome) -> String {
    let mut out = format!(
        "{name} in \"{}\" at {} ({script}){}",
        o.class,
        o.house,
        if o.rejoins > 0 {
            match o.rejoins {
                1 => ", rejoined once".to_owned(),
                n => format!(", rejoined {n} times"),
            }
        } else {
            String::new()
        }
    );
    if let Some(s) = &o.seat {
        out.push_str(&format!(
            "\n  {} actions applied, {} refused; bill {:.2} EUR, shared {:.2} kWh with neighbours, bought {:.2} kWh from them, {:.0} % self-sufficient, spent {:.0} EUR",
            s.applied,
            s.refused,
            s.bill_eur,
            s.shared_kwh,
            s.bought_local_kwh,
            s.self_sufficiency * 100.0,
            s.spent_eur
        ));
    }
    if o.island_minutes > 0.0 {
        out.push_str(&format!(
            "\n  the neighbourhood ran as an island for {:.0} min",
            o.island_minutes
        ));
    }
    for (seq, why) in &o.refused {
        out.push_str(&format!("\n  step {seq} refused: {why}"));
    }
    out
}
