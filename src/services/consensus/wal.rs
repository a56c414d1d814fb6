//! A write-ahead log of CRC-framed records.
//!
//! Frame: `u32 LE payload length | u32 LE CRC-32 of the payload | payload`.
//! `append` writes one frame and fsyncs before returning, so a record is on
//! disk before the caller acts on it (a vote leaves the node only after its
//! safety record is durable). On open, frames are read until the first one
//! that is incomplete (a torn write) or fails its CRC (corruption); that
//! tail is never trusted: it is cut off, and how much was cut is reported.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Frames larger than this are treated as corruption.
pub const MAX_RECORD: u32 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("write-ahead log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("write-ahead log record does not encode: {0}")]
    Encode(String),
    /// An earlier write could not be undone or its fsync failed: what is on
    /// disk is no longer known, so the log takes nothing more until it is
    /// opened again (which trusts only intact, fsynced frames).
    #[error("write-ahead log {0} failed earlier and takes no more records until reopened")]
    Poisoned(PathBuf),
}

/// What opening found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery<T> {
    pub records: Vec<T>,
    /// Bytes cut from the end: a torn or corrupt tail (0 when clean).
    pub truncated_bytes: u64,
    /// Why the tail was cut, when it was.
    pub reason: Option<String>,
}

pub struct Wal<T> {
    path: PathBuf,
    file: File,
    /// Length of the intact, fsynced prefix: where the next frame starts.
    len: u64,
    poisoned: bool,
    fail: Option<InjectedFailure>,
    _records: PhantomData<fn(T) -> T>,
}

/// A storage fault (tests, and the `fail_safety_record` fault mode of
/// `consensus::fault`): the next append writes `written` bytes of its frame
/// and then fails, or (`sync`) writes it all and its fsync fails.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InjectedFailure {
    pub written: usize,
    pub sync: bool,
}

