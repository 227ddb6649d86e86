//! `--layout-report FILE`: a JSON report of what egui drew in a frame, for
//! the tests of the screen layout: every text (where, how big, whether its
//! clip cut it), every interactive widget (where, and the texts on it), the
//! part of the window left to the 3D view and the largest rectangle of it
//! that no floating window covers. All rectangles are `[x, y, w, h]` in the
//! window's physical pixels.
//!
//! The report of the latest frame is kept in [`DrawnLayout`] while
//! [`LayoutReports`] is present; [`write_report`] writes it.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContext, EguiFullOutput, EguiPostUpdateSet, PrimaryEguiContext, egui};
use serde::Serialize;

use crate::app::control::view::ViewRect;

/// Most floating windows counted as obstacles to the free 3D view (the
/// largest ones), to bound the search.
pub const MAX_OBSTACLES: usize = 64;

/// Slack, in egui points, before a text counts as cut by its clip rectangle.
const CLIP_SLACK_PT: f32 = 0.5;

/// Layout reports were asked for (`--layout-report F.json`).
#[derive(Resource, Debug, Clone)]
pub struct LayoutReports {
    /// A report to write at a set time (the file named on the command line).
    pub timed: Option<PathBuf>,
    /// Also write a report beside each screenshot ([`report_path_beside`]).
    pub beside_screenshots: bool,
}

/// The layout egui drew in the latest frame (none before the first frame
/// measured, or while no reports are asked for).
#[derive(Resource, Debug, Clone, Default)]
pub struct DrawnLayout(pub Option<LayoutSnapshot>);

/// One frame's layout, in the window's physical pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutSnapshot {
    /// The primary window's size.
    pub window: [u32; 2],
    /// egui's physical pixels per point.
    pub pixels_per_point: f32,
    /// The part of the window the docked panels leave to the 3D view.
    pub view3d: [f32; 4],
    /// The largest rectangle of `view3d` that no floating egui area covers.
    pub view3d_free: [f32; 4],
    /// `view3d_free`'s share of the whole window.
    pub view3d_free_share: f32,
    /// The texts drawn, in painting order.
    pub texts: Vec<LayoutText>,
    /// The interactive widgets, top to bottom, left to right.
    pub widgets: Vec<LayoutWidget>,
}

/// A text egui drew.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutText {
    /// The text, newlines as spaces.
    pub text: String,
    /// Where it was laid out.
    pub rect: [f32; 4],
    /// Its largest font size.
    pub size_px: f32,
    /// Its clip rectangle cut part of it.
    pub clipped: bool,
    /// The lines it was laid out on (a reading broken over two lines
    /// loses its end under the bar).
    pub lines: usize,
}

/// An enabled widget that senses clicks or drags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutWidget {
    /// The texts whose centre lies on it, joined by spaces.
    pub label: String,
    /// Where it takes the pointer.
    pub rect: [f32; 4],
    /// It senses clicks or drags (always, as only those are reported).
    pub interactive: bool,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<DrawnLayout>();
    app.add_systems(
        PostUpdate,
        measure_layout
            .after(EguiPostUpdateSet::EndPass)
            .before(EguiPostUpdateSet::ProcessOutput)
            .run_if(resource_exists::<LayoutReports>),
    );
}

/// Where the report beside the screenshot `png` goes: `x.layout.json` for
/// `x.png`.
pub fn report_path_beside(png: &Path) -> PathBuf {
    png.with_extension("layout.json")
}

/// Writes `snapshot` to `path` as JSON, through a temporary file.
pub fn write_report(path: &Path, snapshot: &LayoutSnapshot) -> Result<(), String> {
    let json = report_json(snapshot)?;
    crate::files::write_atomically(path, json.as_bytes())
}

