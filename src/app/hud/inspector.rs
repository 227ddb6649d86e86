//! The inspector: the live numbers of what a click selected.

use super::*;
use crate::lang::{num, tr};
use crate::tr;

/// The inspector window: the selection's name as its title and its live numbers.
pub(super) fn inspector(
    ctx: &egui::Context,
    live: &Live,
    stage: Stage,
    selected: &mut Option<Pick>,
    why: &[String],
) {
    let Some(pick) = *selected else {
        return;
    };
    let built = &live.hood.0;
    let flow = live.network.solved();
    let mut open = true;
    let title = window_title(built, pick);
    egui::Window::new(egui::RichText::new(title).strong())
        .id("inspector".into())
        .open(&mut open)
        .anchor(
            stage.anchor(egui::Align2::LEFT_TOP, 10.0).0,
            stage.anchor(egui::Align2::LEFT_TOP, 10.0).1,
        )
        .resizable(false)
        .show(ctx, |ui| {
            // Within the 3D view: a long card (a house solved per phase has
            // eighteen rows) scrolls rather than running under the bar below.
            egui::ScrollArea::vertical()
                .max_height((stage.height() - 70.0).max(120.0))
                .show(ui, |ui| {
                    // Why it is as it is, in words, before the numbers.
                    if !why.is_empty() {
                        ui.set_max_width(460.0);
                        for sentence in why {
                            ui.label(sentence);
                        }
                        ui.separator();
                    }
                    egui::Grid::new("numbers")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            let mut row = |k: &str, v: String| {
                                ui.label(k);
                                ui.label(egui::RichText::new(v).monospace());
                                ui.end_row();
                            };
                            match pick {
                                Pick::House(h) => {
                                    house_power_rows(&mut row, live, built, h);
                                    house_storage_rows(&mut row, live, built, h);
                                    house_total_rows(&mut row, live, built, flow, h);
                                }
                                Pick::Device(d) => device_rows(&mut row, live, built, d),
                                Pick::Line(l) => {
                                    line_rows(&mut row, built, flow, l);
                                    line_phase_rows(&mut row, live.network.phases.as_ref(), l);
                                }
                                Pick::Bus(b) => {
                                    let network = &built.network;
                                    bus_rows(&mut row, flow, b, network.nominal_kv(b));
                                    bus_phase_rows(
                                        &mut row,
                                        live.network.phases.as_ref(),
                                        b,
                                        network,
                                    );
                                }
                                Pick::Transformer => transformer_rows(&mut row, live, built, flow),
                            }
                        });
                });
        });
    if !open {
        *selected = None;
    }
}

/// The inspector's title: the name of what `pick` selected.
fn window_title(built: &crate::scenario::Built, pick: Pick) -> String {
    match pick {
        Pick::House(h) => built
            .scenario
            .houses
            .get(h)
            .map_or(tr("inspector.house").to_owned(), |x| x.name.clone()),
        Pick::Device(d) => built
            .devices
            .get(d)
            .map_or(tr("inspector.device").to_owned(), |x| x.name.clone()),
        Pick::Line(l) => built
            .network
            .lines
            .get(l)
            .map_or(tr("inspector.cable").to_owned(), |x| {
                tr!("inspector.cable_named", name = x.name)
            }),
        Pick::Bus(b) => built
            .network
            .buses
            .get(b)
            .map_or(tr("inspector.bus").to_owned(), |x| {
                tr!("inspector.bus_named", name = x.name)
            }),
        Pick::Transformer => tr!(
            "inspector.transformer_named",
            name = built.network.transformer.name
        ),
    }
}

/// A house's power now (demand, PV, battery, car, net) and what sharing has brought it.
fn house_power_rows(
    row: &mut impl FnMut(&str, String),
    live: &Live,
    built: &crate::scenario::Built,
    h: usize,
) {
    if let Some(p) = live.houses.0.get(h) {
        row(tr("inspector.demand"), qty(p.load_kw, 2, Unit::Kw));
        row(tr("inspector.pv"), qty(p.pv_kw, 2, Unit::Kw));
        if p.battery_kw != 0.0 || has_device(built, h, |k| matches!(k, DeviceKind::Battery(_))) {
            row(
                tr("inspector.battery"),
                tr!("inspector.kw_charging", kw = signed(p.battery_kw, 2)),
            );
        }
        if has_device(built, h, |k| matches!(k, DeviceKind::Ev(_))) {
            row(
                tr("inspector.car"),
                tr!("inspector.kw_charging", kw = signed(p.ev_kw, 2)),
            );
        }
        row(
            tr("inspector.net_from_grid"),
            with_unit(signed(p.net_kw(), 2), Unit::Kw),
        );
    }
    if live.market.is_trading()
        && let Some(a) = live.market.ledger.accounts.get(h)
    {
        row(
            tr("inspector.shared_so_far"),
            tr!(
                "inspector.bought_sold",
                bought = num(a.bought_local_kwh, 2),
                sold = num(a.sold_local_kwh, 2)
            ),
        );
        row(
            tr("inspector.saved_by_sharing"),
            with_unit(signed(a.savings_eur(), 2), Unit::Eur),
        );
    }
}

