//! Where the town's scenery goes, so that a scenario looks like a place:
//! each house's design, a garden behind it with a hedge and a tree, trees
//! round the edge of the neighbourhood, and street lights along the
//! streets. Pure geometry on the built neighbourhood and its seed, in
//! scenario metres (x east, y north); no Bevy types. The same scenario
//! always gives the same town.

use std::collections::HashMap;

use crate::scenario::Built;

/// House designs: a roof colour and what the house has besides its body.
pub const DESIGNS: usize = 6;
/// Wall colours.
pub const WALLS: usize = 6;
/// Roof colours.
pub const ROOFS: usize = 4;

/// Most trees, hedges and lamps a town gets (the 1,000-house town stays
/// within them; a larger one gets fewer per house).
const MOST_TREES: usize = 3000;
const MOST_LAMPS: usize = 2500;

/// A house body's half extents, m (as drawn: 10 m east-west, 8 m north-south).
const HOUSE_HALF: [f64; 2] = [5.0, 4.0];
/// A garden behind a house: its width along the street and its depth, m.
const GARDEN: [f64; 2] = [11.0, 10.0];
/// Nothing stands closer to a street's centre line than this, m (the
/// street is 5 m wide).
const CLEAR_OF_STREET_M: f64 = 3.5;
/// Street lights stand this far apart along a street, m.
const LAMP_PITCH_M: f64 = 28.0;

/// How a house looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseStyle {
    /// One of [`DESIGNS`].
    pub design: usize,
    /// Wall colour, one of [`WALLS`].
    pub wall: usize,
    /// Roof colour, one of [`ROOFS`].
    pub roof: usize,
    /// A chimney on the north slope.
    pub chimney: bool,
    /// A carport over the parking place beside it.
    pub carport: bool,
    /// A dormer on the north slope (the south one is for PV).
    pub dormer: bool,
}

impl HouseStyle {
    /// Design `design` with wall colour `wall`.
    pub fn of(design: usize, wall: usize) -> Self {
        let design = design % DESIGNS;
        // Roof colour, chimney, carport, dormer.
        let (roof, chimney, carport, dormer) = [
            (0, true, false, false),
            (1, false, true, false),
            (2, true, false, true),
            (3, true, true, false),
            (0, false, false, true),
            (1, false, false, false),
        ][design];
        Self {
            design,
            wall: wall % WALLS,
            roof,
            chimney,
            carport,
            dormer,
        }
    }
}

/// Kinds of tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKind {
    /// A round crown (lime, oak).
    Broadleaf,
    /// A cone (spruce).
    Conifer,
    /// A slim white trunk and a small crown.
    Birch,
}

/// A tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tree {
    /// Where it stands, m.
    pub at: [f64; 2],
    /// Its kind.
    pub kind: TreeKind,
    /// Its height, m.
    pub height_m: f64,
}

/// A hedge, a straight run between two points, m.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hedge {
    /// One end.
    pub from: [f64; 2],
    /// The other.
    pub to: [f64; 2],
}

/// A street light and the house nearest to it (it goes dark with that
/// house when the island sheds its stage).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lamp {
    /// Where it stands, m.
    pub at: [f64; 2],
    /// The nearest house, by index.
    pub house: Option<usize>,
}

/// The town round a neighbourhood.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scenery {
    /// Each house's look, in house order.
    pub styles: Vec<HouseStyle>,
    /// Trees.
    pub trees: Vec<Tree>,
    /// Hedges round the gardens.
    pub hedges: Vec<Hedge>,
    /// Street lights.
    pub lamps: Vec<Lamp>,
}

/// A small deterministic hash of a seed and two numbers, in [0, 1): the
/// town's scatter, the same every run.
pub fn unit(seed: u64, a: u64, b: u64) -> f64 {
    let mut x =
        seed ^ a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The point `t` of the way from `a` to `b`.
fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
}

/// The point of the segment `a`-`b` nearest to `p`.
fn nearest_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    if len2 <= 0.0 {
        return a;
    }
    let t = ((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2;
    lerp(a, b, t.clamp(0.0, 1.0))
}

/// Distance from `p` to the segment `a`-`b`, m.
pub fn to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    dist(p, nearest_on_segment(p, a, b))
}

