//! The challenge's screens: the list of challenges with the stars earned,
//! the briefing, the goals panel (the rules while designing, live meters
//! while running) and the results.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use crate::app::control::action::Action;
use crate::app::control::editing::EditHistory;
use crate::app::control::queue::PendingActions;
use crate::app::control::requests::ScreenshotRequest;
use crate::app::modes::challenge::{
    ChallengeAction, ChallengeMode, HAND_IN_FOLDER, Phase, ReportCard,
};
use crate::app::theme::palette;
use crate::challenge::{goals::num, progress};
use crate::lang::eur;
use crate::lang::{Text, tr};
use crate::tr;

use super::{Stage, c32, ink};
use crate::app::control::view::ViewRect;

/// Where the shipped challenges are.
pub const CHALLENGE_FOLDER: &str = "scenes/challenges";
/// Where the shipped lessons are.
pub const LESSON_FOLDER: &str = "scenes/lessons";

/// The lesson files of a folder, in name order, with their titles and minutes.
pub fn lesson_files(folder: &std::path::Path) -> Vec<(PathBuf, Text, u32)> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Text, u32)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".lesson.ron"))
        .map(|p| {
            let read = crate::scenario::error::read_text(&p).ok().and_then(|t| {
                crate::scenario::error::parse_ron::<crate::app::modes::lesson::Lesson>(
                    &t, "", "Lesson", "",
                )
                .ok()
            });
            let (title, minutes) = read.map_or_else(
                || (Text::english(crate::challenge::stem_of(&p)), 0),
                |l| (l.title, l.minutes),
            );
            (p, title, minutes)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn big(text: impl Into<String>, size: f32) -> egui::RichText {
    egui::RichText::new(text).size(size)
}

/// Enter was pressed, and no text field has the keyboard (typing a file
/// name and pressing Enter must not start a run).
fn enter_pressed(ui: &egui::Ui) -> bool {
    ui.memory(|m| m.focused().is_none()) && ui.input(|i| i.key_pressed(egui::Key::Enter))
}

fn stars(earned: u32, of: u32) -> String {
    (0..of)
        .map(|i| if i < earned { '★' } else { '☆' })
        .collect()
}

/// The challenge files of a folder, in name order, with their titles.
pub fn challenge_files(folder: &std::path::Path) -> Vec<(PathBuf, Text, u8)> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Text, u8)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".challenge.ron"))
        .map(|p| {
            let (title, difficulty) = crate::scenario::error::read_text(&p)
                .ok()
                .and_then(|t| {
                    crate::scenario::error::parse_ron::<crate::challenge::Challenge>(
                        &t,
                        "",
                        "Challenge",
                        "",
                    )
                    .ok()
                })
                .map_or_else(
                    || (Text::english(crate::challenge::stem_of(&p)), 1),
                    |c| (c.title, c.difficulty),
                );
            (p, title, difficulty)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The list of challenges and lessons (L, the top bar's button) is open.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChallengeList(pub bool);

/// Draws the challenge screens (after the main interface).
/// The student's name the results are exported under (kept for the session).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct StudentName(pub String);

pub(super) fn challenge_ui(
    mut contexts: EguiContexts,
    mode: Option<Res<ChallengeMode>>,
    clock: Res<crate::sim::SimClock>,
    mut list: ResMut<ChallengeList>,
    mut actions: ResMut<PendingActions>,
    mut listed: Local<Option<Listed>>,
    view: Res<ViewRect>,
    (mut student, card, mut screenshot, edits, mut commands): (
        ResMut<StudentName>,
        Option<ResMut<ReportCard>>,
        ResMut<ScreenshotRequest>,
        Res<EditHistory>,
        Commands,
    ),
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let stage = Stage::of(ctx, &view);
    if list.0 {
        let shown = listed.get_or_insert_with(|| Listed {
            challenges: challenge_files(std::path::Path::new(CHALLENGE_FOLDER)),
            lessons: lesson_files(std::path::Path::new(LESSON_FOLDER)),
            record: progress::load(),
        });
        challenge_list(ctx, shown, &mut list, &mut actions);
    } else {
        *listed = None;
    }
    let Some(mode) = mode else {
        return Ok(());
    };
    match mode.phase {
        Phase::Briefing => briefing(ctx, &mode, &mut actions),
        Phase::Design | Phase::Running => goals_panel(ctx, stage, &mode, &clock, &mut actions),
        Phase::Results => {
            results(ctx, &mode, &mut student.0, &mut list, &mut actions);
            if let (Some(mut card), Some(grade)) = (card, &mode.grade) {
                let rect = report_card(ctx, grade, &card.student, &edits);
                card.frames += 1;
                // Photographed once it has been on screen a frame, then gone.
                if card.frames == 2 {
                    let k = ctx.pixels_per_point();
                    screenshot.requested = true;
                    screenshot.path = Some(card.png.clone());
                    screenshot.crop = Some([
                        (rect.min.x * k).floor().max(0.0) as u32,
                        (rect.min.y * k).floor().max(0.0) as u32,
                        (rect.width() * k).ceil() as u32,
                        (rect.height() * k).ceil() as u32,
                    ]);
                } else if card.frames > 4 {
                    commands.remove_resource::<ReportCard>();
                }
            }
        }
    }
    Ok(())
}

/// "Score 200 - spent 3,400 EUR of 20,000 EUR": the results' and the report card's line.
fn score_line(g: &crate::challenge::Grade) -> String {
    tr!(
        "challenge.score_spent",
        score = g.score,
        spent = eur(g.spent_eur),
        budget = eur(g.budget_eur)
    )
}

/// The report card a student hands in: the challenge, the name, the stars
/// and score, each goal's value against its limit, and what the design
/// bought, in dark type on white (it prints). Returns where it was drawn.
fn report_card(
    ctx: &egui::Context,
    g: &crate::challenge::Grade,
    student: &str,
    edits: &EditHistory,
) -> egui::Rect {
    egui::Area::new("report card".into())
        .order(egui::Order::Foreground)
        // Opaque from its first frame: the picture is taken on its second.
        .fade_in(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .interactable(false)
        .show(ctx, |ui| {
            ui.style_mut().visuals = egui::Visuals::light();
            egui::Frame::new()
                .fill(egui::Color32::WHITE)
                .stroke(egui::Stroke::new(2.0, egui::Color32::from_gray(60)))
                .inner_margin(24.0)
                .show(ui, |ui| {
                    ui.set_width(620.0);
                    let dark = egui::Color32::from_gray(20);
                    ui.label(
                        big(tr!("challenge.card_title", title = g.challenge), 26.0)
                            .strong()
                            .color(dark),
                    );
                    ui.label(big(tr!("challenge.card_student", name = student), 20.0).color(dark));
                    ui.label(
                        big(
                            format!(
                                "{}  {}",
                                stars(g.stars, g.max_stars),
                                tr!("challenge.stars_of", n = g.stars, of = g.max_stars)
                            ),
                            22.0,
                        )
                        .color(dark),
                    );
                    ui.label(big(score_line(g), 18.0).color(dark));
                    if !g.eligible {
                        ui.label(big(tr("challenge.not_eligible"), 18.0).color(dark));
                    }
                    ui.separator();
                    for goal in &g.goals {
                        let mark = if goal.passed { "★" } else { "✖" };
                        ui.label(
                            big(
                                format!(
                                    "{mark} {}",
                                    tr!(
                                        "challenge.result_goal",
                                        name = goal.name,
                                        rule = goal.rule
                                    )
                                ),
                                18.0,
                            )
                            .color(dark),
                        );
                        ui.label(
                            big(
                                tr!(
                                    "challenge.card_value",
                                    value = num(goal.value),
                                    limit = num(goal.limit),
                                    unit = goal.unit
                                ),
                                16.0,
                            )
                            .color(dark),
                        );
                    }
                    ui.separator();
                    ui.label(big(tr("challenge.card_parts"), 18.0).strong().color(dark));
                    if edits.spending.spent.is_empty() {
                        ui.label(big(tr("challenge.card_no_parts"), 16.0).color(dark));
                    }
                    for (kind, x) in &edits.spending.spent {
                        ui.label(
                            big(
                                format!("{}: {}", super::build::kind_name(kind), eur(*x)),
                                16.0,
                            )
                            .color(dark),
                        );
                    }
                });
        })
        .response
        .rect
}

/// What the list shows, read when it opens.
pub(super) struct Listed {
    challenges: Vec<(PathBuf, Text, u8)>,
    lessons: Vec<(PathBuf, Text, u32)>,
    record: progress::Progress,
}

fn challenge_list(
    ctx: &egui::Context,
    shown: &Listed,
    list: &mut ChallengeList,
    actions: &mut PendingActions,
) {
    let (files, record) = (&shown.challenges, &shown.record);
    let mut open = true;
    egui::Window::new(big(tr("challenge.list_title"), 24.0).strong())
        .id("challenge list".into())
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .open(&mut open)
        .show(ctx, |ui| {
            // Fits the window: the list scrolls inside (its title and close
            // button stay on screen).
            egui::ScrollArea::vertical()
                .max_height((ctx.content_rect().height() - 140.0).max(160.0))
                .show(ui, |ui| {
                    ui.label(big(tr("challenge.list_intro"), 17.0));
                    ui.add_space(6.0);
                    challenge_rows(ui, files, record, list, actions);
                    ui.separator();
                    ui.label(big(tr("challenge.lessons_title"), 22.0).strong());
                    lesson_rows(ui, &shown.lessons, record, list, actions);
                });
        });
    if !open {
        list.0 = false;
    }
}

/// The challenges' rows: each one's button, difficulty and stars earned.
fn challenge_rows(
    ui: &mut egui::Ui,
    files: &[(PathBuf, Text, u8)],
    record: &progress::Progress,
    list: &mut ChallengeList,
    actions: &mut PendingActions,
) {
    if files.is_empty() {
        ui.label(big(
            tr!("challenge.none_in", folder = CHALLENGE_FOLDER),
            18.0,
        ));
    }
    egui::Grid::new("challenges")
        .spacing([18.0, 10.0])
        .show(ui, |ui| {
            for (path, title, difficulty) in files {
                let stem = crate::challenge::stem_of(path);
                let best = record.best.get(&stem);
                if ui.button(big(title.get(), 20.0)).clicked() {
                    actions.push(Action::OpenChallenge(path.clone()));
                    list.0 = false;
                }
                ui.label(big(
                    tr(match difficulty {
                        1 => "challenge.easy",
                        2 => "challenge.medium",
                        _ => "challenge.hard",
                    }),
                    18.0,
                ));
                ui.label(
                    big(
                        best.map_or_else(
                            || tr("challenge.not_played").to_owned(),
                            |b| stars(b.stars, b.max_stars),
                        ),
                        20.0,
                    )
                    .color(ink(ui, palette::ORANGE)),
                );
                ui.end_row();
            }
        });
}

/// The lessons' rows: each one's button, minutes and whether it is done.
fn lesson_rows(
    ui: &mut egui::Ui,
    lessons: &[(PathBuf, Text, u32)],
    record: &progress::Progress,
    list: &mut ChallengeList,
    actions: &mut PendingActions,
) {
    if lessons.is_empty() {
        ui.label(big(
            tr!("challenge.no_lessons_in", folder = LESSON_FOLDER),
            18.0,
        ));
    }
    egui::Grid::new("lessons")
        .spacing([18.0, 10.0])
        .show(ui, |ui| {
            for (path, title, minutes) in lessons {
                let done = record
                    .best
                    .get(&crate::challenge::stem_of(path))
                    .is_some_and(|b| b.stars > 0);
                if ui.button(big(title.get(), 20.0)).clicked() {
                    actions.push(Action::OpenLesson(path.clone()));
                    list.0 = false;
                }
                ui.label(big(tr!("challenge.minutes", n = minutes), 18.0));
                ui.label(
                    big(if done { tr("challenge.done") } else { "" }, 18.0)
                        .color(ink(ui, palette::GREEN)),
                );
                ui.end_row();
            }
        });
}

fn briefing(ctx: &egui::Context, mode: &ChallengeMode, actions: &mut PendingActions) {
    let c = &mode.prepared.challenge;
    egui::Window::new(big(c.title.get(), 28.0).strong())
        .id("challenge briefing".into())
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .resizable(false)
        .default_width(720.0)
        .show(ctx, |ui| {
            ui.set_max_width(720.0);
            ui.label(big(
                tr!(
                    "challenge.briefing_facts",
                    difficulty = tr(match c.difficulty {
                        1 => "challenge.easy_cap",
                        2 => "challenge.medium_cap",
                        _ => "challenge.hard_cap",
                    }),
                    hours = num(c.hours),
                    start = crate::lang::date_time(mode.prepared.start.scenario.start.0),
                    budget = eur(c.budget_eur)
                ),
                18.0,
            ));
            ui.add_space(8.0);
            ui.label(big(c.briefing.get(), 22.0));
            ui.add_space(8.0);
            ui.label(big(tr("challenge.one_star_each"), 20.0).strong());
            for g in &c.goals {
                ui.label(big(
                    tr!("challenge.goal_line", name = g.name(), rule = g.rule()),
                    19.0,
                ));
            }
            ui.add_space(6.0);
            let tools: Vec<&str> = c.tools.iter().map(|t| t.label()).collect();
            ui.label(big(
                if tools.is_empty() {
                    tr("challenge.no_tools").to_owned()
                } else {
                    tr!("challenge.tools", tools = tools.join(", "))
                },
                18.0,
            ));
            if let Some(best) = mode.best {
                ui.label(
                    big(
                        tr!(
                            "challenge.your_best",
                            stars = stars(best.stars, best.max_stars),
                            score = best.score
                        ),
                        18.0,
                    )
                    .color(ink(ui, palette::ORANGE)),
                );
            }
            ui.add_space(10.0);
            let go = ui.button(big(tr("challenge.start_designing"), 22.0).strong());
            if go.clicked() || enter_pressed(ui) {
                actions.push(Action::Challenge(ChallengeAction::Begin));
            }
        });
}

/// A goal's line: its mark, name, and value against the limit.
fn meter_line(ui: &mut egui::Ui, meter: &crate::challenge::Meter, finished: bool, live: bool) {
    let r = meter.reading(finished);
    let (mark, colour) = if !live {
        ("☆", palette::LIGHT_GREY)
    } else if r.passed {
        // Holding so far (an "at most" goal can still fail later).
        ("○", palette::GREEN)
    } else if r.breach.is_some() || finished {
        ("✖", palette::VERMILLION)
    } else {
        ("…", palette::ORANGE)
    };
    ui.horizontal(|ui| {
        ui.label(big(mark, 20.0).color(c32(colour)).strong());
        ui.vertical(|ui| {
            ui.label(big(meter.goal.name(), 20.0).strong());
            ui.label(big(meter.goal.rule(), 16.0));
            if live {
                ui.label(big(r.note.clone(), 19.0).color(c32(colour)).strong());
            }
        });
    });
}

fn goals_panel(
    ctx: &egui::Context,
    stage: Stage,
    mode: &ChallengeMode,
    clock: &crate::sim::SimClock,
    actions: &mut PendingActions,
) {
    let c = &mode.prepared.challenge;
    let running = mode.phase == Phase::Running;
    egui::Window::new(big(c.title.get(), 20.0).strong())
        .id("challenge goals".into())
        // Bottom left of the 3D view, clear of the alerts banner; above
        // the toolbox's row, which is centred at the view's foot.
        .anchor(
            stage.anchor(egui::Align2::LEFT_BOTTOM, 10.0).0,
            stage.anchor(egui::Align2::LEFT_BOTTOM, 10.0).1 - egui::vec2(0.0, 110.0),
        )
        .collapsible(true)
        .resizable(false)
        .default_width(360.0)
        .show(ctx, |ui| {
            ui.set_max_width(360.0);
            for m in &mode.meters {
                meter_line(ui, m, false, running);
            }
            ui.separator();
            if running {
                let steps = mode.run_steps().max(1);
                let share = clock.steps as f32 / steps as f32;
                ui.add(
                    egui::ProgressBar::new(share.min(1.0))
                        .text(big(crate::lang::short_day_time(clock.now()), 16.0)),
                );
                if ui
                    .button(big(tr("challenge.stop_and_change"), 16.0))
                    .clicked()
                {
                    actions.push(Action::Challenge(ChallengeAction::TryAgain));
                }
            } else {
                ui.label(big(tr("challenge.build_then_run"), 16.0));
                // No Enter here: it confirms the build panel's fields.
                if ui.button(big(tr("challenge.run"), 20.0).strong()).clicked() {
                    actions.push(Action::Challenge(ChallengeAction::Run));
                }
                if ui.button(big(tr("challenge.briefing"), 16.0)).clicked() {
                    actions.push(Action::Challenge(ChallengeAction::Briefing));
                }
            }
        });
}

/// A goal's first failure ("2025-06-21 18:00"), the way of the language in force.
fn when_text(when: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M")
        .map_or_else(|_| when.to_owned(), crate::lang::date_time)
}

/// Where a goal failed, for people: the transformer and a cable in words
/// (the place itself stays as the camera reads it).
fn place_text(place: &str) -> String {
    if place == "the transformer" {
        tr("challenge.place_transformer").to_owned()
    } else if let Some(ends) = place.strip_prefix("the cable ") {
        tr!("challenge.place_cable", ends = ends)
    } else {
        place.to_owned()
    }
}

fn results(
    ctx: &egui::Context,
    mode: &ChallengeMode,
    student: &mut String,
    list: &mut ChallengeList,
    actions: &mut PendingActions,
) {
    let Some(g) = &mode.grade else {
        return;
    };
    egui::Window::new(big(tr!("challenge.results_title", title = g.challenge), 26.0).strong())
        .id("challenge results".into())
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .resizable(false)
        .default_width(760.0)
        .show(ctx, |ui| {
            ui.set_max_width(760.0);
            results_header(ui, g, mode.new_best);
            ui.separator();
            goal_table(ui, g, actions);
            ui.separator();
            results_buttons(ui, actions);
            ui.separator();
            hand_in(ui, student, list, actions);
        });
}

/// The results' header: the stars, score and spending, and why the run may not count.
fn results_header(ui: &mut egui::Ui, g: &crate::challenge::Grade, new_best: bool) {
    ui.horizontal(|ui| {
        ui.label(big(stars(g.stars, g.max_stars), 44.0).color(ink(ui, palette::ORANGE)));
        ui.vertical(|ui| {
            ui.label(
                big(
                    tr!("challenge.stars_of", n = g.stars, of = g.max_stars),
                    22.0,
                )
                .strong(),
            );
            ui.label(big(score_line(g), 18.0));
            ui.label(big(tr("challenge.score_explained"), 14.0));
            if new_best {
                ui.label(big(tr("challenge.new_best"), 18.0).color(ink(ui, palette::GREEN)));
            }
        });
    });
    if !g.eligible {
        ui.label(
            big(tr("challenge.not_eligible"), 19.0)
                .color(ink(ui, palette::VERMILLION))
                .strong(),
        );
        for r in &g.reasons {
            ui.label(
                big(tr!("challenge.reason_line", reason = r), 17.0)
                    .color(ink(ui, palette::VERMILLION)),
            );
        }
    }
}

/// The results' goal table: each goal's mark, rule, value and first failure.
fn goal_table(ui: &mut egui::Ui, g: &crate::challenge::Grade, actions: &mut PendingActions) {
    for goal in &g.goals {
        ui.horizontal(|ui| {
            let (mark, colour) = if goal.passed {
                ("★", palette::ORANGE)
            } else {
                ("✖", palette::VERMILLION)
            };
            ui.label(big(mark, 24.0).color(c32(colour)));
            ui.vertical(|ui| {
                ui.label(
                    big(
                        tr!("challenge.result_goal", name = goal.name, rule = goal.rule),
                        18.0,
                    )
                    .strong(),
                );
                let mut line = tr!(
                    "challenge.result_note",
                    note = goal.note,
                    limit = num(goal.limit),
                    unit = goal.unit
                );
                if let Some(when) = &goal.first_failed {
                    line.push_str(&match &goal.place {
                        Some(place) => tr!(
                            "challenge.first_failed_at",
                            when = when_text(when),
                            place = place_text(place)
                        ),
                        None => tr!("challenge.first_failed", when = when_text(when)),
                    });
                }
                ui.horizontal(|ui| {
                    ui.label(big(line, 17.0));
                    if let Some(place) = &goal.place
                        && ui.button(big(tr("challenge.show"), 16.0)).clicked()
                    {
                        actions.push(Action::LookAt(place.clone()));
                    }
                });
            });
        });
    }
}

/// Handing in: the student's name, Export (the report card as PNG and
/// the grade as JSON in `hand-in/`), and back to the list of challenges.
fn hand_in(
    ui: &mut egui::Ui,
    student: &mut String,
    list: &mut ChallengeList,
    actions: &mut PendingActions,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(big(tr("challenge.your_name"), 18.0));
        ui.add(egui::TextEdit::singleline(student).desired_width(220.0));
        if ui
            .button(big(tr("challenge.export"), 18.0).strong())
            .on_hover_text(tr!("challenge.export_hover", folder = HAND_IN_FOLDER))
            .clicked()
        {
            actions.push(Action::ExportResults(student.clone()));
        }
        if ui.button(big(tr("challenge.back_to_list"), 18.0)).clicked() {
            actions.push(Action::Challenge(ChallengeAction::TryAgain));
            list.0 = true;
        }
    });
}

/// The results' buttons: try again (Enter) and replay.
fn results_buttons(ui: &mut egui::Ui, actions: &mut PendingActions) {
    ui.horizontal(|ui| {
        if ui
            .button(big(tr("challenge.try_again"), 20.0).strong())
            .clicked()
            || enter_pressed(ui)
        {
            actions.push(Action::Challenge(ChallengeAction::TryAgain));
        }
        if ui.button(big(tr("challenge.replay"), 20.0)).clicked() {
            actions.push(Action::Challenge(ChallengeAction::Replay));
        }
    });
    ui.label(big(tr("challenge.try_again_keeps"), 15.0));
}
