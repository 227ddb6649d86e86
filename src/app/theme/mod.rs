//! The look every folder shares: the palette (colours for states, loading
//! and voltage scales) and the names of things in the language. Imports nothing of the app.

pub mod names;
pub mod palette;
