//! The scene brought to life from the simulation's results: sun and sky,
//! cables coloured by loading with pulses that run with the power, buses by
//! voltage, lit or dark windows, battery charge, cars home or away, turning
//! rotors, drifting clouds, the breaker and the grid link, and arcs for the
//! last market interval's trades between neighbours. Reads only.

use bevy::prelude::*;

use crate::app::theme::palette::{
    self, LOADING_STOPS, NEUTRAL_STOPS, UNBALANCE_STOPS, VOLTAGE_STOPS,
};
use crate::app::world::scene::{
    BatteryCharge, BreakerVisual, BusVisual, CLOUDS, CarVisual, Cloud, GridLinkSpan, GridLinkWires,
    HouseWindows, IslandEdge, LampGlow, LineVisual, Paint, SceneLayout, SceneMaterials, StreetLamp,
    Sun, TurbineRotor,
};
use crate::scenario::DeviceKind;
use crate::sim::Neighbourhood;
use crate::sim::devices::{BatteryState, CurrentEnvironment, DeviceIndex, DevicePower, EvRuntime};
use crate::sim::grid_mode::{GridMode, GridState};
use crate::sim::metrics::StepRecord;
use crate::sim::network::NetworkState;

/// Animates the scene each frame from the latest simulation results.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PulsePhases>();
    app.init_resource::<ShowTrades>();
    app.init_resource::<ShowUnbalance>();
    app.init_resource::<PriceSignAt>();
    app.init_resource::<crate::app::world::scene::Selection>();
    app.insert_resource(ClearColor(sky_colour(30.0, 0.0)));
    app.add_systems(
        Update,
        (
            light_the_sky,
            paints_follow_the_sun.after(light_the_sky),
            forget_the_unbalance_view,
            colour_lines_and_buses,
            light_windows,
            light_the_streets,
            show_devices,
            show_breaker,
            drift_clouds,
            draw_pulses,
            draw_trades,
            ring_the_selection,
            place_the_price_sign,
        )
            .run_if(resource_exists::<SceneLayout>)
            // After the scene's rebuild, so that a new layout is in place.
            .after(crate::app::world::scene::rebuild_on_new_scenario)
            .in_set(crate::app::frame::AppSystems::Present),
    );
}

/// Whether the last interval's trades are drawn as arcs (T, the charts
/// panel's check box).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowTrades(pub bool);

impl Default for ShowTrades {
    fn default() -> Self {
        Self(true)
    }
}

/// Sun elevation (degrees) below which windows are lit.
pub const DUSK_ELEVATION_DEG: f64 = 2.0;

/// Whether lights are on: the sun is below [`DUSK_ELEVATION_DEG`].
fn lights_on(env: &CurrentEnvironment) -> bool {
    90.0 - env.0.sun_zenith_deg < DUSK_ELEVATION_DEG
}

pub use crate::sim::why::{house_served, shed_stage_of_house};

/// Sky colour for a sun at `elevation_deg` under `cloud_oktas` of cloud:
/// night navy, orange at the horizon, blue by day, greyer with cloud.
pub fn sky_colour(elevation_deg: f64, cloud_oktas: f64) -> Color {
    let day = [0.53, 0.72, 0.90];
    let dusk = [0.85, 0.55, 0.38];
    let night = [0.03, 0.05, 0.12];
    let grey = [0.62, 0.66, 0.70];
    let mix = |a: [f64; 3], b: [f64; 3], t: f64| -> [f64; 3] {
        let t = t.clamp(0.0, 1.0);
        std::array::from_fn(|k| a[k] + (b[k] - a[k]) * t)
    };
    let c = if elevation_deg < -6.0 {
        night
    } else if elevation_deg < 0.0 {
        mix(night, dusk, (elevation_deg + 6.0) / 6.0)
    } else if elevation_deg < 10.0 {
        mix(dusk, day, elevation_deg / 10.0)
    } else {
        day
    };
    let overcast = (cloud_oktas / 8.0).clamp(0.0, 1.0) * (elevation_deg / 6.0).clamp(0.0, 1.0);
    let c = mix(c, grey, overcast * 0.7);
    Color::srgb(c[0] as f32, c[1] as f32, c[2] as f32)
}

