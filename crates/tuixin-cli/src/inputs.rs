//! What `tuixin parse` reads: files, folders (recursive), maildirs, mbox files and stdin,
//! turned into a stream of messages in a stable order.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::compressed;
use crate::mbox::{Messages, Separators};

/// One message to decode, or the reason its input could not be read.
pub struct Item {
    /// The input path as the user gave it (or `-`).
    pub origin: String,
    /// 1-based index of the message inside its input.
    pub message: usize,
    /// The bytes, or what went wrong reading them.
    pub bytes: io::Result<Vec<u8>>,
    /// How `--max-message-size` cut the message, if it did.
    pub cut: Option<Cut>,
    /// Bytes of the input (compressed, if it is) read up to the end of this message, for
    /// progress.
    pub read_to: u64,
}

/// How the message size limit cut a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The message had this many bytes; those past the limit were skipped.
    Size(u64),
    /// A line longer than the limit: the rest of the input was not read.
    RestUnread,
}

/// One input found by [`expand`].
pub enum Input {
    /// A file to read (or `-` for stdin), with its size when it is a regular file.
    Read(PathBuf, Option<u64>),
    /// A path that could not be opened or listed.
    Failed(PathBuf, io::Error),
    /// A path met in a folder walk and left alone, with the reason to tell the user.
    Skipped(PathBuf, Skip),
}

/// Why a folder walk left a path alone.
pub enum Skip {
    /// The same real folder (`folder`) or file as one already read, by this earlier path.
    Again { folder: bool, earlier: PathBuf },
    /// Not a regular file: a named pipe, a socket or a device, as `special_kind` names it.
    Special(&'static str),
}

/// The inputs under the given paths, in order: folders walked recursively in name order.
///
/// Symbolic links are followed, but every real folder and file is visited once (known by device
/// and inode), so a link back to a parent cannot loop; what a walk leaves out is listed as
/// [`Input::Skipped`].
pub fn expand(paths: &[PathBuf]) -> Vec<Input> {
    let mut walker = Walker::default();
    for path in paths {
        walker.walk(path, true);
    }
    walker.out
}

#[derive(Default)]
struct Walker {
    /// Each real folder and file met, with the path it was first met by.
    seen: HashMap<FileId, PathBuf>,
    out: Vec<Input>,
}

impl Walker {
    /// `named`: the user gave this path (always read), rather than a walk finding it.
    fn walk(&mut self, path: &Path, named: bool) {
        if named && path.as_os_str() == "-" {
            self.out.push(Input::Read(path.to_path_buf(), None));
            return;
        }
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) => return self.out.push(Input::Failed(path.to_path_buf(), e)),
        };
        let id = FileId::of(path, &meta);
        let earlier = match self.seen.get(&id) {
            Some(earlier) => Some(earlier.clone()),
            None => {
                self.seen.insert(id, path.to_path_buf());
                None
            }
        };
        let skip = |folder: bool, earlier: PathBuf| {
            Input::Skipped(path.to_path_buf(), Skip::Again { folder, earlier })
        };
        match earlier {
            // Reading a named pipe, socket or device found in a folder could wait forever (or
            // never end): only one named on the command line is read.
            None if !named && !meta.is_dir() && !meta.is_file() => self
                .out
                .push(Input::Skipped(path.to_path_buf(), Skip::Special(special_kind(&meta)))),
            Some(earlier) if meta.is_dir() => self.out.push(skip(true, earlier)),
            Some(earlier) if !named => self.out.push(skip(false, earlier)),
            _ if meta.is_dir() => self.folder(path),
            _ => {
                self.out.push(Input::Read(path.to_path_buf(), meta.is_file().then_some(meta.len())))
            }
        }
    }

    fn folder(&mut self, path: &Path) {
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => return self.out.push(Input::Failed(path.to_path_buf(), e)),
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        if is_maildir(path) {
            // A maildir's messages are in cur/ and new/ (tmp/ holds those still being written);
            // beside them the server keeps its own files (Dovecot's dovecot-uidlist and
            // dovecot.index*, subscriptions, the maildirfolder marker, Courier's courierimap*),
            // and its subfolders are maildirs too: `.Bounces` in Maildir++, `Bounces` in
            // Dovecot's LAYOUT=fs.
            for sub in ["cur", "new"] {
                self.walk(&path.join(sub), false);
            }
            for child in children {
                if child.is_dir() && is_maildir(&child) {
                    self.walk(&child, false);
                }
            }
            return;
        }
        for child in children {
            if child.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                continue;
            }
            self.walk(&child, false);
        }
    }
}

