//! Command-line flags, parsed once into a [`Config`].

use anstream::ColorChoice;
use clap::{Parser, Subcommand, ValueEnum};
use tuixin::Lang;

/// Diagnose bounced email: SMTP reply codes and enhanced status codes explained.
#[derive(Debug, Parser)]
#[command(name = "tuixin", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Args {
    /// Language of explanations [default: from LC_ALL, LC_MESSAGES or LANG; zh_* gives Chinese]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,

    /// Print JSON instead of text for people
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour the output
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// A rule file of your own whose rules win over the built-in ones (see `tuixin rules`)
    #[arg(long, global = true, value_name = "FILE")]
    pub rules: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  tuixin explain 550
  tuixin explain 5.1.1 --lang zh
  tuixin explain \"550-5.1.1 The email account that you tried to reach does not exist.\"
  tuixin codes --csv > codes.csv";

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain reply codes, enhanced status codes, or every code in a pasted diagnostic line
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Print the whole registry: every reply code and enhanced status code
    #[command(after_help = CODES_EXAMPLES)]
    Codes(CodesArgs),
    /// Decode bounce emails into one record per failed recipient
    #[command(after_help = PARSE_EXAMPLES)]
    Parse(ParseArgs),
    /// Work with classification rule files
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Work with the store's database (the suppression list's home)
    #[command(subcommand)]
    Db(crate::db::DbCommand),
    /// Store bounces as events and update the suppression list
    #[command(after_help = crate::ingest::EXAMPLES)]
    Ingest(crate::ingest::IngestArgs),
    /// May I send to these addresses? Allowed or suppressed, with the reason
    #[command(after_help = crate::check::EXAMPLES)]
    Check(crate::check::CheckArgs),
    /// List or export stored events
    #[command(subcommand)]
    Events(crate::events::EventsCommand),
    /// List, add, remove, import and export suppression entries
    #[command(subcommand)]
    Suppressions(crate::suppressions::SuppressionsCommand),
    /// One address: its entries, counters, events and audit trail
    #[command(after_help = crate::address::EXAMPLES)]
    Address(crate::address::AddressArgs),
    /// Sender, message and infrastructure alerts
    #[command(subcommand)]
    Alerts(crate::alerts::AlertsCommand),
    /// Check and print the lifecycle policy: what bounces, complaints and deliveries do to the
    /// suppression list
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Serve the HTTP API: check, suppressions, events, ingest, policy, alerts, metrics; take bounces by SMTP/LMTP
    #[command(after_help = crate::serve::EXAMPLES)]
    Serve(crate::serve::ServeArgs),
    /// Make, list and revoke the API tokens of tuixin serve
    #[command(subcommand)]
    Token(crate::token::TokenCommand),
}

/// `tuixin policy ...`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file: valid TOML, known fields and reasons, values that can work, and no
    /// sender, message or network reason allowed to suppress
    #[command(after_help = POLICY_CHECK_EXAMPLES)]
    Check {
        /// The policy file to check
        file: std::path::PathBuf,
    },
    /// Print the policy in force: the built-in one (with its comments), or a file laid over it
    #[command(after_help = POLICY_SHOW_EXAMPLES)]
    Show {
        /// A policy file of your own; it needs only the fields it changes
        #[arg(long, value_name = "FILE")]
        policy: Option<std::path::PathBuf>,

        /// Output format [default: toml; json with --json]
        #[arg(long, value_enum)]
        format: Option<PolicyFormat>,
    },
}

/// `tuixin policy show --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyFormat {
    /// TOML, as policy files are written
    Toml,
    /// JSON, as the HTTP API gives it
    Json,
}

const POLICY_CHECK_EXAMPLES: &str = "\
Examples:
  tuixin policy check my-policy.toml
  tuixin policy show > my-policy.toml          # start from the built-in policy

Exit status: 0 when the file is valid, 2 when it is not (the line and the field are named).";

const POLICY_SHOW_EXAMPLES: &str = "\
Examples:
  tuixin policy show
  tuixin policy show --policy my-policy.toml
  tuixin policy show --format json | jq .soft

Exit status: 0, or 2 when the policy file cannot be read or is invalid.";

/// `tuixin rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check a rule file: every rule parses, has a known reason, and its regex compiles
    #[command(
        after_help = "Example:\n  tuixin rules check my-rules.toml\n\nExit status: 0 when the file is valid, 2 when it is not."
    )]
    Check {
        /// The rule file to check
        file: std::path::PathBuf,
    },
}

const PARSE_EXAMPLES: &str = "\
Examples:
  tuixin parse examples/                      # every file under a folder
  tuixin parse bounce.eml --format json --explain
  tuixin parse ~/Maildir/.Bounces --format csv > bounces.csv
  tuixin parse archive.mbox -j 2 > records.jsonl
  tuixin parse archive.mbox.gz
  cat bounce.eml | tuixin parse -
  tuixin parse /var/log/mail.log /var/log/mail.log.1.gz   # MTA logs, told by content
  tail -f /var/log/exim4/mainlog | tuixin parse --input exim

