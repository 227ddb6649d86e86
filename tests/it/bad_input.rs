//! Every class of bad scenario input gets one clear, located error and no panic.

use std::io::Write;

use crate::common::{SMALL, errors_of};
use microgrid::scenario;

/// Replaces `from` by `to` in the small scenario and returns the errors.
fn break_small(from: &str, to: &str) -> (String, Vec<String>) {
    assert!(SMALL.contains(from), "{from:?} not in SMALL");
    let text = SMALL.replacen(from, to, 1);
    let errors = errors_of(&text);
    (text, errors)
}

/// Asserts exactly one error, located on `needle`'s line and at a column
/// within it (where the value starts or just after it ends, as the parser
/// reports it), mentioning every word in `words`.
fn assert_one_error_at(errors: &[String], text: &str, needle: &str, words: &[&str]) {
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    let e = &errors[0];
    assert!(e.starts_with("test.scenario.ron:"), "{e:?}");
    crate::common::assert_located(e, "test.scenario.ron", text, needle);
    for w in words {
        assert!(e.contains(w), "error {e:?} does not mention {w:?}");
    }
}

#[test]
fn the_small_scenario_is_valid() {
    assert_eq!(errors_of(SMALL), Vec::<String>::new());
}

#[test]
fn syntax_error_is_located() {
    let (text, errors) = break_small(
        "(name: \"A\"), (name: \"B\")",
        "(name: \"A\") (name: \"B\")",
    );
    assert_one_error_at(&errors, &text, "(name: \"A\") (name", &[]);
}

#[test]
fn unknown_field_is_named_and_located() {
    let (text, errors) = break_small("annual_kwh: 4000", "annual_kwh: 4000, colour: \"red\"");
    assert_one_error_at(&errors, &text, "colour", &["colour", "spelling"]);
}

#[test]
fn wrong_type_is_located() {
    let (text, errors) = break_small("annual_kwh: 4000", "annual_kwh: \"lots\"");
    assert_one_error_at(&errors, &text, "annual_kwh: \"lots\"", &[]);
}

#[test]
fn missing_value_is_named() {
    let (_, errors) = break_small("bus: \"B\", ", "");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("bus") && errors[0].contains("add it"),
        "{errors:?}"
    );
    assert!(errors[0].starts_with("test.scenario.ron:"), "{errors:?}");
}

#[test]
fn negative_size_is_refused_with_the_allowed_range() {
    let (text, errors) = break_small("kwp: 6.0", "kwp: -3.0");
    assert_one_error_at(&errors, &text, "kwp: -3.0", &["kwp", "-3", "range"]);
}

#[test]
fn absurd_size_is_refused() {
    let (text, errors) = break_small("annual_kwh: 4000", "annual_kwh: 1e12");
    assert_one_error_at(&errors, &text, "1e12", &["annual_kwh", "range"]);
}

#[test]
fn nan_and_infinity_are_refused() {
    for bad in ["NaN", "inf", "-inf"] {
        let (text, errors) = break_small("length_m: 40.0", &format!("length_m: {bad}"));
        assert_one_error_at(&errors, &text, &format!("length_m: {bad}"), &["finite"]);
    }
}

#[test]
fn unknown_bus_reference_points_at_it_and_suggests() {
    let (text, errors) = break_small("bus: \"B\"", "bus: \"b\"");
    assert_one_error_at(
        &errors,
        &text,
        "bus: \"b\"",
        &["\"b\"", "does not exist", "did you mean \"B\""],
    );
}

#[test]
fn unknown_line_end_is_located() {
    let (text, errors) = break_small("(from: \"A\", to: \"B\"", "(from: \"X\", to: \"B\"");
    assert_one_error_at(&errors, &text, "from: \"X\"", &["\"X\"", "does not exist"]);
}

#[test]
fn loops_are_meshed_networks_up_to_their_cap() {
    // One cable back to the busbar closes a ring: a meshed network, accepted.
    let ring = "length_m: 40.0),\n                (from: \"B\", to: \"LV busbar\", cable: \"NAYY 4x150 SE\", length_m: 30.0),";
    let (_, errors) = break_small("length_m: 40.0),", ring);
    assert!(errors.is_empty(), "{errors:?}");
    // 201 of them are more loops than the solver's matrix is allowed.
    let many = format!(
        "length_m: 40.0),{}",
        "\n                (from: \"B\", to: \"LV busbar\", cable: \"NAYY 4x150 SE\", length_m: 30.0),"
            .repeat(microgrid::scenario::MAX_LOOPS + 1)
    );
    let (_, errors) = break_small("length_m: 40.0),", &many);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("closes loop number 201, more than the limit of 200"),
        "{errors:?}"
    );
}

#[test]
fn disconnected_house_is_refused() {
    let (text, errors) = break_small("(name: \"B\")]", "(name: \"B\"), (name: \"C\")]");
    let text2 = text.replacen("bus: \"B\"", "bus: \"C\"", 1);
    let errors2 = errors_of(&text2);
    assert!(
        errors.iter().any(|e| e.contains("\"C\" is not connected")),
        "{errors:?}"
    );
    assert!(
        errors2
            .iter()
            .any(|e| e.contains("House B") && e.contains("no cable path")),
        "{errors2:?}"
    );
    for e in errors.iter().chain(&errors2) {
        assert!(e.starts_with("test.scenario.ron:"), "{e}");
    }
}

#[test]
fn unknown_types_list_the_known_ones() {
    let (_, e1) = break_small(
        "cable: \"NAYY 4x150 SE\", length_m: 40.0",
        "cable: \"NAYY 4x999\", length_m: 40.0",
    );
    assert!(
        e1.len() == 1 && e1[0].contains("NAYY 4x50 SE") && e1[0].contains("cable_types"),
        "{e1:?}"
    );
    let (_, e2) = break_small("0.25 MVA 10/0.4 kV", "0.3 MVA");
    assert!(
        e2.len() == 1 && e2[0].contains("0.4 MVA 10/0.4 kV") && e2[0].contains(":6:"),
        "{e2:?}"
    );
}

