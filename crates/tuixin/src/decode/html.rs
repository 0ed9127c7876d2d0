//! The text of an HTML part as a reader sees it, for bounces that send no plain-text part: what
//! a browser shows, one block per line, without style sheets, scripts or comments.

use mail_parser::decoders::html::add_html_token;
use memchr::memmem;

/// Elements whose content is never shown.
const HIDDEN: [&str; 5] = ["head", "style", "script", "template", "title"];

/// Elements that stand apart from the text around them as paragraphs.
const PARAGRAPHS: [&str; 10] =
    ["p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "hr"];

/// Elements that begin a new line (`<br>` is one of its own: `<br><br>` leaves a blank line).
const LINES: [&str; 19] = [
    "div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "pre", "address", "article", "section",
    "header", "footer", "main", "nav", "form", "fieldset", "figure",
];

/// Table cells: their text is set apart by a space.
const CELLS: [&str; 2] = ["td", "th"];

/// Longest entity (`&...;`) read; longer runs are text.
const MAX_ENTITY: usize = 32;

/// The visible text of an HTML document: words single-spaced, blocks on lines of their own,
/// paragraphs separated by a blank line, entities decoded. Linear in the input.
pub(crate) fn html_to_text(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut text = Text { out: String::with_capacity(html.len() / 4), space: false };
    let mut at = 0;
    // Where the next `<body` tag begins, once looked for.
    let mut next_body: Option<usize> = None;
    while at < bytes.len() {
        let open = memchr::memchr(b'<', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        text.push_run(&html[at..open]);
        if open == bytes.len() {
            break;
        }
        let rest = &bytes[open + 1..];
        if rest.starts_with(b"!--") {
            at = memmem::find(&rest[3..], b"-->").map_or(bytes.len(), |n| open + 1 + 3 + n + 3);
            continue;
        }
        if !rest
            .first()
            .is_some_and(|&b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'))
        {
            // `a < b`: a bracket that opens no tag is text.
            text.push_run("<");
            at = open + 1;
            continue;
        }
        let end = tag_end(bytes, open + 1);
        let (closing, name) = tag_name(&html[open + 1..end]);
        let is = |list: &[&str]| list.iter().any(|n| n.eq_ignore_ascii_case(name));
        if !closing && is(&HIDDEN) {
            // A head left open ends where the body begins, as browsers read it. The body's place
            // is looked for again only once passed, and the head's end only before it, so that
            // many heads stay linear.
            let mut limit = bytes.len();
            if name.eq_ignore_ascii_case("head") {
                if next_body.is_none_or(|body| body < end) {
                    next_body = Some(body_start(bytes, end));
                }
                limit = next_body.unwrap_or(limit);
            }
            at = closing_tag_end(&bytes[..limit], end.min(limit), name);
            continue;
        }
        if is(&PARAGRAPHS) {
            text.break_block(2);
        } else if name.eq_ignore_ascii_case("br") {
            text.line_break();
        } else if is(&LINES) {
            text.break_block(1);
        } else if is(&CELLS) {
            text.space = true;
        }
        at = end;
    }
    text.finish()
}

/// The text being built.
struct Text {
    out: String,
    /// Whether white space came since the last word (it becomes one space before the next).
    space: bool,
}

impl Text {
    /// A run of character data: words single-spaced, entities decoded.
    fn push_run(&mut self, run: &str) {
        let mut words = run.split_ascii_whitespace().peekable();
        if run.starts_with(|c: char| c.is_ascii_whitespace()) {
            self.space = true;
        }
        while let Some(word) = words.next() {
            if self.space && !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push(' ');
            }
            push_decoded(&mut self.out, word);
            self.space = words.peek().is_some();
        }
        if run.ends_with(|c: char| c.is_ascii_whitespace()) {
            self.space = true;
        }
    }

    /// Ends the current line for a block boundary, leaving `lines` line ends at most (2: a
    /// blank line after it).
    fn break_block(&mut self, lines: usize) {
        self.trim_end_spaces();
        self.space = false;
        if self.out.is_empty() {
            return;
        }
        let present = self.out.len() - self.out.trim_end_matches('\n').len();
        for _ in present..lines {
            self.out.push('\n');
        }
    }

    /// `<br>`: always a new line, so that `<br><br>` leaves a blank one.
    fn line_break(&mut self) {
        self.trim_end_spaces();
        self.space = false;
        self.out.push('\n');
    }

    fn trim_end_spaces(&mut self) {
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
    }

    /// The text without white space at its ends and with no more than one blank line in a row.
    fn finish(self) -> String {
        let mut out = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in self.out.trim().split('\n') {
            let line = line.trim_end();
            if line.is_empty() {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        out.truncate(out.trim_end().len());
        out
    }
}

/// A word with its character references (`&amp;`, `&#233;`, `&#xE9;`) decoded.
fn push_decoded(out: &mut String, word: &str) {
    let bytes = word.as_bytes();
    let mut from = 0;
    for amp in memchr::memchr_iter(b'&', bytes) {
        if amp < from {
            continue;
        }
        let window = &bytes[amp..bytes.len().min(amp + MAX_ENTITY)];
        let Some(semi) = memchr::memchr(b';', window) else {
            continue;
        };
        out.push_str(&word[from..amp]);
        // Unknown names stay as they were written.
        add_html_token(out, &bytes[amp..=amp + semi], false);
        from = amp + semi + 1;
    }
    out.push_str(&word[from..]);
}

/// Where a tag that starts at `start` (just after `<`) ends: past its `>`, quoted attribute
/// values skipped; the end of the input if it never closes.
fn tag_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    while let Some(n) = memchr::memchr3(b'>', b'"', b'\'', &bytes[at..]) {
        let found = at + n;
        if bytes[found] == b'>' {
            return found + 1;
        }
        // A quoted value: its closing quote, or (unbalanced) the next `>`.
        match memchr::memchr(bytes[found], &bytes[found + 1..]) {
            Some(close) => at = found + 1 + close + 1,
            None => {
                return memchr::memchr(b'>', &bytes[found..])
                    .map_or(bytes.len(), |m| found + m + 1);
            }
        }
    }
    bytes.len()
}

/// Whether a tag (the text between `<` and `>`) closes an element, and the element's name.
fn tag_name(tag: &str) -> (bool, &str) {
    let closing = tag.starts_with('/');
    let tag = tag.trim_start_matches('/');
    let len = tag.bytes().take_while(|b| b.is_ascii_alphanumeric()).count();
    (closing, &tag[..len])
}

/// Where a `<body` tag begins, from `from` on (any case); the end of the input if none does.
fn body_start(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(n) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + n;
        if bytes.get(start + 1..start + 5).is_some_and(|name| name.eq_ignore_ascii_case(b"body")) {
            return start;
        }
        at = start + 1;
    }
    bytes.len()
}

/// Past the tag that closes element `name`, searching `bytes` from `from`; the end of `bytes` if
/// it never closes (a browser hides the rest too).
fn closing_tag_end(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut at = from;
    while let Some(n) = memmem::find(&bytes[at..], b"</") {
        let start = at + n + 2;
        let candidate = &bytes[start..];
        let names_it = candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && candidate.get(name.len()).is_none_or(|&b| b == b'>' || b.is_ascii_whitespace());
        if names_it {
            return tag_end(bytes, start);
        }
        at = start;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn style_sheets_scripts_and_comments_are_not_text() {
        let html = "<html><head><title>Notice</title><style type=\"text/css\">body { color: red; }</style></head>\
            <body><!-- layout --><script type=\"text/javascript\">var a = '<p>';</script>\
            <p>Your message could not be delivered.</p></body></html>";
        assert_eq!(html_to_text(html), "Your message could not be delivered.");
    }

    #[test]
    fn blocks_make_lines_and_words_are_single_spaced() {
        let html = "<div>550 5.1.1\n   user   unknown</div><div><b>a</b>@<i>example.com</i></div>\
            <p>first</p><p>second<br>third<br><br>fourth</p><table><tr><td>Host:</td><td>mx</td></tr></table>";
        assert_eq!(
            html_to_text(html),
            "550 5.1.1 user unknown\na@example.com\n\nfirst\n\nsecond\nthird\n\nfourth\n\nHost: mx"
        );
    }

    #[test]
    fn a_head_left_open_ends_where_the_body_begins() {
        let html = "<html><head><meta charset=utf-8><BODY><p>Delivery failed</p></body></html>";
        assert_eq!(html_to_text(html), "Delivery failed");
    }

    #[test]
    fn entities_are_decoded_and_stray_brackets_kept() {
        let html =
            "<p>&lt;a@example.com&gt;: quota &amp; size &#233;t&#xE9; a < b &unknown; & more</p>";
        assert_eq!(html_to_text(html), "<a@example.com>: quota & size été a < b &unknown; & more");
    }

    #[test]
    fn quoted_attributes_may_hold_brackets_and_broken_markup_ends_cleanly() {
        assert_eq!(html_to_text("<a title=\"x > y\" href='z'>link</a> text"), "link text");
        assert_eq!(html_to_text("text <style>never closed"), "text");
        assert_eq!(html_to_text("<p>open <b"), "open");
        assert_eq!(html_to_text("<!-- never closed"), "");
        assert_eq!(html_to_text("<a href=\"unbalanced>visible"), "visible");
    }
}