/// Direction from the ground towards the sun (world: y up, north -z).
pub fn sun_direction(zenith_deg: f64, azimuth_deg: f64) -> Vec3 {
    let (el, az) = ((90.0 - zenith_deg).to_radians(), azimuth_deg.to_radians());
    Vec3::new(
        (el.cos() * az.sin()) as f32,
        el.sin() as f32,
        -(el.cos() * az.cos()) as f32,
    )
}

fn light_the_sky(
    env: Res<CurrentEnvironment>,
    layout: Res<SceneLayout>,
    mut clear: ResMut<ClearColor>,
    mut ambient: ResMut<GlobalAmbientLight>,
    mut suns: Query<(&mut Transform, &mut DirectionalLight), With<Sun>>,
    graphics: Option<Res<crate::app::world::graphics::Graphics>>,
) {
    let graphics_changed = graphics.as_ref().is_some_and(|g| g.is_changed());
    if !env.is_changed() && !graphics_changed {
        return;
    }
    // Low graphics draw no shadows.
    let shadows = !graphics.is_some_and(|g| g.low);
    let e = env.0;
    let elevation = 90.0 - e.sun_zenith_deg;
    // A storm darkens the sky towards slate and dims the daylight.
    let storm = crate::app::world::weather::storminess(e.cloud_oktas, e.wind_m_s);
    clear.0 =
        sky_colour(elevation, e.cloud_oktas).mix(&Color::srgb(0.24, 0.27, 0.31), storm * 0.75);
    let daylight = (elevation / 8.0).clamp(0.0, 1.0) as f32 * (1.0 - 0.55 * storm);
    ambient.color = Color::srgb(0.55 + 0.4 * daylight, 0.62 + 0.33 * daylight, 0.9);
    ambient.brightness = 450.0 + 600.0 * daylight;
    for (mut transform, mut light) in &mut suns {
        let direct = (e.dni_w_m2.max(0.0) / 900.0).min(1.2) as f32;
        if elevation > 0.0 {
            let towards = sun_direction(e.sun_zenith_deg, e.sun_azimuth_deg);
            *transform = Transform::from_translation(layout.centre + towards * 500.0)
                .looking_at(layout.centre, Vec3::Y);
            light.illuminance = (1500.0 + 9000.0 * direct) * (1.0 - 0.5 * storm);
            light.color = Color::srgb(1.0, 0.85 + 0.15 * daylight, 0.7 + 0.3 * daylight);
            light.shadow_maps_enabled = shadows && direct > 0.05;
        } else {
            // Moonlight: dim, cool, from high in the south, so night stays readable.
            let towards = crate::app::world::sky::MOON_TOWARDS.normalize();
            *transform = Transform::from_translation(layout.centre + towards * 500.0)
                .looking_at(layout.centre, Vec3::Y);
            light.illuminance = 2500.0;
            light.color = Color::srgb(0.6, 0.7, 1.0);
            light.shadow_maps_enabled = false;
        }
    }
}

/// Every lit paint has the shadow code in its shader while the sun casts
/// shadows, and not while it casts none (night, a storm, `low`): each
/// frame, since a rebuilt scene brings new paints. The renderer hears of
/// a paint that changed by its asset event, which `cast_shadows` sends
/// only for stale ones; the resource itself is not marked changed.
fn paints_follow_the_sun(
    suns: Query<&DirectionalLight, With<Sun>>,
    mut paints: ResMut<Assets<Paint>>,
) {
    let shadows = suns.iter().any(|s| s.shadow_maps_enabled);
    crate::app::world::scene::cast_shadows(paints.bypass_change_detection(), shadows);
}

/// Whether the network is coloured by phase unbalance (V): buses by their
/// unbalance factor, cables by their neutral current against the rating.
/// Only a scenario solved per phase has these; otherwise the usual colours stay.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShowUnbalance(pub bool);

/// A balanced neighbourhood loaded in its place has no unbalance to show:
/// the usual colours come back (a per-phase one keeps the view, which a
/// lesson may have just turned on).
fn forget_the_unbalance_view(
    mut changes: MessageReader<crate::sim::NeighbourhoodChanged>,
    hood: Res<crate::sim::Neighbourhood>,
    mut show: ResMut<ShowUnbalance>,
) {
    let balanced = hood.0.scenario.phases == crate::scenario::PhaseModel::Balanced;
    if changes.read().any(|c| !c.edited && !c.same_place) && balanced && show.0 {
        show.0 = false;
    }
}

