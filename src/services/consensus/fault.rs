//! Fault injection for demos and tests (off by default): make a validator
//! silent, slow or equivocating, or cut it off from chosen peers, so that
//! Byzantine behaviour and partitions can be shown live and tested with
//! real processes.
//!
//! Faults are set at start (`consensus.faults`, e.g. `bitcraps up --fault
//! validator-3=equivocate`) or at run time through `POST /fault` (admin
//! only), which exists only when fault injection is enabled
//! (`consensus.fault_injection = true`, or any fault configured at start).

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How a validator misbehaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Fault {
    /// Honest.
    #[default]
    None,
    /// Sends nothing to its peers (still receives and serves HTTP).
    Silent,
    /// Delays every message to its peers by `delay_ms`.
    Slow { delay_ms: u64 },
    /// With every vote it sends, also sends every peer a conflicting vote
    /// for the same slot, validly signed: the others record evidence.
    Equivocate,
    /// A storage fault, not a Byzantine one: the next safety record's
    /// write stops halfway and fails. The validator must stop at once (exit
    /// 74) without sending the vote it could not make durable; restarted,
    /// it cuts the torn frame and resumes from the last intact record.
    FailSafetyRecord,
}

/// Delay of `slow` when none is given.
pub const DEFAULT_SLOW: Duration = Duration::from_millis(500);

impl std::str::FromStr for Fault {
    type Err = String;

    /// `none`, `silent`, `equivocate`, `slow`, `slow:DURATION` or
    /// `fail_safety_record`.
    fn from_str(s: &str) -> Result<Fault, String> {
        let s = s.trim();
        match s {
            "none" => return Ok(Fault::None),
            "silent" => return Ok(Fault::Silent),
            "equivocate" => return Ok(Fault::Equivocate),
            "fail_safety_record" => return Ok(Fault::FailSafetyRecord),
            "slow" => {
                return Ok(Fault::Slow {
                    delay_ms: DEFAULT_SLOW.as_millis() as u64,
                });
            }
            _ => {}
        }
        if let Some(d) = s.strip_prefix("slow:") {
            let d =
                humantime::parse_duration(d).map_err(|e| format!("fault {s:?}: bad delay: {e}"))?;
            if d > Duration::from_secs(60) {
                return Err(format!(
                    "fault {s:?}: a delay above 60s is not slow, it is silent"
                ));
            }
            return Ok(Fault::Slow {
                delay_ms: d.as_millis() as u64,
            });
        }
        Err(format!(
            "unknown fault {s:?}; expected none, silent, equivocate, slow, slow:DURATION or fail_safety_record"
        ))
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::None => f.write_str("none"),
            Fault::Silent => f.write_str("silent"),
            Fault::Equivocate => f.write_str("equivocate"),
            Fault::FailSafetyRecord => f.write_str("fail_safety_record"),
            Fault::Slow { delay_ms } => write!(f, "slow:{delay_ms}ms"),
        }
    }
}

/// A validator's injected faults: its behaviour, and the peers it is cut
/// off from (both directions: nothing sent to them, nothing taken from
/// them), which is how tests partition real processes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultState {
    pub fault: Fault,
    pub cut: BTreeSet<u32>,
}

impl FaultState {
    pub fn is_active(&self) -> bool {
        self.fault != Fault::None || !self.cut.is_empty()
    }

    /// Whether messages to or from `peer` get through.
    pub fn reaches(&self, peer: u32) -> bool {
        !self.cut.contains(&peer)
    }
}

/// Parses `consensus.faults`: comma-separated `validator-N=FAULT` entries
/// (no entry twice); returns this validator's fault.
pub fn for_validator(spec: &str, index: u16) -> Result<Fault, String> {
    let mut mine = Fault::None;
    let mut seen = BTreeSet::new();
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, fault) = entry
            .split_once('=')
            .ok_or_else(|| format!("fault {entry:?}: expected validator-N=FAULT"))?;
        let n: u16 = name
            .trim()
            .strip_prefix("validator-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                format!("fault {entry:?}: {name:?} is not a validator name (validator-N)")
            })?;
        if !seen.insert(n) {
            return Err(format!("validator-{n} has two faults"));
        }
        let fault: Fault = fault.parse()?;
        if n == index {
            mine = fault;
        }
    }
    Ok(mine)
}

/// Checks `consensus.faults` against the number of validators.
pub fn validate(spec: &str, validators: u16) -> Result<(), String> {
    for i in 0..validators {
        for_validator(spec, i)?;
    }
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if let Some(n) = entry
            .split_once('=')
            .and_then(|(name, _)| name.trim().strip_prefix("validator-"))
            .and_then(|n| n.parse::<u16>().ok())
            && n >= validators
        {
            return Err(format!(
                "fault for validator-{n}, but only validator-0..validator-{} run",
                validators.saturating_sub(1)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_and_print_back() {
        for (text, fault) in [
            ("none", Fault::None),
            ("silent", Fault::Silent),
            ("equivocate", Fault::Equivocate),
            ("slow", Fault::Slow { delay_ms: 500 }),
            ("slow:250ms", Fault::Slow { delay_ms: 250 }),
        ] {
            assert_eq!(text.parse::<Fault>(), Ok(fault), "{text}");
            assert_eq!(fault.to_string().parse::<Fault>(), Ok(fault));
        }
        assert!(
            "loud"
                .parse::<Fault>()
                .unwrap_err()
                .contains("unknown fault")
        );
        assert!(
            "slow:soon"
                .parse::<Fault>()
                .unwrap_err()
                .contains("bad delay")
        );
        assert!("slow:2m".parse::<Fault>().is_err());
    }

    #[test]
    fn each_validator_finds_its_own_fault() {
        let spec = "validator-3=equivocate, validator-1=slow:100ms";
        assert_eq!(for_validator(spec, 3), Ok(Fault::Equivocate));
        assert_eq!(for_validator(spec, 1), Ok(Fault::Slow { delay_ms: 100 }));
        assert_eq!(for_validator(spec, 0), Ok(Fault::None));
        assert_eq!(for_validator("", 0), Ok(Fault::None));
        assert!(validate(spec, 4).is_ok());
        assert!(
            validate(spec, 3)
                .unwrap_err()
                .contains("only validator-0..validator-2")
        );
        assert!(validate("validator-1=silent,validator-1=slow", 4).is_err());
        assert!(
            validate("engine-0=silent", 4)
                .unwrap_err()
                .contains("not a validator")
        );
        assert!(
            validate("validator-1", 4)
                .unwrap_err()
                .contains("validator-N=FAULT")
        );
    }

    #[test]
    fn cut_peers_are_unreachable_both_ways() {
        let s = FaultState {
            fault: Fault::None,
            cut: [2, 3].into_iter().collect(),
        };
        assert!(s.is_active());
        assert!(s.reaches(1) && !s.reaches(2) && !s.reaches(3));
        assert!(!FaultState::default().is_active());
    }
}