/// How full house `h`'s battery and car are, and where the car is.
fn house_storage_rows(
    row: &mut impl FnMut(&str, String),
    live: &Live,
    built: &crate::scenario::Built,
    h: usize,
) {
    for (index, _, battery, car) in &live.devices {
        if built.devices.get(index.0).and_then(|d| d.house) != Some(h) {
            continue;
        }
        if let Some(b) = battery {
            row(
                tr("inspector.battery_charge"),
                tr!(
                    "inspector.percent_of_kwh",
                    percent = num(b.soc_percent(), 0),
                    kwh = num(b.rating.capacity_kwh, 1)
                ),
            );
        }
        if let Some(c) = car {
            let place = if c.state.at_home {
                tr("inspector.home_plugged_in")
            } else {
                tr("inspector.away")
            };
            row(
                tr("inspector.car_charge"),
                tr!(
                    "inspector.percent_where",
                    percent = num(c.state.soc_kwh / c.spec.battery_kwh * 100.0, 0),
                    place = place
                ),
            );
        }
    }
}

/// What house `h` has paid and earned since the start, EUR: its account
/// with the grid and the neighbours where they trade, else its meter at
/// the grid's prices.
pub(super) fn house_money(live: &Live, h: usize) -> Option<(f64, f64)> {
    if live.market.is_trading() {
        let a = live.market.ledger.accounts.get(h)?;
        return Some((
            a.paid_local_eur + a.paid_grid_eur + a.loss_charge_eur,
            a.earned_local_eur + a.earned_grid_eur,
        ));
    }
    let e = live.totals.houses.get(h)?;
    Some((e.paid_eur, e.earned_eur))
}

/// House `h`'s energy and money since the start, its voltage, and whether it is served.
fn house_total_rows(
    row: &mut impl FnMut(&str, String),
    live: &Live,
    built: &crate::scenario::Built,
    flow: Option<&crate::network::PowerFlow>,
    h: usize,
) {
    if let Some(e) = live.totals.houses.get(h) {
        row(
            tr("inspector.since_start"),
            tr!(
                "inspector.used_pv",
                used = num(e.load_kwh, 1),
                pv = num(e.pv_kwh, 1)
            ),
        );
        row(
            tr("inspector.grid"),
            tr!(
                "inspector.kwh_in_out",
                import = num(e.import_kwh, 1),
                export = num(e.export_kwh, 1)
            ),
        );
    }
    if let Some((paid, earned)) = house_money(live, h) {
        row(
            tr("inspector.money_so_far"),
            tr!(
                "inspector.paid_earned",
                paid = with_unit(num(paid, 2), Unit::Eur),
                earned = with_unit(num(earned, 2), Unit::Eur)
            ),
        );
    }
    let bus = built.household(h).map(|d| d.bus);
    if let (Some(bus), Some(flow)) = (bus, flow) {
        row(
            tr("inspector.voltage"),
            voltage(flow.vm_pu[bus], built.network.nominal_kv(bus), 3, 0),
        );
    }
    if let (Some(bus), Some(house)) = (bus, built.scenario.houses.get(h))
        && live.network.phases.is_some()
    {
        row(tr("inspector.connection"), phase_name(house.phase));
        bus_phase_rows(row, live.network.phases.as_ref(), bus, &built.network);
    }
    let served = house_served(h, live.grid.mode, live.grid.stages_shed);
    row(
        tr("inspector.supply"),
        if served {
            tr("inspector.served").to_owned()
        } else {
            tr("inspector.shed_dark").to_owned()
        },
    );
}