fn colour_lines_and_buses(
    state: Res<NetworkState>,
    show_unbalance: Res<ShowUnbalance>,
    hood: Res<crate::sim::Neighbourhood>,
    shared: Res<SceneMaterials>,
    mut lines: Query<(&LineVisual, &mut MeshMaterial3d<Paint>), Without<BusVisual>>,
    mut buses: Query<(&BusVisual, &mut MeshMaterial3d<Paint>), Without<LineVisual>>,
) {
    if !state.is_changed() && !show_unbalance.is_changed() && !hood.is_changed() {
        return;
    }
    let flow = state.solved();
    let phases = state.phases.as_ref().filter(|_| show_unbalance.0);
    for (line, mut material) in &mut lines {
        let neutral = phases
            .and_then(|p| p.lines.get(line.0))
            .zip(hood.0.network.lines.get(line.0).map(|l| l.cable.max_i_ka));
        let handle = match (neutral, flow.and_then(|f| f.lines.get(line.0))) {
            // The neutral's current against the cable's rating.
            (Some((p, rating_ka)), Some(_)) => {
                let percent = p.i_n_from_ka.max(p.i_n_to_ka) / rating_ka.max(1e-9) * 100.0;
                &shared.unbalance[palette::ramp_step(&NEUTRAL_STOPS, percent)]
            }
            (_, Some(branch)) => {
                &shared.loading[palette::ramp_step(&LOADING_STOPS, branch.loading_percent)]
            }
            (_, None) => &shared.dead,
        };
        if material.0 != *handle {
            material.0 = handle.clone();
        }
    }
    for (bus, mut material) in &mut buses {
        let handle = match flow.and_then(|f| f.vm_pu.get(bus.0)) {
            Some(&vm) if vm > 0.0 => match phases.filter(|p| bus.0 < p.v_abc.len()) {
                Some(p) => {
                    &shared.unbalance
                        [palette::ramp_step(&UNBALANCE_STOPS, p.unbalance_percent(bus.0))]
                }
                None => &shared.voltage[palette::ramp_step(&VOLTAGE_STOPS, vm)],
            },
            _ => &shared.dead,
        };
        if material.0 != *handle {
            material.0 = handle.clone();
        }
    }
}

fn light_windows(
    env: Res<CurrentEnvironment>,
    grid: Res<GridState>,
    shared: Res<SceneMaterials>,
    mut windows: Query<(&HouseWindows, &mut MeshMaterial3d<Paint>)>,
) {
    if !env.is_changed() && !grid.is_changed() {
        return;
    }
    let night = lights_on(&env);
    for (house, mut material) in &mut windows {
        let handle = if !house_served(house.0, grid.mode, grid.stages_shed) {
            &shared.window_dark
        } else if night {
            &shared.window_lit
        } else {
            &shared.window_day
        };
        if material.0 != *handle {
            material.0 = handle.clone();
        }
    }
}

