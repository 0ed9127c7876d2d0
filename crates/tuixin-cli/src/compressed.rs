//! Compressed inputs (gzip, xz, zstd), known by their first bytes whatever their name, and read
//! through a streaming decoder so that an archive of any size takes no more memory than a plain
//! mbox.

use std::io::{self, BufRead, BufReader, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// A compression format tuixin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Gzip,
    Xz,
    Zstd,
}

impl Format {
    /// The format whose magic number opens `head`, if any.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Format::Gzip)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Format::Xz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Format::Zstd)
        } else {
            None
        }
    }
}

/// The reader itself, or its decompressed content when it opens with a known magic number.
/// Files of several members or frames (`cat a.gz b.gz`, `zstd` of a stream) are read whole.
pub fn decompressed(mut reader: Box<dyn BufRead + Send>) -> io::Result<Box<dyn BufRead + Send>> {
    let format = Format::sniff(fill_at_least(&mut reader, 6)?);
    const BUFFER: usize = 1 << 16;
    Ok(match format {
        None => reader,
        Some(Format::Gzip) => {
            Box::new(BufReader::with_capacity(BUFFER, flate2::bufread::MultiGzDecoder::new(reader)))
        }
        Some(Format::Xz) => Box::new(BufReader::with_capacity(
            BUFFER,
            liblzma::bufread::XzDecoder::new_multi_decoder(reader),
        )),
        Some(Format::Zstd) => Box::new(BufReader::with_capacity(BUFFER, Zstd::new(reader))),
    })
}

/// The buffered head of `reader`, at least `n` bytes unless the input is shorter. (A pipe may
/// hand over its first bytes in smaller pieces than the magic number.)
fn fill_at_least(reader: &mut Box<dyn BufRead + Send>, n: usize) -> io::Result<&[u8]> {
    if reader.fill_buf()?.len() < n {
        // Rare: gather the head into a new buffer in front of the rest.
        let mut head = Vec::with_capacity(n);
        (&mut *reader).take(n as u64).read_to_end(&mut head)?;
        let rest = std::mem::replace(reader, Box::new(io::empty()));
        *reader = Box::new(io::Cursor::new(head).chain(rest));
        // A `Chain` of two buffered readers is buffered too.
    }
    reader.fill_buf()
}

/// A zstd stream of any number of frames, skippable frames included.
struct Zstd<R> {
    source: R,
    decoder: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> Zstd<R> {
    fn new(source: R) -> Zstd<R> {
        Zstd { source, decoder: FrameDecoder::new(), in_frame: false }
    }
}

impl<R: BufRead> Read for Zstd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.in_frame {
                if self.source.fill_buf()?.is_empty() {
                    return Ok(0);
                }
                match self.decoder.reset(&mut self.source) {
                    Ok(()) => self.in_frame = true,
                    Err(FrameDecoderError::ReadFrameHeaderError(
                        ReadFrameHeaderError::SkipFrame { length, .. },
                    )) => {
                        io::copy(&mut (&mut self.source).take(u64::from(length)), &mut io::sink())?;
                        continue;
                    }
                    Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                }
            }
            while self.decoder.can_collect() == 0 && !self.decoder.is_finished() {
                self.decoder
                    .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // This frame is done: the next one, if any.
            self.in_frame = false;
        }
    }
}
