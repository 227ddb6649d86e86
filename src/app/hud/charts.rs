//! The live charts of the last 24 simulated hours.

use super::*;
use crate::lang::{num, tr};
use crate::tr;

/// Hours of history the charts show.
pub(super) const CHART_HOURS: f64 = 24.0;

pub(super) fn charts(ui: &mut egui::Ui, live: &Live) {
    let history: &ChartHistory = &live.history;
    let latest = history.latest().map_or(0.0, |s| s.hours);
    let start = live.clock.start;
    // About a point a pixel column of the chart (two per two columns).
    let buckets = ((ui.available_width() / 2.0).max(50.0) as usize).min(600);
    let mut kit = ChartKit {
        history,
        latest,
        start,
        buckets,
        height: 80.0,
        width: (ui.available_width() - LABEL_ROOM_PT).max(100.0),
    };
    // The four key charts share the drawer's height, without scrolling:
    // each takes its share of what is left once its heading is drawn (a
    // heading may wrap in a narrow drawer or a long language).
    let charts: [fn(&mut egui::Ui, &ChartKit); 4] =
        [power_chart, grid_chart, soc_chart, frequency_chart];
    // A heading's row with the spacing around it (a plot's height takes
    // in its axes' labels).
    let spacing = ui.spacing().item_spacing.y;
    let heading = ui.text_style_height(&egui::TextStyle::Body) + 2.0 * spacing;
    for (i, chart) in charts.into_iter().enumerate() {
        let after = (3 - i) as f32;
        // What is left under this heading, less the later headings, shared.
        let room = ui.available_height() - heading - after * heading;
        kit.height = (room / (after + 1.0) - spacing).clamp(40.0, 240.0);
        chart(ui, &kit);
    }
}

/// The charts that follow the key four (in the drawer's second page): the
/// price, the voltage band, and the energy totals.
pub(super) fn more_charts(ui: &mut egui::Ui, live: &Live) {
    let history: &ChartHistory = &live.history;
    let kit = ChartKit {
        history,
        latest: history.latest().map_or(0.0, |s| s.hours),
        start: live.clock.start,
        buckets: ((ui.available_width() / 2.0).max(50.0) as usize).min(600),
        height: 110.0,
        width: (ui.available_width() - LABEL_ROOM_PT).max(100.0),
    };
    price_chart(ui, &kit);
    voltage_chart(ui, &kit);
    totals(ui, live);
}

/// What every chart shares: the history, its latest hour, the clock's start, the buckets.
struct ChartKit<'a> {
    history: &'a ChartHistory,
    latest: f64,
    start: chrono::NaiveDateTime,
    buckets: usize,
    /// Each plot's height, points.
    height: f32,
    /// Each plot's width, points.
    width: f32,
}

/// Points kept free at a plot's right for half an hour label ("07:00").
const LABEL_ROOM_PT: f32 = 28.0;

impl ChartKit<'_> {
    /// One quantity's points over the last [`CHART_HOURS`], thinned to the buckets.
    fn recent(&self, f: fn(&Sample) -> f64) -> Vec<[f64; 2]> {
        self.history
            .series_for_chart(f, self.latest - CHART_HOURS, self.buckets)
    }

    /// A chart's plot: its id and unit, the axes linked, numbers the language's way.
    fn plot<'p>(&self, id: &str, unit: &'static str) -> Plot<'p> {
        let start = self.start;
        let height = self.height;
        // Ticks and the hover label write numbers the language's way (egui_plot
        // would write a decimal point).
        Plot::new(id.to_owned())
            .height(height)
            // Room at the right for the last hour's label, which egui_plot
            // centres on its tick and would cut at the window's edge.
            .width(self.width)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .link_axis("charts", [true, false])
            .y_axis_label(unit)
            .x_axis_formatter(move |mark, _| clock_at(start, mark.value))
            .y_axis_formatter(|mark, _| num(mark.value, tick_decimals(mark.step_size)))
            .label_formatter(move |pos| match pos {
                egui_plot::HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } if !plot_name.is_empty() => Some(tr!(
                    "chart.hover",
                    name = plot_name,
                    at = clock_at(start, position.x),
                    value = num(position.y, hover_decimals(position.y)),
                    unit = unit
                )),
                _ => None,
            })
    }
}

