//! Range-checked numbers for scenario fields.
//!
//! Each checker runs inside deserialisation, so RON reports the error at the
//! line and column of the offending value. The bounds are caps that keep a
//! scenario physical and the program's memory bounded; docs/scenario-format.md
//! ("Checks and limits") lists them.

use serde::{Deserialize, Deserializer, de::Error};

/// Checks that `value` is a finite number in `[min, max]`, with a message that says how to fix it.
pub fn in_range(value: f64, min: f64, max: f64, what: &str) -> Result<f64, String> {
    if !value.is_finite() {
        return Err(format!(
            "{what} must be a finite number, found {value}; write a plain number such as {}",
            suggestion(min, max)
        ));
    }
    if value < min || value > max {
        return Err(format!(
            "{what} is {}, outside the allowed range {min} to {max}; choose a value in that range",
            readable(value)
        ));
    }
    Ok(value)
}

/// A number as a person reads it: 1e308 rather than three hundred digits.
fn readable(value: f64) -> String {
    let size = value.abs();
    if size != 0.0 && !(1e-4..1e9).contains(&size) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

fn suggestion(min: f64, max: f64) -> f64 {
    if min <= 1.0 && max >= 1.0 { 1.0 } else { min }
}

macro_rules! checked_f64 {
    ($($name:ident: $min:expr, $max:expr, $what:expr;)*) => {
        $(
            #[doc = concat!("Deserialises ", $what, " and checks its range.")]
            pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
                let v = f64::deserialize(d)?;
                in_range(v, $min, $max, $what).map_err(D::Error::custom)
            }
        )*
    };
}

// A challenge's goals (`crate::challenge::goals`): limits a run is held to.
checked_f64! {
    limit_kwh: 0.0, 1_000_000.0, "a limit in kWh";
    limit_kw: 0.0, 100_000.0, "a limit in kW";
    limit_kg: 0.0, 1_000_000.0, "a limit in kg";
    limit_hz: 40.0, 60.0, "a frequency in Hz";
    limit_pu: 0.5, 1.5, "a voltage in per unit";
    limit_percent: 0.0, 1_000.0, "a loading in percent";
    limit_percent_100: 0.0, 100.0, "a percentage";
    limit_eur: -10_000_000.0, 10_000_000.0, "a limit in EUR";
    limit_g_per_kwh: 0.0, 2_000.0, "a carbon intensity in g/kWh";
}

checked_f64! {
    latitude_deg: -90.0, 90.0, "latitude_deg (degrees north)";
    longitude_deg: -180.0, 180.0, "longitude_deg (degrees east)";
    utc_offset_hours: -14.0, 14.0, "utc_offset_hours";
    vm_pu: 0.8, 1.2, "vm_pu (grid voltage set point in per unit)";
    length_m: 0.1, 20_000.0, "length_m (cable length in metres)";
    coordinate_m: -100_000.0, 100_000.0, "a position coordinate (metres)";
    annual_kwh: 0.0, 1_000_000.0, "annual_kwh (yearly demand in kWh)";
    share: 0.0, 1.0, "a share (a fraction from 0 to 1)";
    kwp: 0.01, 10_000.0, "kwp (PV peak power in kW)";
    tilt_deg: 0.0, 90.0, "tilt_deg (panel tilt from horizontal, degrees)";
    azimuth_deg: 0.0, 360.0, "azimuth_deg (panel azimuth, 180 = south)";
    capacity_kwh: 0.1, 10_000.0, "capacity_kwh (storage energy in kWh)";
    power_kw: 0.1, 5_000.0, "power_kw (inverter or charger power in kW)";
    efficiency: 0.5, 1.0, "efficiency (one-way, 0.5 to 1)";
    ev_battery_kwh: 5.0, 250.0, "battery_kwh (EV battery in kWh)";
    kwh_per_km: 0.05, 1.0, "kwh_per_km (EV consumption)";
    daily_km: 0.0, 1_000.0, "daily_km (distance driven per day)";
    hub_height_m: 5.0, 200.0, "hub_height_m (turbine hub height)";
    wind_m_s: 0.0, 40.0, "a wind speed in m/s";
    height_m: 1.0, 200.0, "a measurement height in metres";
    shear_exponent: 0.0, 0.6, "shear_exponent (wind shear, 1/7 = 0.14 open land)";
    r_ohm_per_km: 0.0001, 100.0, "r_ohm_per_km";
    r0_ohm_per_km: 0.0001, 400.0, "r0_ohm_per_km (zero-sequence resistance)";
    x0_ohm_per_km: 0.0, 400.0, "x0_ohm_per_km (zero-sequence reactance)";
    c0_nf_per_km: 0.0, 10_000.0, "c0_nf_per_km (zero-sequence capacitance)";
    vk0_percent: 0.5, 30.0, "vk0_percent (zero-sequence short-circuit voltage)";
    mag0_percent: 1.0, 100_000.0, "mag0_percent (zero-sequence magnetising over short-circuit impedance)";
    mag0_rx: 0.0, 100.0, "mag0_rx (R/X of the zero-sequence magnetising impedance)";
    share_open: 0.01, 0.99, "si0_hv_partial (share of the zero-sequence impedance on the grid side)";
    s_sc_mva: 1.0, 100_000.0, "s_sc_mva (the grid's short-circuit power in MVA)";
    grid_ratio: 0.0, 10.0, "an R/X ratio of the grid (0 to 10)";
    grid_x0x: 0.1, 10.0, "x0x (the grid's X0/X, 0.1 to 10)";
    x_ohm_per_km: 0.0, 100.0, "x_ohm_per_km";
    c_nf_per_km: 0.0, 10_000.0, "c_nf_per_km";
    max_i_ka: 0.001, 10.0, "max_i_ka (current rating in kA)";
    sn_mva: 0.001, 100.0, "sn_mva (transformer rating in MVA)";
    vn_kv: 0.1, 400.0, "a rated voltage in kV";
    percent_0_100: 0.0, 100.0, "a percentage";
    vk_percent: 0.5, 30.0, "vk_percent (short-circuit voltage)";
    pfe_kw: 0.0, 1_000.0, "pfe_kw (iron losses in kW)";
    shift_degree: -360.0, 360.0, "shift_degree";
    power_factor: 0.5, 1.0, "power_factor (0.5 to 1)";
    spacing_m: 2.0, 500.0, "a spacing in metres";
    oktas: 0.0, 8.0, "cloud_oktas (cloud cover, 0 clear to 8 overcast)";
    fleet_cars: 1.0, 1000.0, "cars (cars in an EV fleet)";
    price_eur_per_kwh: -1.0, 100.0, "a price in EUR/kWh";
    island_hours: 0.0, 168.0, "island_for_hours (hours storage must carry an economic island)";
}

