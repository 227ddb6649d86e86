//! A class's panels. The teacher's: the class's name and the code to join
//! in large type, who is here, the class table, and End class (then the
//! results, saved as CSV, JSON and a picture). A student's: their house,
//! their bill and budget, their offer in the market, and the class.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use crate::app::control::action::ClassAction;
use crate::app::control::action::{Action, Panel};
use crate::app::control::queue::PendingActions;
use crate::app::control::view::ViewRect;
use crate::app::modes::class::ClassRole;
use crate::app::theme::palette;
use crate::class::mirror::{Joining, Mirror};
use crate::class::protocol::{ClassClock, Seat};
use crate::lang::tr;
use crate::scenario::edit::Edit;
use crate::sim::Neighbourhood;
use crate::sim::prices::CurrentPrices;
use crate::tr;

use super::{Stage, ink};

fn big(text: impl Into<String>, size: f32) -> egui::RichText {
    egui::RichText::new(text).size(size)
}

/// EUR to the cent, without a minus on nothing ("-0.00").
fn cents(eur: f64) -> String {
    let eur = if eur.abs() < 0.005 { 0.0 } else { eur };
    format!("{eur:.2}")
}

/// Most rows of the class table shown at once (more scroll).
const TABLE_ROWS: usize = 12;

/// The message the teacher is writing for everyone.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub(super) struct BannerField(String);

/// The student's offer being set, ct/kWh: sell at, buy up to.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub(super) struct OfferFields {
    ask_ct: f64,
    bid_ct: f64,
}

impl Default for OfferFields {
    fn default() -> Self {
        Self {
            ask_ct: 10.0,
            bid_ct: 25.0,
        }
    }
}

/// The class's panel, whichever side this window is.
#[allow(clippy::too_many_arguments)]
pub(super) fn class_ui(
    mut contexts: EguiContexts,
    role: Option<Res<ClassRole>>,
    mirror: Option<Res<Mirror>>,
    seats: Query<&Seat>,
    clocks: Query<&ClassClock>,
    hood: Res<Neighbourhood>,
    prices: Res<CurrentPrices>,
    mut offer: ResMut<OfferFields>,
    mut banner: ResMut<BannerField>,
    mut actions: ResMut<PendingActions>,
    view: Res<ViewRect>,
    (listener, mut pin): (Option<Res<crate::class::announce::Listener>>, Local<String>),
) -> Result {
    let Some(role) = role else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    let stage = Stage::of(ctx, &view);
    let mut rows: Vec<&Seat> = seats.iter().filter(|s| s.student.is_some()).collect();
    rows.sort_by(|a, b| a.student.cmp(&b.student));
    let clock = clocks.iter().next();
    if let Some(text) = clock.and_then(|c| c.banner.as_deref()) {
        banner_window(ctx, &stage, text);
    }
    let width = (stage.width() * 0.36).clamp(300.0, 500.0);
    // Bottom right: the top of the view has the alerts' banner and, on
    // an island, the frequency dial.
    let (align, offset) = stage.anchor(egui::Align2::RIGHT_BOTTOM, 10.0);
    match &*role {
        ClassRole::Teacher {
            class,
            join,
            results,
            saved,
            not_saved,
        } => {
            if let Some(report) = results {
                results_window(ctx, &stage, class, report, saved.as_ref());
                return Ok(());
            }
            class_panel(ctx, (align, offset), width, class, |ui| {
                ui.label(big(tr("class.join_with"), 16.0));
                ui.label(big(join.clone(), 34.0).strong().monospace());
                ui.label(big(tr("class.join_hint"), 15.0).color(ink(ui, palette::LIGHT_GREY)));
                ui.add_space(6.0);
                let here = rows.iter().filter(|s| s.connected).count();
                ui.label(big(
                    tr!("class.here", here = here, seated = rows.len()),
                    18.0,
                ));
                let houses = &hood.0.scenario.houses;
                table(ui, &rows, Some((houses, &mut actions)));
                ui.add_space(6.0);
                teacher_controls(ui, clock, &mut banner, &mut actions);
                if let Some(why) = not_saved {
                    ui.label(
                        big(tr!("class.session_not_saved", why = why), 15.0)
                            .color(ink(ui, palette::VERMILLION)),
                    );
                }
            });
        }
        ClassRole::Student => {
            let Some(mirror) = mirror else {
                return Ok(());
            };
            if mirror.joining == Joining::Choosing {
                let centre = stage.anchor(egui::Align2::CENTER_CENTER, 0.0);
                let width = (stage.width() * 0.6).clamp(320.0, 640.0);
                let heard = listener.as_deref().map_or(&[][..], |l| l.heard.as_slice());
                let refused = mirror.refused_pick.as_deref();
                class_picker(ctx, centre, width, (heard, refused), &mut pin, &mut actions);
                return Ok(());
            }
            student_window(
                ctx,
                (align, offset),
                width,
                &mirror,
                &rows,
                clock,
                &hood,
                &prices,
                &mut offer,
                &mut actions,
            );
        }
    }
    Ok(())
}