/// Line and column (1-based) of the `n`th (0-based) occurrence of `needle`.
fn position_of_nth(text: &str, needle: &str, n: usize) -> (usize, usize) {
    let at = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} occurs fewer than {} times", n + 1))
        .0;
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn duplicate_bus_names_point_at_the_second_one() {
    let (text, errors) = break_small("(name: \"B\")]", "(name: \"A\")]");
    // The bus list now reads (name: "A"), (name: "A"): the error is at the
    // second name's opening quote, and the first one is left alone.
    let (line, col) = position_of_nth(&text, "\"A\"", 1);
    let at = format!("test.scenario.ron:{line}:{col}: ");
    let dup: Vec<&String> = errors.iter().filter(|e| e.contains("used twice")).collect();
    assert_eq!(dup.len(), 1, "{errors:#?}");
    assert!(dup[0].starts_with(&at), "{} is not at {at}", dup[0]);
    assert!(dup[0].contains("bus name \"A\""), "{}", dup[0]);
}

#[test]
fn duplicate_house_names_point_at_the_second_one() {
    let (text, errors) = break_small("(name: \"House B\"", "(name: \"House A\"");
    let (line, col) = position_of_nth(&text, "\"House A\"", 1);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("house name \"House A\"") && errors[0].contains("used twice"));
    assert!(
        errors[0].starts_with(&format!("test.scenario.ron:{line}:{col}: ")),
        "{} is not at {line}:{col}",
        errors[0]
    );
}

#[test]
fn generated_towns_beyond_the_cap_are_refused_before_expansion() {
    let text = SMALL.replacen(
        "    feeders: [",
        "    generated: (streets: 1000, houses_per_street: 500),\n    feeders: [",
        1,
    );
    let errors = errors_of(&text);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("500000 houses") && e.contains("limit")),
        "{errors:?}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("Scenario(name: {}", "[".repeat(100_000));
    let errors = errors_of(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn empty_binary_missing_and_folder_files_get_clear_errors() {
    let dir = std::env::temp_dir().join(format!("microgrid-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let empty = dir.join("empty.scenario.ron");
    std::fs::write(&empty, "  \n").expect("write");
    let binary = dir.join("binary.scenario.ron");
    std::fs::File::create(&binary)
        .and_then(|mut f| f.write_all(&[0x89, b'P', b'N', b'G', 0, 1, 2, 255]))
        .expect("write");
    let latin1 = dir.join("latin1.scenario.ron");
    std::fs::write(&latin1, b"Scenario(\n  name: \"Stra\xdfe\",\n").expect("write");
    let cases = [
        (empty.clone(), "empty"),
        (binary.clone(), "binary"),
        (latin1.clone(), "UTF-8"),
        (dir.join("nope.scenario.ron"), "does not exist"),
        (dir.clone(), "folder"),
    ];
    for (path, word) in cases {
        let err = scenario::load(&path).expect_err("must fail");
        let text = err.to_string();
        assert!(text.starts_with(&path.display().to_string()), "{text}");
        assert!(text.contains(word), "{text} should mention {word}");
    }
    assert_eq!(
        scenario::load(&latin1).expect_err("fails").position,
        Some((2, 14))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn car_fleets_count_towards_a_cap_before_any_car_is_made() {
    let fleet = "EvFleet(from: \"2025-06-21 08:00\", until: \"2025-06-21 18:00\", bus: \"A\", cars: 1000),\n";
    let text = SMALL.replacen(
        "    houses: [",
        &format!("    events: [\n{}    ],\n    houses: [", fleet.repeat(21)),
        1,
    );
    let errors = errors_of(&text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("21000 cars") && errors[0].contains("limit of 20000"),
        "{errors:?}"
    );
    // Twenty fleets of a thousand are allowed.
    let text = SMALL.replacen(
        "    houses: [",
        &format!("    events: [\n{}    ],\n    houses: [", fleet.repeat(20)),
        1,
    );
    assert_eq!(errors_of(&text), Vec::<String>::new());
}

#[test]
fn prices_and_thresholds_are_range_checked_where_they_are_written() {
    for (field, bad) in [
        ("tariff: (import_eur_per_kwh: ", "NaN"),
        ("tariff: (import_eur_per_kwh: ", "1e308"),
        ("tariff: (export_eur_per_kwh: ", "-inf"),
        ("controller: (cheap_eur_per_kwh: ", "inf"),
        ("controller: (island_above_eur_per_kwh: ", "-5.0"),
        ("controller: (island_for_hours: ", "1e9"),
        ("controller: (outage_reserve: ", "1.5"),
    ] {
        let text = SMALL.replacen(
            "    houses: [",
            &format!("    {field}{bad}),\n    houses: ["),
            1,
        );
        let errors = errors_of(&text);
        assert_one_error_at(&errors, &text, &format!("{field}{bad}"), &[]);
        assert!(
            errors[0].contains("finite") || errors[0].contains("range"),
            "{field}{bad}: {errors:?}"
        );
    }
    let spike = "    events: [PriceSpike(from: \"2025-06-21 08:00\", until: \"2025-06-21 09:00\", import_eur_per_kwh: NaN)],\n";
    let text = SMALL.replacen("    houses: [", &format!("{spike}    houses: ["), 1);
    assert_one_error_at(
        &errors_of(&text),
        &text,
        "import_eur_per_kwh: NaN",
        &["finite"],
    );
}
