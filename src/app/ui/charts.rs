//! The live charts of the last 24 simulated hours.

use super::*;

/// Hours of history the charts show.
pub(super) const CHART_HOURS: f64 = 24.0;

pub(super) fn charts(ui: &mut egui::Ui, live: &Live) {
    let history = &live.history;
    let latest = history.latest().map_or(0.0, |s| s.hours);
    let start = live.clock.start;
    let recent = |f: fn(&Sample) -> f64| -> Vec<[f64; 2]> {
        history
            .series(f)
            .into_iter()
            .filter(|p| p[0] >= latest - CHART_HOURS)
            .collect()
    };
    let height = 80.0;
    let plot = |id: &str, unit: &str| {
        Plot::new(id.to_owned())
            .height(height)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .link_axis("charts", [true, false])
            .y_axis_label(unit.to_owned())
            .x_axis_formatter(move |mark, _| {
                let t = start + Duration::seconds((mark.value * 3600.0) as i64);
                t.format("%H:%M").to_string()
            })
    };
    let legend = || Legend::default().position(egui_plot::Corner::LeftTop);
    let line = |name: &str, points: Vec<[f64; 2]>, colour: Rgb8| {
        Line::new(name.to_owned(), points)
            .color(c32(colour))
            .width(2.0)
    };

    ui.strong("Generation and demand");
    plot("power", "kW").legend(legend()).show(ui, |p| {
        p.line(line(
            "generation",
            recent(|s| s.generation_kw),
            palette::ORANGE,
        ));
        p.line(line("demand", recent(|s| s.demand_kw), palette::BLUE));
    });
    ui.strong("Grid exchange (+ import, − export)");
    plot("grid", "kW").show(ui, |p| {
        p.hline(HLine::new("", 0.0).color(egui::Color32::GRAY));
        p.line(line("grid", recent(|s| s.grid_kw), palette::SKY_BLUE));
    });
    ui.strong("Import price");
    plot("price", "EUR/kWh").include_y(0.0).show(ui, |p| {
        p.line(line(
            "price",
            recent(|s| s.price_eur_per_kwh),
            palette::VERMILLION,
        ));
    });
    ui.strong("Battery state of charge");
    plot("soc", "%")
        .include_y(0.0)
        .include_y(100.0)
        .show(ui, |p| {
            p.line(line(
                "all home batteries",
                recent(|s| s.soc_percent),
                palette::GREEN,
            ));
        });
    ui.strong("Frequency");
    plot("frequency", "Hz")
        .legend(legend())
        .include_y(49.8)
        .include_y(50.2)
        .show(ui, |p| {
            p.hline(
                HLine::new("shedding starts", SHED_STAGES_HZ[0]).color(c32(palette::VERMILLION)),
            );
            p.line(line(
                "frequency",
                recent(|s| s.frequency_hz),
                palette::PURPLE,
            ));
            p.line(line(
                "lowest in step",
                recent(|s| s.frequency_min_hz),
                palette::SKY_BLUE,
            ));
        });
    ui.strong("Voltage, lowest and highest bus");
    plot("voltage", "pu")
        .legend(legend())
        .include_y(0.9)
        .include_y(1.1)
        .show(ui, |p| {
            p.hline(HLine::new("band 0.90-1.10", 0.9).color(egui::Color32::GRAY));
            p.hline(HLine::new("", 1.1).color(egui::Color32::GRAY));
            p.line(line("max", recent(|s| s.v_max_pu), palette::VERMILLION));
            p.line(line("min", recent(|s| s.v_min_pu), palette::BLUE));
        });
    let t = &live.totals;
    ui.separator();
    ui.label(format!(
        "Since the start: PV {:.0} kWh · demand {:.0} kWh · import {:.0} kWh · export {:.0} kWh · self-sufficiency {:.0} % · islanded {:.1} h · not served {:.1} kWh",
        t.pv_kwh,
        t.load_kwh,
        t.import_kwh,
        t.export_kwh,
        t.self_sufficiency() * 100.0,
        t.hours_islanded,
        t.unserved_kwh
    ));
}