/// A chart's heading and, for charts of more than one line, a key of
/// coloured swatches beside it (a legend inside the plot would cover the lines).
fn chart_heading(ui: &mut egui::Ui, title: &str, lines: &[(&str, Rgb8)]) {
    ui.horizontal_wrapped(|ui| {
        if !title.is_empty() {
            ui.strong(title);
        }
        for &(name, colour) in lines {
            // A swatch and its name as one text, which moves to the next
            // row whole rather than break; the key in small type beside a
            // title, in body type as the title.
            let style = if title.is_empty() {
                egui::TextStyle::Body
            } else {
                egui::TextStyle::Small
            };
            let font = style.resolve(ui.style());
            let mut job = egui::text::LayoutJob::default();
            job.append(
                "■ ",
                0.0,
                egui::TextFormat::simple(font.clone(), c32(colour)),
            );
            job.append(
                name,
                0.0,
                egui::TextFormat::simple(font, ui.visuals().strong_text_color()),
            );
            ui.add(egui::Label::new(job).wrap_mode(egui::TextWrapMode::Extend));
        }
    });
}

/// A chart's line: its name, points and colour.
fn chart_line<'p>(name: &str, points: Vec<[f64; 2]>, colour: Rgb8) -> Line<'p> {
    Line::new(name.to_owned(), points)
        .color(c32(colour))
        .width(2.0)
}

