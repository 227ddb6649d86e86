//! Sun position, clear-sky irradiance and PV output (PVWatts).
//!
//! - Position: NREL SPA via the `solar-positioning` crate (no refraction).
//! - Clear sky: Haurwitz, GHI = 1098 cos z exp(-0.059 / cos z) W/m2 (as pvlib's
//!   `clearsky.haurwitz`).
//! - Split into beam and diffuse: Erbs et al. (1982), as pvlib's `irradiance.erbs`.
//! - Plane of array: isotropic sky with ground albedo 0.25.
//! - PV: PVWatts DC (gamma -0.35 %/C, NOCT 45 C cell temperature), 14 % system
//!   losses, and PVWatts' part-load inverter curve (pvlib `inverter.pvwatts`,
//!   nominal efficiency 0.96) with clipping at the inverter's AC rating.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use solar_positioning::{Location, SolarPositions};

/// Solar constant used for extraterrestrial irradiance, W/m2.
pub const SOLAR_CONSTANT_W_M2: f64 = 1366.1;
/// Ground reflectance for the plane-of-array model.
pub const ALBEDO: f64 = 0.25;
/// PVWatts temperature coefficient of power, 1/C.
pub const GAMMA_PER_C: f64 = -0.0035;
/// Nominal operating cell temperature, C.
pub const NOCT_C: f64 = 45.0;
/// PVWatts default system losses (soiling, wiring, mismatch ...).
pub const SYSTEM_LOSSES: f64 = 0.14;
/// PVWatts nominal inverter efficiency.
pub const INVERTER_EFFICIENCY: f64 = 0.96;
/// PVWatts reference inverter efficiency (fixed by the model).
const INVERTER_EFFICIENCY_REF: f64 = 0.9637;
/// DC/AC ratio: the inverter's AC rating is kWp divided by this.
pub const DC_AC_RATIO: f64 = 1.1;

/// The sun seen from a place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunPosition {
    /// Zenith angle, degrees (90 at the horizon).
    pub zenith_deg: f64,
    /// Azimuth, degrees clockwise from north.
    pub azimuth_deg: f64,
}

impl SunPosition {
    /// The sun straight below: what a time SPA cannot handle reads as.
    pub const BELOW_HORIZON: SunPosition = SunPosition {
        zenith_deg: 180.0,
        azimuth_deg: 0.0,
    };

    /// Elevation above the horizon, degrees.
    pub fn elevation_deg(&self) -> f64 {
        90.0 - self.zenith_deg
    }
}

/// SPA sun position at local clock time `local` with a fixed UTC offset.
///
/// Returns `None` only for inputs outside SPA's range (years beyond -2000..6000).
pub fn sun_position(
    local: NaiveDateTime,
    utc_offset_hours: f64,
    latitude_deg: f64,
    longitude_deg: f64,
) -> Option<SunPosition> {
    let offset = FixedOffset::east_opt((utc_offset_hours * 3600.0).round() as i32)?;
    let time: DateTime<FixedOffset> = local.and_local_timezone(offset).single()?;
    let delta_t = solar_positioning::delta_t::estimate_from_date_like(&time).ok()?;
    let p = SolarPositions::new()
        .at(
            &time,
            Location {
                latitude: latitude_deg,
                longitude: longitude_deg,
            },
            0.0,
            delta_t,
            None,
        )
        .ok()?;
    Some(SunPosition {
        zenith_deg: p.zenith_angle(),
        azimuth_deg: p.azimuth(),
    })
}

/// Extraterrestrial normal irradiance on day of year `day`, W/m2.
///
/// Spencer's (1971) series for the Earth-Sun distance, as pvlib's
/// `get_extra_radiation` computes it by default (and so inside its `erbs`).
/// The domain notes' shorter form 1 + 0.033 cos(2 pi n / 365) (pvlib's
/// "asce") differs by up to 0.2 %.
pub fn extraterrestrial_w_m2(day_of_year: u32) -> f64 {
    let b = 2.0 * std::f64::consts::PI * (f64::from(day_of_year) - 1.0) / 365.0;
    SOLAR_CONSTANT_W_M2
        * (1.00011
            + 0.034221 * b.cos()
            + 0.00128 * b.sin()
            + 0.000719 * (2.0 * b).cos()
            + 0.000077 * (2.0 * b).sin())
}