Output: human on a terminal, JSON Lines otherwise. A summary goes to stderr, with a note for
each input skipped in a folder walk (a link back to a folder already read, a named pipe) and
each message cut by a limit.
Exit status: 0 when every input was read (a message without a bounce is not an error),
1 when some input could not be read (each is named on stderr; the rest are still decoded).";

/// Flags of `tuixin parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// Files, folders (recursive), maildirs or mbox files, also gzip/xz/zstd-compressed; `-` or
    /// nothing reads stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,

    /// What the inputs are: auto tells mail, MTA logs and JSON apart by content (stdin by the
    /// lines already waiting in it, a terminal and folders as mail; a JSON file's provider by its
    /// shape); a log format reads every input as that log, one record per recipient per result
    /// line, the line number in `message`; a webhook provider reads each input as one payload,
    /// one record per recipient per event, the event's index + 1 in `message`
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "auto")]
    pub input: crate::logs::InputFormat,

    /// Output format [default: human on a terminal, jsonl otherwise; json with --json]
    #[arg(long, value_enum)]
    pub format: Option<crate::output::Format>,

    /// Add the registry's explanation of each record's codes
    #[arg(long)]
    pub explain: bool,

    /// Show the rule that decided each reason and the text it matched
    #[arg(long)]
    pub why: bool,

    /// Threads to decode with [default: all cores]
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// No progress bar and no summary on stderr
    #[arg(short, long)]
    pub quiet: bool,

    /// Also say on stderr how many records each kind of rule decided (the server's wording, a
    /// provider's, the code alone, ...)
    #[arg(long)]
    pub stats: bool,

    /// Bytes of one message read and decoded; a longer one is decoded from its start [default: 32 MiB]
    #[arg(long, value_name = "BYTES")]
    pub max_message_size: Option<usize>,

    /// MIME parts one message may have; more is an error for that input [default: 10000]
    #[arg(long, value_name = "N")]
    pub max_parts: Option<usize>,

    /// Depth of MIME nesting one message may have; deeper is an error for that input [default: 200]
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,

    /// Bytes of one header line; longer is an error for that input [default: 4 MiB]
    #[arg(long, value_name = "BYTES")]
    pub max_header_line: Option<usize>,

    /// Recipients kept from one message [default: 100000]
    #[arg(long, value_name = "N")]
    pub max_recipients: Option<usize>,

    /// Bytes of diagnostic text kept per recipient [default: 4096]
    #[arg(long, value_name = "BYTES")]
    pub max_diagnostic: Option<usize>,
}

impl ParseArgs {
    /// The limits the flags ask for, defaults elsewhere.
    pub fn limits(&self) -> tuixin::Limits {
        let default = tuixin::Limits::default();
        tuixin::Limits {
            max_message_bytes: self.max_message_size.unwrap_or(default.max_message_bytes),
            max_parts: self.max_parts.unwrap_or(default.max_parts),
            max_depth: self.max_depth.unwrap_or(default.max_depth),
            max_header_line: self.max_header_line.unwrap_or(default.max_header_line),
            max_recipients: self.max_recipients.unwrap_or(default.max_recipients),
            max_diagnostic_bytes: self.max_diagnostic.unwrap_or(default.max_diagnostic_bytes),
        }
    }
}

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  tuixin explain 550
  tuixin explain 550 5.1.1
  tuixin explain 5.7.509                      # not registered: explained from class and subject
  tuixin explain --provider google 5.7.27     # Gmail's own meaning of the code
  tuixin explain \"550-5.1.1 The email account that you tried to reach does not exist.\"
  tuixin explain --lang zh --json 4.2.2

Exit status: 0 when every code was explained, 2 when the input holds no valid code.";

const CODES_EXAMPLES: &str = "\
Examples:
  tuixin codes
  tuixin codes --lang zh
  tuixin codes --json | jq '.[] | select(.code == \"5.1.1\")'
  tuixin codes --csv > codes.csv";

/// Flags of `tuixin explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Codes (550, 5.1.1) or diagnostic text to find codes in
    #[arg(required = true, value_name = "CODE_OR_TEXT")]
    pub input: Vec<String>,

    /// Explain enhanced codes as this provider uses them (e.g. google, microsoft)
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<String>,
}

/// Flags of `tuixin codes`.
#[derive(Debug, clap::Args)]
pub struct CodesArgs {
    /// Print CSV with both languages, one row per code
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
}

/// `--lang` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English
    En,
    /// Simplified Chinese (简体中文)
    Zh,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when writing to a terminal
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

/// The settings every command runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Language of explanations.
    pub lang: Lang,
    /// JSON output.
    pub json: bool,
    /// Colour choice for stdout and stderr.
    pub color: ColorChoice,
    /// A user's rule file, if given.
    pub rules: Option<std::path::PathBuf>,
}

impl Config {
    /// Settles the flags, reading the locale from the environment when `--lang` is not given.
    pub fn from_args(args: &Args, env: impl FnMut(&str) -> Option<String>) -> Config {
        let lang = match args.lang {
            Some(LangArg::En) => Lang::En,
            Some(LangArg::Zh) => Lang::Zh,
            None => Lang::from_env_vars(env),
        };
        Config { lang, json: args.json, color: args.color.choice(), rules: args.rules.clone() }
    }
}
