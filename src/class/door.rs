//! Who comes into a class: a hello with the same version and the PIN gets
//! a house; anything else is turned away with its reason, and the
//! connection closes once the reason is out. A connection that says
//! nothing is closed after [`SILENT_S`]; one that was answered is not
//! heard again (no second try at the PIN on one connection).

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_replicon::prelude::*;

use super::host::{Host, Promise};
use super::protocol::{Denied, Hello, VERSION, Welcome};
use crate::lang::Lang;
use crate::tr_in;

/// Longest a connection may stay without saying hello, seconds.
pub const SILENT_S: u64 = 30;

/// How long a refusal has to reach its student before the connection closes.
const REFUSAL_LINGERS: Duration = Duration::from_millis(500);

/// Seats each student who says hello with the right version and PIN.
pub(super) fn receive_hellos(
    mut hellos: MessageReader<FromClient<Hello>>,
    mut host: ResMut<Host>,
    mut welcomes: MessageWriter<ToClients<Welcome>>,
    mut denials: MessageWriter<ToClients<Denied>>,
    live: Option<Res<super::live::LiveLog>>,
    mut windows: MessageWriter<ToClients<super::protocol::ToWindow>>,
) {
    for FromClient { client_id, message } in hellos.read() {
        let Some(client) = client_id.entity() else {
            continue;
        };
        let host = &mut *host;
        if host.by_client.contains_key(&client) || host.turned_away.contains(&client) {
            continue;
        }
        // Said in the student's language (English when it is not one of ours).
        let lang = Lang::parse(&message.lang).unwrap_or_default();
        let outcome = if message.version != VERSION {
            Err((
                tr_in!(
                    lang,
                    "class.no_version",
                    class = VERSION,
                    yours = message.version
                ),
                false,
            ))
        } else if host.options.pin.is_some() && message.pin != host.options.pin {
            Err((tr_in!(lang, "class.wrong_pin").to_owned(), false))
        } else {
            host.seats
                .take(&message.name, lang, message.key.as_deref())
                .map_err(|refused| (refused.reason, refused.retry))
        };
        match outcome {
            Ok(taken) => {
                host.by_client.insert(client, taken.seat);
                host.runs[taken.seat].left_at = None;
                host.runs[taken.seat].holding_since = None;
                let house = host.seats.seats[taken.seat].house.clone();
                if host.options.verbose {
                    eprintln!(
                        "{} {} {house}",
                        message.name,
                        if taken.rejoined { "is back at" } else { "has" }
                    );
                }
                welcomes.write(ToClients {
                    targets: SendTargets::Single(*client_id),
                    message: Welcome {
                        class: host.options.class.clone(),
                        house,
                        budget_eur: host.options.budget_eur,
                        rejoined: taken.rejoined,
                        key: taken.key,
                    },
                });
                // A live class: the student's window starts its copy.
                if let Some(log) = &live {
                    windows.write(ToClients {
                        targets: SendTargets::Single(*client_id),
                        message: super::live::start_message(log, host.options.step_s),
                    });
                }
            }
            Err((reason, retry)) => {
                denials.write(ToClients {
                    targets: SendTargets::Single(*client_id),
                    message: Denied { reason, retry },
                });
                host.turned_away.insert(client);
                host.evict.push((client, Instant::now() + REFUSAL_LINGERS));
            }
        }
    }
}

/// Sends a seated student's window away with `reason` (the teacher freed
/// their house): the connection closes once the reason is out.
pub(super) fn send_away(world: &mut World, client: Entity, reason: String) {
    world.write_message(ToClients {
        targets: SendTargets::Single(ClientId::Client(client)),
        message: Denied {
            reason,
            retry: false,
        },
    });
    let mut host = world.resource_mut::<Host>();
    host.by_client.remove(&client);
    host.turned_away.insert(client);
    host.evict.push((client, Instant::now() + REFUSAL_LINGERS));
}

/// Closes the connections of those turned away once their reason is out,
/// and of those that never said hello.
pub(super) fn close_doors(
    mut host: ResMut<Host>,
    mut disconnects: MessageWriter<DisconnectRequest>,
) {
    let now = Instant::now();
    let host = &mut *host;
    let silent: Vec<Entity> = host
        .arrived_at
        .iter()
        .filter(|(c, a)| {
            !host.by_client.contains_key(c)
                && !host.turned_away.contains(c)
                && now.duration_since(a.at).as_secs() >= SILENT_S
        })
        .map(|(c, _)| *c)
        .collect();
    for client in silent {
        host.turned_away.insert(client);
        host.evict.push((client, now));
    }
    host.evict.retain(|&(client, at)| {
        if now < at {
            return true;
        }
        disconnects.write(DisconnectRequest { client });
        false
    });
}

