//! ESP webhook payloads read from files: each file one payload (one webhook body, an array of
//! events, or events one a line), its records printed or stored like a log's.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use tuixin::esp::{MAX_PAYLOAD_BYTES, Provider, detect_provider, read_payload};
use tuixin::{Classifier, Lang, Reason, Record};

use crate::output::{Printer, visible};

/// What reading the payloads came to.
#[derive(Debug, Default)]
pub struct PayloadSummary {
    /// Payloads read.
    pub inputs: usize,
    /// Payloads that could not be opened, read, or read as a provider's.
    pub failed: usize,
    /// Events that gave records.
    pub events: usize,
    /// Records made.
    pub records: usize,
    /// Events of no interest (opens, clicks, sends).
    pub ignored: usize,
    /// Events that looked like the provider's but could not be read.
    pub unreadable: usize,
    /// Records by reason.
    pub reasons: BTreeMap<Reason, usize>,
}

/// Reads each payload and hands `each` its provider, records (with `origin` the path) and raw
/// bytes; what cannot be read goes to stderr with the input (and the event's index).
pub fn read_payloads_with(
    payloads: &[(PathBuf, Option<Provider>)],
    classifier: &Classifier,
    lang: Lang,
    mut each: impl FnMut(Provider, Vec<Record>, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<PayloadSummary> {
    let mut summary = PayloadSummary::default();
    for (path, given) in payloads {
        summary.inputs += 1;
        let origin =
            if path.as_os_str() == "-" { "-".to_owned() } else { path.display().to_string() };
        let mut bytes = Vec::new();
        // One byte past the limit tells a payload that is too large from one at the limit.
        let read = crate::logs::open(path)
            .and_then(|input| input.take(MAX_PAYLOAD_BYTES as u64 + 1).read_to_end(&mut bytes));
        if let Err(e) = read {
            summary.failed += 1;
            let why = crate::say::unreadable(&e.to_string(), lang);
            crate::note(format_args!("tuixin: {}", visible(&format!("{origin}: {why}"))));
            continue;
        }
        let Some(provider) = given.or_else(|| detect_provider(&bytes)) else {
            summary.failed += 1;
            let text = crate::say::payload_unknown(&origin, lang);
            crate::note(format_args!("tuixin: {}", visible(&text)));
            continue;
        };
        let payload = match read_payload(provider, &bytes, classifier) {
            Ok(payload) => payload,
            Err(e) => {
                summary.failed += 1;
                let text = crate::say::payload_error(&origin, &e, lang);
                crate::note(format_args!("tuixin: {}", visible(&text)));
                continue;
            }
        };
        for error in &payload.errors {
            let text = crate::say::payload_item_error(&origin, error, lang);
            crate::note(format_args!("tuixin: {}", visible(&text)));
        }
        summary.unreadable += payload.errors.len();
        summary.ignored += payload.ignored;
        summary.events += payload.events.len();
        let mut records = Vec::new();
        for event in payload.events {
            for mut record in event.records {
                record.origin.clone_from(&origin);
                *summary.reasons.entry(record.reason).or_default() += 1;
                records.push(record);
            }
        }
        summary.records += records.len();
        if !records.is_empty() {
            each(provider, records, &bytes)?;
        }
    }
    Ok(summary)
}

/// Reads each payload into records and prints them.
pub fn read_payloads<W: std::io::Write>(
    payloads: &[(PathBuf, Option<Provider>)],
    classifier: &Classifier,
    printer: &mut Printer<W>,
    lang: Lang,
) -> anyhow::Result<PayloadSummary> {
    read_payloads_with(payloads, classifier, lang, |_, records, _| {
        for record in &records {
            printer.record(record)?;
        }
        printer.flush()?;
        Ok(())
    })
}

/// The summary line of the payloads read.
pub fn summary_line(s: &PayloadSummary, lang: Lang) -> String {
    let reasons = crate::logs::reasons_text(&s.reasons, lang);
    match lang {
        Lang::En => format!(
            "tuixin: {} payload(s), {} event(s) with {} record(s){}, {} of no interest; {} event(s) unreadable, {} payload(s) could not be read",
            s.inputs, s.events, s.records, reasons, s.ignored, s.unreadable, s.failed
        ),
        Lang::Zh => format!(
            "tuixin\u{ff1a}webhook 数据 {} 个\u{ff0c}事件 {} 个\u{ff0c}记录 {} 条{}\u{ff0c}无关事件 {} 个\u{ff1b}{} 个事件无法读取\u{ff0c}{} 个数据无法读取",
            s.inputs, s.events, s.records, reasons, s.ignored, s.unreadable, s.failed
        ),
    }
}
