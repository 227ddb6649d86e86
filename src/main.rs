//! `microgrid`: parses the command line and runs it (see [`microgrid::cli`]).

use clap::Parser;

fn main() -> std::process::ExitCode {
    microgrid::cli::run(microgrid::cli::Cli::parse())
}
