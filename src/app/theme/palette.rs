//! Colours that read for colour-blind viewers and on a projector: the
//! Okabe-Ito palette, and the ramps that colour lines by loading and buses
//! by voltage (with their legends).

/// An sRGB colour, 8 bits a channel.
pub type Rgb8 = [u8; 3];

/// Okabe-Ito blue.
pub const BLUE: Rgb8 = [0, 114, 178];
/// Okabe-Ito sky blue.
pub const SKY_BLUE: Rgb8 = [86, 180, 233];
/// Okabe-Ito bluish green.
pub const GREEN: Rgb8 = [0, 158, 115];
/// Okabe-Ito yellow.
pub const YELLOW: Rgb8 = [240, 228, 66];
/// Okabe-Ito orange.
pub const ORANGE: Rgb8 = [230, 159, 0];
/// Okabe-Ito vermillion.
pub const VERMILLION: Rgb8 = [213, 94, 0];
/// Okabe-Ito reddish purple.
pub const PURPLE: Rgb8 = [204, 121, 167];
/// Neutral light grey (the middle of the voltage ramp).
pub const LIGHT_GREY: Rgb8 = [225, 225, 225];

/// Line loading ramp, percent of the rating: blue when idle, yellow when
/// busy, vermillion past the rating.
pub const LOADING_STOPS: [(f64, Rgb8); 5] = [
    (0.0, BLUE),
    (50.0, SKY_BLUE),
    (80.0, YELLOW),
    (100.0, ORANGE),
    (120.0, VERMILLION),
];

/// Voltage ramp, per unit: blue low, grey at nominal, vermillion high (the
/// EN 50160 band is 0.90-1.10).
pub const VOLTAGE_STOPS: [(f64, Rgb8); 5] = [
    (0.90, BLUE),
    (0.95, SKY_BLUE),
    (1.00, LIGHT_GREY),
    (1.05, ORANGE),
    (1.10, VERMILLION),
];

/// Voltage unbalance ramp, |V2|/|V1| in percent: grey when balanced,
/// yellow on the way, orange at EN 50160's 2 % limit, vermillion past it.
pub const UNBALANCE_STOPS: [(f64, Rgb8); 5] = [
    (0.0, LIGHT_GREY),
    (0.5, SKY_BLUE),
    (1.0, YELLOW),
    (2.0, ORANGE),
    (3.0, VERMILLION),
];

/// Neutral current ramp, percent of the cable's rating: the unbalance
/// ramp's colours at the same places (so its materials serve both), grey
/// with no neutral current, vermillion at 60 % of the rating.
pub const NEUTRAL_STOPS: [(f64, Rgb8); 5] = [
    (0.0, LIGHT_GREY),
    (10.0, SKY_BLUE),
    (20.0, YELLOW),
    (40.0, ORANGE),
    (60.0, VERMILLION),
];

/// `c` at 60 % of its brightness: a ground for white text (the state
/// colours above reach 4.5:1 against white only darkened).
pub const fn darker(c: Rgb8) -> Rgb8 {
    [
        (c[0] as u16 * 3 / 5) as u8,
        (c[1] as u16 * 3 / 5) as u8,
        (c[2] as u16 * 3 / 5) as u8,
    ]
}

/// Colours shared as materials: each ramp is cut into this many steps.
pub const RAMP_STEPS: usize = 24;

/// The colour at `x` on a piecewise-linear ramp (clamped at its ends).
pub fn ramp(stops: &[(f64, Rgb8)], x: f64) -> Rgb8 {
    let first = stops[0];
    let last = stops[stops.len() - 1];
    if !x.is_finite() || x <= first.0 {
        return first.1;
    }
    if x >= last.0 {
        return last.1;
    }
    let i = stops.windows(2).position(|w| x < w[1].0).unwrap_or(0);
    let (x0, c0) = stops[i];
    let (x1, c1) = stops[i + 1];
    let t = (x - x0) / (x1 - x0);
    std::array::from_fn(|k| {
        (f64::from(c0[k]) + t * (f64::from(c1[k]) - f64::from(c0[k]))).round() as u8
    })
}

/// Which of [`RAMP_STEPS`] steps `x` falls in over the ramp's range.
pub fn ramp_step(stops: &[(f64, Rgb8)], x: f64) -> usize {
    let lo = stops[0].0;
    let hi = stops[stops.len() - 1].0;
    if !x.is_finite() {
        return 0;
    }
    let t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
    ((t * (RAMP_STEPS - 1) as f64).round() as usize).min(RAMP_STEPS - 1)
}

/// The value at the middle of step `step` (the colour its material shows).
pub fn ramp_step_value(stops: &[(f64, Rgb8)], step: usize) -> f64 {
    let lo = stops[0].0;
    let hi = stops[stops.len() - 1].0;
    lo + (hi - lo) * step as f64 / (RAMP_STEPS - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_neutral_ramp_is_the_unbalance_ramp_scaled() {
        for (n, u) in NEUTRAL_STOPS.iter().zip(&UNBALANCE_STOPS) {
            assert_eq!(n.1, u.1);
            assert!((n.0 / NEUTRAL_STOPS[4].0 - u.0 / UNBALANCE_STOPS[4].0).abs() < 1e-12);
        }
    }

    #[test]
    fn ramps_hit_their_stops_blend_between_and_clamp_outside() {
        assert_eq!(ramp(&LOADING_STOPS, 0.0), BLUE);
        assert_eq!(ramp(&LOADING_STOPS, 80.0), YELLOW);
        assert_eq!(ramp(&LOADING_STOPS, 500.0), VERMILLION);
        assert_eq!(ramp(&LOADING_STOPS, f64::NAN), BLUE);
        assert_eq!(ramp(&VOLTAGE_STOPS, 1.0), LIGHT_GREY);
        assert_eq!(ramp(&VOLTAGE_STOPS, 0.5), BLUE);
        // Half way from blue to sky blue.
        assert_eq!(ramp(&LOADING_STOPS, 25.0), [43, 147, 206]);
    }

    #[test]
    fn steps_cover_the_range_and_their_values_fall_back_in_them() {
        assert_eq!(ramp_step(&VOLTAGE_STOPS, 0.0), 0);
        assert_eq!(ramp_step(&VOLTAGE_STOPS, 2.0), RAMP_STEPS - 1);
        for step in 0..RAMP_STEPS {
            let v = ramp_step_value(&VOLTAGE_STOPS, step);
            assert_eq!(ramp_step(&VOLTAGE_STOPS, v), step);
        }
        // Nominal voltage sits in a step whose colour is near grey.
        let mid = ramp_step(&VOLTAGE_STOPS, 1.0);
        let c = ramp(&VOLTAGE_STOPS, ramp_step_value(&VOLTAGE_STOPS, mid));
        assert!(
            c.iter().zip(LIGHT_GREY).all(|(a, b)| a.abs_diff(b) < 40),
            "{c:?}"
        );
    }
}
