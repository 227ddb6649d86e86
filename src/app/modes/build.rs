//! The build tools in the 3D view: the chosen tool's ghost follows the
//! cursor, snapped by [`crate::app::world::placement`]; a click queues its edit as an
//! [`Action`], like every other control, and the ghost's predicted effect
//! is asked for ahead of the click ([`Action::Preview`]). Locked parts get
//! a padlock mark in build mode; with a tool for houses in hand (PV, a
//! battery, a car) every house is marked with whether it can take it.

use bevy::picking::hover::HoverMap;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::EguiContexts;

use crate::app::control::action::{Action, Panel};
use crate::app::control::mode::Building;
use crate::app::control::queue::{ApplyAction, PendingActions};
use crate::app::control::view::{ViewRect, pointer_over_panel};
use crate::app::theme::palette;
use crate::app::world::camera::CameraHeld;
use crate::app::world::layout::to_world;
use crate::app::world::placement::{self, Cursor, Ghost, Shape, Take, Tool, ToolState, ghost};
use crate::app::world::scene::{Pick, Picker, SceneLayout};
use crate::scenario::edit::Edit;
use crate::sim::Neighbourhood;

/// The chosen tool and its ghost.
#[derive(Resource, Debug, Clone, Default)]
pub struct BuildTool {
    /// The tool in hand and its settings; none: clicks select.
    pub state: Option<ToolState>,
    /// Where its ghost is this frame (none while the pointer is over a panel).
    pub ghost: Option<Ghost>,
    /// The cursor's screen position, logical pixels (for the ghost's label).
    pub cursor_px: Option<Vec2>,
    /// The edit last sent for a preview, with the step and edit count then.
    requested: Option<(Edit, u64, usize)>,
    /// When it was sent (a moving ghost asks at most ten times a second).
    requested_at: Option<std::time::Instant>,
    /// Where the left button went down (a click moves the pointer little).
    pressed_at: Option<Vec2>,
    /// A house or turbine is being dragged with the move tool (the camera
    /// does not orbit meanwhile).
    pub dragging: bool,
    /// The tools a challenge allows (all when none is being played).
    pub allowed: Option<Vec<crate::challenge::Tool>>,
}

impl BuildTool {
    /// Takes `tool` in hand with the sizes the panel shows (or puts it down
    /// when it is the one in hand).
    pub fn choose(&mut self, tool: Tool, pv_kwp: f64, battery: (f64, f64), cable: &str) {
        if self.state.as_ref().is_some_and(|s| s.tool == tool) {
            self.put_down();
            return;
        }
        self.state = Some(ToolState {
            tool,
            pv_kwp,
            battery,
            cable: cable.to_owned(),
            cable_from: None,
            holding: None,
        });
        self.ghost = None;
    }

    /// No tool in hand.
    pub fn put_down(&mut self) {
        self.state = None;
        self.ghost = None;
    }

    /// Ends a cable being laid or lets go of what is held; else puts the tool down.
    pub fn step_back(&mut self) {
        match &mut self.state {
            Some(s) if s.cable_from.is_some() || s.holding.is_some() => {
                s.cable_from = None;
                s.holding = None;
            }
            _ => self.put_down(),
        }
    }
}

/// The marks over the parts in build mode this frame, at their screen positions.
#[derive(Resource, Debug, Clone, Default)]
pub struct BuildMarks {
    /// Each mark and where it goes.
    pub marks: Vec<(Vec2, Mark)>,
    /// With a tool for houses in hand: how many houses can take it, of all.
    pub takers: Option<(usize, usize)>,
}

/// A mark over a part in build mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A padlock: it cannot be changed.
    Lock,
    /// The tool in hand can go on this house.
    Takes,
    /// It cannot: the house has one already.
    Full,
}

/// Build mode's state and the tool in hand (headless too): the B key, a
/// script's `Show(Build)` and a challenge's design phase turn it on.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<BuildTool>()
        .init_resource::<BuildMarks>();
    app.add_observer(open_build_mode);
    app.add_systems(OnExit(Building::On), put_the_tool_down);
}

/// `Show(Build)` opens build mode.
fn open_build_mode(action: On<ApplyAction>, mut next: ResMut<NextState<Building>>) {
    if action.0 == Action::Show(Panel::Build) {
        next.set(Building::On);
    }
}

fn put_the_tool_down(mut tool: ResMut<BuildTool>) {
    tool.put_down();
}

/// Adds the tools' ghosts, their clicks and the lock marks in the 3D view.
pub(super) fn tool_plugin(app: &mut App) {
    app.add_systems(
        Update,
        use_the_tool.in_set(crate::app::frame::AppSystems::Input),
    );
    app.add_systems(
        Update,
        (draw_the_ghost, mark_the_parts, mark_the_switches)
            .in_set(crate::app::frame::AppSystems::Present),
    );
    // In `Input`, after the tool, so that the camera (in `Present`) sees
    // this frame's drag.
    app.add_systems(
        Update,
        hold_the_camera
            .after(use_the_tool)
            .in_set(crate::app::frame::AppSystems::Input),
    );
}

