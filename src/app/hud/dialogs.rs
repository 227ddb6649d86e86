//! Dialogs: a file's errors, long work in progress, the help.

use super::*;
use crate::lang::{num, tr};
use crate::tr;

pub(super) fn errors_window(
    ctx: &egui::Context,
    source: &ScenarioSource,
    actions: &mut PendingActions,
) {
    if source.errors.is_empty() {
        return;
    }
    let file = source
        .failed_path
        .as_deref()
        .map(file_name)
        .unwrap_or_default();
    egui::Window::new(egui::RichText::new(tr!("dialog.file_has_errors", file = file)).strong())
        .id("errors".into())
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .show(ctx, |ui| {
            for e in &source.errors {
                ui.label(
                    egui::RichText::new(e)
                        .monospace()
                        .color(ink(ui, palette::VERMILLION)),
                );
            }
            ui.horizontal(|ui| {
                if let Some(path) = &source.failed_path
                    && ui.button(tr("dialog.try_again")).clicked()
                {
                    actions.push(Action::LoadScenario(path.clone()));
                }
                if ui.button(tr("dialog.keep_running")).clicked() {
                    actions.push(Action::DismissErrors);
                }
            });
        });
}

/// Progress of a jump (with Cancel) or of a scenario being read.
pub(super) fn long_work_window(
    ctx: &egui::Context,
    live: &Live,
    jump: Option<&crate::app::control::long_work::Jump>,
    loading: Option<&crate::app::control::long_work::Loading>,
    actions: &mut PendingActions,
) {
    if jump.is_none() && loading.is_none() {
        return;
    }
    egui::Window::new(egui::RichText::new(tr("dialog.working")).strong())
        .id("long work".into())
        .title_bar(false)
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 90.0))
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            if let Some(loading) = loading {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(
                        egui::RichText::new(tr!(
                            "dialog.reading",
                            file = file_name(&loading.path),
                            s = num(loading.started.elapsed().as_secs_f64(), 0)
                        ))
                        .size(18.0),
                    );
                });
            }
            if let Some(jump) = jump {
                let done = jump.progress(live.clock.steps);
                ui.label(egui::RichText::new(&jump.label).size(18.0).strong());
                ui.label(
                    egui::RichText::new(tr!(
                        "dialog.now",
                        at = crate::lang::date_time(live.clock.now())
                    ))
                    .size(16.0),
                );
                ui.add(
                    egui::ProgressBar::new(done as f32)
                        .text(with_unit(num(done * 100.0, 0), Unit::Percent))
                        .desired_width(360.0),
                );
                if ui
                    .button(egui::RichText::new(tr("dialog.cancel")).size(16.0))
                    .clicked()
                {
                    actions.push(Action::CancelJump);
                }
            }
        });
}

/// The help overlay (F1, ?, the charts panel's Help) is open.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HelpPanel(pub bool);

pub(super) fn help_window(ctx: &egui::Context, help: &mut HelpPanel) {
    let mut open = true;
    egui::Window::new(egui::RichText::new(tr("help.title")).strong())
        .id("help".into())
        .open(&mut open)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .collapsible(false)
        .show(ctx, |ui| {
            // Fits the window: the table scrolls inside.
            egui::ScrollArea::vertical()
                .max_height((ctx.content_rect().height() - 120.0).max(120.0))
                .show(ui, |ui| {
                    egui::Grid::new("shortcuts")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for row in SHORTCUTS {
                                let (key, what) = shortcut_row(crate::lang::current(), row);
                                ui.label(egui::RichText::new(key).strong().monospace());
                                ui.label(what);
                                ui.end_row();
                            }
                        });
                    ui.separator();
                    ui.label(tr("help.colours"));
                    ui.label(tr("help.windows"));
                });
        });
    if !open {
        help.0 = false;
    }
}

/// Asks before an action drops unsaved edits (loading, reloading, closing).
pub(super) fn unsaved_edits_window(
    ctx: &egui::Context,
    held: &crate::app::control::editing::HeldForUnsavedEdits,
    actions: &mut PendingActions,
) {
    let what = match &held.action {
        Action::LoadScenario(path) | Action::OpenChallenge(path) | Action::OpenLesson(path) => {
            tr!("dialog.open_file", file = file_name(path))
        }
        Action::Reload => tr("dialog.reload_file").to_owned(),
        _ => tr("dialog.close_window").to_owned(),
    };
    egui::Window::new(
        egui::RichText::new(tr("dialog.unsaved_edits"))
            .strong()
            .size(20.0),
    )
    .id("unsaved".into())
    .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
    .collapsible(false)
    .resizable(false)
    .show(ctx, |ui| {
        ui.label(
            egui::RichText::new(if held.edits == 1 {
                tr!("dialog.one_edit_lost", what = what)
            } else {
                tr!("dialog.edits_lost", what = what, n = held.edits)
            })
            .size(17.0),
        );
        ui.horizontal(|ui| {
            if ui
                .button(egui::RichText::new(tr("dialog.keep_editing")).size(17.0))
                .clicked()
            {
                actions.push(Action::KeepEdits);
            }
            if ui
                .button(
                    egui::RichText::new(tr("dialog.discard_edits"))
                        .size(17.0)
                        .color(ink(ui, palette::VERMILLION)),
                )
                .clicked()
            {
                actions.push(Action::DiscardEdits);
            }
        });
        ui.label(tr("dialog.keep_editing_hint"));
    });
}
