//! The transport under a class: Replicon over renet's netcode on UDP.
//! Builds the bare apps both sides start from and opens their sockets.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, SystemTime};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy_replicon::prelude::*;
use bevy_replicon_renet::netcode::{
    ClientAuthentication, NetcodeClientTransport, NetcodeServerTransport, ServerAuthentication,
    ServerConfig,
};
use bevy_replicon_renet::renet::ConnectionConfig;
use bevy_replicon_renet::{RenetChannelsExt, RenetClient, RenetServer, RepliconRenetPlugins};

use super::protocol::{self, NETCODE_PROTOCOL_ID};

/// Most students a host lets in at once (netcode allows 1,024).
pub const MAX_CLIENTS: usize = 256;

/// An app with time, states, Replicon, renet and the class protocol, and
/// nothing else: the host adds the simulation, a student its script.
pub fn bare_app() -> App {
    let mut app = App::new();
    app.add_plugins((
        TaskPoolPlugin::default(),
        bevy::time::TimePlugin,
        StatesPlugin,
    ));
    add_transport(&mut app);
    app
}

/// Replicon, renet and the class protocol, for an app that has time and
/// states already (the window's); nothing when it has them.
pub fn add_transport(app: &mut App) {
    if app.world().contains_resource::<RepliconChannels>() {
        return;
    }
    app.add_plugins((RepliconPlugins, RepliconRenetPlugins));
    protocol::register(app);
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}

fn connection(world: &World) -> ConnectionConfig {
    let channels = world.resource::<RepliconChannels>();
    ConnectionConfig {
        server_channels_config: channels.server_configs(),
        client_channels_config: channels.client_configs(),
        ..Default::default()
    }
}

/// This machine's address on the network it would reach others by (the
/// school's), for a code students can type when the host listens on every
/// address; `None` without a network. No packet is sent: a UDP socket
/// "connected" to an address only picks the way out.
pub fn lan_address() -> Option<std::net::Ipv4Addr> {
    let socket = UdpSocket::bind(("0.0.0.0", 0)).ok()?;
    // TEST-NET-1 (RFC 5737): never answered, only routed.
    socket.connect(("192.0.2.1", 9)).ok()?;
    match socket.local_addr().ok()?.ip() {
        std::net::IpAddr::V4(ip) if !ip.is_unspecified() && !ip.is_loopback() => Some(ip),
        _ => None,
    }
}

/// Whether a class could listen at `bind` now (the port is free): said
/// before anything opens, as [`serve`] would say it.
pub fn probe(bind: SocketAddr) -> Result<(), String> {
    UdpSocket::bind(bind).map(drop).map_err(|e| {
        format!(
            "cannot listen on {bind}: {e} (another class on that port? try --port with another number)"
        )
    })
}

/// Opens the host's socket at `bind` and starts serving; gives the address
/// it listens on (the port the system chose when `bind`'s is 0).
pub fn serve(app: &mut App, bind: SocketAddr, max_clients: usize) -> Result<SocketAddr, String> {
    let socket = UdpSocket::bind(bind).map_err(|e| {
        format!(
            "cannot listen on {bind}: {e} (another class on that port? try --port with another number)"
        )
    })?;
    let addr = socket
        .local_addr()
        .map_err(|e| format!("cannot read the socket's address: {e}"))?;
    let server = RenetServer(bevy_replicon_renet::renet::RenetServer::new(connection(
        app.world(),
    )));
    let config = ServerConfig {
        // The host's clock starts at zero: netcode checks a student's
        // connect token (made with the student's clock, valid for five
        // minutes) against it, so a student whose clock is off by more
        // than that would be turned away without a word. From zero, it
        // never is; the host's time serves only to measure timeouts.
        current_time: Duration::ZERO,
        max_clients: max_clients.clamp(1, MAX_CLIENTS),
        protocol_id: NETCODE_PROTOCOL_ID,
        public_addresses: vec![addr],
        authentication: ServerAuthentication::Unsecure,
    };
    let transport = NetcodeServerTransport::new(config, socket)
        .map_err(|e| format!("cannot serve on {addr}: {e}"))?;
    app.insert_resource(server).insert_resource(transport);
    Ok(addr)
}

/// A client id unique among this machine's connections: the time, the
/// process and a count (netcode refuses a second connection under one id).
fn client_id() -> u64 {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (since_epoch().as_nanos() as u64) ^ (u64::from(std::process::id()) << 40) ^ (n << 20)
}

/// Starts connecting a student's app to the host at `server`.
pub fn connect(app: &mut App, server: SocketAddr) -> Result<(), String> {
    connect_world(app.world_mut(), server)
}

/// [`connect`] from within the app (a window joining again).
pub fn connect_world(world: &mut World, server: SocketAddr) -> Result<(), String> {
    let local: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket =
        UdpSocket::bind(local).map_err(|e| format!("cannot open a network socket: {e}"))?;
    let client = RenetClient(bevy_replicon_renet::renet::RenetClient::new(connection(
        world,
    )));
    let authentication = ClientAuthentication::Unsecure {
        protocol_id: NETCODE_PROTOCOL_ID,
        client_id: client_id(),
        server_addr: server,
        user_data: None,
    };
    let transport = NetcodeClientTransport::new(since_epoch(), authentication, socket)
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    // Taken away first, so that the new client counts as added (a
    // resource written over is only changed, and Replicon starts
    // connecting on an added one).
    world.remove_resource::<RenetClient>();
    world.remove_resource::<NetcodeClientTransport>();
    world.insert_resource(client);
    world.insert_resource(transport);
    Ok(())
}
