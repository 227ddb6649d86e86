//! The shipped scenarios load, expand deterministically and round-trip.

use crate::common::{SMALL, built, fixture, repo};
use microgrid::scenario::{self, DeviceKind, Scenario};

#[test]
fn every_shipped_scenario_builds() {
    let mut count = 0;
    for entry in std::fs::read_dir(repo("scenes")).expect("scenes/ exists") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().ends_with(".scenario.ron") {
            let name = format!(
                "scenes/{}",
                path.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
            );
            let b = built(&name);
            // The empty street is empty on purpose: a class builds on it.
            let empty = name.ends_with("empty-street.scenario.ron");
            assert_eq!(
                b.house_count() == 0,
                empty,
                "{name}: {} houses",
                b.house_count()
            );
            count += 1;
        }
    }
    assert!(
        count >= 3,
        "expected at least three shipped scenarios, found {count}"
    );
}

#[test]
fn default_neighbourhood_has_what_the_issue_asks_for() {
    let b = built("scenes/default.scenario.ron");
    let kinds = |f: fn(&DeviceKind) -> bool| b.devices.iter().filter(|d| f(&d.kind)).count();
    assert!(
        (20..=30).contains(&b.house_count()),
        "{} houses",
        b.house_count()
    );
    assert!((2..=3).contains(&b.scenario.feeders.len()));
    assert!(kinds(|k| matches!(k, DeviceKind::Pv(_))) >= 10);
    assert!((1..=2).contains(&kinds(|k| matches!(k, DeviceKind::Wind { .. }))));
    assert!(kinds(|k| matches!(k, DeviceKind::Battery(_))) >= 4);
    assert!(kinds(|k| matches!(k, DeviceKind::Ev(_))) >= 4);
    assert!(b.summary().contains("24 houses"), "{}", b.summary());
}

#[test]
fn kerber_dorfnetz_is_pandapowers_network() {
    let b = built("scenes/kerber-dorfnetz.scenario.ron");
    let pp = fixture("kerber_dorfnetz.json");
    let net = &b.network;
    assert_eq!(b.house_count(), 57);
    assert_eq!(net.buses.len(), pp.bus.len());
    assert_eq!(net.buses.len(), 116);
    assert_eq!(net.lines.len(), pp.line.len());
    assert!((net.total_line_length_km() - 3.412).abs() < 1e-9);
    for (mine, theirs) in net.lines.iter().zip(&pp.line) {
        assert_eq!(
            (mine.from_bus, mine.to_bus),
            (theirs.from_bus, theirs.to_bus),
            "{}",
            theirs.name
        );
        assert_eq!(mine.cable_name, theirs.std_type);
        assert!((mine.length_km - theirs.length_km).abs() < 1e-12);
        assert!((mine.cable.r_ohm_per_km - theirs.r_ohm_per_km).abs() < 1e-12);
        assert!((mine.cable.x_ohm_per_km - theirs.x_ohm_per_km).abs() < 1e-12);
        assert!((mine.cable.c_nf_per_km - theirs.c_nf_per_km).abs() < 1e-9);
        assert!((mine.cable.max_i_ka - theirs.max_i_ka).abs() < 1e-12);
    }
    let t = &net.transformer.params;
    let tp = &pp.trafo[0];
    assert_eq!(net.transformer.type_name, tp.std_type);
    for (a, b) in [
        (t.sn_mva, tp.sn_mva),
        (t.vk_percent, tp.vk_percent),
        (t.vkr_percent, tp.vkr_percent),
        (t.pfe_kw, tp.pfe_kw),
        (t.i0_percent, tp.i0_percent),
        (t.shift_degree, tp.shift_degree),
    ] {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let load_buses: Vec<usize> = pp.load.iter().map(|l| l.bus).collect();
    let house_buses: Vec<usize> = b
        .devices
        .iter()
        .filter(|d| matches!(d.kind, DeviceKind::Household { .. }))
        .map(|d| d.bus)
        .collect();
    assert_eq!(load_buses, house_buses);
}

#[test]
fn the_town_expands_deterministically_from_its_seed() {
    let b = built("scenes/town-1000.scenario.ron");
    assert_eq!(b.house_count(), 1000);
    assert_eq!(b.network.buses.len(), 2002);
    let again = built("scenes/town-1000.scenario.ron");
    assert_eq!(b.scenario, again.scenario);
    let (mut parsed, text) = scenario::load(&repo("scenes/town-1000.scenario.ron")).expect("loads");
    parsed.seed += 1;
    let other = scenario::build(&parsed, "town", &text).expect("builds");
    assert_ne!(
        b.scenario.houses, other.scenario.houses,
        "a different seed must give a different town"
    );
    let pv = b
        .devices
        .iter()
        .filter(|d| matches!(d.kind, DeviceKind::Pv(_)))
        .count();
    assert!(
        (400..=500).contains(&pv),
        "{pv} PV roofs for a 45 % share of 1000"
    );
}

#[test]
fn scenarios_round_trip_through_ron() {
    for name in [
        "scenes/default.scenario.ron",
        "scenes/kerber-dorfnetz.scenario.ron",
        "scenes/town-1000.scenario.ron",
        "scenes/default-unbalanced.scenario.ron",
        "tests/fixtures/default-ynyn.scenario.ron",
    ] {
        let (parsed, _) = scenario::load(&repo(name)).expect("loads");
        let text = ron::ser::to_string_pretty(&parsed, ron::ser::PrettyConfig::default())
            .expect("serialises");
        let again: Scenario =
            scenario::parse(&text, name).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(parsed, again, "{name}");
    }
    let small = scenario::parse(SMALL, "small").expect("parses");
    let text = ron::ser::to_string(&small).expect("serialises");
    assert_eq!(scenario::parse(&text, "small").expect("parses"), small);
}

#[test]
fn the_readme_example_scenario_is_valid() {
    let readme =
        std::fs::read_to_string(repo("docs/scenario-format.md")).expect("docs/scenario-format.md");
    let start = readme
        .find("```ron\nScenario(")
        .expect("an annotated example")
        + "```ron\n".len();
    let end = start + readme[start..].find("```").expect("closed block");
    let text = &readme[start..end];
    let b = crate::common::build_text(text, "docs/scenario-format.md example");
    assert_eq!(b.house_count(), 2);
    assert_eq!(b.scenario.events.len(), 5);
}
