//! CPU time and memory of one process from Linux `/proc/<pid>/stat` and
//! `/proc/<pid>/status`. The parsers are pure (text in); `read` is the only IO.

/// Clock ticks per second of the times in `/proc/<pid>/stat` (`USER_HZ`,
/// which Linux fixes at 100 for user space on every architecture).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// What the dashboard shows of one process at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcSample {
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    /// Resident memory in bytes.
    pub rss_bytes: u64,
}

/// User plus system time (fields 14 and 15) of a `/proc/<pid>/stat` line.
/// The command name (field 2) is in parentheses and may itself hold spaces
/// and parentheses, so fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<u64> {
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // fields[0] is field 3 (state), so field N is fields[N - 3].
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    utime.checked_add(stime)
}

/// `VmRSS` of `/proc/<pid>/status`, in bytes (`None` for a kernel thread or
/// a zombie, which have none).
pub fn parse_status_rss(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut parts = line["VmRSS:".len()..].split_whitespace();
    let n: u64 = parts.next()?.parse().ok()?;
    let unit = match parts.next() {
        Some("kB") | None => 1024,
        Some("mB") => 1024 * 1024,
        Some(_) => return None,
    };
    n.checked_mul(unit)
}

/// CPU use in percent of one core between two samples `seconds` apart.
pub fn cpu_percent(earlier: u64, later: u64, seconds: f64) -> Option<f64> {
    if seconds <= 0.0 || later < earlier {
        return None;
    }
    Some((later - earlier) as f64 / TICKS_PER_SECOND / seconds * 100.0)
}

/// Reads both files of `pid`; `None` when the process is gone.
pub fn read(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(ProcSample {
        cpu_ticks: parse_stat(&stat)?,
        rss_bytes: parse_status_rss(&status).unwrap_or(0),
    })
}

/// `512K`, `38.2M`, `1.5G`: memory for a narrow column.
pub fn short_bytes(bytes: u64) -> String {
    const K: f64 = 1024.0;
    let b = bytes as f64;
    if b < K * K {
        format!("{:.0}K", b / K)
    } else if b < K * K * K {
        format!("{:.1}M", b / (K * K))
    } else {
        format!("{:.1}G", b / (K * K * K))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STAT: &str = "4242 (bitcraps) S 4200 4242 4200 0 -1 4194560 3100 0 0 0 \
                        150 37 0 0 20 0 12 0 88123 1234567890 9876 18446744073709551615 \
                        1 1 0 0 0 0 0 4096 17003 0 0 0 17 1 0 0 0 0 0";

    const STATUS: &str = "Name:\tbitcraps\nUmask:\t0022\nState:\tS (sleeping)\n\
                          VmPeak:\t  900000 kB\nVmRSS:\t   38400 kB\nThreads:\t12\n";

    #[test]
    fn stat_sums_user_and_system_ticks() {
        assert_eq!(parse_stat(STAT), Some(187));
    }

    #[test]
    fn stat_survives_a_command_name_with_spaces_and_parens() {
        let odd = STAT.replace("(bitcraps)", "(my (odd) name)");
        assert_eq!(parse_stat(&odd), Some(187));
    }

    #[test]
    fn stat_refuses_truncated_or_garbled_text() {
        assert_eq!(parse_stat(""), None);
        assert_eq!(parse_stat("4242 (x) S 1 2 3"), None);
        assert_eq!(parse_stat(&STAT.replace(" 150 ", " x ")), None);
    }

    #[test]
    fn status_reads_rss_in_bytes() {
        assert_eq!(parse_status_rss(STATUS), Some(38400 * 1024));
        assert_eq!(parse_status_rss("Name:\tkworker\nState:\tI (idle)\n"), None);
        assert_eq!(parse_status_rss("VmRSS:\t12 pages\n"), None);
    }

    #[test]
    fn cpu_percent_of_one_core() {
        // 50 ticks in one second is half a core.
        assert_eq!(cpu_percent(100, 150, 1.0), Some(50.0));
        assert_eq!(cpu_percent(100, 400, 1.5), Some(200.0));
        assert_eq!(
            cpu_percent(150, 100, 1.0),
            None,
            "a new process with the same pid"
        );
        assert_eq!(cpu_percent(1, 2, 0.0), None);
    }

    #[test]
    fn short_bytes_picks_a_unit() {
        assert_eq!(short_bytes(512 * 1024), "512K");
        assert_eq!(short_bytes(38_400 * 1024), "37.5M");
        assert_eq!(short_bytes(3 * 1024 * 1024 * 1024 / 2), "1.5G");
    }

    #[test]
    fn reads_this_process() {
        let me = read(std::process::id()).unwrap();
        assert!(me.rss_bytes > 0);
    }

    proptest! {
        #[test]
        fn stat_parses_any_name_and_times(name in "[ -~]{0,20}", u in 0u64..1 << 40, s in 0u64..1 << 40) {
            let line = format!("7 ({name}) R 1 7 7 0 -1 0 0 0 0 0 {u} {s} 0 0 20 0 1 0 5 100 10");
            prop_assert_eq!(parse_stat(&line), Some(u + s));
        }

        #[test]
        fn parsers_never_panic(text in "\\PC{0,200}") {
            let _ = parse_stat(&text);
            let _ = parse_status_rss(&text);
        }
    }
}