/// What a path that is neither a folder nor a regular file is, in words.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return "pipe";
        } else if kind.is_socket() {
            return "socket";
        } else if kind.is_char_device() || kind.is_block_device() {
            return "device";
        }
    }
    let _ = meta;
    "special"
}

/// A file's identity whatever the path to it: device and inode on Unix.
#[derive(PartialEq, Eq, Hash)]
struct FileId(u64, u64, Option<PathBuf>);

impl FileId {
    #[cfg(unix)]
    fn of(_path: &Path, meta: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId(meta.dev(), meta.ino(), None)
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _meta: &std::fs::Metadata) -> FileId {
        FileId(0, 0, Some(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())))
    }
}

fn is_maildir(path: &Path) -> bool {
    path.join("cur").is_dir() && path.join("new").is_dir()
}

/// The messages of one input: one for a message file, each message of an mbox; each kept up
/// to `limit` bytes, so that no input is held whole in memory.
pub fn messages(path: &Path, limit: usize) -> Box<dyn Iterator<Item = Item> + Send> {
    let origin = path.display().to_string();
    let read = Arc::new(AtomicU64::new(0));
    let counted = read.clone();
    let reader: io::Result<Box<dyn BufRead + Send>> = if path.as_os_str() == "-" {
        let stdin = BufReader::new(EndOnce { inner: io::stdin(), ended: false });
        Ok(Box::new(Counted { inner: stdin, read: counted }))
    } else {
        File::open(path).map(|file| {
            let file = BufReader::with_capacity(1 << 16, file);
            Box::new(Counted { inner: file, read: counted }) as Box<dyn BufRead + Send>
        })
    };
    // Compressed or not, then as mbox or message.
    let opened =
        reader.and_then(compressed::decompressed).and_then(cr_only_to_lf).and_then(|mut reader| {
            // A file that is not an mbox may still carry further messages after mbox `From `
            // lines: an mbox whose first message lost its own `From ` line.
            let separators =
                if is_mbox(&mut reader)? { Separators::Mbox } else { Separators::Message };
            Ok((reader, separators))
        });
    let (reader, separators) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            return Box::new(std::iter::once(Item {
                origin,
                message: 1,
                bytes: Err(e),
                cut: None,
                read_to: read.load(Ordering::Relaxed),
            }));
        }
    };
    let iter = Messages::new(reader, separators, limit).enumerate().map(move |(i, m)| Item {
        origin: origin.clone(),
        message: i + 1,
        read_to: read.load(Ordering::Relaxed),
        cut: m.as_ref().ok().and_then(|m| {
            if m.rest_unread { Some(Cut::RestUnread) } else { m.cut_from.map(Cut::Size) }
        }),
        bytes: m.map(|m| m.bytes),
    });
    Box::new(iter)
}

/// A buffered reader that counts the bytes taken from it (the progress of compressed inputs
/// too). It sits above the buffer, so that the file below is read straight into it.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        self.inner.consume(n);
    }
}

/// A reader that stays at its end once it has reached it. A terminal gives an end of input
/// for each Ctrl-D and reads on after it; without this, every further look at stdin would
/// wait for one more Ctrl-D.
struct EndOnce<R> {
    inner: R,
    ended: bool,
}

impl<R: Read> Read for EndOnce<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.ended = n == 0;
        Ok(n)
    }
}

/// Old Mac files end lines with CR alone; the mbox reader splits on LF, so such an input is
/// read whole and converted (the only case where an mbox is not streamed).
fn cr_only_to_lf(mut reader: Box<dyn BufRead + Send>) -> io::Result<Box<dyn BufRead + Send>> {
    let head = reader.fill_buf()?;
    let window = &head[..head.len().min(8192)];
    if window.contains(&b'\n') || !window.contains(&b'\r') {
        return Ok(reader);
    }
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    for b in &mut bytes {
        if *b == b'\r' {
            *b = b'\n';
        }
    }
    Ok(Box::new(io::Cursor::new(bytes)))
}

/// An mbox starts with a `From ` line followed by a header line.
fn is_mbox(reader: &mut dyn BufRead) -> io::Result<bool> {
    let head = reader.fill_buf()?;
    if !head.starts_with(b"From ") {
        return Ok(false);
    }
    let Some(end) = head.iter().position(|&b| b == b'\n') else {
        return Ok(true);
    };
    let next = &head[end + 1..];
    let header_like = next.iter().take_while(|&&b| b != b'\n').position(|&b| b == b':').is_some();
    Ok(header_like || next.is_empty())
}
