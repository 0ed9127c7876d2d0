//! Raw inputs as the store keeps them: named by the hash of their bytes, deflated when that
//! makes them smaller (a bounce with its original message attached shrinks to a third).

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use crate::StoreError;
use crate::event::raw_id;

/// The `encoding` of raw bytes kept as received.
pub(crate) const IDENTITY: &str = "identity";

/// The `encoding` of raw bytes kept as a raw DEFLATE stream (RFC 1951).
pub(crate) const DEFLATE: &str = "deflate";

/// Raw inputs shorter than this are kept as received: a log line or a one-event webhook body
/// shrinks by a few dozen bytes at most, and setting up a compressor costs more than that saves.
const MIN_DEFLATE_BYTES: usize = 1024;

/// A raw input ready to be stored: its id, and its bytes in the encoding they are kept in.
#[derive(Debug, Clone)]
pub struct PackedRaw {
    pub(crate) id: String,
    pub(crate) encoding: &'static str,
    pub(crate) bytes: Vec<u8>,
}

impl PackedRaw {
    /// Hashes and compresses `raw` (the work the store's writer would otherwise do itself); one
    /// under 1 KiB is kept as it is.
    pub fn new(raw: &[u8]) -> PackedRaw {
        let id = raw_id(raw);
        if raw.len() < MIN_DEFLATE_BYTES {
            return PackedRaw { id, encoding: IDENTITY, bytes: raw.to_vec() };
        }
        let mut encoder =
            DeflateEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::fast());
        let packed = encoder.write_all(raw).and_then(|()| encoder.finish());
        match packed {
            Ok(bytes) if bytes.len() < raw.len() => PackedRaw { id, encoding: DEFLATE, bytes },
            _ => PackedRaw { id, encoding: IDENTITY, bytes: raw.to_vec() },
        }
    }
}

/// The raw input's bytes as received, from the stored ones.
pub(crate) fn unpack(db: &str, encoding: &str, bytes: Vec<u8>) -> Result<Vec<u8>, StoreError> {
    match encoding {
        IDENTITY => Ok(bytes),
        DEFLATE => {
            let mut out = Vec::with_capacity(bytes.len() * 3);
            DeflateDecoder::new(bytes.as_slice()).read_to_end(&mut out).map_err(|e| {
                StoreError::Database {
                    db: db.to_owned(),
                    cause: format!("a raw input is damaged: {e}"),
                }
            })?;
            Ok(out)
        }
        other => Err(StoreError::Database {
            db: db.to_owned(),
            cause: format!("a raw input has an encoding this build does not know: {other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_bytes_come_back_as_received() {
        let text = b"Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\n".repeat(40);
        let packed = PackedRaw::new(&text);
        assert_eq!(packed.encoding, DEFLATE);
        assert!(packed.bytes.len() < text.len() / 4);
        assert_eq!(packed.id, raw_id(&text));
        assert_eq!(unpack("t", packed.encoding, packed.bytes).unwrap(), text);
    }

    #[test]
    fn bytes_that_do_not_shrink_are_kept_as_they_are() {
        // xorshift64: bytes with nothing for deflate to find.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        let packed = PackedRaw::new(&noise);
        assert_eq!(packed.encoding, IDENTITY);
        assert_eq!(unpack("t", packed.encoding, packed.bytes).unwrap(), noise);
        assert!(unpack("t", "zstd", vec![1]).is_err());
    }

    #[test]
    fn inputs_under_a_kilobyte_are_kept_as_they_are_even_when_they_would_shrink() {
        let line = b"Dec  7 05:50:02 mx postfix/smtp[804]: 4A1B: to=<a@example.org>, status=bounced (said: 550 5.1.1 unknown unknown unknown unknown unknown)";
        let packed = PackedRaw::new(line);
        assert_eq!((packed.encoding, packed.bytes.as_slice()), (IDENTITY, &line[..]));
        let longer = line.repeat(8);
        assert_eq!(PackedRaw::new(&longer).encoding, DEFLATE);
    }
}
