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

/// A raw input ready to be stored: its id, and its bytes in the encoding they are kept in.
#[derive(Debug, Clone)]
pub struct PackedRaw {
    pub(crate) id: String,
    pub(crate) encoding: &'static str,
    pub(crate) bytes: Vec<u8>,
}

impl PackedRaw {
    /// Hashes and compresses `raw` (the work the store's writer would otherwise do itself).
    pub fn new(raw: &[u8]) -> PackedRaw {
        let id = raw_id(raw);
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
        let noise: Vec<u8> =
            (0..64u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let packed = PackedRaw::new(&noise);
        assert_eq!(packed.encoding, IDENTITY);
        assert_eq!(unpack("t", packed.encoding, packed.bytes).unwrap(), noise);
        assert!(unpack("t", "zstd", vec![1]).is_err());
    }
}
