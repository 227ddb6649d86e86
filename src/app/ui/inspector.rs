//! The inspector: the live numbers of what a click selected.

use super::*;

pub(super) fn inspector(ctx: &egui::Context, live: &Live, ui_state: &mut UiState) {
    let Some(pick) = ui_state.selected else {
        return;
    };
    let built = &live.hood.0;
    let flow = live.network.solved();
    let mut open = true;
    let title = match pick {
        Pick::House(h) => built
            .scenario
            .houses
            .get(h)
            .map_or("House".to_owned(), |x| x.name.clone()),
        Pick::Device(d) => built
            .devices
            .get(d)
            .map_or("Device".to_owned(), |x| x.name.clone()),
        Pick::Line(l) => built
            .network
            .lines
            .get(l)
            .map_or("Cable".to_owned(), |x| format!("Cable {}", x.name)),
        Pick::Bus(b) => built
            .network
            .buses
            .get(b)
            .map_or("Bus".to_owned(), |x| format!("Bus {}", x.name)),
        Pick::Transformer => format!("Transformer {}", built.network.transformer.name),
    };
    egui::Window::new(egui::RichText::new(title).strong())
        .id("inspector".into())
        .open(&mut open)
        .anchor(egui::Align2::LEFT_TOP, egui::vec2(10.0, 120.0))
        .resizable(false)
        .show(ctx, |ui| {
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
                            if let Some(p) = live.houses.0.get(h) {
                                row("Demand", format!("{:.2} kW", p.load_kw));
                                row("PV", format!("{:.2} kW", p.pv_kw));
                                if p.battery_kw != 0.0
                                    || has_device(built, h, |k| matches!(k, DeviceKind::Battery(_)))
                                {
                                    row("Battery", format!("{:+.2} kW (+ charging)", p.battery_kw));
                                }
                                if has_device(built, h, |k| matches!(k, DeviceKind::Ev(_))) {
                                    row("Car", format!("{:+.2} kW (+ charging)", p.ev_kw));
                                }
                                row("Net from the grid", format!("{:+.2} kW", p.net_kw()));
                            }
                            if live.market.is_trading()
                                && let Some(a) = live.market.ledger.accounts.get(h)
                            {
                                row(
                                    "Shared so far",
                                    format!(
                                        "bought {:.2} kWh, sold {:.2} kWh",
                                        a.bought_local_kwh, a.sold_local_kwh
                                    ),
                                );
                                row("Saved by sharing", format!("{:+.2} EUR", a.savings_eur()));
                            }
                            for (index, _, battery, car) in &live.devices {
                                if built.devices.get(index.0).and_then(|d| d.house) != Some(h) {
                                    continue;
                                }
                                if let Some(b) = battery {
                                    row(
                                        "Battery charge",
                                        format!(
                                            "{:.0} % of {:.1} kWh",
                                            b.soc_percent(),
                                            b.rating.capacity_kwh
                                        ),
                                    );
                                }
                                if let Some(c) = car {
                                    let place = if c.state.at_home {
                                        "home, plugged in"
                                    } else {
                                        "away"
                                    };
                                    row(
                                        "Car charge",
                                        format!(
                                            "{:.0} % ({place})",
                                            c.state.soc_kwh / c.spec.battery_kwh * 100.0
                                        ),
                                    );
                                }
                            }
                            if let Some(e) = live.totals.houses.get(h) {
                                row(
                                    "Since start",
                                    format!("{:.1} kWh used, {:.1} kWh PV", e.load_kwh, e.pv_kwh),
                                );
                                row(
                                    "Grid",
                                    format!(
                                        "{:.1} kWh in, {:.1} kWh out",
                                        e.import_kwh, e.export_kwh
                                    ),
                                );
                            }
                            let bus = built.household(h).map(|d| d.bus);
                            if let (Some(bus), Some(flow)) = (bus, flow) {
                                row(
                                    "Voltage",
                                    format!(
                                        "{:.3} pu ({:.0} V)",
                                        flow.vm_pu[bus],
                                        flow.vm_pu[bus] * 400.0
                                    ),
                                );
                            }
                            let served = house_served(h, live.grid.mode, live.grid.stages_shed);
                            row(
                                "Supply",
                                if served {
                                    "served".to_owned()
                                } else {
                                    "shed / dark".to_owned()
                                },
                            );
                        }
                        Pick::Device(d) => {
                            for (index, power, _, car) in &live.devices {
                                if index.0 != d {
                                    continue;
                                }
                                row("Power", format!("{:+.2} kW (+ consumes)", power.p_kw));
                                if let Some(c) = car {
                                    row(
                                        "At home",
                                        if c.state.at_home {
                                            "yes".to_owned()
                                        } else {
                                            "no".to_owned()
                                        },
                                    );
                                    row(
                                        "Charge",
                                        format!(
                                            "{:.1} of {:.0} kWh",
                                            c.state.soc_kwh, c.spec.battery_kwh
                                        ),
                                    );
                                    row(
                                        "Vehicle-to-grid",
                                        if c.v2g {
                                            "yes".to_owned()
                                        } else {
                                            "no".to_owned()
                                        },
                                    );
                                }
                            }
                            if let Some(DeviceKind::Wind {
                                curve,
                                hub_height_m,
                            }) = built.devices.get(d).map(|x| &x.kind)
                            {
                                row(
                                    "Model",
                                    format!("{} ({:.0} kW)", curve.model, curve.rated_kw),
                                );
                                row("Hub height", format!("{hub_height_m:.0} m"));
                                row(
                                    "Wind (reference)",
                                    format!("{:.1} m/s", live.env.0.wind_m_s),
                                );
                            }
                        }
                        Pick::Line(l) => {
                            if let Some(line) = built.network.lines.get(l) {
                                row(
                                    "From / to",
                                    format!(
                                        "{} → {}",
                                        built.network.buses[line.from_bus].name,
                                        built.network.buses[line.to_bus].name
                                    ),
                                );
                                row(
                                    "Cable",
                                    format!(
                                        "{}, {:.0} m",
                                        line.cable_name,
                                        line.length_km * 1000.0
                                    ),
                                );
                            }
                            if let Some(b) = flow.and_then(|f| f.lines.get(l)) {
                                row("Power", format!("{:+.2} kW", b.p_from_mw * 1000.0));
                                row("Current", format!("{:.1} A", b.i_ka * 1000.0));
                                row("Loading", format!("{:.1} %", b.loading_percent));
                                row("Losses", format!("{:.3} kW", b.pl_mw * 1000.0));
                            }
                        }
                        Pick::Bus(b) => {
                            if let Some(flow) = flow {
                                row(
                                    "Voltage",
                                    format!(
                                        "{:.4} pu ({:.1} V)",
                                        flow.vm_pu[b],
                                        flow.vm_pu[b] * 400.0
                                    ),
                                );
                                row("Angle", format!("{:.3}°", flow.va_degree[b]));
                            } else {
                                row("Voltage", "none (dark)".to_owned());
                            }
                        }
                        Pick::Transformer => {
                            let t = &built.network.transformer;
                            row("Type", t.type_name.clone());
                            row(
                                "Breaker",
                                if live.grid.mode == GridMode::Connected {
                                    "closed".to_owned()
                                } else {
                                    "open".to_owned()
                                },
                            );
                            row(
                                "From the grid",
                                format!("{:+.1} kW", live.record.grid_import_kw),
                            );
                            if let Some(flow) = flow {
                                row(
                                    "Loading",
                                    format!("{:.1} %", flow.transformer.loading_percent),
                                );
                            }
                            row("Frequency", format!("{:.3} Hz", live.record.frequency_hz));
                            row(
                                "Price",
                                format!(
                                    "{:.2} EUR/kWh in, {:.2} out",
                                    live.prices.import_eur_per_kwh, live.prices.export_eur_per_kwh
                                ),
                            );
                        }
                    }
                });
        });
    if !open {
        ui_state.selected = None;
    }
}
