//! The panels' text helpers: numbers with units and signs, speeds, typed
//! numbers read back, file names, and whether a house has a kind of device.

use crate::lang::{Lang, num, tr};
use crate::scenario::DeviceKind;
use crate::tr;

pub(super) fn speed_label(speed: f64) -> String {
    match speed {
        s if s >= 3600.0 => tr!("bar.speed_h", n = num(s / 3600.0, 0)),
        s if s >= 60.0 => tr!("bar.speed_min", n = num(s / 60.0, 0)),
        s => tr!("bar.speed_s", n = num(s, 0)),
    }
}

/// A unit the panels write a number in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Kw,
    Percent,
    Pu,
    Hz,
    Volt,
    Ampere,
    Metre,
    MetrePerS,
    Eur,
}

/// A number already written, with its unit ("1,23 kW"), the unit as the
/// language writes it.
pub(super) fn with_unit(value: impl std::fmt::Display, unit: Unit) -> String {
    let template = match unit {
        Unit::Kw => tr("panel.unit_kw"),
        Unit::Percent => tr("panel.unit_percent"),
        Unit::Pu => tr("panel.unit_pu"),
        Unit::Hz => tr("panel.unit_hz"),
        Unit::Volt => tr("panel.unit_volt"),
        Unit::Ampere => tr("panel.unit_ampere"),
        Unit::Metre => tr("panel.unit_metre"),
        Unit::MetrePerS => tr("panel.unit_metre_per_s"),
        Unit::Eur => tr("panel.unit_eur"),
    };
    crate::lang::fill(template, &[("v", &value)])
}

/// `x` with `decimals` places and its unit.
pub(super) fn qty(x: f64, decimals: usize, unit: Unit) -> String {
    with_unit(num(x, decimals), unit)
}

/// `x` with `decimals` places and a sign ("+1,20", "-0,50"), the way
/// `{:+.2}` writes it.
pub(super) fn signed(x: f64, decimals: usize) -> String {
    let s = num(x, decimals);
    if !x.is_finite() || s.starts_with('-') {
        s
    } else {
        format!("+{s}")
    }
}

/// Reads a number typed into a slider in `lang`'s way: English groups
/// thousands with commas; German writes a decimal comma and groups with
/// points, though a German "1.5" with no comma reads as 1.5.
pub(super) fn parse_number(lang: Lang, text: &str) -> Option<f64> {
    let t = text.trim();
    let plain = match lang {
        Lang::En => t.replace(',', ""),
        Lang::De | Lang::Pseudo if t.contains(',') => t.replace('.', "").replace(',', "."),
        Lang::De | Lang::Pseudo => t.to_owned(),
    };
    plain.parse().ok()
}

pub(super) fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

pub(super) fn has_device(
    built: &crate::scenario::Built,
    house: usize,
    kind: impl Fn(&DeviceKind) -> bool,
) -> bool {
    built
        .devices
        .iter()
        .any(|d| d.house == Some(house) && kind(&d.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbers_read_the_languages_way() {
        assert_eq!(parse_number(Lang::En, "1,234.5"), Some(1234.5));
        assert_eq!(parse_number(Lang::De, "1.234,5"), Some(1234.5));
        assert_eq!(parse_number(Lang::De, " 0,75 "), Some(0.75));
        assert_eq!(parse_number(Lang::De, "1.5"), Some(1.5));
        assert_eq!(parse_number(Lang::En, "x"), None);
    }

    #[test]
    fn signed_numbers_keep_their_plus() {
        assert_eq!(signed(1.234, 2).replace(',', "."), "+1.23");
        assert_eq!(signed(0.0, 0), "+0");
        assert!(signed(-2.0, 1).starts_with('-'));
    }
}