/// Street lights: lit at night while the house nearest to each has power,
/// dark by day and where the island has shed that house or gone dark.
fn light_the_streets(
    env: Res<CurrentEnvironment>,
    grid: Res<GridState>,
    shared: Res<SceneMaterials>,
    new_lamps: Query<(), Added<StreetLamp>>,
    mut lamps: Query<(&StreetLamp, &mut MeshMaterial3d<Paint>)>,
    mut pools: Query<(&LampGlow, &mut Visibility)>,
) {
    if !env.is_changed() && !grid.is_changed() && new_lamps.is_empty() {
        return;
    }
    let night = lights_on(&env);
    let lit = |house: Option<usize>| {
        night
            && grid.mode != crate::sim::grid_mode::GridMode::Blackout
            && house.is_none_or(|h| house_served(h, grid.mode, grid.stages_shed))
    };
    for (lamp, mut material) in &mut lamps {
        let handle = if lit(lamp.0) {
            &shared.window_lit
        } else {
            &shared.window_dark
        };
        if material.0 != *handle {
            material.0 = handle.clone();
        }
    }
    for (pool, mut visibility) in &mut pools {
        visibility.set_if_neq(if lit(pool.0) {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
    }
}

fn show_devices(
    time: Res<Time<Real>>,
    hood: Res<Neighbourhood>,
    devices: Query<(
        &DeviceIndex,
        &DevicePower,
        Option<&BatteryState>,
        Option<&EvRuntime>,
    )>,
    mut charges: Query<
        (&BatteryCharge, &mut Transform),
        (Without<TurbineRotor>, Without<CarVisual>),
    >,
    mut cars: Query<(
        &CarVisual,
        &mut Visibility,
        Has<crate::app::world::traffic::OnTheRoad>,
    )>,
    mut rotors: Query<
        (&TurbineRotor, &mut Transform),
        (Without<BatteryCharge>, Without<CarVisual>),
    >,
) {
    let n = hood.0.devices.len();
    let mut soc = vec![0.0_f32; n];
    let mut home = vec![true; n];
    let mut output = vec![0.0_f32; n];
    for (index, power, battery, car) in &devices {
        let Some(device) = hood.0.devices.get(index.0) else {
            continue;
        };
        if let Some(b) = battery {
            soc[index.0] = (b.soc_percent() / 100.0) as f32;
        }
        if let Some(c) = car {
            home[index.0] = c.state.at_home;
        }
        if let DeviceKind::Wind { curve, .. } = device.kind {
            output[index.0] = (-power.p_kw / curve.rated_kw).clamp(0.0, 1.0) as f32;
        }
    }
    for (charge, mut transform) in &mut charges {
        // The bar grows from the floor of the casing.
        let s = soc.get(charge.device).copied().unwrap_or(0.0).max(0.02);
        transform.scale.y = charge.full_height_m * s;
        transform.translation.y = charge.full_height_m * s / 2.0 + 0.05;
    }
    for (car, mut visibility, on_the_road) in &mut cars {
        // Parked while home; its double drives it away and back.
        let wanted = if home.get(car.0).copied().unwrap_or(true) && !on_the_road {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        if *visibility != wanted {
            *visibility = wanted;
        }
    }
    let dt = time.delta_secs();
    for (rotor, mut transform) in &mut rotors {
        let p = output.get(rotor.0).copied().unwrap_or(0.0);
        let omega = if p > 0.0 { 1.5 + 6.0 * p } else { 0.0 };
        transform.rotate_local_z(omega * dt);
    }
}

fn show_breaker(
    grid: Res<GridState>,
    shared: Res<SceneMaterials>,
    mut breakers: Query<&mut MeshMaterial3d<Paint>, With<BreakerVisual>>,
    mut spans: Query<&mut Visibility, (With<GridLinkSpan>, Without<IslandEdge>)>,
    mut edges: Query<&mut Visibility, (With<IslandEdge>, Without<GridLinkSpan>)>,
    mut wires: Query<&mut MeshMaterial3d<Paint>, (With<GridLinkWires>, Without<BreakerVisual>)>,
) {
    if !grid.is_changed() {
        return;
    }
    let connected = grid.mode == GridMode::Connected;
    // The island's edge round the neighbourhood while it runs on its own.
    for mut visibility in &mut edges {
        visibility.set_if_neq(if connected {
            Visibility::Hidden
        } else {
            Visibility::Inherited
        });
    }
    for mut material in &mut breakers {
        material.0 = if connected {
            shared.breaker_closed.clone()
        } else {
            shared.breaker_open.clone()
        };
    }
    // The line to the horizon: live on the grid, dark without it.
    for mut material in &mut wires {
        let wanted = if connected {
            &shared.wire_live
        } else {
            &shared.dead
        };
        if material.0 != *wanted {
            material.0 = wanted.clone();
        }
    }
    for mut visibility in &mut spans {
        *visibility = if connected {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
}

fn drift_clouds(
    time: Res<Time<Real>>,
    env: Res<CurrentEnvironment>,
    layout: Res<SceneLayout>,
    mut clouds: Query<(&Cloud, &mut Transform, &mut Visibility)>,
    cameras: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
) {
    // A cloud drifting close to the camera would fill the view: it is
    // not drawn while within this distance of it.
    let eye = cameras
        .iter()
        .find(|(c, _)| c.is_active)
        .map(|(_, t)| t.translation());
    let too_close = |at: Vec3| eye.is_some_and(|e| e.distance(at) < 90.0);
    // Clouds are not drawn at night (they would only hide the lit windows).
    let night = 90.0 - env.0.sun_zenith_deg < -3.0;
    let shown = if night {
        0
    } else {
        ((env.0.cloud_oktas / 8.0) * CLOUDS as f64).round() as usize
    };
    let wind = env.0.wind_m_s as f32;
    let span = layout.radius_m * 3.2;
    let west = layout.centre.x - span / 2.0;
    for (cloud, mut transform, mut visibility) in &mut clouds {
        let wanted = if cloud.0 < shown && !too_close(transform.translation) {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        if *visibility != wanted {
            *visibility = wanted;
        }
        // Drift east with the wind (sped up 10x so it shows), wrapping round.
        transform.translation.x += wind * 10.0 * time.delta_secs();
        if transform.translation.x > west + span {
            transform.translation.x -= span;
        }
    }
}

/// How far each cable's pulses have travelled, metres (wrapped by spacing).
#[derive(Resource, Debug, Default)]
pub struct PulsePhases(pub Vec<f32>);

/// Pulse speed (m/s of real time) and spacing (m) for a cable at `loading_percent`.
pub fn pulse_speed_and_spacing(loading_percent: f64) -> (f32, f32) {
    let l = loading_percent.clamp(0.0, 150.0) as f32;
    (4.0 + 0.5 * l, (30.0 / (1.0 + l / 15.0)).max(5.0))
}

fn draw_pulses(
    time: Res<Time<Real>>,
    hood: Res<Neighbourhood>,
    state: Res<NetworkState>,
    record: Res<StepRecord>,
    grid: Res<GridState>,
    layout: Res<SceneLayout>,
    mut phases: ResMut<PulsePhases>,
    mut gizmos: Gizmos,
) {
    let lines = &hood.0.network.lines;
    phases.0.resize(lines.len() + 1, 0.0);
    let Some(flow) = state.solved() else {
        return;
    };
    let dt = time.delta_secs();
    let colour = Color::srgb(1.0, 0.96, 0.7);
    let lift = Vec3::Y * 0.6;
    let mut draw = |a: Vec3, b: Vec3, phase: &mut f32, loading: f64, forward: bool| {
        let length = a.distance(b);
        if length < 1.0 || loading < 0.5 {
            return;
        }
        let (speed, spacing) = pulse_speed_and_spacing(loading);
        *phase = (*phase + speed * dt) % spacing;
        let dir = (b - a) / length;
        let dash = 2.2_f32.min(spacing / 2.0);
        let mut s = *phase;
        while s < length {
            let along = if forward { s } else { length - s };
            let start = a + dir * along;
            let end = a + dir
                * (if forward {
                    (along + dash).min(length)
                } else {
                    (along - dash).max(0.0)
                });
            gizmos.line(start + lift, end + lift, colour);
            s += spacing;
        }
    };
    for (i, line) in lines.iter().enumerate() {
        let Some(branch) = flow.lines.get(i) else {
            continue;
        };
        let (a, b) = (layout.buses[line.from_bus], layout.buses[line.to_bus]);
        draw(
            a,
            b,
            &mut phases.0[i],
            branch.loading_percent,
            branch.p_from_mw >= 0.0,
        );
    }
    if grid.mode == GridMode::Connected {
        // The grid link: towards the neighbourhood when it imports.
        let (near, far) = layout.grid_link;
        let rating_kw = hood.0.network.transformer.params.sn_mva * 1000.0;
        let loading = record.grid_import_kw.abs() / rating_kw * 100.0;
        let top = Vec3::Y * 9.4;
        let last = lines.len();
        draw(
            far + top,
            near + top,
            &mut phases.0[last],
            loading.max(1.0),
            record.grid_import_kw >= 0.0,
        );
    }
}

/// Most trades drawn at once (the largest), so a town stays readable.
pub const MAX_TRADE_ARCS: usize = 40;

/// The highest a trade's arc rises above the roofs, metres: low enough
/// that many arcs do not merge into a dome over the town.
pub const MAX_ARC_RISE_M: f32 = 12.0;

/// Points of an arc from `a` to `b` for a trade: it rises with the
/// distance, up to [`MAX_ARC_RISE_M`].
pub fn trade_arc(a: Vec3, b: Vec3, points: usize) -> Vec<Vec3> {
    let rise = (3.0 + 0.06 * a.distance(b)).min(MAX_ARC_RISE_M);
    (0..=points)
        .map(|i| {
            let s = i as f32 / points.max(1) as f32;
            a.lerp(b, s) + Vec3::Y * (rise * 4.0 * s * (1.0 - s))
        })
        .collect()
}

/// Bluish-green arcs from seller to buyer for the last interval's
/// biggest trades, with a bead running towards the buyer; fainter at
/// night, so that the lit and dark windows stay in view.
fn draw_trades(
    time: Res<Time<Real>>,
    env: Res<CurrentEnvironment>,
    shown: Res<ShowTrades>,
    market: Res<crate::sim::market::Market>,
    mut gizmos: Gizmos,
) {
    let Some(last) = market
        .last
        .as_ref()
        .filter(|_| shown.0 && market.is_trading())
    else {
        return;
    };
    let mut trades: Vec<_> = last.trades.iter().filter(|t| t.kwh > 1e-3).collect();
    trades.sort_by(|a, b| b.kwh.total_cmp(&a.kwh));
    trades.truncate(MAX_TRADE_ARCS);
    let biggest = trades.first().map_or(1.0, |t| t.kwh);
    let roof = 8.5;
    let place = |p: usize| {
        market
            .participants
            .get(p)
            .map(|x| crate::app::world::layout::to_world(x.position_m, roof))
    };
    let phase = time.elapsed_secs() * 0.5;
    for (k, t) in trades.iter().enumerate() {
        let (Some(a), Some(b)) = (place(t.seller), place(t.buyer)) else {
            continue;
        };
        if a.distance(b) < 0.5 {
            continue;
        }
        // Bigger trades draw stronger.
        let night = if lights_on(&env) { 0.55 } else { 1.0 };
        let strength = (0.35 + 0.65 * (t.kwh / biggest)) as f32 * night;
        let [r, g, bl] = palette::GREEN;
        let colour = Color::srgba_u8(r, g, bl, (255.0 * strength) as u8);
        let arc = trade_arc(a, b, 24);
        gizmos.linestrip(arc.iter().copied(), colour);
        let s = (phase + k as f32 * 0.137) % 1.0;
        let at = (s * 24.0) as usize;
        gizmos.sphere(
            Isometry3d::from_translation(arc[at].lerp(arc[(at + 1).min(24)], s * 24.0 - at as f32)),
            0.6,
            Color::srgb_u8(r, g, bl),
        );
    }
}

/// A yellow ring on the ground round what the inspector shows.
fn ring_the_selection(
    selection: Res<crate::app::world::scene::Selection>,
    hood: Res<Neighbourhood>,
    layout: Res<SceneLayout>,
    mut gizmos: Gizmos,
) {
    use crate::app::world::scene::Pick;
    let Some(pick) = selection.0 else {
        return;
    };
    let built = &hood.0;
    let household = |h: usize| {
        built
            .household(h)
            .map(|d| crate::app::world::layout::to_world(d.position_m, 0.0))
    };
    let (centre, radius) = match pick {
        Pick::House(h) => (household(h), 9.0),
        Pick::Device(d) => (
            built.devices.get(d).map(|d| match d.house {
                // A car parks beside its house.
                Some(h) => {
                    household(h).unwrap_or_default() + crate::app::world::scene::CAR_PARKING_M
                }
                None => crate::app::world::layout::to_world(d.position_m, 0.0),
            }),
            5.0,
        ),
        Pick::Bus(b) => (layout.buses.get(b).copied(), 3.0),
        Pick::Line(l) => (
            built
                .network
                .lines
                .get(l)
                .map(|line| (layout.buses[line.from_bus] + layout.buses[line.to_bus]) / 2.0),
            4.0,
        ),
        Pick::Transformer => (
            layout.buses.get(built.network.transformer.lv_bus).copied(),
            12.0,
        ),
    };
    let Some(centre) = centre else {
        return;
    };
    let colour = Color::srgb_u8(palette::YELLOW[0], palette::YELLOW[1], palette::YELLOW[2]);
    let on_ground = Quat::from_rotation_x(std::f32::consts::FRAC_PI_2);
    for k in 0..3 {
        let lift = Vec3::Y * (0.3 + 0.15 * k as f32);
        gizmos.circle(
            Isometry3d::new(centre + lift, on_ground),
            radius + 0.2 * k as f32,
            colour,
        );
    }
    if let Pick::Line(l) = pick
        && let Some(line) = built.network.lines.get(l)
    {
        let lift = Vec3::Y * 0.9;
        gizmos.line(
            layout.buses[line.from_bus] + lift,
            layout.buses[line.to_bus] + lift,
            colour,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_arcs_join_seller_and_buyer_and_rise_with_distance() {
        let (a, b) = (Vec3::new(0.0, 8.0, 0.0), Vec3::new(100.0, 8.0, 0.0));
        let arc = trade_arc(a, b, 10);
        assert_eq!((arc[0], arc[10]), (a, b));
        // Peak mid-way: 3 m + 0.06 x 100 m above the roofs.
        assert!((arc[5].y - 8.0 - 9.0).abs() < 1e-4, "{:?}", arc[5]);
        let near = trade_arc(a, Vec3::new(10.0, 8.0, 0.0), 10);
        assert!(near[5].y < arc[5].y);
        // No higher than the cap however far apart.
        let far = trade_arc(a, Vec3::new(900.0, 8.0, 0.0), 10);
        assert!(
            (far[5].y - 8.0 - MAX_ARC_RISE_M).abs() < 1e-4,
            "{:?}",
            far[5]
        );
    }

    #[test]
    fn stages_darken_a_quarter_of_the_houses_each() {
        let houses = 24;
        for stages in 0..=4 {
            let dark = (0..houses)
                .filter(|&h| !house_served(h, GridMode::Islanded, stages))
                .count();
            assert_eq!(dark, houses * stages / 4);
        }
        assert!(house_served(3, GridMode::Connected, 4));
        assert!(!house_served(0, GridMode::Blackout, 0));
    }

    #[test]
    fn the_sun_is_south_and_high_at_noon_and_the_sky_follows() {
        let noon = sun_direction(30.0, 180.0);
        assert!(noon.z > 0.0 && noon.y > 0.8, "{noon}");
        let morning = sun_direction(80.0, 90.0);
        assert!(morning.x > 0.9, "{morning}");
        let day = sky_colour(45.0, 0.0).to_srgba();
        let night = sky_colour(-20.0, 0.0).to_srgba();
        let overcast = sky_colour(45.0, 8.0).to_srgba();
        assert!(day.blue > day.red && night.blue < 0.2);
        assert!((overcast.blue - overcast.red).abs() < (day.blue - day.red).abs());
    }

    #[test]
    fn pulses_run_faster_and_closer_as_loading_rises() {
        let (slow, sparse) = pulse_speed_and_spacing(5.0);
        let (fast, dense) = pulse_speed_and_spacing(90.0);
        assert!(fast > slow && dense < sparse);
        assert_eq!(pulse_speed_and_spacing(1e9), pulse_speed_and_spacing(150.0));
    }
}

/// Where the price sign at the grid link goes on the screen this frame
/// (over the first pole out of the neighbourhood), in logical pixels; none
/// when it is behind the camera.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct PriceSignAt(pub Option<Vec2>);

fn place_the_price_sign(
    layout: Res<SceneLayout>,
    cameras: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    mut at: ResMut<PriceSignAt>,
) {
    let (breaker, end) = layout.grid_link;
    // Out along the link and up, so that it never hides the breaker.
    let post = breaker + (end - breaker).normalize_or_zero() * 40.0 + Vec3::Y * 22.0;
    let on_screen = cameras
        .iter()
        .find(|(c, _)| c.is_active)
        .and_then(|(camera, eye)| camera.world_to_viewport(eye, post).ok());
    at.set_if_neq(PriceSignAt(on_screen));
}
