//! The keyboard shortcuts: the help's table of them, which key does what
//! (read by the label printed on the key) and the system that acts on them.

use bevy::prelude::*;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowMode};
use bevy_egui::{EguiContexts, egui};

use super::Panels;
use crate::app::control::action::Action;
use crate::app::control::mode::Building;
use crate::app::control::queue::PendingActions;
use crate::app::control::requests::ScreenshotRequest;
use crate::app::world::badges::ShowBadges;
use crate::app::world::scene::Selection;
use crate::app::world::visuals::ShowTrades;
use crate::lang::Lang;

/// Every keyboard shortcut, as the help overlay and docs/window.md list them:
/// the keys and what they do, both keys of the language tables (the
/// book's table is the English one, tested); [`shortcut_row`] gives the
/// texts.
pub const SHORTCUTS: [(&str, &str); 36] = [
    ("key.g", "help.outage"),
    ("key.p", "help.price_spike"),
    ("key.space", "help.pause"),
    ("key.n", "help.step"),
    ("key.faster", "help.faster"),
    ("key.slower", "help.slower"),
    ("key.j", "help.jump"),
    ("key.c", "help.clouds"),
    ("key.w", "help.wind"),
    ("key.r", "help.reload"),
    ("key.m", "help.market"),
    ("key.t", "help.trades"),
    ("key.h", "help.badges"),
    ("key.v", "help.unbalance"),
    ("key.mouse_left", "help.orbit"),
    ("key.mouse_right", "help.pan"),
    ("key.wheel", "help.zoom"),
    ("key.arrows", "help.pan"),
    ("key.q_e", "help.turn"),
    ("key.views", "help.views"),
    ("key.click", "help.inspect"),
    ("key.tab", "help.charts"),
    ("key.k", "help.key"),
    ("key.f5", "help.presenter"),
    ("key.f3", "help.diagnostics"),
    ("key.u", "help.ui_size"),
    ("key.f11", "help.fullscreen"),
    ("key.f12", "help.screenshot"),
    ("key.f9", "help.graphics"),
    ("key.b", "help.build"),
    ("key.l", "help.challenges"),
    ("key.ctrl_z", "help.undo"),
    ("key.redo", "help.redo"),
    ("key.ctrl_s", "help.save"),
    ("key.help", "help.help"),
    ("key.esc", "help.escape"),
];

/// A row of [`SHORTCUTS`] in `lang`: the keys and what they do, the
/// numbers in them written the language's way.
pub fn shortcut_row(lang: Lang, (keys, what): (&str, &str)) -> (String, String) {
    let spike = crate::lang::num_in(
        lang,
        crate::app::control::action::SPIKE_PRICE_EUR_PER_KWH,
        2,
    );
    (
        crate::lang::text(lang, keys).to_owned(),
        crate::lang::fill(crate::lang::text(lang, what), &[("price", &spike)]),
    )
}

/// UI sizes the U key cycles through ([`UI_SIZES_PERCENT`] over 100).
///
/// [`UI_SIZES_PERCENT`]: crate::app::control::action::UI_SIZES_PERCENT
pub const UI_SCALES: [f32; 4] = [1.0, 1.25, 1.5, 2.0];

/// Which action a key press asks for (None: not a shortcut of the controls).
pub fn action_for_key(key: KeyCode, shift: bool) -> Option<Action> {
    Some(match key {
        KeyCode::KeyG => Action::ToggleOutage,
        KeyCode::KeyP => Action::TogglePriceSpike,
        KeyCode::Space => Action::TogglePause,
        KeyCode::KeyN => Action::StepOnce,
        KeyCode::BracketRight | KeyCode::NumpadAdd => Action::Faster,
        KeyCode::Equal if shift => Action::Faster,
        KeyCode::BracketLeft | KeyCode::Minus | KeyCode::NumpadSubtract => Action::Slower,
        KeyCode::KeyJ => Action::JumpToNext,
        KeyCode::KeyC => Action::CycleClouds,
        KeyCode::KeyW => Action::CycleWind,
        KeyCode::KeyR => Action::Reload,
        KeyCode::KeyM => Action::CycleMarket,
        _ => return None,
    })
}