/// Most connections one address may hold at once (a student's window,
/// and one or two more while it comes back), so that one machine cannot
/// take every place at the door; loopback is not bounded (a class tried
/// on one machine).
pub const MAX_PER_ADDRESS: usize = 4;

/// A connection at the door.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrival {
    /// When it came (one that never says hello is closed).
    pub at: Instant,
    /// From where, as the transport saw it.
    pub ip: Option<std::net::IpAddr>,
    /// Its address held [`MAX_PER_ADDRESS`] already: turned away.
    pub crowded: bool,
}

/// A connection opened: marked to be turned away when its address
/// already holds [`MAX_PER_ADDRESS`] (said once the connection can hear
/// it, [`crowded_away`]).
pub(super) fn came(
    add: On<Add<ConnectedClient>>,
    ids: Query<&bevy_replicon::shared::backend::connected_client::NetworkId>,
    transport: Option<Res<bevy_replicon_renet::netcode::NetcodeServerTransport>>,
    mut host: ResMut<Host>,
) {
    let client = add.entity;
    let ip = ids
        .get(client)
        .ok()
        .zip(transport.as_deref())
        .and_then(|(id, t)| t.client_addr(id.get()))
        .map(|a| a.ip());
    let held = |ip| {
        host.arrived_at
            .values()
            .filter(|a| a.ip == Some(ip) && !a.crowded)
            .count()
    };
    let crowded = ip.is_some_and(|ip| !ip.is_loopback() && held(ip) >= MAX_PER_ADDRESS);
    host.arrived_at.insert(
        client,
        Arrival {
            at: Instant::now(),
            ip,
            crowded,
        },
    );
    if crowded {
        // Its hellos are not heard, and it closes in two seconds: time to
        // hear why (it can once the protocol's check passed), and no more.
        host.turned_away.insert(client);
        host.evict.push((client, Instant::now() + CROWDED_LINGERS));
    }
}

/// How long a connection from a crowded address stays to hear why.
const CROWDED_LINGERS: Duration = Duration::from_secs(2);

/// Tells a connection from a crowded address why it is turned away, once
/// it can hear the class.
pub(super) fn crowded_away(
    add: On<Add<bevy_replicon::server::AuthorizedClient>>,
    host: Res<Host>,
    mut denials: MessageWriter<ToClients<Denied>>,
) {
    let client = add.entity;
    let Some(Arrival {
        ip: Some(ip),
        crowded: true,
        ..
    }) = host.arrived_at.get(&client).copied()
    else {
        return;
    };
    denials.write(ToClients {
        targets: SendTargets::Single(ClientId::Client(client)),
        message: Denied {
            reason: tr_in!(
                Lang::default(),
                "class.address_crowded",
                address = ip,
                n = MAX_PER_ADDRESS
            ),
            retry: false,
        },
    });
}

/// A connection closed: a student's house stays, on autopilot; a seat
/// whose student left before doing anything is free again.
pub(super) fn left(remove: On<Remove<ConnectedClient>>, mut host: ResMut<Host>) {
    let client = remove.entity;
    host.rate.remove(&client);
    host.arrived_at.remove(&client);
    host.turned_away.remove(&client);
    let Some(seat) = host.by_client.remove(&client) else {
        return;
    };
    let host = &mut *host;
    let s = &host.seats.seats[seat];
    let never_acted = s.applied == 0
        && s.refused == 0
        && host.runs[seat].pending == 0
        && host.runs[seat].promise == Promise::Absent;
    // At the end the host closes every connection itself: nothing to say.
    let over = matches!(host.phase, super::host::Phase::Finished(_));
    if host.options.verbose && !over {
        eprintln!(
            "{} left; {}",
            s.student.as_deref().unwrap_or("?"),
            if never_acted {
                format!("{} is free again", s.house)
            } else {
                format!("{} runs on autopilot", s.house)
            }
        );
    }
    if never_acted {
        host.seats.free(seat);
    } else {
        host.seats.seats[seat].connected = false;
        host.runs[seat].left_at = Some(Instant::now());
    }
}

/// Closes every student's connection (the class is over).
pub(super) fn close_all(world: &mut World) {
    let clients: Vec<Entity> = world
        .query_filtered::<Entity, With<ConnectedClient>>()
        .iter(world)
        .collect();
    for client in clients {
        world.write_message(DisconnectRequest { client });
    }
}