/// Points in buckets of a square grid, for "is anything within r of p".
#[derive(Clone)]
struct Grid {
    cell: f64,
    cells: HashMap<(i64, i64), Vec<([f64; 2], f64)>>,
}

impl Grid {
    fn new(cell: f64) -> Self {
        Self {
            cell,
            cells: HashMap::new(),
        }
    }

    fn key(&self, p: [f64; 2]) -> (i64, i64) {
        (
            (p[0] / self.cell).floor() as i64,
            (p[1] / self.cell).floor() as i64,
        )
    }

    /// Adds a point that keeps `radius` clear round it.
    fn add(&mut self, p: [f64; 2], radius: f64) {
        let k = self.key(p);
        self.cells.entry(k).or_default().push((p, radius));
    }

    /// Whether a thing of `radius` at `p` would come too close to one already there.
    fn crowded(&self, p: [f64; 2], radius: f64) -> bool {
        let (kx, ky) = self.key(p);
        (-2..=2).any(|dx| {
            (-2..=2).any(|dy| {
                self.cells
                    .get(&(kx + dx, ky + dy))
                    .is_some_and(|points| points.iter().any(|&(q, r)| dist(p, q) < r + radius))
            })
        })
    }
}

/// The streets as segments, m.
fn streets(built: &Built, buses: &[[f64; 2]]) -> Vec<([f64; 2], [f64; 2])> {
    built
        .network
        .lines
        .iter()
        .filter_map(|l| Some((*buses.get(l.from_bus)?, *buses.get(l.to_bus)?)))
        .filter(|(a, b)| dist(*a, *b) > 0.1)
        .collect()
}

/// What keeps clear: the streets (sampled every 2 m) and the grid link.
fn obstacles(segments: &[([f64; 2], [f64; 2])], cell: f64) -> Grid {
    let mut grid = Grid::new(cell);
    for &(a, b) in segments {
        let n = (dist(a, b) / 2.0).ceil().max(1.0) as usize;
        for k in 0..=n {
            let t = k as f64 / n as f64;
            grid.add(lerp(a, b, t), CLEAR_OF_STREET_M);
        }
    }
    grid
}

/// The nearest point of any street to `p`, if there is a street.
fn nearest_street_point(segments: &[([f64; 2], [f64; 2])], p: [f64; 2]) -> Option<[f64; 2]> {
    segments
        .iter()
        .map(|&(a, b)| nearest_on_segment(p, a, b))
        .min_by(|x, y| dist(p, *x).total_cmp(&dist(p, *y)))
}

/// The streets as segments, and the grid of what keeps clear of them.
struct Streets {
    segments: Vec<([f64; 2], [f64; 2])>,
    clear: Grid,
}

/// The town round `built`: `buses` are the buses as drawn
/// ([`crate::app::world::layout::bus_positions`]), `link` the grid link's
/// two ends (kept clear), `turbines` where the turbines stand.
pub fn scenery(
    built: &Built,
    buses: &[[f64; 2]],
    link: ([f64; 2], [f64; 2]),
    turbines: &[[f64; 2]],
) -> Scenery {
    let seed = built.scenario.seed;
    let houses: Vec<[f64; 2]> = built
        .scenario
        .houses
        .iter()
        .map(|h| h.position_m.xy())
        .collect();
    let styles = (0..houses.len() as u64)
        .map(|h| {
            HouseStyle::of(
                (unit(seed, h, 1) * DESIGNS as f64) as usize,
                (unit(seed, h, 2) * WALLS as f64) as usize,
            )
        })
        .collect();
    let segments = streets(built, buses);
    let streets = Streets {
        clear: obstacles(&segments, 12.0),
        segments,
    };
    let mut taken = streets.clear.clone();
    // The grid link's line out of the neighbourhood, and the turbines.
    let n = (dist(link.0, link.1) / 3.0).ceil().clamp(1.0, 2000.0) as usize;
    for k in 0..=n {
        let t = k as f64 / n as f64;
        taken.add(lerp(link.0, link.1, t), 5.0);
    }
    for &t in turbines {
        taken.add(t, 12.0);
    }
    // Houses with their footprint and the parking beside them.
    for &p in &houses {
        taken.add(p, 7.5);
    }
    let mut out = Scenery {
        styles,
        ..Scenery::default()
    };
    gardens(&mut out, &houses, &streets, &mut taken, seed);
    lamps(&mut out, &houses, &streets, &mut taken);
    edge_trees(&mut out, &houses, &mut taken, seed);
    out
}