/// While a part is dragged the camera does not orbit.
fn hold_the_camera(tool: Res<BuildTool>, mut held: ResMut<CameraHeld>) {
    held.mouse = tool.dragging;
}

/// The tool in hand this frame: its ghost under the pointer, a preview
/// asked for ahead, and what a press, drag or release of the button does.
#[allow(clippy::too_many_arguments)]
fn use_the_tool(
    mut tool: ResMut<BuildTool>,
    building: Res<State<Building>>,
    view_rect: Res<ViewRect>,
    hood: Res<Neighbourhood>,
    layout: Option<Res<SceneLayout>>,
    clock: Res<crate::sim::SimClock>,
    edits: Res<crate::app::control::editing::EditHistory>,
    buttons: Res<ButtonInput<MouseButton>>,
    hover: Res<HoverMap>,
    picker: Picker,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    mut contexts: EguiContexts,
    mut actions: ResMut<PendingActions>,
) {
    if *building.get() == Building::Off {
        tool.put_down();
    }
    let (Some(state), Some(layout)) = (tool.state.clone(), layout) else {
        return;
    };
    let cursor_px = windows.iter().next().and_then(Window::cursor_position);
    let over_panel = contexts
        .ctx_mut()
        .is_ok_and(|ctx| pointer_over_panel(ctx, &view_rect, cursor_px));
    tool.cursor_px = cursor_px;
    let ground = ground_under(&cameras, cursor_px);
    let (Some(ground), false) = (ground, over_panel) else {
        tool.ghost = None;
        tool.pressed_at = None;
        return;
    };
    let cursor = cursor_over(ground, &hover, &picker);
    let built = &hood.0;
    let buses: Vec<[f64; 2]> = layout
        .buses
        .iter()
        .map(|p| [f64::from(p.x), -f64::from(p.z)])
        .collect();
    if buses.len() != built.network.buses.len() {
        // The scene is a frame behind an edit.
        return;
    }
    let g = ghost(built, &buses, &state, &cursor);
    ask_for_a_preview(&mut tool, &g, &clock, &edits, &mut actions);
    press_drag_release(
        &mut tool,
        &buttons,
        built,
        &buses,
        &state,
        &cursor,
        cursor_px,
        g,
        &mut actions,
    );
}

/// The point on the ground under the cursor, scenario metres (x east, y north).
fn ground_under(
    cameras: &Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    cursor_px: Option<Vec2>,
) -> Option<[f64; 2]> {
    cursor_px.and_then(|px| {
        let (camera, at) = cameras.iter().find(|(c, _)| c.is_active)?;
        let ray = camera.viewport_to_world(at, px).ok()?;
        let d = ray.intersect_plane(Vec3::ZERO, InfinitePlane3d::new(Vec3::Y))?;
        let p = ray.get_point(d);
        Some([f64::from(p.x), -f64::from(p.z)])
    })
}

/// What the cursor is over: its point on the ground and the nearest part hovered.
fn cursor_over(ground: [f64; 2], hover: &HoverMap, picker: &Picker) -> Cursor {
    let mut cursor = Cursor {
        ground,
        house: None,
        bus: None,
        device: None,
        line: None,
    };
    let hovered = picker.hovered(hover);
    match hovered {
        Some(Pick::House(h)) => cursor.house = Some(h),
        Some(Pick::Bus(b)) => cursor.bus = Some(b),
        Some(Pick::Device(d)) => cursor.device = Some(d),
        Some(Pick::Line(l)) => cursor.line = Some(l),
        _ => {}
    }
    cursor
}

/// Asks ahead for what the ghost's edit would do, unless it was just asked.
fn ask_for_a_preview(
    tool: &mut BuildTool,
    g: &Ghost,
    clock: &crate::sim::SimClock,
    edits: &crate::app::control::editing::EditHistory,
    actions: &mut PendingActions,
) {
    // Ask ahead for what the edit would do, once per edit and neighbourhood
    // (and again after half an hour of simulated time).
    if let Ok(edit) = &g.edit {
        let fresh = tool.requested.as_ref().is_some_and(|(e, step, n)| {
            e == edit && *n == edits.done.len() && clock.steps.saturating_sub(*step) < 30
        });
        let recently = tool
            .requested_at
            .is_some_and(|t| t.elapsed().as_secs_f64() < 0.1);
        if !fresh && !recently {
            tool.requested = Some((edit.clone(), clock.steps, edits.done.len()));
            tool.requested_at = Some(std::time::Instant::now());
            actions.push(Action::Preview(edit.clone()));
        }
    }
}

