//! Per-service log files, capped by rotation, and reading their tails.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Size at which a log file is rotated to `<name>.log.1`.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// An append-only log file that rotates once it passes `max_bytes`
/// (one rotated generation is kept, so a service uses at most 2x the cap).
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    written: u64,
    max_bytes: u64,
}

impl RotatingFile {
    pub fn open(path: &Path, max_bytes: u64) -> std::io::Result<RotatingFile> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let written = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            file,
            written,
            max_bytes,
        })
    }

    pub fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        if self.written > 0 && self.written + line.len() as u64 + 1 > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(line.as_bytes())?;
        self.file.write_all(b"\n")?;
        self.written += line.len() as u64 + 1;
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        std::fs::rename(&self.path, rotated(&self.path))?;
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

pub fn rotated(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".1");
    PathBuf::from(s)
}

/// The last `n` lines of a log, reaching into the rotated file if needed.
pub fn tail(path: &Path, n: usize) -> Vec<String> {
    let mut lines = last_lines(path, n);
    if lines.len() < n {
        let mut older = last_lines(&rotated(path), n - lines.len());
        older.append(&mut lines);
        lines = older;
    }
    lines
}

fn last_lines(path: &Path, n: usize) -> Vec<String> {
    let Ok(mut f) = File::open(path) else {
        return Vec::new();
    };
    // Read a bounded window from the end: enough for n typical lines.
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let window = (n as u64).saturating_add(1).saturating_mul(4096).min(len);
    if f.seek(SeekFrom::Start(len - window)).is_err() {
        return Vec::new();
    }
    let mut buf = Vec::new();
    if f.read_to_end(&mut buf).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().collect();
    if window < len && !lines.is_empty() {
        lines.remove(0); // likely a partial line
    }
    let start = lines.len().saturating_sub(n);
    lines[start..].iter().map(|s| s.to_string()).collect()
}

/// Follows a log file from an offset: returns complete new lines and the new
/// offset. A file that shrank (rotated or truncated) is read from the start.
pub fn read_new(path: &Path, offset: u64) -> (Vec<String>, u64) {
    let Ok(f) = File::open(path) else {
        return (Vec::new(), offset);
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = if len < offset { 0 } else { offset };
    let mut reader = BufReader::new(f);
    if reader.seek(SeekFrom::Start(start)).is_err() {
        return (Vec::new(), offset);
    }
    let mut lines = Vec::new();
    let mut pos = start;
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(k) if line.ends_with('\n') => {
                pos += k as u64;
                lines.push(line.trim_end_matches(['\n', '\r']).to_string());
            }
            _ => break, // partial last line: wait for the rest
        }
    }
    (lines, pos)
}

/// Current size of a file (0 if missing).
pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_past_the_cap_and_tail_spans_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("svc.log");
        let mut f = RotatingFile::open(&path, 100).unwrap();
        for i in 0..30 {
            f.write_line(&format!("line {i:02}")).unwrap();
        }
        assert!(size(&path) <= 100);
        assert!(rotated(&path).exists());
        let t = tail(&path, 12);
        assert_eq!(t.len(), 12);
        assert_eq!(t.last().unwrap(), "line 29");
        assert_eq!(t[0], "line 18");
    }

    #[test]
    fn read_new_returns_only_complete_lines_and_restarts_after_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        std::fs::write(&path, "a\nb\npart").unwrap();
        let (lines, off) = read_new(&path, 0);
        assert_eq!(lines, ["a", "b"]);
        assert_eq!(off, 4);
        std::fs::write(&path, "x\n").unwrap();
        let (lines, _) = read_new(&path, off + 10);
        assert_eq!(lines, ["x"]);
    }
}