/// The class's panel, titled with the class, where `anchor` puts it.
fn class_panel(
    ctx: &egui::Context,
    (align, offset): (egui::Align2, egui::Vec2),
    width: f32,
    class: &str,
    add: impl FnOnce(&mut egui::Ui),
) {
    egui::Window::new(big(tr!("class.title", class = class), 22.0).strong())
        .id("class".into())
        .anchor(align, offset)
        .collapsible(true)
        .resizable(false)
        .default_width(width)
        .show(ctx, |ui| {
            ui.set_max_width(width);
            add(ui);
        });
}

/// The teacher's controls of the class: building on or off, a message to
/// everyone, the end.
fn teacher_controls(
    ui: &mut egui::Ui,
    clock: Option<&ClassClock>,
    banner: &mut BannerField,
    actions: &mut PendingActions,
) {
    let locked = clock.is_some_and(|c| c.building_locked);
    let shown = clock.and_then(|c| c.banner.clone());
    ui.horizontal_wrapped(|ui| {
        let (label, hover) = if locked {
            ("class.unlock", "class.unlock_hover")
        } else {
            ("class.lock", "class.lock_hover")
        };
        if ui
            .button(big(tr(label), 18.0))
            .on_hover_text(tr(hover))
            .clicked()
        {
            actions.push(Action::Class(ClassAction::LockBuilding(!locked)));
        }
        let end = ui.button(big(tr("class.end"), 18.0));
        if end.on_hover_text(tr("class.end_hover")).clicked() {
            actions.push(Action::Class(ClassAction::End));
        }
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut banner.0)
                .hint_text(tr("class.banner_hint"))
                .char_limit(crate::class::protocol::MAX_BANNER_CHARS)
                .desired_width(ui.available_width() * 0.6)
                .font(egui::FontId::proportional(17.0)),
        );
        if ui.button(big(tr("class.banner_show"), 17.0)).clicked() && !banner.0.trim().is_empty() {
            actions.push(Action::Class(ClassAction::Banner(Some(banner.0.clone()))));
        }
        if shown.is_some() && ui.button(big(tr("class.banner_clear"), 17.0)).clicked() {
            actions.push(Action::Class(ClassAction::Banner(None)));
        }
    });
}

/// The teacher's message, large, at the top of every window's 3D view.
fn banner_window(ctx: &egui::Context, stage: &Stage, text: &str) {
    let (align, offset) = stage.anchor(egui::Align2::CENTER_TOP, 56.0);
    egui::Window::new(big(tr("class.banner_title"), 18.0))
        .id("class banner".into())
        .anchor(align, offset)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.set_max_width((stage.width() * 0.6).max(240.0));
            ui.label(big(text, 30.0).strong().color(ink(ui, palette::YELLOW)));
        });
}

/// The class's houses and the action queue: the teacher's table has a
/// menu on each row (move the student to a free house, free theirs).
type SeatMenus<'a> = Option<(&'a [crate::scenario::House], &'a mut PendingActions)>;

/// The class table: a row per student (their house, here or not, bill,
/// kWh shared, self-sufficiency).
fn table(ui: &mut egui::Ui, rows: &[&Seat], mut menus: SeatMenus) {
    if rows.len() <= TABLE_ROWS {
        grid(ui, rows, menus);
    } else {
        let height = ui.text_style_height(&egui::TextStyle::Body).max(17.0) * 1.8;
        egui::ScrollArea::vertical()
            .max_height(height * (TABLE_ROWS as f32 + 1.0))
            .show(ui, |ui| grid(ui, rows, menus.take()));
    }
}

