//! Keys held for a chord, read so that a quick chord is not lost on a slow
//! frame: at 5 frames a second a Ctrl+Z, or the operator's Ctrl+Alt+O,
//! is often pressed and released between two frames, and by the frame's
//! end the modifier is no longer down. The frame's key messages, in the
//! order they came, say which modifiers were down as each key went down
//! ([`chords`]): a Ctrl let go before the Z in the same frame is no Ctrl+Z.

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

/// A key that went down, with the modifiers that were down as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    /// The key (not a modifier).
    pub key: KeyCode,
    /// Ctrl was down.
    pub ctrl: bool,
    /// Alt was down.
    pub alt: bool,
    /// Shift was down.
    pub shift: bool,
}

/// The keys that went down this frame, in order, each with the modifiers
/// down at that moment. `events` are the frame's key messages in the order
/// they came, each a key and whether it went down (repeats left out);
/// `down_now` says which keys are down at the frame's end, which tells a
/// modifier held since an earlier frame (a modifier's first message this
/// frame tells whether it was down before it).
pub fn chords(events: &[(KeyCode, bool)], down_now: impl Fn(KeyCode) -> bool) -> Vec<Chord> {
    let modifiers: Vec<KeyCode> = [CTRL, ALT, SHIFT].concat();
    let mut down: Vec<(KeyCode, bool)> = modifiers
        .iter()
        .map(|&m| {
            let first = events.iter().find(|(k, _)| *k == m).map(|&(_, d)| d);
            (m, first.map_or_else(|| down_now(m), |went_down| !went_down))
        })
        .collect();
    let any = |down: &[(KeyCode, bool)], pair: [KeyCode; 2]| {
        down.iter().any(|&(k, d)| d && pair.contains(&k))
    };
    let mut out = Vec::new();
    for &(key, went_down) in events {
        if let Some(state) = down.iter_mut().find(|(k, _)| *k == key) {
            state.1 = went_down;
        } else if went_down {
            out.push(Chord {
                key,
                ctrl: any(&down, CTRL),
                alt: any(&down, ALT),
                shift: any(&down, SHIFT),
            });
        }
    }
    out
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

    #[test]
    fn each_key_gets_the_modifiers_down_as_it_went_down() {
        use KeyCode::*;
        let up = |_: KeyCode| false;
        // Ctrl+Z pressed and released within one frame.
        let quick = [
            (ControlLeft, true),
            (KeyZ, true),
            (KeyZ, false),
            (ControlLeft, false),
        ];
        let c = chords(&quick, up);
        assert_eq!(c.len(), 1);
        assert!(c[0].key == KeyZ && c[0].ctrl && !c[0].alt && !c[0].shift);
        // Ctrl let go before the Z, in the same frame: a plain Z.
        let after = [(ControlRight, false), (KeyZ, true)];
        let c = chords(&after, up);
        assert!(c[0].key == KeyZ && !c[0].ctrl, "{c:?}");
        // ... though Ctrl was down as the frame began.
        assert!(held(
            &{
                let mut k = ButtonInput::<KeyCode>::default();
                k.press(ControlRight);
                k.clear();
                k.release(ControlRight);
                k.press(KeyZ);
                k
            },
            CTRL
        ));
        // Ctrl held since an earlier frame, Alt pressed within this one.
        let operator = [(AltLeft, true), (KeyO, true), (Digit2, true)];
        let c = chords(&operator, |k| k == ControlLeft || k == AltLeft);
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|c| c.ctrl && c.alt), "{c:?}");
        // Shift goes down between two keys.
        let shifted = [(KeyA, true), (ShiftLeft, true), (KeyB, true)];
        let c = chords(&shifted, |k| k == ShiftLeft);
        assert!(!c[0].shift && c[1].shift, "{c:?}");
    }
}
