//! The type and the widgets' look for a classroom: Atkinson Hyperlegible
//! (the Braille Institute's face for low-vision readers, SIL OFL, in
//! `assets/fonts/`) instead of egui's thin default, text styles no smaller
//! than 14 px, buttons at least 32 px tall, and text colours with at least
//! 4.5:1 contrast on the panels. Presenter mode uses a light theme, since a
//! projector cannot show black and dark panels wash out in a bright room.

use bevy_egui::egui;
use egui::{Color32, FontData, FontDefinitions, FontFamily, FontId, TextStyle};

/// The face's regular weight.
const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/AtkinsonHyperlegible-Regular.ttf");
/// The face's bold weight (headings, the clock, big readouts).
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/AtkinsonHyperlegible-Bold.ttf");

/// The family name of the bold weight: `FontFamily::Name(BOLD_FAMILY.into())`.
pub const BOLD_FAMILY: &str = "bold";

/// Body text in points at 100 % (a point is a pixel at 100 % on a
/// 1280x720 window; larger windows zoom, see [`auto_zoom`]).
pub const BODY_PT: f32 = 18.0;
/// Small text in points: the smallest style.
pub const SMALL_PT: f32 = 14.0;
/// Headings in points.
pub const HEADING_PT: f32 = 24.0;
/// The least height of a button or a field, points.
pub const BUTTON_HEIGHT_PT: f32 = 32.0;

/// The bold face at `size` points.
pub fn bold(size: f32) -> FontId {
    FontId::new(size, FontFamily::Name(BOLD_FAMILY.into()))
}

/// How the panels look: the sandbox's dark theme or presenter mode's light one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Look {
    /// Dark panels over the 3D view (a screen at a desk).
    #[default]
    Desk,
    /// Light panels, larger type (a projector in a bright room).
    Presenter,
}

/// The zoom a window of `width` x `height` logical pixels gets at 100 %:
/// type grows with the window, taking the smaller of its width over 1280
/// and its height over 720, so the panels keep their room on wide and tall
/// screens alike, and never shrinks below 1.
pub fn auto_zoom(width: f32, height: f32) -> f32 {
    let k = (width / 1280.0).min(height / 720.0);
    if k.is_finite() {
        k.clamp(1.0, 4.0)
    } else {
        1.0
    }
}

/// The largest zoom a window of `width` x `height` logical pixels takes:
/// the panels keep at least 800 x 450 points, so 150 % in presenter mode
/// or 200 % on a small projector cannot push controls off the screen.
pub fn most_zoom(width: f32, height: f32) -> f32 {
    let k = (width / 800.0).min(height / 450.0);
    if k.is_finite() { k.max(1.0) } else { 1.0 }
}

/// Installs the face (once per context: egui keeps it).
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts
        .font_data
        .insert("atkinson".into(), FontData::from_static(REGULAR).into());
    fonts
        .font_data
        .insert("atkinson-bold".into(), FontData::from_static(BOLD).into());
    // egui's own faces stay behind as fallbacks (symbols and emoji).
    let fallbacks = fonts
        .families
        .get(&FontFamily::Proportional)
        .cloned()
        .unwrap_or_default();
    let mut regular = vec!["atkinson".to_owned()];
    regular.extend(fallbacks.iter().cloned());
    let mut bold = vec!["atkinson-bold".to_owned(), "atkinson".to_owned()];
    bold.extend(fallbacks);
    fonts.families.insert(FontFamily::Proportional, regular);
    fonts
        .families
        .insert(FontFamily::Name(BOLD_FAMILY.into()), bold);
    ctx.set_fonts(fonts);
}

/// Sets the text styles, spacing and colours for `look`.
pub fn apply(ctx: &egui::Context, look: Look) {
    let theme = match look {
        Look::Desk => egui::Theme::Dark,
        Look::Presenter => egui::Theme::Light,
    };
    ctx.set_theme(theme);
    ctx.style_mut_of(theme, |style| {
        style.text_styles = [
            (TextStyle::Heading, bold(HEADING_PT)),
            (TextStyle::Body, FontId::proportional(BODY_PT)),
            (TextStyle::Button, FontId::proportional(BODY_PT)),
            (TextStyle::Small, FontId::proportional(SMALL_PT)),
            (TextStyle::Monospace, FontId::monospace(16.0)),
        ]
        .into();
        let spacing = &mut style.spacing;
        spacing.button_padding = egui::vec2(10.0, 6.0);
        spacing.interact_size = egui::vec2(40.0, BUTTON_HEIGHT_PT);
        spacing.item_spacing = egui::vec2(10.0, 6.0);
        spacing.icon_width = 20.0;
        spacing.icon_width_inner = 12.0;
        spacing.slider_width = 120.0;
        style.visuals = visuals(look);
        // A drag over a label moves the camera or a slider, not a text selection.
        style.interaction.selectable_labels = false;
    });
}

