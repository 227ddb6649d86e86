//! `--dump-texts FILE`: every distinct text the window draws, one per line,
//! written as new ones appear and at exit. The test of the languages opens
//! the window in the pseudo language (`--lang xx`) and finds the texts that
//! bypassed the table (no `⟦ ⟧`) or wrote a decimal point.

use std::collections::BTreeSet;
use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiFullOutput, EguiPostUpdateSet, egui};

/// The texts drawn so far and where they go.
#[derive(Resource, Debug)]
pub struct TextDump {
    /// The file.
    pub path: PathBuf,
    /// Every distinct text drawn.
    pub texts: BTreeSet<String>,
    /// Texts were added since the file was last written.
    pub dirty: bool,
    /// Wall seconds at the last write.
    pub written_at: f64,
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        PostUpdate,
        collect_texts
            .after(EguiPostUpdateSet::EndPass)
            .before(EguiPostUpdateSet::ProcessOutput)
            .run_if(resource_exists::<TextDump>),
    );
    app.add_systems(Last, write_texts.run_if(resource_exists::<TextDump>));
}

fn shape_texts(shape: &egui::Shape, out: &mut BTreeSet<String>) {
    match shape {
        egui::Shape::Text(t) => {
            let text = t.galley.text().trim();
            if !text.is_empty() {
                out.insert(text.replace('\n', " "));
            }
        }
        egui::Shape::Vec(shapes) => {
            for s in shapes {
                shape_texts(s, out);
            }
        }
        _ => {}
    }
}

fn collect_texts(outputs: Query<&EguiFullOutput>, mut dump: ResMut<TextDump>) {
    let mut found = BTreeSet::new();
    for output in &outputs {
        if let Some(full) = &output.0 {
            for clipped in &full.shapes {
                shape_texts(&clipped.shape, &mut found);
            }
        }
    }
    for t in found {
        if !dump.texts.contains(&t) {
            dump.texts.insert(t);
            dump.dirty = true;
        }
    }
}

fn write_texts(mut dump: ResMut<TextDump>, time: Res<Time<Real>>, exit: MessageReader<AppExit>) {
    let now = time.elapsed_secs_f64();
    let leaving = !exit.is_empty();
    if !dump.dirty || (!leaving && now - dump.written_at < 2.0) {
        return;
    }
    let body: String = dump.texts.iter().map(|t| format!("{t}\n")).collect();
    if let Err(e) = crate::files::write_atomically(&dump.path, body.as_bytes()) {
        warn!("cannot write the texts to {}: {e}", dump.path.display());
    }
    dump.dirty = false;
    dump.written_at = now;
}