fn grid(ui: &mut egui::Ui, rows: &[&Seat], mut menus: SeatMenus) {
    egui::Grid::new(("class table", menus.is_some()))
        .striped(true)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            if menus.is_some() {
                // Over the rows' menus.
                ui.label("");
            }
            heads(ui, 15.0);
            for s in rows {
                if let Some((houses, actions)) = &mut menus {
                    seat_menu(ui, s, houses, rows, actions);
                }
                let name = s.student.clone().unwrap_or_default();
                if s.connected {
                    ui.label(big(name, 17.0).color(ink(ui, palette::GREEN)).strong());
                } else {
                    ui.label(
                        big(tr!("class.away", name = name), 17.0)
                            .color(ink(ui, palette::LIGHT_GREY)),
                    );
                }
                figures(
                    ui,
                    &s.house,
                    s.bill_eur,
                    s.shared_kwh,
                    s.self_sufficiency,
                    17.0,
                );
            }
        });
}

/// The teacher's menu on a student's row: move them to a free house, or
/// free theirs.
fn seat_menu(
    ui: &mut egui::Ui,
    seat: &Seat,
    houses: &[crate::scenario::House],
    rows: &[&Seat],
    actions: &mut PendingActions,
) {
    let Some(student) = seat.student.clone() else {
        return;
    };
    let button = ui.menu_button(big(tr("class.seat_menu"), 16.0), |ui| {
        // The free houses in the street's order, worked out only while a
        // menu is open (not every frame, for every row).
        let free: Vec<&str> = houses
            .iter()
            .map(|h| h.name.as_str())
            .filter(|h| !rows.iter().any(|s| s.house == *h))
            .collect();
        ui.set_min_width(200.0);
        egui::ScrollArea::vertical()
            .max_height(ui.ctx().content_rect().height() * 0.5)
            .show(ui, |ui| {
                if free.is_empty() {
                    ui.label(big(tr("class.no_free_house"), 16.0));
                }
                for house in free {
                    if ui
                        .button(big(tr!("class.move_to", house = house), 16.0))
                        .clicked()
                    {
                        actions.push(Action::Class(ClassAction::Move {
                            student: student.clone(),
                            house: house.to_owned(),
                        }));
                        ui.close();
                    }
                }
            });
        ui.separator();
        // Away, their house waits for their window's key: on another
        // computer they need the teacher to let them in.
        if !seat.connected {
            let letting = ui.button(big(tr!("class.let_in", name = student), 16.0));
            if letting.on_hover_text(tr("class.let_in_hover")).clicked() {
                actions.push(Action::Class(ClassAction::LetIn {
                    student: student.clone(),
                }));
                ui.close();
            }
        }
        let freeing = ui.button(big(tr("class.free"), 16.0).color(ink(ui, palette::VERMILLION)));
        if freeing.on_hover_text(tr("class.free_hover")).clicked() {
            actions.push(Action::Class(ClassAction::Free {
                student,
                house: seat.house.clone(),
            }));
            ui.close();
        }
    });
    button.response.on_hover_text(tr("class.seat_menu_hover"));
}

/// The class table's column heads, one row.
fn heads(ui: &mut egui::Ui, size: f32) {
    for head in [
        "class.col_student",
        "class.col_house",
        "class.col_bill",
        "class.col_shared",
        "class.col_self",
    ] {
        ui.label(big(tr(head), size).strong());
    }
    ui.end_row();
}

/// A row's house and figures after its student's name, ending the row.
fn figures(ui: &mut egui::Ui, house: &str, bill_eur: f64, shared_kwh: f64, own: f64, size: f32) {
    ui.label(big(house, size));
    ui.label(big(tr!("class.eur", v = cents(bill_eur)), size));
    ui.label(big(tr!("class.kwh", v = format!("{shared_kwh:.1}")), size));
    ui.label(big(
        tr!("class.percent", v = format!("{:.0}", own * 100.0)),
        size,
    ));
    ui.end_row();
}

