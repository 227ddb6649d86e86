//! Small wind turbines: tabulated power curves and wind shear to hub height.

/// A turbine's power curve, linearly interpolated between tabulated points.
#[derive(Debug, PartialEq)]
pub struct PowerCurve {
    /// Model name as scenarios write it.
    pub model: &'static str,
    /// Nameplate rating in kW.
    pub rated_kw: f64,
    /// Rotor diameter in m (for drawing and swept area).
    pub rotor_diameter_m: f64,
    /// Below this hub wind speed the turbine does not turn, m/s.
    pub cut_in_m_s: f64,
    /// At and above this hub wind speed the turbine shuts down, m/s.
    pub cut_out_m_s: f64,
    /// Tabulated wind speeds, m/s, ascending.
    pub speeds_m_s: &'static [f64],
    /// Electrical output at those speeds, kW.
    pub power_kw: &'static [f64],
}

/// Turbines a scenario can name.
///
/// Bergey Excel 10: the curve from the domain notes (7 m rotor, 8.9 kW rated
/// at 11 m/s); output above 14 m/s is held at the last tabulated value.
pub static TURBINES: &[PowerCurve] = &[PowerCurve {
    model: "Bergey Excel 10",
    rated_kw: 8.9,
    rotor_diameter_m: 7.0,
    cut_in_m_s: 3.0,
    cut_out_m_s: 25.0,
    speeds_m_s: &[
        3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0,
    ],
    power_kw: &[
        0.10, 0.40, 0.85, 1.51, 2.40, 3.60, 5.07, 6.86, 8.86, 10.88, 12.09, 12.39,
    ],
}];

/// The power curve of a model, by name.
pub fn power_curve(model: &str) -> Option<&'static PowerCurve> {
    TURBINES.iter().find(|c| c.model == model)
}

/// Names of the known turbine models.
pub fn turbine_models() -> impl Iterator<Item = &'static str> {
    TURBINES.iter().map(|c| c.model)
}

impl PowerCurve {
    /// Electrical output in kW at a hub-height wind speed in m/s.
    pub fn power_at_kw(&self, wind_m_s: f64) -> f64 {
        if wind_m_s.is_nan() || wind_m_s < self.cut_in_m_s || wind_m_s >= self.cut_out_m_s {
            return 0.0;
        }
        let v = self.speeds_m_s;
        let p = self.power_kw;
        match v.iter().position(|&s| s > wind_m_s) {
            None => p[p.len() - 1],
            Some(0) => p[0],
            Some(i) => p[i - 1] + (p[i] - p[i - 1]) * (wind_m_s - v[i - 1]) / (v[i] - v[i - 1]),
        }
    }
}

/// Wind speed at `height_m` from a speed measured at `reference_height_m`
/// (power law: v = v_ref (h / h_ref)^alpha).
pub fn wind_at_height(
    wind_m_s: f64,
    reference_height_m: f64,
    height_m: f64,
    shear_exponent: f64,
) -> f64 {
    wind_m_s * (height_m / reference_height_m).powf(shear_exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bergey_curve_interpolates_and_cuts_out() {
        let c = power_curve("Bergey Excel 10").expect("known model");
        assert_eq!(c.power_at_kw(2.9), 0.0);
        assert!((c.power_at_kw(11.0) - 8.86).abs() < 1e-12);
        assert!((c.power_at_kw(11.5) - (8.86 + 10.88) / 2.0).abs() < 1e-12);
        assert!((c.power_at_kw(20.0) - 12.39).abs() < 1e-12);
        assert_eq!(c.power_at_kw(25.0), 0.0);
        assert_eq!(c.power_at_kw(f64::NAN), 0.0);
    }

    #[test]
    fn shear_raises_wind_with_height() {
        let v = wind_at_height(5.0, 10.0, 24.0, 1.0 / 7.0);
        assert!((v - 5.0 * 2.4f64.powf(1.0 / 7.0)).abs() < 1e-12);
        assert!(v > 5.0);
    }
}