/// Haurwitz clear-sky global horizontal irradiance, W/m2.
pub fn clear_sky_ghi_w_m2(zenith_deg: f64) -> f64 {
    let cos_z = zenith_deg.to_radians().cos();
    if cos_z <= 0.0 {
        0.0
    } else {
        1098.0 * cos_z * (-0.059 / cos_z).exp()
    }
}

/// Beam (normal) and diffuse (horizontal) irradiance from GHI by Erbs' correlation, W/m2.
pub fn erbs(ghi_w_m2: f64, zenith_deg: f64, day_of_year: u32) -> (f64, f64) {
    let cos_z = zenith_deg.to_radians().cos();
    if ghi_w_m2 <= 0.0 || cos_z <= 0.0 {
        return (0.0, ghi_w_m2.max(0.0));
    }
    // pvlib clips cos z at 0.065 (about 86.3 degrees) for the clearness index.
    let kt = (ghi_w_m2 / (extraterrestrial_w_m2(day_of_year) * cos_z.max(0.065))).clamp(0.0, 1.0);
    let kd = if kt <= 0.22 {
        1.0 - 0.09 * kt
    } else if kt <= 0.8 {
        0.9511 - 0.1604 * kt + 4.388 * kt.powi(2) - 16.638 * kt.powi(3) + 12.336 * kt.powi(4)
    } else {
        0.165
    };
    let dhi = kd * ghi_w_m2;
    let dni = ((ghi_w_m2 - dhi) / cos_z).max(0.0);
    // pvlib zeroes the beam near the horizon (zenith above 87 degrees).
    if zenith_deg > 87.0 {
        (0.0, ghi_w_m2)
    } else {
        (dni, dhi)
    }
}

/// Irradiance on a tilted plane (isotropic sky), W/m2.
pub fn plane_of_array_w_m2(
    ghi: f64,
    dni: f64,
    dhi: f64,
    sun: SunPosition,
    tilt_deg: f64,
    azimuth_deg: f64,
) -> f64 {
    irradiance_on(
        ghi,
        dni,
        dhi,
        &Facing::from(sun),
        &Facing::new(tilt_deg, azimuth_deg),
    )
}

/// [`plane_of_array_w_m2`] with the sun's and the plane's angles as their
/// cosines and sines, for many planes under one sun.
pub fn irradiance_on(ghi: f64, dni: f64, dhi: f64, sun: &Facing, plane: &Facing) -> f64 {
    let cos_aoi = sun.cos_angle_to(plane).max(0.0);
    let beam = dni * cos_aoi;
    let sky = dhi * (1.0 + plane.cos_zenith) / 2.0;
    let ground = ALBEDO * ghi * (1.0 - plane.cos_zenith) / 2.0;
    (beam + sky + ground).max(0.0)
}

/// A direction (the sun's) or a plane's normal (its tilt from the
/// horizontal and the azimuth it faces) as the cosines and sines the
/// plane-of-array geometry needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facing {
    cos_zenith: f64,
    sin_zenith: f64,
    cos_azimuth: f64,
    sin_azimuth: f64,
}

impl Facing {
    /// From a zenith angle (a plane: its tilt) and an azimuth, degrees.
    pub fn new(zenith_deg: f64, azimuth_deg: f64) -> Self {
        let (sin_zenith, cos_zenith) = zenith_deg.to_radians().sin_cos();
        let (sin_azimuth, cos_azimuth) = azimuth_deg.to_radians().sin_cos();
        Self {
            cos_zenith,
            sin_zenith,
            cos_azimuth,
            sin_azimuth,
        }
    }

    /// Cosine of the angle between the two directions:
    /// cos z1 cos z2 + sin z1 sin z2 cos(a1 - a2).
    pub fn cos_angle_to(&self, other: &Facing) -> f64 {
        let cos_azimuths =
            self.cos_azimuth * other.cos_azimuth + self.sin_azimuth * other.sin_azimuth;
        self.cos_zenith * other.cos_zenith + self.sin_zenith * other.sin_zenith * cos_azimuths
    }
}