/// Device `d`'s power, a car's state, and a wind turbine's model, hub height and wind.
fn device_rows(
    row: &mut impl FnMut(&str, String),
    live: &Live,
    built: &crate::scenario::Built,
    d: usize,
) {
    for (index, power, _, car) in &live.devices {
        if index.0 != d {
            continue;
        }
        row(
            tr("inspector.power"),
            tr!("inspector.kw_consumes", kw = signed(power.p_kw, 2)),
        );
        if let Some(c) = car {
            row(tr("inspector.at_home"), yes_no(c.state.at_home));
            row(
                tr("inspector.charge"),
                tr!(
                    "inspector.kwh_of_kwh",
                    kwh = num(c.state.soc_kwh, 1),
                    of = num(c.spec.battery_kwh, 0)
                ),
            );
            row(tr("inspector.v2g"), yes_no(c.v2g));
        }
    }
    if let Some(DeviceKind::Wind {
        curve,
        hub_height_m,
    }) = built.devices.get(d).map(|x| &x.kind)
    {
        row(
            tr("inspector.model"),
            format!("{} ({})", curve.model, qty(curve.rated_kw, 0, Unit::Kw)),
        );
        row(
            tr("inspector.hub_height"),
            qty(*hub_height_m, 0, Unit::Metre),
        );
        row(
            tr("inspector.wind_reference"),
            qty(live.env.0.wind_m_s, 1, Unit::MetrePerS),
        );
    }
}

/// Cable `l`: its ends, type and length, and its power, current, loading and losses.
fn line_rows(
    row: &mut impl FnMut(&str, String),
    built: &crate::scenario::Built,
    flow: Option<&crate::network::PowerFlow>,
    l: usize,
) {
    if let Some(line) = built.network.lines.get(l) {
        row(
            tr("inspector.from_to"),
            format!(
                "{} → {}",
                built.network.buses[line.from_bus].name, built.network.buses[line.to_bus].name
            ),
        );
        row(
            tr("inspector.cable"),
            format!(
                "{}, {}",
                line.cable_name,
                qty(line.length_km * 1000.0, 0, Unit::Metre)
            ),
        );
    }
    if let Some(b) = flow.and_then(|f| f.lines.get(l)) {
        row(
            tr("inspector.power"),
            with_unit(signed(b.p_from_mw * 1000.0, 2), Unit::Kw),
        );
        row(
            tr("inspector.current"),
            qty(b.i_ka * 1000.0, 1, Unit::Ampere),
        );
        row(
            tr("inspector.loading"),
            qty(b.loading_percent, 1, Unit::Percent),
        );
        row(tr("inspector.losses"), qty(b.pl_mw * 1000.0, 3, Unit::Kw));
    }
}

/// Bus `b`'s voltage and angle, or that it is dark.
fn bus_rows(
    row: &mut impl FnMut(&str, String),
    flow: Option<&crate::network::PowerFlow>,
    b: usize,
    vn_kv: f64,
) {
    if let Some(flow) = flow {
        row(tr("inspector.voltage"), voltage(flow.vm_pu[b], vn_kv, 4, 1));
        row(
            tr("inspector.angle"),
            tr!("inspector.degrees", deg = num(flow.va_degree()[b], 3)),
        );
    } else {
        row(
            tr("inspector.voltage"),
            tr("inspector.none_dark").to_owned(),
        );
    }
}

/// The transformer: its type, breaker, import, loading, the frequency and the prices.
fn transformer_rows(
    row: &mut impl FnMut(&str, String),
    live: &Live,
    built: &crate::scenario::Built,
    flow: Option<&crate::network::PowerFlow>,
) {
    let t = &built.network.transformer;
    row(tr("inspector.type"), t.type_name.clone());
    row(
        tr("inspector.breaker"),
        if live.grid.mode == GridMode::Connected {
            tr("inspector.closed").to_owned()
        } else {
            tr("inspector.open").to_owned()
        },
    );
    row(
        tr("inspector.from_the_grid"),
        with_unit(signed(live.record.grid_import_kw, 1), Unit::Kw),
    );
    if let Some(flow) = flow {
        row(
            tr("inspector.loading"),
            qty(flow.transformer.loading_percent, 1, Unit::Percent),
        );
    }
    row(
        tr("inspector.frequency"),
        qty(live.record.frequency_hz, 3, Unit::Hz),
    );
    row(
        tr("inspector.price"),
        tr!(
            "inspector.price_in_out",
            import = num(live.prices.import_eur_per_kwh, 2),
            export = num(live.prices.export_eur_per_kwh, 2)
        ),
    );
}