/// A chart's line by its language key, its colour and what it plots.
type Series = (&'static str, Rgb8, fn(&Sample) -> f64);

/// The key entries of `series` (names in the language, colours).
fn key_of(series: &[Series]) -> Vec<(&'static str, Rgb8)> {
    series
        .iter()
        .map(|&(name, colour, _)| (tr(name), colour))
        .collect()
}

/// Draws `series` on `p`: one line each, named as its key names it.
fn draw_series(p: &mut egui_plot::PlotUi<'_>, kit: &ChartKit, series: &[Series]) {
    for &(name, colour, f) in series {
        p.line(chart_line(tr(name), kit.recent(f), colour));
    }
}

/// Generation and demand.
const POWER_SERIES: [Series; 2] = [
    ("chart.generation", palette::ORANGE, |s| s.generation_kw),
    ("chart.demand", palette::BLUE, |s| s.demand_kw),
];

/// The power chart: generation and demand.
fn power_chart(ui: &mut egui::Ui, kit: &ChartKit) {
    // The key is the title: "generation" and "demand" in their colours.
    chart_heading(ui, "", &key_of(&POWER_SERIES));
    kit.plot("power", tr("chart.axis_kw"))
        .show(ui, |p| draw_series(p, kit, &POWER_SERIES));
}

/// The grid chart: power from the grid (below zero: export).
fn grid_chart(ui: &mut egui::Ui, kit: &ChartKit) {
    chart_heading(ui, tr("chart.grid"), &[]);
    kit.plot("grid", tr("chart.axis_kw")).show(ui, |p| {
        p.hline(HLine::new("", 0.0).color(egui::Color32::GRAY));
        p.line(chart_line(
            tr("chart.grid_line"),
            kit.recent(|s| s.grid_kw),
            palette::SKY_BLUE,
        ));
    });
}

/// The price chart.
fn price_chart(ui: &mut egui::Ui, kit: &ChartKit) {
    chart_heading(ui, tr("chart.price"), &[]);
    kit.plot("price", tr("chart.axis_eur_per_kwh"))
        .include_y(0.0)
        .show(ui, |p| {
            p.line(chart_line(
                tr("chart.price_line"),
                kit.recent(|s| s.price_eur_per_kwh),
                palette::VERMILLION,
            ));
        });
}

/// The batteries' state of charge chart.
fn soc_chart(ui: &mut egui::Ui, kit: &ChartKit) {
    chart_heading(ui, tr("chart.soc"), &[]);
    kit.plot("soc", tr("chart.axis_percent"))
        .include_y(0.0)
        .include_y(100.0)
        .show(ui, |p| {
            p.line(chart_line(
                tr("chart.soc_line"),
                kit.recent(|s| s.soc_percent),
                palette::GREEN,
            ));
        });
}

/// The frequency and its lowest within each step.
const FREQUENCY_SERIES: [Series; 2] = [
    ("chart.frequency_line", palette::PURPLE, |s| s.frequency_hz),
    ("chart.frequency_lowest", palette::SKY_BLUE, |s| {
        s.frequency_min_hz
    }),
];

/// The frequency chart: the frequency, its lowest, and where shedding starts.
fn frequency_chart(ui: &mut egui::Ui, kit: &ChartKit) {
    // The title names the purple line; the key the others.
    let mut key = key_of(&FREQUENCY_SERIES[1..]);
    key.push((tr("chart.shedding_starts"), palette::VERMILLION));
    chart_heading(ui, tr("chart.frequency"), &key);
    kit.plot("frequency", tr("chart.axis_hz"))
        .include_y(49.8)
        .include_y(50.2)
        .show(ui, |p| {
            p.hline(
                HLine::new(tr("chart.shedding_starts"), SHED_STAGES_HZ[0])
                    .color(c32(palette::VERMILLION)),
            );
            draw_series(p, kit, &FREQUENCY_SERIES);
        });
}

/// The highest and lowest bus voltage.
const VOLTAGE_SERIES: [Series; 2] = [
    ("chart.voltage_max", palette::VERMILLION, |s| s.v_max_pu),
    ("chart.voltage_min", palette::BLUE, |s| s.v_min_pu),
];

/// The voltage chart: the highest and lowest voltage, and the band's limits.
fn voltage_chart(ui: &mut egui::Ui, kit: &ChartKit) {
    chart_heading(ui, tr("chart.voltage"), &key_of(&VOLTAGE_SERIES));
    let (v_low, v_high) = crate::sim::metrics::VOLTAGE_BAND_PU;
    kit.plot("voltage", tr("chart.axis_pu"))
        .include_y(v_low)
        .include_y(v_high)
        .show(ui, |p| {
            p.hline(
                HLine::new(
                    tr!("chart.band", low = num(v_low, 2), high = num(v_high, 2)),
                    v_low,
                )
                .color(egui::Color32::GRAY),
            );
            p.hline(HLine::new("", v_high).color(egui::Color32::GRAY));
            draw_series(p, kit, &VOLTAGE_SERIES);
        });
}

/// The energy totals below the charts.
fn totals(ui: &mut egui::Ui, live: &Live) {
    let t = &live.totals;
    ui.separator();
    ui.label(tr!(
        "chart.totals",
        pv = num(t.pv_kwh, 0),
        demand = num(t.load_kwh, 0),
        import = num(t.import_kwh, 0),
        export = num(t.export_kwh, 0),
        self_sufficiency = num(t.self_sufficiency() * 100.0, 0),
        islanded = num(t.hours_islanded, 1),
        unserved = num(t.unserved_kwh, 1)
    ));
}

/// The clock time `hours` after `start` ("13:00").
fn clock_at(start: chrono::NaiveDateTime, hours: f64) -> String {
    let t = start + Duration::seconds((hours * 3600.0) as i64);
    t.format("%H:%M").to_string()
}

/// Decimals for ticks `step` apart (0.01 apart: 2), as egui_plot chooses.
fn tick_decimals(step: f64) -> usize {
    if step > 0.0 && step.is_finite() {
        (-step.log10().round()).clamp(0.0, 6.0) as usize
    } else {
        0
    }
}

/// Decimals for a value under the pointer: three significant digits or so.
fn hover_decimals(y: f64) -> usize {
    match y.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_get_the_decimals_of_their_step() {
        assert_eq!(tick_decimals(0.01), 2);
        assert_eq!(tick_decimals(10.0), 0);
        assert_eq!(tick_decimals(0.0), 0);
        assert_eq!(hover_decimals(49.95), 1);
        assert_eq!(hover_decimals(0.987), 3);
    }
}
