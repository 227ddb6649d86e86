//! Keys held for a chord, read so that a quick chord is not lost on a slow
//! frame: at 5 frames a second a Ctrl+Z, or the operator's Ctrl+Alt+O,
//! is often pressed and released between two frames, and by the frame's
//! end the modifier is no longer down.

use bevy::prelude::*;

/// The two Ctrl keys.
pub const CTRL: [KeyCode; 2] = [KeyCode::ControlLeft, KeyCode::ControlRight];
/// The two Alt keys.
pub const ALT: [KeyCode; 2] = [KeyCode::AltLeft, KeyCode::AltRight];
/// The two Shift keys.
pub const SHIFT: [KeyCode; 2] = [KeyCode::ShiftLeft, KeyCode::ShiftRight];

/// Whether either of `pair` was down at any time this frame: down now,
/// or pressed or released since the last frame.
pub fn held(keys: &ButtonInput<KeyCode>, pair: [KeyCode; 2]) -> bool {
    keys.any_pressed(pair) || keys.any_just_pressed(pair) || keys.any_just_released(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chord_pressed_and_released_within_one_frame_is_held() {
        let mut keys = ButtonInput::<KeyCode>::default();
        // One slow frame: Ctrl down, O down, both up.
        keys.press(KeyCode::ControlLeft);
        keys.press(KeyCode::KeyO);
        keys.release(KeyCode::KeyO);
        keys.release(KeyCode::ControlLeft);
        assert!(!keys.any_pressed(CTRL), "what the old check saw");
        assert!(held(&keys, CTRL));
        assert!(keys.just_pressed(KeyCode::KeyO));
        assert!(!held(&keys, ALT));
        // The next frame: nothing is held any more.
        keys.clear();
        assert!(!held(&keys, CTRL));
        // Held across frames.
        keys.press(KeyCode::AltRight);
        keys.clear();
        assert!(held(&keys, ALT));
    }
}