/// What a key press does in the window besides the controls' actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Shortcut {
    /// A control, through the action queue.
    Act(Action),
    /// The help overlay on or off.
    ToggleHelp,
    /// Close the help, clear the selection and cancel a jump.
    Escape,
    /// Build mode on or off.
    ToggleBuild,
    /// The list of challenges on or off.
    ToggleChallenges,
    /// The charts drawer open or shut.
    ToggleCharts,
    /// The key to the colours on or off.
    ToggleKey,
    /// Presenter mode on or off.
    TogglePresenter,
    /// The diagnostics on or off.
    ToggleDiagnostics,
    /// The trade arcs on or off.
    ToggleTrades,
    /// The houses' badges on or off.
    ToggleBadges,
    /// The network coloured by phase unbalance, or as usual.
    ToggleUnbalance,
    /// The next UI size.
    CycleUiScale,
    /// Fullscreen or windowed.
    ToggleFullscreen,
    /// A screenshot.
    Screenshot,
}

/// What a key press does (None: not a shortcut; the camera's keys are in
/// [`crate::app::world::camera::CAMERA_KEYS`]). With Ctrl held only the editing keys
/// count: Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo, Ctrl+S save.
pub fn shortcut_for_key(key: KeyCode, shift: bool, ctrl: bool) -> Option<Shortcut> {
    if ctrl {
        return Some(Shortcut::Act(match key {
            KeyCode::KeyZ if shift => Action::Redo,
            KeyCode::KeyZ => Action::Undo,
            KeyCode::KeyY if !shift => Action::Redo,
            KeyCode::KeyS if !shift => Action::Save,
            _ => return None,
        }));
    }
    if let Some(action) = action_for_key(key, shift) {
        return Some(Shortcut::Act(action));
    }
    Some(match key {
        KeyCode::KeyB => Shortcut::ToggleBuild,
        KeyCode::KeyL => Shortcut::ToggleChallenges,
        KeyCode::F1 => Shortcut::ToggleHelp,
        KeyCode::Slash if shift => Shortcut::ToggleHelp,
        KeyCode::Escape => Shortcut::Escape,
        KeyCode::Tab => Shortcut::ToggleCharts,
        KeyCode::KeyK => Shortcut::ToggleKey,
        KeyCode::F5 => Shortcut::TogglePresenter,
        KeyCode::F3 => Shortcut::ToggleDiagnostics,
        KeyCode::KeyT => Shortcut::ToggleTrades,
        KeyCode::KeyH => Shortcut::ToggleBadges,
        KeyCode::KeyV => Shortcut::ToggleUnbalance,
        KeyCode::KeyU => Shortcut::CycleUiScale,
        KeyCode::F11 => Shortcut::ToggleFullscreen,
        KeyCode::F12 => Shortcut::Screenshot,
        _ => return None,
    })
}

/// The key as its label reads, for the shortcuts: a letter, `?`, `+`, `-`,
/// `[` or `]` by the character the layout gives it (Ctrl+Z is undo where Z
/// is printed, on a German keyboard too), other keys by their place.
pub fn key_by_label(key: &bevy::input::keyboard::KeyboardInput) -> KeyCode {
    const LETTERS: [KeyCode; 26] = [
        KeyCode::KeyA,
        KeyCode::KeyB,
        KeyCode::KeyC,
        KeyCode::KeyD,
        KeyCode::KeyE,
        KeyCode::KeyF,
        KeyCode::KeyG,
        KeyCode::KeyH,
        KeyCode::KeyI,
        KeyCode::KeyJ,
        KeyCode::KeyK,
        KeyCode::KeyL,
        KeyCode::KeyM,
        KeyCode::KeyN,
        KeyCode::KeyO,
        KeyCode::KeyP,
        KeyCode::KeyQ,
        KeyCode::KeyR,
        KeyCode::KeyS,
        KeyCode::KeyT,
        KeyCode::KeyU,
        KeyCode::KeyV,
        KeyCode::KeyW,
        KeyCode::KeyX,
        KeyCode::KeyY,
        KeyCode::KeyZ,
    ];
    let bevy::input::keyboard::Key::Character(text) = &key.logical_key else {
        return key.key_code;
    };
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return key.key_code;
    };
    match c.to_ascii_lowercase() {
        l @ 'a'..='z' => LETTERS[(l as u8 - b'a') as usize],
        '?' => KeyCode::Slash,
        '+' => KeyCode::NumpadAdd,
        '-' => KeyCode::Minus,
        '[' => KeyCode::BracketLeft,
        ']' => KeyCode::BracketRight,
        _ => key.key_code,
    }
}

