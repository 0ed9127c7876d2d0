//! The `tuixin` command: a thin layer over the `tuixin` library.

mod address;
mod alerts;
mod args;
mod check;
mod codes;
mod compressed;
mod db;
mod events;
mod explain;
mod follow;
mod help_zh;
mod ingest;
mod inputs;
mod logs;
mod mbox;
mod output;
mod parse;
mod payloads;
mod policy;
mod render;
mod rules;
mod say;
mod serve;
mod suppressions;
mod token;

use std::process::ExitCode;

// Times as the store commands show and read them (RFC 3339, UTC): the API's own module.
use tuixin_server::time;

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

/// An outcome that ends the command with this exit status and nothing more to say (`check`
/// found a suppressed address: exit 1).
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}

fn main() -> ExitCode {
    let args = parse_args();
    let config = Config::from_args(&args, |name| std::env::var(name).ok());
    config.color.write_global();
    let result = match &args.command {
        Command::Explain(explain) => explain::run(&config, explain),
        Command::Codes(codes) => codes::run(&config, codes),
        Command::Parse(parse) => parse::run(&config, parse),
        Command::Rules(command) => rules::run(&config, command),
        Command::Db(command) => db::run(&config, command),
        Command::Ingest(ingest) => ingest::run(&config, ingest),
        Command::Check(check) => check::run(&config, check),
        Command::Events(command) => events::run(&config, command),
        Command::Suppressions(command) => suppressions::run(&config, command),
        Command::Address(address) => address::run(&config, address),
        Command::Alerts(command) => alerts::run(&config, command),
        Command::Policy(command) => policy::run(&config, command),
        Command::Serve(serve) => serve::run(&config, serve),
        Command::Token(command) => token::run(&config, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<UsageError>() => {
            note(format_args!("tuixin: {}", output::visible(&error.to_string())));
            ExitCode::from(2)
        }
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) if error.is::<Exit>() => {
            ExitCode::from(error.downcast_ref::<Exit>().map_or(1, |exit| exit.0))
        }
        Err(error) if error.is::<tuixin_store::StoreError>() => {
            let text = error
                .downcast_ref::<tuixin_store::StoreError>()
                .map(|e| say::store_error(e, config.lang))
                .unwrap_or_default();
            note(format_args!("tuixin: {}", output::visible(&text)));
            ExitCode::from(2)
        }
        Err(error) if error.is::<parse::InputsFailed>() => ExitCode::from(1),
        Err(error) => {
            note(format_args!("tuixin: {}", output::visible(&format!("{error:#}"))));
            ExitCode::from(1)
        }
    }
}

/// The command line, with help and errors in the language asked for (`--lang`, else the locale)
/// before the rest of it is read.
fn parse_args() -> Args {
    use clap::{CommandFactory, FromArgMatches};
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let asked = argv.iter().zip(argv.iter().skip(1)).find_map(|(flag, value)| {
        let flag = flag.to_str()?;
        match flag.strip_prefix("--lang=") {
            Some(value) => Some(value.to_owned()),
            None => (flag == "--lang").then(|| value.to_string_lossy().into_owned()),
        }
    });
    let lang = match asked.as_deref() {
        Some(value) => value.parse().unwrap_or(tuixin::Lang::En),
        None => tuixin::Lang::from_env_vars(|name| std::env::var(name).ok()),
    };
    if lang != tuixin::Lang::Zh {
        return Args::parse_from(argv);
    }
    let matches = help_zh::localize(Args::command())
        .try_get_matches_from(argv)
        .and_then(|matches| Args::from_arg_matches(&matches));
    matches.unwrap_or_else(|error| {
        use clap::error::ErrorKind;
        if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            error.exit();
        }
        // clap words its own errors in English: say in Chinese what happened, its words below.
        note(format_args!("tuixin\u{ff1a}命令行参数有误\u{ff08}--help 查看用法\u{ff09}"));
        error.exit()
    })
}

/// Output cut short by `tuixin codes | head` is not an error. The CSV and JSON writers wrap the
/// I/O error without exposing it as a source, so each is asked for it.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    error.chain().any(|cause| {
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            e.kind() == BrokenPipe
        } else if let Some(e) = cause.downcast_ref::<csv::Error>() {
            matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe)
        } else if let Some(e) = cause.downcast_ref::<serde_json::Error>() {
            e.io_error_kind() == Some(BrokenPipe)
        } else {
            false
        }
    })
}

/// Writes a line to stderr. Unlike `eprintln!` it does not panic when stderr is a closed pipe
/// (`tuixin parse 2>&1 | head`): the note is lost, the run goes on.
pub fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
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