/// The report as JSON: one line per text and per widget.
pub fn report_json(snapshot: &LayoutSnapshot) -> Result<String, String> {
    fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
        serde_json::to_string(value).map_err(|e| format!("cannot write the layout as JSON: {e}"))
    }
    fn list<T: Serialize>(items: &[T]) -> Result<String, String> {
        if items.is_empty() {
            return Ok("[]".to_owned());
        }
        let lines = items.iter().map(json).collect::<Result<Vec<_>, _>>()?;
        Ok(format!("[\n    {}\n  ]", lines.join(",\n    ")))
    }
    Ok(format!(
        "{{\n  \"window\": {},\n  \"pixels_per_point\": {},\n  \"view3d\": {},\n  \
         \"view3d_free\": {},\n  \"view3d_free_share\": {},\n  \"texts\": {},\n  \
         \"widgets\": {}\n}}\n",
        json(&snapshot.window)?,
        json(&snapshot.pixels_per_point)?,
        json(&snapshot.view3d)?,
        json(&snapshot.view3d_free)?,
        json(&snapshot.view3d_free_share)?,
        list(&snapshot.texts)?,
        list(&snapshot.widgets)?,
    ))
}

/// The largest axis-aligned rectangle inside `bounds` that overlaps none of
/// `obstacles` with a positive area (a zero-sized one at `bounds.min` when
/// there is none). Exact: a largest rectangle has its left and right edges
/// on edges of `bounds` or of obstacles, so every such pair is tried with
/// the tallest free gap between them. Only the [`MAX_OBSTACLES`] largest
/// obstacles count.
pub fn largest_free_rect(bounds: egui::Rect, obstacles: &[egui::Rect]) -> egui::Rect {
    let mut best = egui::Rect::from_min_max(bounds.min, bounds.min);
    if !bounds.is_positive() {
        return best;
    }
    let mut blocks: Vec<egui::Rect> = obstacles
        .iter()
        .map(|o| o.intersect(bounds))
        .filter(egui::Rect::is_positive)
        .collect();
    blocks.sort_by(|a, b| b.area().total_cmp(&a.area()));
    blocks.truncate(MAX_OBSTACLES);
    let mut xs = vec![bounds.min.x, bounds.max.x];
    xs.extend(blocks.iter().flat_map(|b| [b.min.x, b.max.x]));
    xs.sort_by(f32::total_cmp);
    xs.dedup();
    let mut best_area = 0.0;
    let mut spans = Vec::with_capacity(blocks.len());
    for (i, &left) in xs.iter().enumerate() {
        for &right in &xs[i + 1..] {
            if (right - left) * bounds.height() <= best_area {
                continue;
            }
            let (top, bottom) = tallest_gap(left, right, bounds, &blocks, &mut spans);
            let area = (right - left) * (bottom - top);
            if area > best_area {
                best_area = area;
                best = egui::Rect::from_min_max(egui::pos2(left, top), egui::pos2(right, bottom));
            }
        }
    }
    best
}

/// The tallest span of `bounds`' height free of the `blocks` that overlap
/// the columns from `left` to `right` (`spans` is scratch space).
fn tallest_gap(
    left: f32,
    right: f32,
    bounds: egui::Rect,
    blocks: &[egui::Rect],
    spans: &mut Vec<(f32, f32)>,
) -> (f32, f32) {
    spans.clear();
    spans.extend(
        blocks
            .iter()
            .filter(|b| b.min.x < right && b.max.x > left)
            .map(|b| (b.min.y, b.max.y)),
    );
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut best = (bounds.min.y, bounds.min.y);
    let mut cursor = bounds.min.y;
    for &(top, bottom) in spans.iter() {
        if top - cursor > best.1 - best.0 {
            best = (cursor, top);
        }
        cursor = cursor.max(bottom);
    }
    if bounds.max.y - cursor > best.1 - best.0 {
        best = (cursor, bounds.max.y);
    }
    best
}

