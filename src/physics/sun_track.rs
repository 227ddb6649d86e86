//! The sun's path for a simulation that steps through time: SPA on the
//! hour, interpolated between.
//!
//! A full SPA evaluation sums about 200 periodic terms (the Earth's
//! heliocentric position and the nutation) and took 39 % of a simulated
//! year. Those terms move the sun's equatorial coordinates slowly, so the
//! track computes SPA exactly at whole hours, turns each result into the
//! topocentric hour angle H' and declination d' seen from the place (both
//! smooth: H' turns about 15 degrees an hour, d' moves by hundredths of a
//! degree), interpolates them with a cubic through the four whole hours
//! around the time, and finishes with SPA's own last two steps (zenith and
//! azimuth from H', d' and the latitude, eq. 42-46 of Reda and Andreas
//! 2008). SPA's appendix A.2 interpolates the sun's right ascension and
//! declination between days in the same spirit. The track stays within
//! 1e-6 degrees of SPA at every minute of a year (a test holds it to that);
//! SPA itself is stated to 3e-4 degrees.

use chrono::{Duration, NaiveDateTime, Timelike};

use super::solar::{SunPosition, sun_position};

/// Where the sun is seen from: a place and its clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observer {
    /// Local clock's offset from UTC, hours.
    pub utc_offset_hours: f64,
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
}

/// The sun's topocentric hour angle and declination at four whole hours.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Nodes {
    /// The whole hour the interpolation runs from (the second node).
    hour: NaiveDateTime,
    /// Hour angle at `hour - 1 h`, `hour`, `hour + 1 h`, `hour + 2 h`,
    /// degrees, each as SPA gives it (-180 to 180).
    hour_angle_deg: [f64; 4],
    /// Declination at the same hours, degrees.
    declination_deg: [f64; 4],
}

/// SPA's sun, computed exactly on the hour and interpolated between (see
/// the module's notes). Asking for times in order costs one SPA evaluation
/// an hour; any other time costs four.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SunTrack {
    cached: Option<(Observer, Nodes)>,
}

impl SunTrack {
    /// The sun for `observer` at local clock time `local`; `None` where SPA
    /// has none (years outside -2000..6000).
    pub fn at(&mut self, observer: Observer, local: NaiveDateTime) -> Option<SunPosition> {
        let hour = local.with_minute(0)?.with_second(0)?.with_nanosecond(0)?;
        let nodes = match self.cached {
            Some((o, n)) if o == observer && n.hour == hour => n,
            Some((o, n)) if o == observer && n.hour + Duration::hours(1) == hour => {
                next_nodes(observer, &n)?
            }
            _ => nodes_at(observer, hour)?,
        };
        self.cached = Some((observer, nodes));
        let t = (local - hour).num_milliseconds() as f64 / 3_600_000.0;
        let h = nodes.hour_angle_deg[1] + cubic(&turned_from_hour(&nodes.hour_angle_deg), t);
        let d = cubic(&nodes.declination_deg, t);
        Some(position(observer.latitude_deg, h, d))
    }
}

/// The nodes around `hour`, each by SPA.
fn nodes_at(observer: Observer, hour: NaiveDateTime) -> Option<Nodes> {
    let mut hour_angle_deg = [0.0; 4];
    let mut declination_deg = [0.0; 4];
    for (k, offset) in (-1..=2).enumerate() {
        let (h, d) = equatorial(observer, hour + Duration::hours(offset))?;
        hour_angle_deg[k] = h;
        declination_deg[k] = d;
    }
    Some(Nodes {
        hour,
        hour_angle_deg,
        declination_deg,
    })
}

/// The nodes an hour after `nodes`: three kept, one new SPA evaluation.
fn next_nodes(observer: Observer, nodes: &Nodes) -> Option<Nodes> {
    let hour = nodes.hour + Duration::hours(1);
    let (h, d) = equatorial(observer, hour + Duration::hours(2))?;
    let [_, h1, h2, h3] = nodes.hour_angle_deg;
    let [_, d1, d2, d3] = nodes.declination_deg;
    Some(Nodes {
        hour,
        hour_angle_deg: [h1, h2, h3, h],
        declination_deg: [d1, d2, d3, d],
    })
}

/// Each node's hour angle less the whole hour's, degrees, taken the short
/// way round (the sun turns about 15 degrees an hour, so the nodes are
/// about -15, 0, 15 and 30 degrees from it). The same nodes give the same
/// numbers however the track reached them.
fn turned_from_hour(hour_angle_deg: &[f64; 4]) -> [f64; 4] {
    hour_angle_deg.map(|h| (h - hour_angle_deg[1] + 180.0).rem_euclid(360.0) - 180.0)
}

/// The cubic through `y` at -1, 0, 1, 2, at `t` (0 to 1 between the middle two).
fn cubic(y: &[f64; 4], t: f64) -> f64 {
    let [a, b, c, d] = *y;
    let (tp, tm, tm2) = (t + 1.0, t - 1.0, t - 2.0);
    -a * t * tm * tm2 / 6.0 + b * tp * tm * tm2 / 2.0 - c * tp * t * tm2 / 2.0
        + d * tp * t * tm / 6.0
}

