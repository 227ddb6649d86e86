//! The class on the school network: the host says every two seconds, in
//! one small UDP broadcast, that its class is open (its name, the port, a
//! PIN or not, free houses), and a student's `microgrid join` without a
//! code listens for a few seconds and lists what it heard. Joining itself
//! goes through Replicon as always; this only saves typing the code.
//!
//! What is heard is checked as any network message: at most
//! [`MAX_DATAGRAM`] bytes, our prefix, JSON of the right shape, a class
//! name as a student's name is checked; anything else is ignored, and at
//! most [`MAX_CLASSES`] classes are kept.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::host::{Host, Phase};
use crate::lang::Lang;

/// The UDP port classes are announced on.
pub const ANNOUNCE_PORT: u16 = 5758;

/// How often a host says its class is open.
pub const EVERY: Duration = Duration::from_secs(2);

/// Most bytes of one announcement; a longer datagram is not one.
pub const MAX_DATAGRAM: usize = 512;

/// Most classes one listen keeps.
pub const MAX_CLASSES: usize = 64;

/// What starts every announcement (and nothing else on the port).
const PREFIX: &[u8] = b"microgrid-class ";

/// What a host says of its class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    /// The class's name.
    pub class: String,
    /// The host's program version (a student of another cannot join).
    pub version: String,
    /// The port it listens on (at the address the announcement came
    /// from: it is sent from the address the class listens on).
    pub port: u16,
    /// A PIN is needed to join.
    pub pin: bool,
    /// Houses without a student.
    pub free: usize,
    /// Houses in all.
    pub houses: usize,
}

impl Announcement {
    /// The datagram that carries it.
    pub fn to_datagram(&self) -> Vec<u8> {
        let mut out = PREFIX.to_vec();
        // A struct of strings and numbers always writes.
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out
    }

    /// Reads a datagram; `None` for anything that is not an announcement.
    pub fn read(datagram: &[u8]) -> Option<Announcement> {
        if datagram.len() > MAX_DATAGRAM {
            return None;
        }
        let body = datagram.strip_prefix(PREFIX)?;
        let a: Announcement = serde_json::from_slice(body).ok()?;
        let sane = super::seats::check_name(&a.class, Lang::En).is_ok()
            && a.version.len() <= 40
            && a.port != 0
            && a.free <= a.houses;
        sane.then_some(a)
    }

    /// Where a student joins the class announced from `from`: the same
    /// machine, at the port it names (never another machine it names).
    pub fn target(&self, from: SocketAddr) -> SocketAddr {
        SocketAddr::new(from.ip(), self.port)
    }
}

/// A class heard on the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    /// Where to join it.
    pub target: SocketAddr,
    /// What it said.
    pub said: Announcement,
}

/// Where a host listening at `bind` announces its class on `port`: on
/// its own machine when it listens on loopback only, else to the whole
/// network.
pub fn destinations(bind: SocketAddr, port: u16) -> Vec<SocketAddr> {
    let to = if bind.ip().is_loopback() {
        Ipv4Addr::LOCALHOST
    } else {
        Ipv4Addr::BROADCAST
    };
    vec![SocketAddr::from((to, port))]
}

/// A host's announcer: its socket, where it sends, when it last did.
#[derive(Resource, Debug)]
pub struct Announcer {
    socket: UdpSocket,
    to: Vec<SocketAddr>,
    /// The address the class listens on.
    serving: SocketAddr,
    last: Option<Instant>,
    /// A failed send was said (once: a machine without a network fails
    /// every time).
    warned: bool,
}

impl Announcer {
    /// An announcer for the class served at `serving`, sending to `to`
    /// from the address the class listens on (when it listens on one), so
    /// that students join where the announcement came from.
    pub fn new(serving: SocketAddr, to: Vec<SocketAddr>) -> Result<Self, String> {
        let from = match serving.ip() {
            IpAddr::V4(ip) => ip,
            IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
        };
        let socket = UdpSocket::bind((from, 0))
            .map_err(|e| format!("cannot open a socket to announce the class: {e}"))?;
        socket
            .set_broadcast(true)
            .and_then(|()| socket.set_nonblocking(true))
            .map_err(|e| format!("cannot announce the class: {e}"))?;
        Ok(Self {
            socket,
            to,
            serving,
            last: None,
            warned: false,
        })
    }
}

/// Announces the class served at `serving` to `to` from now on (nothing
/// when `to` is empty; a warning when no socket opens: students type the
/// code then).
pub fn start(app: &mut App, serving: SocketAddr, to: &[SocketAddr]) {
    if to.is_empty() {
        return;
    }
    match Announcer::new(serving, to.to_vec()) {
        Ok(announcer) => {
            app.insert_resource(announcer);
        }
        Err(e) => eprintln!("warning: {e}; students type the code"),
    }
}

/// Says the class is open, every [`EVERY`] while it runs or waits.
pub(super) fn announce(host: Res<Host>, mut announcer: ResMut<Announcer>) {
    if matches!(host.phase, Phase::Finished(_))
        || announcer.last.is_some_and(|t| t.elapsed() < EVERY)
    {
        return;
    }
    announcer.last = Some(Instant::now());
    let said = Announcement {
        class: host.options.class.clone(),
        version: super::protocol::VERSION.to_owned(),
        port: announcer.serving.port(),
        pin: host.options.pin.is_some(),
        free: host
            .seats
            .seats
            .iter()
            .filter(|s| s.student.is_none())
            .count(),
        houses: host.seats.seats.len(),
    };
    let datagram = said.to_datagram();
    for to in announcer.to.clone() {
        if let Err(e) = announcer.socket.send_to(&datagram, to)
            && !announcer.warned
        {
            announcer.warned = true;
            eprintln!(
                "warning: the class could not be announced to {to} ({e}); students type the code"
            );
        }
    }
}