/// The left button: a press takes hold (move tool), a drag drops what is
/// held, a click acts; the right button steps back. The ghost `g` is kept.
#[allow(clippy::too_many_arguments)]
fn press_drag_release(
    tool: &mut BuildTool,
    buttons: &ButtonInput<MouseButton>,
    built: &crate::scenario::Built,
    buses: &[[f64; 2]],
    state: &ToolState,
    cursor: &Cursor,
    cursor_px: Option<Vec2>,
    g: Ghost,
    actions: &mut PendingActions,
) {
    if buttons.just_pressed(MouseButton::Left) {
        tool.pressed_at = cursor_px;
        // Pressed on a house or turbine with the move tool: it is dragged
        // (the camera holds still) and goes where the button is let go.
        if let (Tool::Move, Some(Take::Hold(name, turbine))) = (state.tool, &g.take)
            && let Some(held) = tool.state.as_mut()
        {
            held.holding = Some((name.clone(), *turbine));
            tool.dragging = true;
        }
    }
    let moved = tool
        .pressed_at
        .zip(cursor_px)
        .is_some_and(|(a, b)| a.distance(b) >= 6.0);
    let released = buttons.just_released(MouseButton::Left);
    let dragged = released && tool.dragging && moved;
    let clicked = released && !moved && tool.pressed_at.is_some() && !tool.dragging;
    if released {
        tool.dragging = false;
    }
    if dragged {
        // Dropped: the ghost of this frame is where it goes.
        let g = ghost(built, buses, tool.state.as_ref().unwrap_or(state), cursor);
        click(tool, &g, actions);
        tool.ghost = Some(g);
        return;
    }
    if buttons.just_pressed(MouseButton::Right)
        && (state.cable_from.is_some() || state.holding.is_some())
    {
        tool.step_back();
    }
    if clicked {
        click(tool, &g, actions);
    }
    tool.ghost = Some(g);
}

/// What a click does with the tool in hand.
fn click(tool: &mut BuildTool, g: &Ghost, actions: &mut PendingActions) {
    let Some(held) = tool.state.as_mut() else {
        return;
    };
    match &g.edit {
        Ok(edit) => {
            actions.push(Action::Edit(edit.clone()));
            match edit {
                // A cable goes on from its new end.
                Edit::AddCable { to, .. } => held.cable_from = Some(to.clone()),
                Edit::MoveHouse { .. } | Edit::MoveTurbine { .. } => held.holding = None,
                _ => {}
            }
        }
        Err(_) => match &g.take {
            Some(Take::CableFrom(bus)) => held.cable_from = Some(bus.clone()),
            Some(Take::Hold(name, turbine)) => held.holding = Some((name.clone(), *turbine)),
            None => {}
        },
    }
}

fn colour(ok: bool) -> Color {
    let c = if ok {
        palette::GREEN
    } else {
        palette::VERMILLION
    };
    Color::srgb_u8(c[0], c[1], c[2])
}

/// The ghost in the scene: an outline of what would go there, its cable to
/// its bus, green where it can go and vermillion where it cannot.
fn draw_the_ghost(tool: Res<BuildTool>, hood: Res<Neighbourhood>, mut gizmos: Gizmos) {
    let Some(g) = &tool.ghost else {
        return;
    };
    let removing = g.shape == Shape::Remove;
    let c = colour(g.edit.is_ok() && !removing);
    let c = if removing && g.edit.is_ok() {
        colour(false)
    } else {
        c
    };
    let at = to_world(g.at, 0.0);
    // Nothing under the pointer to act on: the label says so, no outline.
    let pointing_at_nothing = g.edit.is_err()
        && g.take.is_none()
        && matches!(g.shape, Shape::OnHouse | Shape::Remove)
        && g.link.is_none();
    if pointing_at_nothing {
        return;
    }
    match g.shape {
        Shape::House | Shape::OnHouse | Shape::Remove => {
            let size = if g.shape == Shape::House {
                Vec3::new(10.0, 5.6, 8.0)
            } else {
                Vec3::new(11.0, 8.5, 9.0)
            };
            gizmos.cube(
                Transform::from_translation(at + Vec3::Y * size.y / 2.0).with_scale(size),
                c,
            );
            if g.shape == Shape::House {
                // The roof's ridge.
                let ridge = at + Vec3::Y * 8.0;
                gizmos.line(ridge - Vec3::X * 5.0, ridge + Vec3::X * 5.0, c);
                for corner in [Vec3::new(-5.0, 5.6, 4.0), Vec3::new(-5.0, 5.6, -4.0)] {
                    gizmos.line(at + corner, ridge - Vec3::X * 5.0, c);
                    gizmos.line(at + corner + Vec3::X * 10.0, ridge + Vec3::X * 5.0, c);
                }
            }
        }
        Shape::Turbine => {
            let hub = at + Vec3::Y * 24.0;
            gizmos.line(at, hub, c);
            gizmos.circle(Isometry3d::new(hub, Quat::IDENTITY), 3.5, c);
        }
        Shape::Cable => {
            let on_ground = Quat::from_rotation_x(std::f32::consts::FRAC_PI_2);
            gizmos.circle(Isometry3d::new(at + Vec3::Y * 0.3, on_ground), 1.5, c);
        }
    }
    if let Some(link) = g.link {
        let lift = Vec3::Y * 0.4;
        gizmos.line(to_world(link, 0.0) + lift, at + lift, c);
    }
    let _ = &hood;
}

