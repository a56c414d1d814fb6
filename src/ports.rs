//! Who holds a TCP port, and is a port free: for errors that name the
//! culprit instead of "address in use".

use std::net::{SocketAddr, TcpListener};

/// A process listening on a port, as far as `/proc` shows it (processes of
/// other users may be invisible without privileges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortHolder {
    pub pid: u32,
    pub command: String,
}

impl std::fmt::Display for PortHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} ({})", self.pid, self.command)
    }
}

/// True when `addr` can be bound right now.
pub fn is_free(addr: SocketAddr) -> bool {
    TcpListener::bind(addr).is_ok()
}

/// Finds the process listening on `port` (any local address), if visible.
pub fn holder(port: u16) -> Option<PortHolder> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && wanted.iter().any(|w| target.as_os_str() == w.as_str())
            {
                let command = std::fs::read_to_string(entry.path().join("comm"))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| "?".to_string());
                return Some(PortHolder { pid, command });
            }
        }
    }
    None
}

/// Describes why `addr` cannot be bound, naming the holder when found.
pub fn in_use_message(addr: SocketAddr, what: &str) -> String {
    match holder(addr.port()) {
        Some(h) => format!(
            "port {} ({what}, {addr}) is already in use by {h}",
            addr.port()
        ),
        None => format!("port {} ({what}, {addr}) is already in use", addr.port()),
    }
}

fn listening_inodes(port: u16) -> Vec<u64> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        out.extend(parse_listening(&text, port));
    }
    out
}

/// Parses a `/proc/net/tcp` table: inodes of sockets in LISTEN state on `port`.
fn parse_listening(text: &str, port: u16) -> Vec<u64> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let local = cols.get(1)?;
            let state = cols.get(3)?;
            let inode = cols.get(9)?.parse::<u64>().ok()?;
            let (_, hex_port) = local.rsplit_once(':')?;
            let p = u16::from_str_radix(hex_port, 16).ok()?;
            (p == port && *state == "0A" && inode != 0).then_some(inode)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listening_sockets_from_proc_table() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0 100 0 0 10 0\n\
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 999 1 0 100 0 0 10 0\n";
        assert_eq!(parse_listening(text, 8080), vec![12345]);
        assert!(parse_listening(text, 8081).is_empty());
    }

    #[test]
    fn finds_this_process_as_the_holder_of_its_listener() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        assert!(!is_free(addr));
        let h = holder(addr.port()).expect("holder found");
        assert_eq!(h.pid, std::process::id());
        assert!(in_use_message(addr, "gateway").contains(&format!("pid {}", h.pid)));
        drop(l);
        assert!(is_free(addr));
    }
}
