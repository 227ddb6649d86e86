//! The look every folder shares: the palette (colours for states, loading
//! and voltage scales), the names of things in the language, and the type
//! and widget style. Imports nothing of the app.

pub mod names;
pub mod palette;
pub mod style;