impl From<SunPosition> for Facing {
    fn from(sun: SunPosition) -> Self {
        Self::new(sun.zenith_deg, sun.azimuth_deg)
    }
}

/// Cell temperature by the NOCT model, C.
pub fn cell_temperature_c(poa_w_m2: f64, air_c: f64) -> f64 {
    air_c + (NOCT_C - 20.0) / 800.0 * poa_w_m2
}

/// PVWatts DC power in kW for `kwp` under `poa_w_m2` at cell temperature `cell_c`.
pub fn pvwatts_dc_kw(poa_w_m2: f64, cell_c: f64, kwp: f64) -> f64 {
    (poa_w_m2 / 1000.0 * kwp * (1.0 + GAMMA_PER_C * (cell_c - 25.0))).max(0.0)
}

/// PVWatts inverter: AC power in kW from DC power, with the part-load curve
/// and clipping at `eta_nom * pdc0_kw` (pvlib `inverter.pvwatts`).
pub fn pvwatts_ac_kw(pdc_kw: f64, pdc0_kw: f64) -> f64 {
    if pdc_kw <= 0.0 || pdc0_kw <= 0.0 {
        return 0.0;
    }
    let pac0 = INVERTER_EFFICIENCY * pdc0_kw;
    let zeta = pdc_kw / pdc0_kw;
    let eta =
        INVERTER_EFFICIENCY / INVERTER_EFFICIENCY_REF * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
    (eta * pdc_kw).clamp(0.0, pac0)
}

/// AC output of a rooftop array in kW: PVWatts with losses, inverter sized
/// at kWp / [`DC_AC_RATIO`].
pub fn pv_ac_kw(poa_w_m2: f64, air_c: f64, kwp: f64) -> f64 {
    let dc =
        pvwatts_dc_kw(poa_w_m2, cell_temperature_c(poa_w_m2, air_c), kwp) * (1.0 - SYSTEM_LOSSES);
    pvwatts_ac_kw(dc, kwp / DC_AC_RATIO)
}

/// A simple climate for central Europe: daily mean air temperature from a
/// yearly cosine (coldest mid-January, about 1 C; warmest mid-July, about
/// 19 C) plus a daily cosine of +-4 C peaking at 15:00. Used until the
/// weather model sets the temperature.
pub fn typical_air_temperature_c(day_of_year: u32, hour: f64) -> f64 {
    use std::f64::consts::PI;
    let seasonal = 10.0 - 9.0 * (2.0 * PI * (f64::from(day_of_year) - 15.0) / 365.0).cos();
    seasonal + 4.0 * (2.0 * PI * (hour - 15.0) / 24.0).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn noon_sun_in_berlin_at_midsummer_is_high_and_south() {
        let t = NaiveDate::from_ymd_opt(2025, 6, 21)
            .and_then(|d| d.and_hms_opt(13, 8, 0))
            .expect("valid");
        let sun = sun_position(t, 2.0, 52.52, 13.40).expect("in range");
        // Solar noon elevation = 90 - 52.52 + 23.44 = 60.9 degrees.
        assert!((sun.elevation_deg() - 60.9).abs() < 0.3, "{sun:?}");
        assert!((sun.azimuth_deg - 180.0).abs() < 5.0, "{sun:?}");
    }

    #[test]
    fn clear_sky_is_zero_at_night_and_about_1000_at_high_sun() {
        assert_eq!(clear_sky_ghi_w_m2(95.0), 0.0);
        let g = clear_sky_ghi_w_m2(0.0);
        assert!((g - 1098.0 * (-0.059f64).exp()).abs() < 1e-9);
    }

    #[test]
    fn inverter_clips_at_its_rating() {
        assert!((pvwatts_ac_kw(20.0, 5.0) - 0.96 * 5.0).abs() < 1e-12);
        // At the rated point the efficiency is the nominal one.
        let eta = pvwatts_ac_kw(5.0, 5.0) / 5.0;
        assert!((eta - 0.96 / 0.9637 * (0.9858 - 0.0162 - 0.0059)).abs() < 1e-12);
        assert_eq!(pvwatts_ac_kw(0.0, 5.0), 0.0);
    }
}