impl<T: Serialize + DeserializeOwned> Wal<T> {
    /// Opens (creating) the log, returns every intact record, and cuts off
    /// a torn or corrupt tail.
    pub fn open(path: &Path) -> Result<(Wal<T>, Recovery<T>), WalError> {
        let io = |source| WalError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let (records, good, reason) = decode_all::<T>(&bytes);
        let truncated = bytes.len() as u64 - good;
        if truncated > 0 {
            file.set_len(good).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok((
            Wal {
                path: path.to_path_buf(),
                file,
                len: good,
                poisoned: false,
                fail: None,
                _records: PhantomData,
            },
            Recovery {
                records,
                truncated_bytes: truncated,
                reason,
            },
        ))
    }

    /// Appends one record and fsyncs it.
    ///
    /// A write that fails part-way is cut off again (the file is truncated
    /// to the intact prefix and fsynced) before this returns, so a torn
    /// frame never sits in front of later, fsynced records, which reopening
    /// would otherwise discard with it. If that cut fails, or the fsync
    /// itself fails (after which the kernel may have dropped the unwritten
    /// pages and a retried fsync proves nothing), the log is poisoned: every
    /// later append fails until it is reopened. A validator that gets an
    /// error here must not sign (see the shell: it stops the process).
    pub fn append(&mut self, record: &T) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned(self.path.clone()));
        }
        let payload = serde_json::to_vec(record).map_err(|e| WalError::Encode(e.to_string()))?;
        let frame = encode(&payload);
        let path = self.path.clone();
        let io = |source| WalError::Io { path, source };
        if let Err(e) = self.write_frame(&frame) {
            if self.cut_to_intact().is_err() {
                self.poisoned = true;
            }
            return Err(io(e));
        }
        if let Err(e) = self.sync() {
            self.poisoned = true;
            return Err(io(e));
        }
        self.len += frame.len() as u64;
        Ok(())
    }

    fn write_frame(&mut self, frame: &[u8]) -> std::io::Result<()> {
        if let Some(f) = self.fail.filter(|f| !f.sync) {
            self.fail = None;
            self.file.write_all(&frame[..f.written.min(frame.len())])?;
            return Err(std::io::Error::other("injected write failure"));
        }
        self.file.write_all(frame)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        if self.fail.is_some_and(|f| f.sync) {
            self.fail = None;
            return Err(std::io::Error::other("injected fsync failure"));
        }
        self.file.sync_data()
    }

    /// Truncates the file to the intact prefix and makes that durable.
    fn cut_to_intact(&mut self) -> std::io::Result<()> {
        self.file.set_len(self.len)?;
        self.file.sync_all()
    }

    pub(crate) fn inject(&mut self, failure: InjectedFailure) {
        self.fail = Some(failure);
    }

    /// Replaces the whole log with `records` (compaction): written to a
    /// temporary file, fsynced, then renamed over the log.
    pub fn rewrite(&mut self, records: &[T]) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned(self.path.clone()));
        }
        let tmp = self.path.with_extension("compact");
        let io = |source| WalError::Io {
            path: tmp.clone(),
            source,
        };
        let mut out = File::create(&tmp).map_err(io)?;
        let mut len = 0;
        for r in records {
            let payload = serde_json::to_vec(r).map_err(|e| WalError::Encode(e.to_string()))?;
            let frame = encode(&payload);
            out.write_all(&frame).map_err(io)?;
            len += frame.len() as u64;
        }
        out.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        // From here the log on disk is the new file: any failure leaves
        // what is durable unknown (the rename may not survive a power
        // loss, or appends would go to the old, unlinked file), so the
        // log is poisoned rather than used.
        let synced = self
            .path
            .parent()
            .map_or(Ok(()), |dir| File::open(dir).and_then(|d| d.sync_all()));
        let reopened =
            synced.and_then(|()| OpenOptions::new().append(true).read(true).open(&self.path));
        match reopened {
            Ok(file) => {
                self.file = file;
                self.len = len;
                Ok(())
            }
            Err(source) => {
                self.poisoned = true;
                Err(WalError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }

    pub fn len_bytes(&self) -> u64 {
        self.len
    }
}

/// One frame holding `payload`: length, CRC-32, payload.
pub fn encode(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 8);
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// Decodes frames from the start; returns the records, the length of the
/// intact prefix, and why decoding stopped early (if it did).
fn decode_all<T: DeserializeOwned>(bytes: &[u8]) -> (Vec<T>, u64, Option<String>) {
    let mut records = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let Some(header) = bytes.get(pos..pos + 8) else {
            return (
                records,
                pos as u64,
                Some(format!("torn frame header at byte {pos}")),
            );
        };
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if len > MAX_RECORD {
            return (
                records,
                pos as u64,
                Some(format!("implausible frame length {len} at byte {pos}")),
            );
        }
        let Some(payload) = bytes.get(pos + 8..pos + 8 + len as usize) else {
            return (
                records,
                pos as u64,
                Some(format!("torn frame at byte {pos}")),
            );
        };
        if crc32fast::hash(payload) != crc {
            return (
                records,
                pos as u64,
                Some(format!("CRC mismatch at byte {pos}")),
            );
        }
        match serde_json::from_slice(payload) {
            Ok(r) => records.push(r),
            Err(e) => {
                return (
                    records,
                    pos as u64,
                    Some(format!("undecodable record at byte {pos}: {e}")),
                );
            }
        }
        pos += 8 + len as usize;
    }
    (records, pos as u64, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
    struct Rec {
        height: u64,
        note: String,
    }

    fn rec(h: u64) -> Rec {
        Rec {
            height: h,
            note: format!("record {h}"),
        }
    }

    #[test]
    fn records_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal");
        {
            let (mut w, r) = Wal::<Rec>::open(&path).unwrap();
            assert!(r.records.is_empty());
            for h in 0..10 {
                w.append(&rec(h)).unwrap();
            }
        }
        let (_, r) = Wal::<Rec>::open(&path).unwrap();
        assert_eq!(r.records, (0..10).map(rec).collect::<Vec<_>>());
        assert_eq!(r.truncated_bytes, 0);
    }

    #[test]
    fn a_torn_tail_is_cut_and_appends_continue_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal");
        {
            let (mut w, _) = Wal::<Rec>::open(&path).unwrap();
            for h in 0..3 {
                w.append(&rec(h)).unwrap();
            }
        }
        let full = std::fs::read(&path).unwrap();
        std::fs::write(&path, &full[..full.len() - 5]).unwrap();
        let (mut w, r) = Wal::<Rec>::open(&path).unwrap();
        assert_eq!(r.records, vec![rec(0), rec(1)]);
        assert!(r.truncated_bytes > 0);
        assert!(r.reason.unwrap().contains("torn"));
        w.append(&rec(9)).unwrap();
        let (_, r) = Wal::<Rec>::open(&path).unwrap();
        assert_eq!(r.records, vec![rec(0), rec(1), rec(9)]);
        assert_eq!(r.truncated_bytes, 0);
    }

    #[test]
    fn a_corrupt_record_and_everything_after_it_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal");
        {
            let (mut w, _) = Wal::<Rec>::open(&path).unwrap();
            for h in 0..4 {
                w.append(&rec(h)).unwrap();
            }
        }
        let mut bytes = std::fs::read(&path).unwrap();
        let second = 8 + serde_json::to_vec(&rec(0)).unwrap().len();
        bytes[second + 10] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        let (_, r) = Wal::<Rec>::open(&path).unwrap();
        assert_eq!(r.records, vec![rec(0)]);
        assert!(r.reason.unwrap().contains("CRC"));
    }

    /// A write that fails part-way leaves no torn frame in front of the
    /// records appended after it: all fsynced records survive a reopen.
    #[test]
    fn a_failed_write_is_cut_before_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal");
        {
            let (mut w, _) = Wal::<Rec>::open(&path).unwrap();
            w.append(&rec(0)).unwrap();
            w.append(&rec(1)).unwrap();
            w.inject(InjectedFailure {
                written: 11,
                sync: false,
            });
            assert!(w.append(&rec(2)).is_err());
            w.append(&rec(3)).unwrap();
        }
        let (_, r) = Wal::<Rec>::open(&path).unwrap();
        assert_eq!(r.records, vec![rec(0), rec(1), rec(3)]);
        assert_eq!(r.truncated_bytes, 0, "{:?}", r.reason);
    }

    /// After a failed fsync nothing is known about what reached the disk:
    /// the log refuses every later record until it is reopened.
    #[test]
    fn a_failed_fsync_poisons_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal");
        let (mut w, _) = Wal::<Rec>::open(&path).unwrap();
        w.append(&rec(0)).unwrap();
        w.inject(InjectedFailure {
            written: 0,
            sync: true,
        });
        assert!(matches!(w.append(&rec(1)), Err(WalError::Io { .. })));
        assert!(matches!(w.append(&rec(2)), Err(WalError::Poisoned(_))));
        drop(w);
        let (mut w, r) = Wal::<Rec>::open(&path).unwrap();
        assert_eq!(r.records[0], rec(0));
        w.append(&rec(3)).unwrap();
    }

    #[test]
    fn rewrite_compacts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal");
        let (mut w, _) = Wal::<Rec>::open(&path).unwrap();
        for h in 0..50 {
            w.append(&rec(h)).unwrap();
        }
        w.rewrite(&[rec(49)]).unwrap();
        w.append(&rec(50)).unwrap();
        let (_, r) = Wal::<Rec>::open(&path).unwrap();
        assert_eq!(r.records, vec![rec(49), rec(50)]);
    }

    proptest! {
        /// Cutting the file at any byte yields a prefix of the records.
        #[test]
        fn any_truncation_yields_a_prefix(n in 1u64..20, cut in any::<prop::sample::Index>()) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("wal");
            {
                let (mut w, _) = Wal::<Rec>::open(&path).unwrap();
                for h in 0..n { w.append(&rec(h)).unwrap(); }
            }
            let full = std::fs::read(&path).unwrap();
            let at = cut.index(full.len() + 1);
            std::fs::write(&path, &full[..at]).unwrap();
            let (_, r) = Wal::<Rec>::open(&path).unwrap();
            let expect: Vec<Rec> = (0..r.records.len() as u64).map(rec).collect();
            prop_assert_eq!(&r.records, &expect);
        }
    }
}