/// A garden behind each house (away from its street): a hedge round its
/// three far sides and a tree in it, where they keep clear of the streets.
fn gardens(out: &mut Scenery, houses: &[[f64; 2]], streets: &Streets, taken: &mut Grid, seed: u64) {
    for (h, &p) in houses.iter().enumerate() {
        let Some(s) = nearest_street_point(&streets.segments, p) else {
            continue;
        };
        // Behind: along the axis on which the street is farther away.
        let away = [p[0] - s[0], p[1] - s[1]];
        let (axis, sign) = if away[1].abs() >= away[0].abs() {
            (1, away[1].signum())
        } else {
            (0, away[0].signum())
        };
        let across = 1 - axis;
        let half_w = GARDEN[0] / 2.0;
        let near = HOUSE_HALF[axis] + 0.5;
        let far = HOUSE_HALF[axis] + GARDEN[1];
        let corner = |along: f64, out_m: f64| {
            let mut c = p;
            c[across] += along;
            c[axis] += sign * out_m;
            c
        };
        let (a, b, c, d) = (
            corner(-half_w, near),
            corner(-half_w, far),
            corner(half_w, far),
            corner(half_w, near),
        );
        for (from, to) in [(a, b), (b, c), (c, d)] {
            let clear = (0..=8).all(|k| {
                !streets
                    .clear
                    .crowded(lerp(from, to, f64::from(k) / 8.0), 0.5)
            });
            if clear && out.hedges.len() < 3 * MOST_TREES {
                out.hedges.push(Hedge { from, to });
            }
        }
        // The garden's tree, off its middle.
        let jitter = unit(seed, h as u64, 3) * 4.0 - 2.0;
        let at = corner(jitter, HOUSE_HALF[axis] + GARDEN[1] * 0.6);
        if out.trees.len() < MOST_TREES && !taken.crowded(at, 2.0) {
            out.trees.push(Tree {
                at,
                kind: tree_kind(unit(seed, h as u64, 4)),
                height_m: 6.0 + unit(seed, h as u64, 5) * 5.0,
            });
            taken.add(at, 2.5);
        }
    }
}

fn tree_kind(u: f64) -> TreeKind {
    match (u * 3.0) as usize {
        0 => TreeKind::Broadleaf,
        1 => TreeKind::Conifer,
        _ => TreeKind::Birch,
    }
}

/// Street lights along each street, alternating sides, clear of houses and
/// of each other; each with its nearest house.
fn lamps(out: &mut Scenery, houses: &[[f64; 2]], streets: &Streets, taken: &mut Grid) {
    let mut placed = Grid::new(12.0);
    for (k, &(a, b)) in streets.segments.iter().enumerate() {
        let length = dist(a, b);
        let along = [(b[0] - a[0]) / length, (b[1] - a[1]) / length];
        let side = [-along[1], along[0]];
        // Candidates every 7 m; a lamp goes where none stands within most
        // of a pitch, so short segments along one street share the spacing.
        let count = (length / 7.0).ceil().max(1.0) as usize;
        for j in 0..count {
            if out.lamps.len() >= MOST_LAMPS {
                return;
            }
            let s = (j as f64 + 0.5) * length / count as f64;
            let flip = if (out.lamps.len() + k).is_multiple_of(2) {
                1.0
            } else {
                -1.0
            };
            let at = [
                a[0] + along[0] * s + side[0] * 3.2 * flip,
                a[1] + along[1] * s + side[1] * 3.2 * flip,
            ];
            // Beside this street, not on another (at a junction).
            let on_a_street = streets.clear.crowded(at, -0.6);
            let near_house = houses.iter().any(|&h| dist(h, at) < 7.0);
            if on_a_street || near_house || placed.crowded(at, LAMP_PITCH_M / 2.0) {
                continue;
            }
            placed.add(at, LAMP_PITCH_M / 2.0 * 0.8);
            taken.add(at, 1.0);
            let house = houses
                .iter()
                .enumerate()
                .min_by(|x, y| dist(*x.1, at).total_cmp(&dist(*y.1, at)))
                .map(|(i, _)| i);
            out.lamps.push(Lamp { at, house });
        }
    }
}