/// Takes a datagram from `from` into `heard`: a new class is added (at
/// most [`MAX_CLASSES`]), one heard before says how it stands now.
fn take(heard: &mut Vec<Heard>, datagram: &[u8], from: SocketAddr) -> Option<SocketAddr> {
    let said = Announcement::read(datagram)?;
    let target = said.target(from);
    match heard.iter().position(|h| h.target == target) {
        Some(known) => heard[known].said = said,
        None if heard.len() < MAX_CLASSES => heard.push(Heard { target, said }),
        None => return None,
    }
    Some(target)
}

/// A class not heard for this long has ended (or gone): the list drops it.
const FORGET_AFTER: Duration = Duration::from_secs(3 * EVERY.as_secs());

/// A student's window listening for classes while the student picks one
/// (a socket that never blocks the frame).
#[derive(Resource, Debug)]
pub struct Listener {
    socket: UdpSocket,
    /// The classes heard lately, in the order they came.
    pub heard: Vec<Heard>,
    /// When each was last heard.
    last: std::collections::HashMap<SocketAddr, Instant>,
}

impl Listener {
    /// Listens on `port`.
    pub fn new(port: u16) -> Result<Self, String> {
        let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).map_err(|e| {
            format!("cannot listen for classes on UDP port {port}: {e} (is another `microgrid join` listening?)")
        })?;
        socket
            .set_nonblocking(true)
            .map_err(|e| format!("cannot listen for classes: {e}"))?;
        Ok(Self {
            socket,
            heard: Vec::new(),
            last: std::collections::HashMap::new(),
        })
    }

    /// Reads what has come since the last call (at most 64 datagrams a
    /// frame), and forgets the classes not heard for three announcements.
    pub fn hear(&mut self) {
        let mut buffer = [0u8; MAX_DATAGRAM + 1];
        for _ in 0..64 {
            let Ok((n, from)) = self.socket.recv_from(&mut buffer) else {
                break;
            };
            if let Some(target) = take(&mut self.heard, &buffer[..n], from) {
                self.last.insert(target, Instant::now());
            }
        }
        let last = &mut self.last;
        last.retain(|_, t| t.elapsed() < FORGET_AFTER);
        self.heard.retain(|h| last.contains_key(&h.target));
    }
}

/// Listens on `port` for `wait` and gives the classes heard, each once
/// (as it said last), at most [`MAX_CLASSES`].
pub fn listen(port: u16, wait: Duration) -> Result<Vec<Heard>, String> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).map_err(|e| {
        format!("cannot listen for classes on UDP port {port}: {e} (is another `microgrid join` listening?)")
    })?;
    let started = Instant::now();
    let mut heard: Vec<Heard> = Vec::new();
    let mut buffer = [0u8; MAX_DATAGRAM + 1];
    while let Some(left) = wait.checked_sub(started.elapsed()) {
        if left.is_zero() || heard.len() >= MAX_CLASSES {
            break;
        }
        socket
            .set_read_timeout(Some(left))
            .map_err(|e| format!("cannot listen for classes: {e}"))?;
        let Ok((n, from)) = socket.recv_from(&mut buffer) else {
            continue;
        };
        take(&mut heard, &buffer[..n], from);
    }
    Ok(heard)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class() -> Announcement {
        Announcement {
            class: "7b physics".into(),
            version: "0.1.0".into(),
            port: 5757,
            pin: true,
            free: 20,
            houses: 24,
        }
    }

    #[test]
    fn an_announcement_reads_back_and_nothing_else_does() {
        let a = class();
        assert_eq!(Announcement::read(&a.to_datagram()), Some(a.clone()));
        let from: SocketAddr = "192.168.1.20:40000".parse().expect("an address");
        assert_eq!(
            a.target(from),
            "192.168.1.20:5757".parse().expect("an address")
        );
        // Another machine named in it is not taken.
        let mut elsewhere = PREFIX.to_vec();
        elsewhere.extend(
            b"{\"class\":\"7b\",\"version\":\"0.1.0\",\"port\":5757,\"ip\":\"10.0.0.7\",\"pin\":false,\"free\":1,\"houses\":2}",
        );
        let read = Announcement::read(&elsewhere).expect("an announcement");
        assert_eq!(
            read.target(from),
            "192.168.1.20:5757".parse().expect("an address")
        );
        let mut too_long = PREFIX.to_vec();
        too_long.extend(vec![b' '; MAX_DATAGRAM]);
        for bad in [
            b"hello".to_vec(),
            b"microgrid-class {".to_vec(),
            b"microgrid-class {\"class\": 7}".to_vec(),
            too_long,
            Announcement {
                class: "x".repeat(41),
                ..a.clone()
            }
            .to_datagram(),
            Announcement {
                class: "a\u{7}b".into(),
                ..a.clone()
            }
            .to_datagram(),
            Announcement {
                port: 0,
                ..a.clone()
            }
            .to_datagram(),
            Announcement {
                free: 25,
                ..a.clone()
            }
            .to_datagram(),
        ] {
            assert_eq!(
                Announcement::read(&bad),
                None,
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
    }

    #[test]
    fn a_host_on_loopback_announces_on_its_own_machine() {
        let local: SocketAddr = "127.0.0.1:5757".parse().expect("an address");
        let all: SocketAddr = "0.0.0.0:5757".parse().expect("an address");
        assert_eq!(
            destinations(local, ANNOUNCE_PORT),
            ["127.0.0.1:5758".parse().expect("an address")]
        );
        assert_eq!(
            destinations(all, 6000),
            ["255.255.255.255:6000".parse().expect("an address")]
        );
    }
}