/// The class's results in the middle of the screen, for the class to see.
fn results_window(
    ctx: &egui::Context,
    stage: &Stage,
    class: &str,
    report: &crate::class::report::HostReport,
    saved: Option<&Result<String, String>>,
) {
    let (align, offset) = stage.anchor(egui::Align2::CENTER_CENTER, 0.0);
    egui::Window::new(big(tr!("class.results_title", class = class), 26.0).strong())
        .id("class results".into())
        .anchor(align, offset)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            let mut students = report.students.clone();
            students.sort_by(|a, b| b.self_sufficiency.total_cmp(&a.self_sufficiency));
            egui::Grid::new("class results grid")
                .striped(true)
                .spacing([16.0, 6.0])
                .show(ui, |ui| {
                    heads(ui, 20.0);
                    for s in &students {
                        ui.label(big(s.name.clone(), 22.0).strong());
                        figures(
                            ui,
                            &s.house,
                            s.bill_eur,
                            s.shared_kwh,
                            s.self_sufficiency,
                            22.0,
                        );
                    }
                });
            ui.add_space(8.0);
            ui.label(big(
                tr!(
                    "class.results_totals",
                    trades = report.trades,
                    import = format!("{:.1}", report.import_kwh),
                    pv = format!("{:.1}", report.pv_kwh)
                ),
                18.0,
            ));
            match saved {
                Some(Ok(stem)) => {
                    ui.label(
                        big(tr!("class.saved", stem = stem), 15.0)
                            .color(ink(ui, palette::LIGHT_GREY)),
                    );
                }
                Some(Err(why)) => {
                    ui.label(
                        big(tr!("class.not_saved", why = why), 15.0)
                            .color(ink(ui, palette::VERMILLION)),
                    );
                }
                None => {}
            }
        });
}

/// The classes announced on the network, for a student's window opened
/// without a code: a large button each (its name and free houses), and a
/// field for the PIN when one needs it.
fn class_picker(
    ctx: &egui::Context,
    anchor: (egui::Align2, egui::Vec2),
    width: f32,
    (heard, refused): (&[crate::class::announce::Heard], Option<&str>),
    pin: &mut String,
    actions: &mut PendingActions,
) {
    class_panel(ctx, anchor, width, tr("class.pick_title"), |ui| {
        if let Some(why) = refused {
            ui.label(big(tr!("class.denied", why = why), 18.0).color(ink(ui, palette::VERMILLION)));
        }
        if heard.is_empty() {
            ui.label(big(tr("class.pick_listening"), 20.0).color(ink(ui, palette::ORANGE)));
        }
        if heard.iter().any(|h| h.said.pin) {
            ui.horizontal(|ui| {
                ui.label(big(tr("class.pick_pin"), 20.0));
                ui.add(
                    egui::TextEdit::singleline(pin)
                        .desired_width(140.0)
                        .font(egui::FontId::proportional(24.0)),
                );
            });
        }
        let ours = crate::class::protocol::VERSION;
        for h in heard {
            let said = &h.said;
            let line = tr!(
                "class.pick_class",
                class = said.class,
                free = said.free,
                houses = said.houses
            );
            let can = said.version == ours && (!said.pin || !pin.trim().is_empty());
            let button = egui::Button::new(big(line, 22.0).strong())
                .min_size(egui::vec2(ui.available_width(), 56.0));
            if ui
                .add_enabled(can, button)
                .on_hover_text(tr("class.pick_hover"))
                .clicked()
            {
                actions.push(Action::Class(ClassAction::Pick {
                    target: h.target,
                    pin: said.pin.then(|| pin.trim().to_owned()),
                }));
            }
            let note = if said.version != ours {
                Some(tr!(
                    "class.pick_version",
                    version = said.version,
                    ours = ours
                ))
            } else if said.pin && pin.trim().is_empty() {
                Some(tr("class.pick_needs_pin").to_owned())
            } else {
                None
            };
            if let Some(note) = note {
                ui.label(big(note, 16.0).color(ink(ui, palette::ORANGE)));
            }
        }
        ui.add_space(6.0);
        ui.label(big(tr("class.pick_or_code"), 16.0).color(ink(ui, palette::LIGHT_GREY)));
    });
}