/// Whether the keys are a text field's. Only a text field keeps the
/// keyboard: egui's Tab focus on a button would swallow the shortcuts
/// (and Space would press the button), so such a focus is let go.
fn typing(ctx: &mut egui::Context) -> bool {
    if ctx.text_edit_focused() {
        return true;
    }
    if let Some(id) = ctx.memory(|m| m.focused()) {
        ctx.memory_mut(|m| m.surrender_focus(id));
    }
    false
}

pub(super) fn keyboard(
    mut presses: MessageReader<bevy::input::keyboard::KeyboardInput>,
    keys: Res<ButtonInput<KeyCode>>,
    mut contexts: EguiContexts,
    mut actions: ResMut<PendingActions>,
    mut panels: Panels,
    mut screenshot: ResMut<ScreenshotRequest>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
    mut tool: Option<ResMut<crate::app::modes::build::BuildTool>>,
    (building, mut next_building, mut selection, mut trades, mut badges, mut unbalance): (
        Res<State<Building>>,
        ResMut<NextState<Building>>,
        ResMut<Selection>,
        ResMut<ShowTrades>,
        ResMut<ShowBadges>,
        ResMut<crate::app::world::visuals::ShowUnbalance>,
    ),
) {
    let events: Vec<(KeyCode, bool)> = presses
        .read()
        .filter(|k| !k.repeat)
        .map(|k| (key_by_label(k), k.state.is_pressed()))
        .collect();
    if contexts.ctx_mut().is_ok_and(typing) {
        return;
    }
    // Each key with the modifiers down as it went down, even within one slow frame.
    for chord in crate::app::control::keys::chords(&events, |k| keys.pressed(k)) {
        match shortcut_for_key(chord.key, chord.shift, chord.ctrl) {
            Some(Shortcut::ToggleBuild) => next_building.set(match building.get() {
                Building::On => Building::Off,
                Building::Off => Building::On,
            }),
            Some(Shortcut::ToggleChallenges) => panels.list.0 = !panels.list.0,
            Some(Shortcut::Act(action)) => actions.push(action),
            Some(Shortcut::ToggleHelp) => panels.help.0 = !panels.help.0,
            Some(Shortcut::Escape) if tool.as_ref().is_some_and(|t| t.state.is_some()) => {
                if let Some(tool) = tool.as_mut() {
                    tool.step_back();
                }
            }
            Some(Shortcut::Escape) => {
                panels.help.0 = false;
                selection.0 = None;
                actions.push(Action::CancelJump);
            }
            Some(Shortcut::ToggleCharts) => panels.charts.0 = !panels.charts.0,
            Some(Shortcut::ToggleKey) => panels.key.0 = !panels.key.0,
            Some(Shortcut::TogglePresenter) => panels.presenter.0 = !panels.presenter.0,
            Some(Shortcut::ToggleDiagnostics) => panels.diagnostics.0 = !panels.diagnostics.0,
            Some(Shortcut::ToggleTrades) => trades.0 = !trades.0,
            Some(Shortcut::ToggleBadges) => badges.0 = !badges.0,
            Some(Shortcut::ToggleUnbalance) => unbalance.0 = !unbalance.0,
            Some(Shortcut::CycleUiScale) => {
                let at = UI_SCALES
                    .iter()
                    .position(|&s| s == panels.scale.0)
                    .unwrap_or(0);
                panels.scale.0 = UI_SCALES[(at + 1) % UI_SCALES.len()];
            }
            Some(Shortcut::ToggleFullscreen) => {
                for mut window in &mut windows {
                    window.mode = match window.mode {
                        WindowMode::Windowed => {
                            WindowMode::BorderlessFullscreen(MonitorSelection::Current)
                        }
                        _ => WindowMode::Windowed,
                    };
                }
            }
            Some(Shortcut::Screenshot) => screenshot.requested = true,
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_fills_the_spike_price_the_languages_way() {
        let row = SHORTCUTS[1];
        assert_eq!(
            shortcut_row(Lang::En, row).1,
            "price spike (1.50 EUR/kWh) on / off"
        );
        assert!(shortcut_row(Lang::De, row).1.contains("1,50"));
        // Every row has both texts in both languages.
        for row in SHORTCUTS {
            for lang in Lang::CHOSEN {
                let (keys, what) = shortcut_row(lang, row);
                // A missing key would come back as itself.
                assert!(keys != row.0 && what != row.1, "{row:?}");
                assert!(!what.contains('{'), "{what}");
            }
        }
    }

    /// The names the help's key column gives a key.
    fn help_names(key: KeyCode) -> Vec<String> {
        let debug = format!("{key:?}");
        let plain = debug
            .strip_prefix("Key")
            .or_else(|| debug.strip_prefix("Digit"))
            .unwrap_or(&debug)
            .to_owned();
        let mut names = vec![plain];
        names.extend(
            match key {
                KeyCode::BracketRight => Some("]"),
                KeyCode::BracketLeft => Some("["),
                KeyCode::Minus | KeyCode::NumpadSubtract => Some("-"),
                KeyCode::Equal | KeyCode::NumpadAdd => Some("+"),
                KeyCode::Slash => Some("?"),
                KeyCode::Escape => Some("Esc"),
                KeyCode::ArrowLeft
                | KeyCode::ArrowRight
                | KeyCode::ArrowUp
                | KeyCode::ArrowDown => Some("Arrows"),
                _ => None,
            }
            .map(str::to_owned),
        );
        names
    }

    // Long: most of it is one table, every key a keyboard offers (76 rows,
    // one a line), which the single loop below checks against the help.
    #[test]
    fn every_shortcut_is_in_the_help() {
        use KeyCode as K;
        // Every key a keyboard offers that the window might use.
        let keys = [
            K::KeyA,
            K::KeyB,
            K::KeyC,
            K::KeyD,
            K::KeyE,
            K::KeyF,
            K::KeyG,
            K::KeyH,
            K::KeyI,
            K::KeyJ,
            K::KeyK,
            K::KeyL,
            K::KeyM,
            K::KeyN,
            K::KeyO,
            K::KeyP,
            K::KeyQ,
            K::KeyR,
            K::KeyS,
            K::KeyT,
            K::KeyU,
            K::KeyV,
            K::KeyW,
            K::KeyX,
            K::KeyY,
            K::KeyZ,
            K::Digit0,
            K::Digit1,
            K::Digit2,
            K::Digit3,
            K::Digit4,
            K::Digit5,
            K::Digit6,
            K::Digit7,
            K::Digit8,
            K::Digit9,
            K::F1,
            K::F2,
            K::F3,
            K::F4,
            K::F5,
            K::F6,
            K::F7,
            K::F8,
            K::F9,
            K::F10,
            K::F11,
            K::F12,
            K::Space,
            K::Tab,
            K::Escape,
            K::Enter,
            K::Backspace,
            K::Delete,
            K::Insert,
            K::Home,
            K::End,
            K::PageUp,
            K::PageDown,
            K::ArrowLeft,
            K::ArrowRight,
            K::ArrowUp,
            K::ArrowDown,
            K::BracketLeft,
            K::BracketRight,
            K::Minus,
            K::Equal,
            K::Slash,
            K::Backslash,
            K::Comma,
            K::Period,
            K::Semicolon,
            K::Quote,
            K::Backquote,
            K::NumpadAdd,
            K::NumpadSubtract,
        ];
        let listed: Vec<&str> = SHORTCUTS
            .iter()
            .flat_map(|(k, _)| {
                crate::lang::text(Lang::En, k)
                    .split([' ', '/'])
                    .filter(|t| !t.is_empty() && *t != "or")
            })
            .collect();
        let mut used = 0;
        for key in keys {
            for (shift, ctrl) in [(false, false), (true, false), (false, true), (true, true)] {
                let camera =
                    !shift && !ctrl && crate::app::world::camera::CAMERA_KEYS.contains(&key);
                if shortcut_for_key(key, shift, ctrl).is_none() && !camera {
                    continue;
                }
                used += 1;
                let names: Vec<String> = help_names(key)
                    .into_iter()
                    .map(|n| match (ctrl, shift) {
                        (true, true) => format!("Ctrl+Shift+{n}"),
                        (true, false) => format!("Ctrl+{n}"),
                        _ => n,
                    })
                    .collect();
                assert!(
                    names.iter().any(|n| listed.contains(&n.as_str())),
                    "{key:?} (shift {shift}) does something but the help does not list it as any of {names:?}"
                );
            }
        }
        // Every control, M for the market among them, and the camera.
        assert!(used >= 30, "{used}");
        assert_eq!(
            shortcut_for_key(K::KeyM, false, false),
            Some(Shortcut::Act(Action::CycleMarket))
        );
        assert_eq!(action_for_key(K::Equal, true), Some(Action::Faster));
        assert_eq!(action_for_key(K::KeyZ, false), None);
    }
}
