//! Text helpers shared by the decoders and the classifier: ASCII lowercasing that keeps byte
//! offsets, and line splitting.

/// Runs `f` on an ASCII-lowercased copy of `text` (same byte offsets), kept on the stack when
/// the text is short, as diagnostics and text lines are.
pub(crate) fn with_lowercase<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    const SHORT: usize = 512;
    if text.len() > SHORT {
        return f(&text.to_ascii_lowercase());
    }
    let mut buffer = [0u8; SHORT];
    let lower = &mut buffer[..text.len()];
    lower.copy_from_slice(text.as_bytes());
    lower.make_ascii_lowercase();
    // ASCII lowercasing keeps UTF-8 valid.
    f(std::str::from_utf8(lower).unwrap_or_default())
}

/// The lines of a text, as `str::lines` splits them (`\n` or `\r\n` ends a line), found with
/// a SIMD search for line feeds.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(at) => {
                let line = &rest[..at];
                (line.strip_suffix('\r').unwrap_or(line), &rest[at + 1..])
            }
            None => (rest, ""),
        };
        rest = next;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_str_lines_does() {
        for text in ["", "a", "a\n", "a\r\nb", "a\rb\n\nc\r", "\n\n", "a\r\n\r\n", "end\r"] {
            let ours: Vec<&str> = lines(text).collect();
            assert_eq!(ours, text.lines().collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn lowercase_keeps_offsets() {
        for text in ["MiXeD", "é Ü ASCII", &"X".repeat(600)] {
            with_lowercase(text, |lower| {
                assert_eq!(lower.len(), text.len());
                assert_eq!(lower, text.to_ascii_lowercase());
            });
        }
    }
}