/// The texts of `texts` whose centre lies inside `widget`, joined by
/// spaces.
pub fn widget_label(widget: egui::Rect, texts: &[LayoutText]) -> String {
    texts
        .iter()
        .filter(|t| {
            let [x, y, w, h] = t.rect;
            widget.contains(egui::pos2(x + w / 2.0, y + h / 2.0))
        })
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `v` to one decimal.
fn round1(v: f32) -> f32 {
    (v * 10.0).round() / 10.0
}

/// `r` as `[x, y, w, h]`, to one decimal.
fn xywh(r: egui::Rect) -> [f32; 4] {
    [
        round1(r.min.x),
        round1(r.min.y),
        round1(r.width()),
        round1(r.height()),
    ]
}

/// `r` (egui points) in physical pixels.
fn to_px(r: egui::Rect, ppp: f32) -> egui::Rect {
    egui::Rect::from_min_max(r.min * ppp, r.max * ppp)
}

/// The texts among `shapes` (already in global points), in physical pixels.
fn gather_texts(shapes: &[egui::epaint::ClippedShape], ppp: f32) -> Vec<LayoutText> {
    let mut out = Vec::new();
    for clipped in shapes {
        shape_texts(&clipped.shape, clipped.clip_rect, ppp, &mut out);
    }
    out
}

fn shape_texts(shape: &egui::Shape, clip: egui::Rect, ppp: f32, out: &mut Vec<LayoutText>) {
    match shape {
        egui::Shape::Text(t) => out.extend(drawn_text(t, clip, ppp)),
        egui::Shape::Vec(shapes) => {
            for s in shapes {
                shape_texts(s, clip, ppp, out);
            }
        }
        _ => {}
    }
}

/// A text shape as reported: none when blank or wholly clipped away.
fn drawn_text(t: &egui::epaint::TextShape, clip: egui::Rect, ppp: f32) -> Option<LayoutText> {
    let text = t.galley.text().trim();
    if text.is_empty() {
        return None;
    }
    // The rows' own rectangles: a label in a wrapping row starts its galley
    // at the row's left edge, well before its first letter.
    let rect = t
        .galley
        .rows
        .iter()
        .filter_map(|r| {
            let (first, last) = (r.row.glyphs.first()?, r.row.glyphs.last()?);
            let rect = r.rect();
            Some(egui::Rect::from_x_y_ranges(
                r.pos.x + first.pos.x..=r.pos.x + last.pos.x + last.advance_width,
                rect.y_range(),
            ))
        })
        .reduce(|a, b| a.union(b))
        .unwrap_or(t.galley.rect)
        .translate(t.pos.to_vec2());
    if !rect.intersect(clip).is_positive() {
        return None;
    }
    let size = t
        .galley
        .job
        .sections
        .iter()
        .map(|s| s.format.font_id.size)
        .fold(0.0_f32, f32::max);
    Some(LayoutText {
        text: text.replace('\n', " "),
        rect: xywh(to_px(rect, ppp)),
        size_px: round1(size * ppp),
        clipped: !clip.expand(CLIP_SLACK_PT).contains_rect(rect),
        lines: t
            .galley
            .rows
            .iter()
            .filter(|r| !r.row.glyphs.is_empty())
            .count(),
    })
}

/// The enabled widgets of the pass just ended that sense clicks or drags,
/// in global points.
fn interactive_widgets(ctx: &egui::Context) -> Vec<egui::Rect> {
    let widgets: Vec<egui::WidgetRect> = ctx.viewport(|vp| {
        vp.prev_pass
            .widgets
            .layers()
            .flat_map(|(_, rects)| rects.iter().copied())
            .filter(|w| w.enabled && (w.sense.senses_click() || w.sense.senses_drag()))
            .collect()
    });
    let mut rects: Vec<egui::Rect> = ctx.memory(|m| {
        widgets
            .iter()
            .map(|w| match m.to_global.get(&w.layer_id) {
                Some(t) => *t * w.interact_rect,
                None => w.interact_rect,
            })
            .filter(egui::Rect::is_positive)
            .collect()
    });
    rects.sort_by(|a, b| {
        a.min
            .y
            .total_cmp(&b.min.y)
            .then(a.min.x.total_cmp(&b.min.x))
    });
    rects
}

/// The rectangles (global points) of the visible floating areas: windows,
/// popups and menus (not the background panels, tooltips or debug text).
fn floating_areas(ctx: &egui::Context) -> Vec<egui::Rect> {
    ctx.memory(|m| {
        m.areas()
            .visible_layer_ids()
            .into_iter()
            .filter(|l| matches!(l.order, egui::Order::Middle | egui::Order::Foreground))
            .filter_map(|l| {
                let r = m.area_rect(l.id)?;
                Some(m.to_global.get(&l).map_or(r, |t| *t * r))
            })
            .filter(egui::Rect::is_positive)
            .collect()
    })
}

/// Measures what egui drew this frame into [`DrawnLayout`].
fn measure_layout(
    mut contexts: Query<(&mut EguiContext, &EguiFullOutput), With<PrimaryEguiContext>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    view_rect: Option<Res<ViewRect>>,
    mut drawn: ResMut<DrawnLayout>,
) {
    let Ok((mut context, output)) = contexts.single_mut() else {
        return;
    };
    let Some(full) = &output.0 else {
        return;
    };
    let Ok(window) = windows.single() else {
        return;
    };
    let ctx: &egui::Context = context.get_mut();
    let ppp = match ctx.pixels_per_point() {
        p if p > 0.0 && p.is_finite() => p,
        _ => 1.0,
    };
    let size = [window.physical_width(), window.physical_height()];
    let window_px =
        egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(size[0] as f32, size[1] as f32));
    let view = view_rect
        .and_then(|v| v.rect)
        .map_or(window_px, |r| to_px(r, ppp));
    let obstacles: Vec<egui::Rect> = floating_areas(ctx)
        .into_iter()
        .map(|r| to_px(r, ppp))
        .collect();
    let free = largest_free_rect(view, &obstacles);
    let window_area = window_px.area();
    let share = if window_area > 0.0 {
        free.area() / window_area
    } else {
        0.0
    };
    let texts = gather_texts(&full.shapes, ppp);
    let widgets = interactive_widgets(ctx)
        .into_iter()
        .map(|r| {
            let rect = to_px(r, ppp);
            LayoutWidget {
                label: widget_label(rect, &texts),
                rect: xywh(rect),
                interactive: true,
            }
        })
        .collect();
    drawn.0 = Some(LayoutSnapshot {
        window: size,
        pixels_per_point: ppp,
        view3d: xywh(view),
        view3d_free: xywh(free),
        view3d_free_share: (share * 1000.0).round() / 1000.0,
        texts,
        widgets,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> egui::Rect {
        egui::Rect::from_min_max(egui::pos2(x0, y0), egui::pos2(x1, y1))
    }

    #[test]
    fn nothing_in_the_way_leaves_the_whole_view() {
        let bounds = rect(10.0, 20.0, 110.0, 70.0);
        assert_eq!(largest_free_rect(bounds, &[]), bounds);
    }

    #[test]
    fn one_obstacle_in_a_corner() {
        // Beside it: 150 × 100 = 15000; below it: 200 × 80 = 16000.
        let free = largest_free_rect(rect(0.0, 0.0, 200.0, 100.0), &[rect(0.0, 0.0, 50.0, 20.0)]);
        assert_eq!(free, rect(0.0, 20.0, 200.0, 100.0));
    }

    #[test]
    fn two_obstacles() {
        // A bar down the left and a block at the top right: between them
        // 50 × 100 = 5000 beats below the block, 90 × 50 = 4500.
        let free = largest_free_rect(
            rect(0.0, 0.0, 100.0, 100.0),
            &[rect(0.0, 0.0, 10.0, 100.0), rect(60.0, 0.0, 100.0, 50.0)],
        );
        assert_eq!(free, rect(10.0, 0.0, 60.0, 100.0));
    }

    #[test]
    fn an_obstacle_in_the_middle_leaves_a_side() {
        let free = largest_free_rect(
            rect(0.0, 0.0, 100.0, 100.0),
            &[rect(40.0, 40.0, 60.0, 60.0)],
        );
        assert_eq!(free.area(), 4000.0);
        assert!(!free.intersect(rect(40.0, 40.0, 60.0, 60.0)).is_positive());
    }

    #[test]
    fn obstacles_outside_are_clipped_and_touching_ones_do_not_block() {
        let free = largest_free_rect(
            rect(0.0, 0.0, 100.0, 100.0),
            &[
                rect(-50.0, -50.0, 0.0, 200.0),
                rect(80.0, -10.0, 300.0, 300.0),
            ],
        );
        assert_eq!(free, rect(0.0, 0.0, 80.0, 100.0));
    }

    #[test]
    fn an_obstacle_over_everything_leaves_nothing() {
        let free = largest_free_rect(
            rect(0.0, 0.0, 100.0, 100.0),
            &[rect(-1.0, -1.0, 101.0, 101.0)],
        );
        assert_eq!(free.area(), 0.0);
    }

    fn text(s: &str, rect: [f32; 4]) -> LayoutText {
        LayoutText {
            text: s.to_owned(),
            rect,
            size_px: 14.0,
            clipped: false,
            lines: 1,
        }
    }

    #[test]
    fn a_widget_is_labelled_by_the_texts_centred_on_it() {
        let texts = [
            text("Play", [12.0, 12.0, 30.0, 10.0]),
            text("fast", [45.0, 12.0, 20.0, 10.0]),
            text("elsewhere", [200.0, 12.0, 30.0, 10.0]),
            // Overlaps the button, but its centre is outside.
            text("below", [10.0, 28.0, 40.0, 20.0]),
        ];
        assert_eq!(
            widget_label(rect(10.0, 10.0, 80.0, 30.0), &texts),
            "Play fast"
        );
        assert_eq!(widget_label(rect(500.0, 10.0, 580.0, 30.0), &texts), "");
    }

    #[test]
    fn the_report_escapes_texts_and_reads_back() {
        let snapshot = LayoutSnapshot {
            window: [1280, 720],
            pixels_per_point: 1.5,
            view3d: [0.0, 30.0, 1280.0, 600.0],
            view3d_free: [0.0, 30.0, 900.0, 600.0],
            view3d_free_share: 0.586,
            texts: vec![
                text("say \"hi\"\\ now\tthen", [1.0, 2.0, 3.0, 4.0]),
                text("ünïcode ⟦x⟧", [5.0, 6.0, 7.0, 8.0]),
            ],
            widgets: vec![LayoutWidget {
                label: "a \"b\"".to_owned(),
                rect: [1.5, 2.5, 3.5, 4.5],
                interactive: true,
            }],
        };
        let json = report_json(&snapshot).expect("serialises");
        assert!(json.contains(r#""say \"hi\"\\ now\tthen""#), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back["window"], serde_json::json!([1280, 720]));
        assert_eq!(back["texts"][0]["text"], "say \"hi\"\\ now\tthen");
        assert_eq!(back["texts"][1]["text"], "ünïcode ⟦x⟧");
        assert_eq!(back["widgets"][0]["label"], "a \"b\"");
        assert_eq!(back["widgets"][0]["interactive"].as_bool(), Some(true));
        assert_eq!(
            back["view3d_free_share"]
                .as_f64()
                .map(|v| (v * 1000.0).round()),
            Some(586.0)
        );
        assert_eq!(back["texts"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn an_empty_report_is_valid_json() {
        let snapshot = LayoutSnapshot {
            window: [0, 0],
            pixels_per_point: 1.0,
            view3d: [0.0; 4],
            view3d_free: [0.0; 4],
            view3d_free_share: 0.0,
            texts: Vec::new(),
            widgets: Vec::new(),
        };
        let json = report_json(&snapshot).expect("serialises");
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back["texts"], serde_json::json!([]));
    }

    #[test]
    fn the_report_sits_beside_the_screenshot() {
        assert_eq!(
            report_path_beside(Path::new("shots/a.png")),
            PathBuf::from("shots/a.layout.json")
        );
    }
}