/// A box at the middle of each cable with a switch: green closed,
/// vermillion and crossed open (the cable then carries nothing).
fn mark_the_switches(
    hood: Res<Neighbourhood>,
    layout: Option<Res<SceneLayout>>,
    mut gizmos: Gizmos,
) {
    let Some(layout) = layout else {
        return;
    };
    for line in &hood.0.network.lines {
        let (Some(closed), Some(a), Some(b)) = (
            line.switch_closed,
            layout.buses.get(line.from_bus),
            layout.buses.get(line.to_bus),
        ) else {
            continue;
        };
        let mid = (*a + *b) / 2.0 + Vec3::Y * 1.0;
        let c = colour(closed);
        gizmos.cube(
            Transform::from_translation(mid).with_scale(Vec3::splat(2.0)),
            c,
        );
        if !closed {
            gizmos.line(
                mid - Vec3::new(1.5, 1.0, 1.5),
                mid + Vec3::new(1.5, 1.0, 1.5),
                c,
            );
            gizmos.line(
                mid - Vec3::new(1.5, -1.0, -1.5),
                mid + Vec3::new(1.5, -1.0, -1.5),
                c,
            );
        }
    }
}

/// Where the marks go: a padlock over each locked house, turbine and the
/// transformer, and with a tool for houses in hand whether each house can
/// take it, projected to the screen (build mode only).
fn mark_the_parts(
    building: Res<State<Building>>,
    hood: Res<Neighbourhood>,
    tool: Res<BuildTool>,
    layout: Option<Res<SceneLayout>>,
    cameras: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    mut marks: ResMut<BuildMarks>,
    mut takers: Local<Option<(ToolState, Vec<Result<(), String>>)>>,
) {
    marks.marks.clear();
    marks.takers = None;
    if *building.get() == Building::Off {
        return;
    }
    let Some((camera, at)) = cameras.iter().find(|(c, _)| c.is_active) else {
        return;
    };
    // Which houses can take the tool's part: asked again when the tool or
    // the neighbourhood changes.
    let fresh = takers
        .as_ref()
        .is_some_and(|(state, _)| Some(state) == tool.state.as_ref());
    if hood.is_changed() || !fresh {
        *takers = tool
            .state
            .as_ref()
            .map(|state| (state.clone(), placement::takers(&hood.0, state)));
    }
    let takes: &[Result<(), String>] = takers.as_ref().map_or(&[], |(_, t)| t);
    if !takes.is_empty() {
        marks.takers = Some((takes.iter().filter(|t| t.is_ok()).count(), takes.len()));
    }
    let s = &hood.0.scenario;
    let house_mark = |(i, h): (usize, &crate::scenario::House)| {
        let locked = h.locked
            || h.pv.is_some_and(|d| d.locked)
            || h.battery.is_some_and(|d| d.locked)
            || h.ev.is_some_and(|d| d.locked);
        let mark = match takes.get(i) {
            Some(Ok(())) => Mark::Takes,
            Some(Err(_)) if h.locked => Mark::Lock,
            Some(Err(_)) => Mark::Full,
            None => Mark::Lock,
        };
        let shown = takes.get(i).is_some() || locked;
        shown.then(|| (to_world(h.position_m.xy(), 10.5), mark))
    };
    let mut points: Vec<(Vec3, Mark)> = s
        .houses
        .iter()
        .enumerate()
        .filter_map(house_mark)
        .chain(
            s.wind_turbines
                .iter()
                .filter(|t| t.locked)
                .map(|t| (to_world(t.position_m.xy(), 6.0), Mark::Lock)),
        )
        .collect();
    if s.grid.locked
        && let Some(layout) = layout
        && let Some(p) = layout.buses.get(hood.0.network.transformer.lv_bus)
    {
        points.push((*p + Vec3::Y * 7.0, Mark::Lock));
    }
    marks.marks.extend(
        points
            .into_iter()
            .filter_map(|(p, mark)| Some((camera.world_to_viewport(at, p).ok()?, mark))),
    );
}