/// Trees scattered round the edge of the neighbourhood and between its
/// streets, clear of everything else.
fn edge_trees(out: &mut Scenery, houses: &[[f64; 2]], taken: &mut Grid, seed: u64) {
    if houses.is_empty() {
        return;
    }
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in houses {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let margin = 60.0;
    let wanted = (houses.len() / 2 + 30).min(MOST_TREES.saturating_sub(out.trees.len()));
    // A bounded number of tries.
    let mut added = 0;
    for k in 0..(wanted as u64 * 8) {
        if out.trees.len() >= MOST_TREES || added >= wanted {
            break;
        }
        let at = [
            lo[0] - margin + unit(seed, k, 10) * (hi[0] - lo[0] + 2.0 * margin),
            lo[1] - margin + unit(seed, k, 11) * (hi[1] - lo[1] + 2.0 * margin),
        ];
        if taken.crowded(at, 3.0) {
            continue;
        }
        taken.add(at, 3.0);
        out.trees.push(Tree {
            at,
            kind: tree_kind(unit(seed, k, 12)),
            height_m: 7.0 + unit(seed, k, 13) * 7.0,
        });
        added += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn town(file: &str) -> (Built, Scenery, Vec<([f64; 2], [f64; 2])>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let built = crate::scenario::load_and_build(&path).expect("builds");
        let buses = crate::app::world::layout::bus_positions(&built);
        let segments = streets(&built, &buses);
        let s = scenery(&built, &buses, ([0.0, 0.0], [0.0, -300.0]), &[]);
        (built, s, segments)
    }

    #[test]
    fn the_scenery_keeps_off_the_streets_and_the_houses() {
        for file in [
            "scenes/default.scenario.ron",
            "scenes/town-1000.scenario.ron",
        ] {
            let (built, s, segments) = town(file);
            let houses: Vec<[f64; 2]> = built
                .scenario
                .houses
                .iter()
                .map(|h| h.position_m.xy())
                .collect();
            let off_streets =
                |p: [f64; 2], m: f64| segments.iter().all(|&(a, b)| to_segment(p, a, b) >= m);
            // Trees and lamps: off the streets (by `street_m`) and out of the houses.
            let stands_clear = |at: [f64; 2], street_m: f64, what: &str| {
                assert!(
                    off_streets(at, street_m),
                    "{file}: {what} on a street at {at:?}"
                );
                assert!(
                    houses.iter().all(|&h| dist(h, at) >= 7.0),
                    "{file}: {what} in a house at {at:?}"
                );
            };
            for t in &s.trees {
                stands_clear(t.at, 3.0, "tree");
            }
            for l in &s.lamps {
                stands_clear(l.at, 2.5, "lamp");
            }
            for hedge in &s.hedges {
                assert!(
                    off_streets(hedge.from, 2.5) && off_streets(hedge.to, 2.5),
                    "{file}: {hedge:?}"
                );
            }
            assert_eq!(s.styles.len(), houses.len());
            assert!(
                s.trees.len() > houses.len() / 2,
                "{file}: {} trees",
                s.trees.len()
            );
            assert!(
                s.lamps.len() > houses.len() / 10,
                "{file}: {} lamps",
                s.lamps.len()
            );
            assert!(s.trees.len() <= MOST_TREES && s.lamps.len() <= MOST_LAMPS);
        }
    }

    #[test]
    fn a_town_is_the_same_every_time_and_its_houses_differ() {
        let (_, a, _) = town("scenes/default.scenario.ron");
        let (_, b, _) = town("scenes/default.scenario.ron");
        assert_eq!(a, b);
        let designs: std::collections::HashSet<usize> = a.styles.iter().map(|s| s.design).collect();
        assert!(designs.len() >= 4, "{designs:?}");
        let (_, town, _) = town("scenes/town-1000.scenario.ron");
        let designs: std::collections::HashSet<usize> =
            town.styles.iter().map(|s| s.design).collect();
        assert_eq!(designs.len(), DESIGNS);
        let kinds: std::collections::HashSet<_> =
            town.trees.iter().map(|t| format!("{:?}", t.kind)).collect();
        assert_eq!(kinds.len(), 3);
    }
}