/// What the student sees of the class: where their window is, their
/// house, bill, budget and offer, and their classmates.
#[allow(clippy::too_many_arguments)]
fn student_window(
    ctx: &egui::Context,
    (align, offset): (egui::Align2, egui::Vec2),
    width: f32,
    mirror: &Mirror,
    rows: &[&Seat],
    clock: Option<&ClassClock>,
    hood: &Neighbourhood,
    prices: &CurrentPrices,
    offer: &mut OfferFields,
    actions: &mut PendingActions,
) {
    let class = mirror
        .welcome
        .as_ref()
        .map_or_else(|| tr("class.joining_title").to_owned(), |w| w.class.clone());
    class_panel(ctx, (align, offset), width, &class, |ui| {
        let (state, colour) = match &mirror.joining {
            Joining::Choosing => (tr("class.pick_listening").to_owned(), palette::ORANGE),
            Joining::Knocking => (tr!("class.knocking", at = mirror.server), palette::ORANGE),
            Joining::Seated => (tr("class.seated").to_owned(), palette::ORANGE),
            Joining::Following => match clock {
                Some(c) if c.finished => (tr("class.over").to_owned(), palette::ORANGE),
                _ => (String::new(), palette::GREEN),
            },
            Joining::Denied(why) => (tr!("class.denied", why = why), palette::VERMILLION),
            Joining::SentAway(why) => (tr!("class.sent_away", why = why), palette::VERMILLION),
            Joining::Lost => (tr("class.lost").to_owned(), palette::VERMILLION),
            Joining::OutOfStep(why) => (tr!("class.out_of_step", why = why), palette::VERMILLION),
        };
        if !state.is_empty() {
            ui.label(big(state, 18.0).color(ink(ui, colour)).strong());
        }
        let Some(house) = mirror.house() else {
            return;
        };
        ui.label(
            big(
                tr!("class.you_are", name = mirror.name, house = house),
                20.0,
            )
            .strong(),
        );
        let mine = rows.iter().find(|s| s.house == house);
        if let (Some(s), Some(w)) = (mine, &mirror.welcome) {
            ui.label(big(
                tr!(
                    "class.my_bill",
                    bill = cents(s.bill_eur),
                    shared = format!("{:.1}", s.shared_kwh),
                    bought = format!("{:.1}", s.bought_local_kwh)
                ),
                17.0,
            ));
            ui.label(big(
                tr!(
                    "class.my_budget",
                    spent = format!("{:.0}", s.spent_eur),
                    budget = format!("{:.0}", w.budget_eur)
                ),
                17.0,
            ));
        }
        let locked = clock.is_some_and(|c| c.building_locked);
        if locked {
            ui.label(big(tr("class.locked"), 17.0).color(ink(ui, palette::ORANGE)));
        }
        if ui
            .add_enabled(!locked, egui::Button::new(big(tr("class.build"), 19.0)))
            .on_hover_text(tr("class.build_hover"))
            .clicked()
        {
            actions.push(Action::LookAt(house.to_owned()));
            actions.push(Action::Show(Panel::Build));
        }
        egui::CollapsingHeader::new(big(tr("class.offer"), 18.0).strong())
            .id_salt("class offer")
            .default_open(true)
            .show(ui, |ui| {
                offer_controls(ui, house, hood, prices, offer, actions, !locked)
            });
        let here = rows.iter().filter(|s| s.connected).count();
        egui::CollapsingHeader::new(
            big(tr!("class.here", here = here, seated = rows.len()), 17.0).strong(),
        )
        .id_salt("class table")
        .default_open(false)
        .show(ui, |ui| table(ui, rows, None));
    });
}

/// The student's offer: the price they sell at and the most they pay,
/// between what the grid pays and what it asks.
fn offer_controls(
    ui: &mut egui::Ui,
    house: &str,
    hood: &Neighbourhood,
    prices: &CurrentPrices,
    offer: &mut OfferFields,
    actions: &mut PendingActions,
    may_send: bool,
) {
    let low = (prices.export_eur_per_kwh * 100.0).max(0.0);
    let high = (prices.import_eur_per_kwh * 100.0).max(low + 1.0);
    let current = hood
        .0
        .scenario
        .houses
        .iter()
        .find(|h| h.name == house)
        .and_then(|h| h.order);
    ui.label(
        big(
            match current {
                Some(o) => tr!(
                    "class.offer_now",
                    ask = format!("{:.1}", o.ask_eur_per_kwh * 100.0),
                    bid = format!("{:.1}", o.bid_eur_per_kwh * 100.0)
                ),
                None => tr("class.offer_none").to_owned(),
            },
            15.0,
        )
        .color(ink(ui, palette::LIGHT_GREY)),
    );
    ui.add(
        egui::Slider::new(&mut offer.ask_ct, low..=high)
            .text(big(tr("class.sell_at"), 16.0))
            .fixed_decimals(1),
    );
    ui.add(
        egui::Slider::new(&mut offer.bid_ct, low..=high)
            .text(big(tr("class.buy_up_to"), 16.0))
            .fixed_decimals(1),
    );
    let send = egui::Button::new(big(tr("class.send_offer"), 19.0));
    if ui.add_enabled(may_send, send).clicked() {
        actions.push(Action::Edit(Edit::SetOrder {
            house: house.to_owned(),
            ask_eur_per_kwh: offer.ask_ct / 100.0,
            bid_eur_per_kwh: offer.bid_ct / 100.0,
        }));
    }
}
