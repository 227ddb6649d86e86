//! The lesson panel: the step's text in large type, where the lesson is,
//! what moves it on, and Back, Show me and Next.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use crate::app::control::action::Action;
use crate::app::control::queue::PendingActions;
use crate::app::modes::lesson::{LessonAction, LessonMode, Until};
use crate::app::theme::palette;
use crate::lang::tr;
use crate::tr;

use super::{Stage, ink};
use crate::app::control::view::ViewRect;

fn big(text: impl Into<String>, size: f32) -> egui::RichText {
    egui::RichText::new(text).size(size)
}

/// Draws the lesson being followed (after the main interface).
pub(super) fn lesson_ui(
    mut contexts: EguiContexts,
    mode: Option<Res<LessonMode>>,
    mut actions: ResMut<PendingActions>,
    view: Res<ViewRect>,
) -> Result {
    let Some(mode) = mode else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    let stage = Stage::of(ctx, &view);
    // Narrower than half the view: the camera turns the step's subject to
    // the view's centre, and the panel stays clear of it.
    let width = (stage.width() * 0.42).clamp(260.0, 620.0);
    let lesson = &mode.prepared.lesson;
    let step = &lesson.steps[mode.step];
    // Bottom left of the 3D view, clear of the alerts banner at its top.
    let (align, offset) = stage.anchor(egui::Align2::LEFT_BOTTOM, 10.0);
    egui::Window::new(big(lesson.title.get(), 22.0).strong())
        .id("lesson".into())
        .anchor(align, offset)
        .collapsible(true)
        .resizable(false)
        .default_width(width)
        .show(ctx, |ui| {
            ui.set_max_width(width);
            ui.label(
                big(
                    tr!("lesson.step_of", n = mode.step + 1, of = lesson.steps.len()),
                    16.0,
                )
                .color(ink(ui, palette::LIGHT_GREY)),
            );
            ui.add_space(4.0);
            ui.label(big(step.text.get(), 24.0).strong());
            ui.add_space(8.0);
            if mode.finished {
                ui.label(
                    big(tr("lesson.complete"), 20.0)
                        .color(ink(ui, palette::GREEN))
                        .strong(),
                );
            } else {
                let hint = if mode.step + 1 == lesson.steps.len() && step.until == Until::Next {
                    tr("lesson.until_finish").to_owned()
                } else {
                    step.until.hint()
                };
                ui.label(big(hint, 18.0).color(ink(ui, palette::ORANGE)));
            }
            ui.horizontal(|ui| {
                let back = ui.add_enabled(
                    mode.step > 0,
                    egui::Button::new(big(tr("lesson.back"), 20.0)),
                );
                if back.clicked() {
                    actions.push(Action::Lesson(LessonAction::Back));
                }
                if !step.show_me.is_empty()
                    && !mode.finished
                    && ui
                        .button(big(tr("lesson.show_me"), 20.0).strong())
                        .clicked()
                {
                    actions.push(Action::Lesson(LessonAction::ShowMe));
                }
                let next_label = if mode.step + 1 == lesson.steps.len() {
                    tr("lesson.finish")
                } else if step.until == Until::Next {
                    tr("lesson.next")
                } else {
                    tr("lesson.skip")
                };
                if !mode.finished && ui.button(big(next_label, 20.0).strong()).clicked() {
                    actions.push(Action::Lesson(LessonAction::Next));
                }
                if ui.button(big(tr("lesson.close"), 16.0)).clicked() {
                    actions.push(Action::Lesson(LessonAction::Close));
                }
            });
        });
    Ok(())
}
