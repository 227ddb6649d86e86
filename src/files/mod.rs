//! The files a user names: read within limits, never written over an
//! input, written whole or not at all. Pure file handling, used by the
//! command line, the scenario loader and the window alike.

pub mod outputs;
pub mod read;
pub mod write;

pub use outputs::{Output, check as check_outputs};
pub use read::{Refusal, read_bounded, without_byte_order_mark};
pub use write::{AtomicFile, remove_temporary_files_on_signal, write_atomically};
