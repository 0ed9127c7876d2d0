//! `tuixin codes`: the whole registry, for people (a table) or machines (JSON, CSV).

use std::io::Write;

use serde::Serialize;
use tuixin::registry::{CodeKind, Text};
use tuixin::{Lang, Registry, Severity};

use crate::args::{CodesArgs, Config};
use crate::render;

/// One code with its texts in both languages.
#[derive(Debug, Serialize)]
struct Row {
    code: String,
    kind: CodeKind,
    severity: Severity,
    references: Vec<String>,
    en: Text,
    zh: Text,
}

/// Runs the command.
pub fn run(config: &Config, args: &CodesArgs) -> anyhow::Result<()> {
    let registry = Registry::builtin();
    let codes = registry.codes();
    let mut out = anstream::stdout().lock();
    if config.json || args.csv {
        let rows: Vec<Row> = codes
            .iter()
            .map(|&code| {
                let en = registry.explain(code, Lang::En);
                let zh = registry.explain(code, Lang::Zh);
                Row {
                    code: en.code.clone(),
                    kind: en.kind,
                    severity: en.severity,
                    references: en.references.clone(),
                    en: text(&en),
                    zh: text(&zh),
                }
            })
            .collect();
        if args.csv {
            write_csv(&mut out, &rows)?;
        } else {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
    } else {
        let explanations: Vec<_> =
            codes.iter().map(|&c| registry.explain(c, config.lang)).collect();
        render::code_table(&mut out, &explanations, config.lang)?;
    }
    out.flush()?;
    Ok(())
}

fn text(e: &tuixin::Explanation) -> Text {
    Text {
        title: e.title.clone(),
        meaning: e.meaning.clone(),
        cause: e.cause.clone(),
        action: e.action.clone(),
    }
}

fn write_csv(out: &mut impl Write, rows: &[Row]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "code", "kind", "severity", "references", "en_title", "en_meaning", "en_cause",
        "en_action", "zh_title", "zh_meaning", "zh_cause", "zh_action",
    ])?;
    for row in rows {
        let kind = match row.kind {
            CodeKind::Reply => "reply",
            CodeKind::Enhanced => "enhanced",
        };
        writer.write_record([
            row.code.as_str(),
            kind,
            row.severity.as_str(),
            &row.references.join("; "),
            &row.en.title,
            &row.en.meaning,
            &row.en.cause,
            &row.en.action,
            &row.zh.title,
            &row.zh.meaning,
            &row.zh.cause,
            &row.zh.action,
        ])?;
    }
    writer.flush()?;
    Ok(())
}