/// Range checks for optional numbers (`Some(x)` written as `x`, or left
/// out): the same names and ranges as the plain ones above.
pub mod optional {
    use serde::{Deserialize, Deserializer, de::Error};

    macro_rules! checked_option {
        ($($name:ident),* $(,)?) => {
            $(
                #[doc = concat!("[`super::", stringify!($name), "`], optional.")]
                pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
                    match Option::<f64>::deserialize(d)? {
                        Some(v) => super::$name(
                            serde::de::IntoDeserializer::<serde::de::value::Error>::into_deserializer(v),
                        )
                        .map(Some)
                        .map_err(D::Error::custom),
                        None => Ok(None),
                    }
                }
            )*
        };
    }

    checked_option!(
        annual_kwh,
        share,
        kwp,
        tilt_deg,
        azimuth_deg,
        capacity_kwh,
        power_kw,
        efficiency,
        ev_battery_kwh,
        daily_km,
        hub_height_m,
        length_m,
        oktas,
        wind_m_s,
        price_eur_per_kwh,
        r0_ohm_per_km,
        x0_ohm_per_km,
        c0_nf_per_km,
        vk0_percent,
        percent_0_100,
        mag0_percent,
        mag0_rx,
        share_open,
        s_sc_mva,
        grid_ratio,
        grid_x0x,
    );

    /// [`super::position`], optional.
    pub fn position<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(f64, f64)>, D::Error> {
        match Option::<(f64, f64)>::deserialize(d)? {
            Some(p) => super::check_position(p).map(Some).map_err(D::Error::custom),
            None => Ok(None),
        }
    }
}

checked_f64! {
    speed: 1.0, 3600.0, "a speed (simulated seconds per real second, 1 to 3600)";
    camera_distance_m: 5.0, 5_000.0, "distance_m (the camera's distance in metres)";
    yaw_deg: -720.0, 720.0, "yaw_deg (the camera's turn in degrees)";
    pitch_deg: 1.0, 89.0, "pitch_deg (the camera's angle above the horizon, 1 to 89 degrees)";
    wall_seconds: 0.0, 3600.0, "a time in seconds";
    voltage_pu: 0.8, 1.2, "a voltage in per unit";
}

fn check_position(p: (f64, f64)) -> Result<(f64, f64), String> {
    let what = "a position coordinate (metres)";
    Ok((
        in_range(p.0, -100_000.0, 100_000.0, what)?,
        in_range(p.1, -100_000.0, 100_000.0, what)?,
    ))
}

/// Deserialises a position (x, y) in metres and checks both coordinates.
pub fn position<'de, D: Deserializer<'de>>(d: D) -> Result<(f64, f64), D::Error> {
    check_position(<(f64, f64)>::deserialize(d)?).map_err(D::Error::custom)
}

/// Deserialises an hour of the day, 0 to 23.
pub fn hour<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let h = u32::deserialize(d)?;
    if h > 23 {
        return Err(D::Error::custom(format!(
            "an hour of the day is 0 to 23, found {h}"
        )));
    }
    Ok(h)
}

/// Deserialises a count (minutes, a tool's cap) of at most 1,000.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = u32::deserialize(d)?;
    if n > 1_000 {
        return Err(D::Error::custom(format!(
            "{n} is more than 1000; write a smaller number"
        )));
    }
    Ok(n)
}

/// Deserialises an optional budget in EUR and checks its range.
pub fn budget_eur<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    in_range(v, 0.0, 1e9, "budget_eur (EUR)")
        .map(Some)
        .map_err(D::Error::custom)
}

/// Writes a budget as the plain number [`budget_eur`] reads.
pub fn write_budget<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(v.unwrap_or(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_show_numbers_readably() {
        let e = in_range(1e308, -1.0, 100.0, "a price").expect_err("refused");
        assert!(e.contains("a price is 1e308, outside"), "{e}");
        let e = in_range(-3.0, 0.0, 1.0, "a share").expect_err("refused");
        assert!(e.contains("is -3, outside"), "{e}");
        assert_eq!(in_range(0.5, 0.0, 1.0, "a share"), Ok(0.5));
    }
}
