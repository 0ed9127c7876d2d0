//! `tuixin token`: make, list and revoke the API tokens of `tuixin serve`.

use std::io::Write;

use crate::UsageError;
use crate::args::Config;
use crate::db::DbArg;
use crate::say;

/// `tuixin token ...`
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Make a token: printed alone on stdout, only this once (the store keeps its hash)
    #[command(
        after_help = "Examples:\n  tuixin token create --name mailer --scope check\n  tuixin token create --name ops --scope read,write,admin\n\nScopes: check (GET/POST /v1/check), read (lists, events, metrics), write (change the list,\ningest), admin (policy, locked entries); each includes those before it.\nExit status: 0, or 2 on an unknown scope or a database error."
    )]
    Create {
        /// A name for people and the audit trail (e.g. the service that uses it)
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Comma-separated scopes: check, read, write, admin
        #[arg(long, value_name = "SCOPES", default_value = "check")]
        scope: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// List the tokens (never their secrets)
    #[command(after_help = "Example:\n  tuixin token list --json")]
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke a token by its id or name; the server refuses it within seconds
    #[command(
        after_help = "Example:\n  tuixin token revoke mailer\n\nExit status: 0 when a token was revoked, 2 when no live token has that id or name."
    )]
    Revoke {
        /// The token's id or name
        #[arg(value_name = "ID_OR_NAME")]
        token: String,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Runs the command.
pub fn run(config: &Config, command: &TokenCommand) -> anyhow::Result<()> {
    let lang = config.lang;
    match command {
        TokenCommand::Create { name, scope, db } => {
            let scopes = tuixin_server::token::parse_scopes(scope)
                .map_err(|e| UsageError(say::token_error(&e, lang)))?;
            let made = tuixin_server::token::make(name, &scopes, crate::time::now())
                .map_err(|e| UsageError(say::token_error(&e, lang)))?;
            let store = crate::db::open(db)?;
            store.token_create(&made.row)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", made.token)?;
            out.flush()?;
            crate::note(format_args!(
                "{}",
                say::token_made(&made.row.id, name, &made.row.scopes.join(","), lang)
            ));
        }
        TokenCommand::List { db } => {
            let store = crate::db::open_existing(db)?;
            let tokens = store.tokens()?;
            let mut out = std::io::stdout().lock();
            if config.json {
                serde_json::to_writer_pretty(&mut out, &tokens)?;
                writeln!(out)?;
            } else {
                for t in &tokens {
                    let state = match t.revoked_at {
                        Some(at) => say::token_revoked_at(&crate::time::rfc3339(at), lang),
                        None => say::token_live(lang).to_owned(),
                    };
                    writeln!(
                        out,
                        "{}  {}  {}  {}  {}",
                        t.id,
                        crate::output::visible(&t.name),
                        t.scopes.join(","),
                        crate::time::rfc3339(t.created_at),
                        state
                    )?;
                }
            }
            out.flush()?;
        }
        TokenCommand::Revoke { token, db } => {
            let store = crate::db::open_existing(db)?;
            let n = store.token_revoke(token, crate::time::now())?;
            if n == 0 {
                return Err(UsageError(say::no_such_token(token, lang)).into());
            }
            crate::note(format_args!("{}", say::token_revoked(token, n, lang)));
        }
    }
    Ok(())
}
