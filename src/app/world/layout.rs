//! Where things stand in the 3D scene: scenario metres (x east, y north) to
//! Bevy's world (y up, north along -z), bus positions for buses a scenario
//! leaves unplaced, and the extent the camera frames.

use bevy::math::Vec3;

use crate::scenario::Built;

/// The world point `height_m` above scenario position `p` (x east, y north).
pub fn to_world(p: [f64; 2], height_m: f32) -> Vec3 {
    Vec3::new(p[0] as f32, height_m, -(p[1] as f32))
}

/// A position for every bus: its own, else the mean of its devices', else
/// the mean of its placed neighbours' (repeated outwards), else the origin.
pub fn bus_positions(built: &Built) -> Vec<[f64; 2]> {
    let network = &built.network;
    let n = network.buses.len();
    let mut placed: Vec<Option<[f64; 2]>> = network.buses.iter().map(|b| b.position_m).collect();
    for (bus, slot) in placed.iter_mut().enumerate() {
        if slot.is_none() {
            *slot = mean(
                built
                    .devices
                    .iter()
                    .filter(|d| d.bus == bus)
                    .map(|d| d.position_m),
            );
        }
    }
    let mut edges: Vec<(usize, usize)> = network
        .lines
        .iter()
        .map(|l| (l.from_bus, l.to_bus))
        .collect();
    edges.push((network.transformer.hv_bus, network.transformer.lv_bus));
    for _ in 0..n {
        let missing: Vec<usize> = (0..n).filter(|&b| placed[b].is_none()).collect();
        if missing.is_empty() {
            break;
        }
        let mut progress = false;
        for bus in missing {
            let neighbours = edges.iter().filter_map(|&(a, b)| {
                if a == bus {
                    placed[b]
                } else if b == bus {
                    placed[a]
                } else {
                    None
                }
            });
            if let Some(p) = mean(neighbours) {
                // Beside, not on top of, the neighbour it was placed from.
                placed[bus] = Some([p[0] + 4.0, p[1] - 4.0]);
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    placed
        .into_iter()
        .map(|p| p.unwrap_or([0.0, 0.0]))
        .collect()
}

fn mean(points: impl Iterator<Item = [f64; 2]>) -> Option<[f64; 2]> {
    let (sum, count) = points.fold(([0.0, 0.0], 0usize), |(s, c), p| {
        ([s[0] + p[0], s[1] + p[1]], c + 1)
    });
    (count > 0).then(|| [sum[0] / count as f64, sum[1] / count as f64])
}

/// Centre and radius (metres) of everything placed: buses and devices.
pub fn extent(built: &Built, buses: &[[f64; 2]]) -> ([f64; 2], f64) {
    let points: Vec<[f64; 2]> = buses
        .iter()
        .copied()
        .chain(built.devices.iter().map(|d| d.position_m))
        .collect();
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in &points {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if points.is_empty() {
        return ([0.0, 0.0], 50.0);
    }
    let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let radius = ((hi[0] - lo[0]).hypot(hi[1] - lo[1]) / 2.0).max(30.0);
    (centre, radius)
}

/// Where `place` is on the ground, metres: a house or turbine, a bus, the
/// middle of a cable ("the cable A - B"), or the transformer.
pub fn place_position(built: &crate::scenario::Built, place: &str) -> Option<[f64; 2]> {
    let bus = |name: &str| {
        built
            .network
            .bus_index(name)
            .and_then(|b| built.network.buses[b].position_m)
    };
    if place == "the transformer" {
        return Some([0.0, 0.0]);
    }
    if let Some((a, b)) = place
        .strip_prefix("the cable ")
        .and_then(|c| c.split_once(" - "))
    {
        let (a, b) = (bus(a)?, bus(b)?);
        return Some([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]);
    }
    // A house or a turbine by its name, else a bus.
    let s = &built.scenario;
    s.houses
        .iter()
        .find(|h| h.name == place)
        .map(|h| h.position_m.xy())
        .or_else(|| {
            s.wind_turbines
                .iter()
                .find(|t| t.name == place)
                .map(|t| t.position_m.xy())
        })
        .or_else(|| bus(place))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_is_minus_z_and_east_is_plus_x() {
        assert_eq!(to_world([10.0, 20.0], 1.5), Vec3::new(10.0, 1.5, -20.0));
    }

    #[test]
    fn shipped_scenarios_place_every_bus_and_frame_them() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/default.scenario.ron");
        let built = crate::scenario::load_and_build(&path).expect("default scenario builds");
        let buses = bus_positions(&built);
        assert_eq!(buses.len(), built.network.buses.len());
        // The explicit positions are kept.
        let l10 = built.network.bus_index("L10").expect("bus L10");
        assert_eq!(buses[l10], [245.0, -8.0]);
        let (centre, radius) = extent(&built, &buses);
        assert!(radius > 100.0 && radius < 400.0, "{radius}");
        for p in &buses {
            assert!((p[0] - centre[0]).hypot(p[1] - centre[1]) <= radius + 1e-9);
        }
    }
}
