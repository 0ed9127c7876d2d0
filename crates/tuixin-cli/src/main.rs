//! The `tuixin` command: a thin layer over the `tuixin` library.

mod args;
mod codes;
mod explain;
mod inputs;
mod output;
mod parse;
mod render;
mod rules;

use std::process::ExitCode;

use anstream::ColorChoice;
use clap::Parser;

use args::{Args, Command, Config};

/// Input that tuixin cannot work with; the command exits with status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config::from_args(&args, |name| std::env::var(name).ok());
    config.color.write_global();
    let result = match &args.command {
        Command::Explain(explain) => explain::run(&config, explain),
        Command::Codes(codes) => codes::run(&config, codes),
        Command::Parse(parse) => parse::run(&config, parse),
        Command::Rules(command) => rules::run(&config, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<UsageError>() => {
            eprintln!("tuixin: {}", output::visible(&error.to_string()));
            ExitCode::from(2)
        }
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) if error.is::<parse::InputsFailed>() => ExitCode::from(1),
        Err(error) => {
            eprintln!("tuixin: {}", output::visible(&format!("{error:#}")));
            ExitCode::from(1)
        }
    }
}

/// Output cut short by `tuixin codes | head` is not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

impl args::ColorArg {
    fn choice(self) -> ColorChoice {
        match self {
            args::ColorArg::Auto => ColorChoice::Auto,
            args::ColorArg::Always => ColorChoice::Always,
            args::ColorArg::Never => ColorChoice::Never,
        }
    }
}
