//! The island's frequency as a dial over the 3D view, while the
//! neighbourhood runs on its own: a needle over coloured bands that say
//! what each frequency makes happen (the relays shed load under 49 Hz,
//! the panels hold back over 50.2 Hz), and in words what it means now.

use bevy_egui::egui;

use super::c32;
use crate::app::theme::palette;
use crate::lang::{num, tr};
use crate::physics::frequency::{F0_HZ, PV_CURTAIL_START_HZ, PV_TRIP_HZ, SHED_STAGES_HZ};
use crate::sim::grid_mode::{GridMode, GridState};

/// The dial's span, Hz.
pub const DIAL_HZ: (f64, f64) = (47.5, 52.5);

/// Where a frequency falls: its band's colour and its words' key.
pub fn band_of(f_hz: f64) -> (palette::Rgb8, &'static str) {
    if !f_hz.is_finite() {
        (palette::VERMILLION, "gauge.dark")
    } else if f_hz < SHED_STAGES_HZ[0] {
        (palette::VERMILLION, "gauge.shedding")
    } else if f_hz < F0_HZ - 0.2 {
        (palette::YELLOW, "gauge.low")
    } else if f_hz <= PV_CURTAIL_START_HZ {
        (palette::GREEN, "gauge.steady")
    } else if f_hz < PV_TRIP_HZ {
        (palette::YELLOW, "gauge.curtailing")
    } else {
        (palette::VERMILLION, "gauge.high")
    }
}

/// The dial's angle for a frequency, radians: pi at the left end, 0 at the
/// right, clamped to the dial.
pub fn angle_of(f_hz: f64) -> f32 {
    let (lo, hi) = DIAL_HZ;
    let t = ((f_hz - lo) / (hi - lo)).clamp(0.0, 1.0);
    (std::f64::consts::PI * (1.0 - t)) as f32
}

/// Draws the dial at the top-left (`left`) or top-right corner of `view`
/// while the neighbourhood is an island or dark; nothing on the grid.
pub(super) fn frequency_gauge(ctx: &egui::Context, grid: &GridState, view: egui::Rect, left: bool) {
    if grid.mode == GridMode::Connected {
        return;
    }
    let f = match grid.mode {
        GridMode::Blackout => f64::NAN,
        _ => grid.frequency.f_hz,
    };
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Background,
        "frequency gauge".into(),
    ));
    let size = egui::vec2(190.0, 160.0);
    let corner = if left {
        view.left_top() + egui::vec2(10.0, 10.0)
    } else {
        view.right_top() + egui::vec2(-10.0 - size.x, 10.0)
    };
    let rect = egui::Rect::from_min_size(corner, size);
    painter.rect_filled(rect, 10.0, egui::Color32::from_black_alpha(190));
    let font = |s: f32| egui::FontId::proportional(s);
    painter.text(
        rect.center_top() + egui::vec2(0.0, 6.0),
        egui::Align2::CENTER_TOP,
        tr("gauge.title"),
        font(15.0),
        egui::Color32::from_gray(220),
    );
    let centre = rect.center_top() + egui::vec2(0.0, 102.0);
    let r = 56.0;
    // The bands, thick arcs from 47.5 to 52.5 Hz.
    let bands = [
        (DIAL_HZ.0, SHED_STAGES_HZ[0], palette::VERMILLION),
        (SHED_STAGES_HZ[0], F0_HZ - 0.2, palette::YELLOW),
        (F0_HZ - 0.2, PV_CURTAIL_START_HZ, palette::GREEN),
        (PV_CURTAIL_START_HZ, PV_TRIP_HZ, palette::YELLOW),
        (PV_TRIP_HZ, DIAL_HZ.1, palette::VERMILLION),
    ];
    for (from, to, colour) in bands {
        let (a, b) = (angle_of(from), angle_of(to));
        let points: Vec<egui::Pos2> = (0..=12)
            .map(|k| {
                let t = a + (b - a) * k as f32 / 12.0;
                centre + egui::vec2(t.cos(), -t.sin()) * r
            })
            .collect();
        painter.add(egui::Shape::line(
            points,
            egui::Stroke::new(9.0, c32(colour)),
        ));
    }
    for hz in [48.0, 49.0, 50.0, 51.0, 52.0] {
        let t = angle_of(hz);
        let dir = egui::vec2(t.cos(), -t.sin());
        painter.line_segment(
            [centre + dir * (r - 6.0), centre + dir * (r + 6.0)],
            egui::Stroke::new(1.5, egui::Color32::WHITE),
        );
        if (hz - 50.0_f64).abs() < 1.5 {
            painter.text(
                centre + dir * (r + 14.0),
                egui::Align2::CENTER_CENTER,
                num(hz, 0),
                font(13.0),
                egui::Color32::from_gray(230),
            );
        }
    }
    let (colour, words) = band_of(f);
    if f.is_finite() {
        let t = angle_of(f);
        painter.line_segment(
            [centre, centre + egui::vec2(t.cos(), -t.sin()) * (r - 4.0)],
            egui::Stroke::new(3.5, egui::Color32::WHITE),
        );
    }
    painter.circle_filled(centre, 5.0, egui::Color32::WHITE);
    let reading = if f.is_finite() {
        crate::tr!("gauge.reading", hz = num(f, 2))
    } else {
        "-".to_owned()
    };
    painter.text(
        centre + egui::vec2(0.0, 8.0),
        egui::Align2::CENTER_TOP,
        reading,
        font(20.0),
        egui::Color32::WHITE,
    );
    painter.text(
        rect.center_bottom() - egui::vec2(0.0, 6.0),
        egui::Align2::CENTER_BOTTOM,
        tr(words),
        font(14.0),
        c32(colour),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bands_follow_the_relays_and_the_inverters() {
        assert_eq!(band_of(50.0).1, "gauge.steady");
        assert_eq!(band_of(49.5).1, "gauge.low");
        assert_eq!(band_of(SHED_STAGES_HZ[0] - 0.01).1, "gauge.shedding");
        assert_eq!(band_of(50.5).1, "gauge.curtailing");
        assert_eq!(band_of(PV_TRIP_HZ + 0.1).1, "gauge.high");
        assert_eq!(band_of(f64::NAN).1, "gauge.dark");
    }

    #[test]
    fn the_needle_turns_left_to_right_and_stays_on_the_dial() {
        assert!((angle_of(50.0) - std::f32::consts::FRAC_PI_2).abs() < 1e-6);
        assert!(angle_of(49.0) > angle_of(51.0));
        assert_eq!(angle_of(40.0), std::f32::consts::PI);
        assert_eq!(angle_of(60.0), 0.0);
    }
}