/// SPA's sun at `local`, as its topocentric hour angle and declination,
/// degrees: the zenith-azimuth direction turned back about the latitude.
fn equatorial(observer: Observer, local: NaiveDateTime) -> Option<(f64, f64)> {
    let sun = sun_position(
        local,
        observer.utc_offset_hours,
        observer.latitude_deg,
        observer.longitude_deg,
    )?;
    let (sin_z, cos_z) = sun.zenith_deg.to_radians().sin_cos();
    let (sin_a, cos_a) = sun.azimuth_deg.to_radians().sin_cos();
    let (sin_phi, cos_phi) = observer.latitude_deg.to_radians().sin_cos();
    let (up, north, west) = (cos_z, sin_z * cos_a, -sin_z * sin_a);
    let toward_meridian = up * cos_phi - north * sin_phi;
    let toward_pole = up * sin_phi + north * cos_phi;
    Some((
        west.atan2(toward_meridian).to_degrees(),
        toward_pole.atan2(west.hypot(toward_meridian)).to_degrees(),
    ))
}

/// Zenith and azimuth from the topocentric hour angle and declination
/// (SPA's eq. 42-46 without refraction).
fn position(latitude_deg: f64, hour_angle_deg: f64, declination_deg: f64) -> SunPosition {
    let (sin_phi, cos_phi) = latitude_deg.to_radians().sin_cos();
    let (sin_d, cos_d) = declination_deg.to_radians().sin_cos();
    let (sin_h, cos_h) = hour_angle_deg.to_radians().sin_cos();
    let cos_zenith = (sin_phi * sin_d + cos_phi * cos_d * cos_h).clamp(-1.0, 1.0);
    let azimuth = 180.0
        + sin_h
            .atan2(cos_h * sin_phi - sin_d / cos_d * cos_phi)
            .to_degrees();
    SunPosition {
        zenith_deg: cos_zenith.acos().to_degrees(),
        azimuth_deg: azimuth.rem_euclid(360.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn angle_apart(a: f64, b: f64) -> f64 {
        let d = (a - b).rem_euclid(360.0);
        d.min(360.0 - d)
    }

    /// Every `every_min` minutes of a year, the track against SPA: the
    /// largest zenith and azimuth differences (azimuth only where the sun
    /// is not within a degree of the zenith, where azimuth has no meaning).
    fn largest_differences(observer: Observer, every_min: i64) -> (f64, f64) {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("valid");
        let mut track = SunTrack::default();
        let (mut zenith, mut azimuth) = (0.0f64, 0.0f64);
        for k in 0..(366 * 24 * 60 / every_min) {
            let t = start + Duration::minutes(k * every_min);
            let exact = sun_position(
                t,
                observer.utc_offset_hours,
                observer.latitude_deg,
                observer.longitude_deg,
            )
            .expect("in range");
            let tracked = track.at(observer, t).expect("in range");
            zenith = zenith.max((exact.zenith_deg - tracked.zenith_deg).abs());
            if exact.zenith_deg > 1.0 {
                azimuth = azimuth.max(angle_apart(exact.azimuth_deg, tracked.azimuth_deg));
            }
        }
        (zenith, azimuth)
    }

    #[test]
    fn the_track_keeps_within_a_millionth_of_a_degree_of_spa_all_year() {
        for observer in [
            // Berlin, a place south of the equator, and one past the Arctic circle.
            Observer {
                utc_offset_hours: 1.0,
                latitude_deg: 52.52,
                longitude_deg: 13.40,
            },
            Observer {
                utc_offset_hours: 10.0,
                latitude_deg: -33.87,
                longitude_deg: 151.21,
            },
            Observer {
                utc_offset_hours: 1.0,
                latitude_deg: 69.65,
                longitude_deg: 18.96,
            },
        ] {
            let (zenith, azimuth) = largest_differences(observer, 7);
            assert!(zenith < 1e-6, "{observer:?}: zenith {zenith:e} degrees");
            assert!(azimuth < 1e-6, "{observer:?}: azimuth {azimuth:e} degrees");
        }
    }

    #[test]
    fn a_time_out_of_order_gives_the_same_sun_as_in_order() {
        let observer = Observer {
            utc_offset_hours: 1.0,
            latitude_deg: 52.52,
            longitude_deg: 13.40,
        };
        let t = NaiveDate::from_ymd_opt(2025, 6, 21)
            .and_then(|d| d.and_hms_opt(13, 37, 0))
            .expect("valid");
        let mut walked = SunTrack::default();
        for m in 0..=120 {
            walked.at(observer, t - Duration::minutes(120 - m));
        }
        let in_order = walked.at(observer, t);
        let jumped = SunTrack::default().at(observer, t);
        assert_eq!(in_order, jumped);
        // Another place at the same time is not the cached one.
        let other = Observer {
            latitude_deg: 40.0,
            ..observer
        };
        assert_ne!(walked.at(other, t), in_order);
    }
}