/// Panel and text colours with WCAG contrast: text at least 4.5:1 on the
/// panels (see the tests), widget edges at least 3:1.
fn visuals(look: Look) -> egui::Visuals {
    let (mut v, text, weak, panel) = match look {
        Look::Desk => (
            egui::Visuals::dark(),
            Color32::from_rgb(240, 240, 240),
            Color32::from_rgb(190, 190, 190),
            PANEL_DARK,
        ),
        Look::Presenter => (
            egui::Visuals::light(),
            Color32::from_rgb(15, 15, 15),
            Color32::from_rgb(70, 70, 70),
            PANEL_LIGHT,
        ),
    };
    v.panel_fill = panel;
    v.window_fill = panel;
    v.weak_text_color = Some(weak);
    v.widgets.noninteractive.fg_stroke.color = text;
    v.widgets.inactive.fg_stroke.color = text;
    v.widgets.hovered.fg_stroke.color = text;
    v.widgets.active.fg_stroke.color = text;
    v
}

/// The dark panels' fill.
pub const PANEL_DARK: Color32 = Color32::from_rgb(24, 26, 30);
/// The light panels' fill.
pub const PANEL_LIGHT: Color32 = Color32::from_rgb(248, 248, 245);

/// `c` moved toward white (on a dark ground) or black (on a light one)
/// just far enough to read at 4.5:1 on `ground`: a state colour as text.
pub fn readable(c: Color32, ground: Color32) -> Color32 {
    let target = if contrast(Color32::WHITE, ground) > contrast(Color32::BLACK, ground) {
        Color32::WHITE
    } else {
        Color32::BLACK
    };
    let mix = |t: f32| {
        let m = |a: u8, b: u8| (f32::from(a) + t * (f32::from(b) - f32::from(a))).round() as u8;
        Color32::from_rgb(
            m(c.r(), target.r()),
            m(c.g(), target.g()),
            m(c.b(), target.b()),
        )
    };
    (0..=20)
        .map(|k| mix(k as f32 / 20.0))
        .find(|&m| contrast(m, ground) >= 4.5)
        .unwrap_or(target)
}

/// WCAG 2 contrast ratio of two sRGB colours (1 to 21).
pub fn contrast(a: Color32, b: Color32) -> f64 {
    fn lum(c: Color32) -> f64 {
        let lin = |u: u8| {
            let s = f64::from(u) / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    }
    let (la, lb) = (lum(a), lum(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_on_the_panels_in_both_looks() {
        for look in [Look::Desk, Look::Presenter] {
            let v = visuals(look);
            let text = v.widgets.noninteractive.fg_stroke.color;
            let weak = v.weak_text_color.expect("set");
            for ground in [v.panel_fill, v.window_fill, v.widgets.inactive.weak_bg_fill] {
                assert!(
                    contrast(text, ground) >= 7.0,
                    "{look:?} text {}",
                    contrast(text, ground)
                );
                assert!(
                    contrast(weak, ground) >= 4.5,
                    "{look:?} weak {}",
                    contrast(weak, ground)
                );
            }
        }
        // egui's own faded text fails the bar: the reason for the override.
        let dark = egui::Visuals::dark();
        assert!(contrast(dark.weak_text_color(), dark.panel_fill) < 4.5);
    }

    #[test]
    fn state_colours_as_text_read_on_both_grounds_and_keep_their_hue() {
        use crate::app::theme::palette::*;
        for c in [
            BLUE, SKY_BLUE, GREEN, YELLOW, ORANGE, VERMILLION, PURPLE, LIGHT_GREY,
        ] {
            let c = Color32::from_rgb(c[0], c[1], c[2]);
            for ground in [PANEL_DARK, PANEL_LIGHT] {
                let r = readable(c, ground);
                assert!(contrast(r, ground) >= 4.5, "{c:?} on {ground:?}: {r:?}");
            }
        }
        // A colour that already reads is left as it is.
        let orange = Color32::from_rgb(ORANGE[0], ORANGE[1], ORANGE[2]);
        assert_eq!(readable(orange, PANEL_DARK), orange);
        // White on the darkened state colours (the bar's badges) reads too.
        for c in [GREEN, ORANGE, VERMILLION] {
            let d = darker(c);
            assert!(
                contrast(Color32::WHITE, Color32::from_rgb(d[0], d[1], d[2])) >= 4.5,
                "{c:?}"
            );
        }
    }

    #[test]
    fn contrast_matches_wcag_examples() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 1e-9);
        // #767676 on white is the lightest grey that passes 4.5:1.
        let grey = Color32::from_rgb(0x76, 0x76, 0x76);
        assert!((contrast(grey, Color32::WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn the_zoom_follows_the_window_but_never_shrinks_the_type() {
        assert_eq!(auto_zoom(1280.0, 720.0), 1.0);
        assert_eq!(auto_zoom(1024.0, 768.0), 1.0);
        assert_eq!(auto_zoom(1920.0, 1080.0), 1.5);
        assert_eq!(auto_zoom(3840.0, 2160.0), 3.0);
        // A tall narrow window is held by its width.
        assert_eq!(auto_zoom(1280.0, 2000.0), 1.0);
        assert_eq!(auto_zoom(f32::NAN, 720.0), 1.0);
        // Never so large that less than 800 x 450 points are left.
        assert_eq!(most_zoom(1280.0, 720.0), 1.6);
        assert_eq!(most_zoom(1024.0, 768.0), 1.28);
        assert_eq!(most_zoom(640.0, 360.0), 1.0);
    }
}