/// Three phase values as "A 231 V · B 229 V · C 233 V".
fn per_phase(values: [f64; 3], decimals: usize, unit: Unit) -> String {
    ["A", "B", "C"]
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{p} {}", qty(v, decimals, unit)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A connection or a unit's phase in words.
pub(super) fn phase_name(phase: crate::scenario::Phase) -> String {
    if phase.is_three() {
        tr("inspector.three_phase").to_owned()
    } else {
        tr!("inspector.single_phase", phase = phase.label())
    }
}

/// Bus `b`'s phase-to-neutral voltages and its unbalance against EN 50160's
/// 2 %, when the scenario is solved per phase.
fn bus_phase_rows(
    row: &mut impl FnMut(&str, String),
    phases: Option<&crate::network::unbalanced::UnbalancedFlow>,
    b: usize,
    network: &crate::network::Network,
) {
    let Some(ph) = phases.filter(|p| b < p.v_abc.len()) else {
        return;
    };
    row(
        tr("inspector.phase_voltages"),
        per_phase(network.phase_volts(b, ph.vm_pu(b)), 0, Unit::Volt),
    );
    row(
        tr("inspector.unbalance"),
        tr!(
            "inspector.unbalance_value",
            percent = num(ph.unbalance_percent(b), 2),
            limit = num(crate::sim::metrics::UNBALANCE_LIMIT_PERCENT, 0)
        ),
    );
}

/// Cable `l`'s phase currents and the current its neutral carries back.
fn line_phase_rows(
    row: &mut impl FnMut(&str, String),
    phases: Option<&crate::network::unbalanced::UnbalancedFlow>,
    l: usize,
) {
    let Some(f) = phases.and_then(|p| p.lines.get(l)) else {
        return;
    };
    let larger = [0, 1, 2].map(|k| f.i_from_ka[k].max(f.i_to_ka[k]) * 1000.0);
    row(
        tr("inspector.phase_currents"),
        per_phase(larger, 0, Unit::Ampere),
    );
    row(
        tr("inspector.neutral"),
        qty(f.i_n_from_ka.max(f.i_n_to_ka) * 1000.0, 0, Unit::Ampere),
    );
}

/// "Yes" or "no" in the language in force.
fn yes_no(yes: bool) -> String {
    if yes {
        tr("inspector.yes").to_owned()
    } else {
        tr("inspector.no").to_owned()
    }
}

/// A bus voltage in per unit and in volts (line to line, of its nominal
/// `vn_kv`: 400 V on the street, 10 or 20 kV above the transformer).
fn voltage(vm_pu: f64, vn_kv: f64, pu_decimals: usize, volt_decimals: usize) -> String {
    format!(
        "{} ({})",
        qty(vm_pu, pu_decimals, Unit::Pu),
        qty(vm_pu * vn_kv * 1000.0, volt_decimals, Unit::Volt)
    )
}

/// A card beside the pointer for the part it rests on: its name and why
/// it is as it is (the same sentences as the inspector's); for a house,
/// its money so far too, and that a click opens all its numbers.
pub(super) fn hover_card(
    ctx: &egui::Context,
    live: &Live,
    hovered: super::picking::Hovered,
    why: &[String],
) {
    let Some(pick) = hovered.pick else {
        return;
    };
    let house = match pick {
        Pick::House(h) => Some(h),
        _ => None,
    };
    if why.is_empty() && house.is_none() {
        return;
    }
    card(ctx, hovered, |ui| {
        ui.label(egui::RichText::new(window_title(&live.hood.0, pick)).strong());
        for sentence in why {
            ui.label(sentence);
        }
        if let Some(h) = house {
            if let Some((paid, earned)) = house_money(live, h) {
                ui.label(tr!(
                    "card.money",
                    paid = with_unit(num(paid, 2), Unit::Eur),
                    earned = with_unit(num(earned, 2), Unit::Eur)
                ));
            }
            ui.label(egui::RichText::new(tr("card.click")).small());
        }
    });
}

/// A card beside the pointer, over everything, not taking the pointer.
fn card(ctx: &egui::Context, hovered: super::picking::Hovered, body: impl FnOnce(&mut egui::Ui)) {
    let at =
        egui::pos2(hovered.at_px.x, hovered.at_px.y) / ctx.zoom_factor() + egui::vec2(18.0, 18.0);
    egui::Area::new("hover card".into())
        .fixed_pos(at)
        .interactable(false)
        .order(egui::Order::Tooltip)
        .constrain(true)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(420.0);
                body(ui);
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voltage_in_volts_is_of_its_own_bus() {
        // The street at 400 V; above the transformer 10 kV, not 400 V.
        assert!(
            voltage(1.0, 0.4, 3, 0).contains("400 V"),
            "{}",
            voltage(1.0, 0.4, 3, 0)
        );
        let hv = voltage(1.02, 10.0, 3, 0);
        assert!(
            hv.contains("10200") || hv.contains("10,200") || hv.contains("10 200"),
            "{hv}"
        );
    }
}
