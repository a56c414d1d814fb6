//! Reports opened over a panel: a game's verification, line by line; a
//! validator's recent blocks; one block with its proposals, the signers of
//! its certificate and its verification. The state and the builders are
//! pure (they take the JSON the services and the CLI answered); the event
//! loop's hands fetch it. Lines that name something (a block) open it with
//! Enter, Esc goes back one report.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use serde_json::Value;

use super::app::Key;

/// How a line is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A section heading.
    Head,
    Plain,
    /// A check that held (green ✓).
    Good,
    /// A check that failed (red ✗).
    Bad,
}

/// What a line opens with Enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Block `height` as `validator` serves it (`None`: through the gateway).
    Block {
        validator: Option<String>,
        height: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub mark: Mark,
    pub text: String,
    pub open: Option<Target>,
}

impl Item {
    pub fn new(mark: Mark, text: impl Into<String>) -> Item {
        Item {
            mark,
            text: text.into(),
            open: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    pub items: Vec<Item>,
    /// The line under the cursor.
    pub cursor: usize,
    /// For the footer: the verdict (`Err`: a failed check or read).
    pub summary: Result<String, String>,
}

/// What a key did to an open report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Stay,
    Close,
    Open(Target),
}

impl Report {
    pub fn new(
        title: impl Into<String>,
        items: Vec<Item>,
        summary: Result<String, String>,
    ) -> Report {
        // The cursor starts on the first line that opens something, if any.
        let cursor = items.iter().position(|i| i.open.is_some()).unwrap_or(0);
        Report {
            title: title.into(),
            items,
            cursor,
            summary,
        }
    }

    pub fn on_key(&mut self, key: Key) -> Step {
        let last = self.items.len().saturating_sub(1);
        match key {
            Key::Esc | Key::Char('q') | Key::Backspace => return Step::Close,
            Key::Up | Key::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            Key::Down | Key::Char('j') => self.cursor = (self.cursor + 1).min(last),
            Key::PageUp => self.cursor = self.cursor.saturating_sub(10),
            Key::PageDown => self.cursor = (self.cursor + 10).min(last),
            Key::Home | Key::Char('g') => self.cursor = 0,
            Key::End | Key::Char('G') => self.cursor = last,
            Key::Enter => {
                if let Some(t) = self.items.get(self.cursor).and_then(|i| i.open.clone()) {
                    return Step::Open(t);
                }
            }
            _ => {}
        }
        Step::Stay
    }

    pub fn hints(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![("j/k", "move")];
        if self.items.iter().any(|i| i.open.is_some()) {
            v.push(("Enter", "open"));
        }
        v.push(("Esc", "back"));
        v
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().map(s).collect()
}

/// The exit status, standard output and standard error of a CLI command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Its JSON answer, or the CLI's own words when it gave none.
    fn json(&self) -> Result<Value, String> {
        serde_json::from_str::<Value>(self.stdout.trim()).map_err(|_| {
            let words = self.stderr.trim();
            let words = words.strip_prefix("error: ").unwrap_or(words);
            if words.is_empty() {
                format!("exit {} with no answer", self.code)
            } else {
                words.to_string()
            }
        })
    }
}

/// `bitcraps game verify ID -o json`, line by line: the verdict, each
/// round's check (its link to the commitment, its draws recomputed, its
/// payouts replayed), each anchor found in a certified block, and each
/// problem.
pub fn game_verdict(id: &str, ran: &Ran) -> Report {
    let title = format!("verify {id}");
    let v = match ran.json() {
        Ok(v) => v,
        Err(words) => {
            return Report::new(
                title,
                vec![Item::new(Mark::Bad, format!("✗ {words}"))],
                Err(words),
            );
        }
    };
    let verified = v["verified"] == Value::Bool(true) && ran.code == 0;
    let problems = strings(&v["problems"]);
    let draws = v["draws_checked"].as_u64().unwrap_or(0);
    let mut items = vec![if verified {
        Item::new(
            Mark::Good,
            match v["rounds_checked"].as_array() {
                Some(r) => format!(
                    "✓ verified: {} round(s) chain to the commitment, {draws} draws recompute, every payout replays",
                    r.len()
                ),
                None => {
                    format!("✓ verified: the seed matches the commitment, {draws} draws recompute")
                }
            },
        )
    } else {
        Item::new(
            Mark::Bad,
            format!("✗ NOT verified: {} problem(s)", problems.len().max(1)),
        )
    }];
    let notes = strings(&v["notes"]);
    if !notes.is_empty() {
        items.push(Item::new(Mark::Head, "checks"));
        items.extend(
            notes
                .into_iter()
                .map(|n| Item::new(Mark::Good, format!("  ✓ {n}"))),
        );
    }
    let listed = v["draws"].as_array().cloned().unwrap_or_default();
    if !listed.is_empty() {
        items.push(Item::new(
            Mark::Head,
            "draws, each recomputed from the revealed seed and the players' seeds",
        ));
    }
    for d in &listed {
        let ok = d["ok"] == Value::Bool(true);
        let round = d["round"]
            .as_u64()
            .map(|r| format!("round {r} · "))
            .unwrap_or_default();
        items.push(Item::new(
            if ok { Mark::Good } else { Mark::Bad },
            format!(
                "  {} {round}draw {} · {} {}{}",
                if ok { "✓" } else { "✗" },
                d["nonce"],
                s(&d["kind"]),
                s(&d["outcome"]),
                if ok { "" } else { " (does not recompute)" }
            ),
        ));
    }
    items.push(Item::new(
        Mark::Head,
        "anchors (in blocks whose certificates verify)",
    ));
    let anchors = strings(&v["anchors"]);
    if anchors.is_empty() {
        items.push(Item::new(Mark::Bad, "  ✗ none found"));
    }
    for a in anchors {
        // "commitment at height 12": the block opens from here.
        let height = a
            .rsplit_once("at height ")
            .and_then(|(_, h)| h.trim().parse::<u64>().ok());
        items.push(Item {
            mark: Mark::Good,
            text: format!("  ✓ {a}"),
            open: height.map(|height| Target::Block {
                validator: None,
                height,
            }),
        });
    }
    if !problems.is_empty() {
        items.push(Item::new(Mark::Head, "problems"));
        items.extend(
            problems
                .iter()
                .map(|p| Item::new(Mark::Bad, format!("  ✗ {p}"))),
        );
    }
    let summary = if verified {
        Ok("verified".to_string())
    } else {
        Err(problems
            .first()
            .cloned()
            .unwrap_or_else(|| "not verified".into()))
    };
    Report::new(title, items, summary)
}

/// Blocks shown by [`recent_blocks`].
pub const RECENT_BLOCKS: u64 = 20;

/// A validator's most recent committed blocks, newest first, each opening
/// the block: `blocks` are its `GET /blocks/{h}` answers (or why one was
/// not read).
pub fn recent_blocks(
    validator: &str,
    blocks: &[(u64, Result<Value, String>)],
    names: &[String],
) -> Report {
    let mut items = vec![Item::new(
        Mark::Head,
        "HEIGHT  HASH          VIEW  PROPOSALS  PROPOSER".to_string(),
    )];
    for (h, b) in blocks {
        let (mark, text) = match b {
            Ok(b) => {
                let block = &b["block"];
                let proposer = block["proposer"]
                    .as_u64()
                    .and_then(|i| names.get(i as usize).cloned())
                    .unwrap_or_else(|| s(&block["proposer"]));
                (
                    Mark::Plain,
                    format!(
                        "{h:>6}  {:<12}  {:>4}  {:>9}  {proposer}",
                        s(&b["hash"]).chars().take(12).collect::<String>(),
                        s(&block["view"]),
                        block["proposals"].as_array().map_or(0, Vec::len),
                    ),
                )
            }
            Err(e) => (Mark::Bad, format!("{h:>6}  ✗ {e}")),
        };
        items.push(Item {
            mark,
            text,
            open: Some(Target::Block {
                validator: Some(validator.to_string()),
                height: *h,
            }),
        });
    }
    if blocks.is_empty() {
        items.push(Item::new(Mark::Plain, "no block committed yet"));
    }
    let top = blocks.first().map_or(0, |(h, _)| *h);
    Report::new(
        format!("{validator}: recent blocks (committed height {top})"),
        items,
        Ok(format!("{} blocks", blocks.len())),
    )
}

/// One block: what it holds, who signed its certificate, and the verdict of
/// `bitcraps consensus verify --height H -o json` (which trusts only the
/// genesis). `served` is the block as the chosen source served it; a source
/// serving another block than the one that verifies is called out.
pub fn block_detail(
    source: &str,
    height: u64,
    served: &Result<Value, String>,
    verified: &Ran,
    names: &[String],
) -> Report {
    let title = format!("block {height} from {source}");
    let mut items = Vec::new();
    let name = |i: &Value| {
        i.as_u64()
            .and_then(|i| names.get(i as usize).cloned())
            .unwrap_or_else(|| format!("validator #{}", s(i)))
    };
    match served {
        Err(e) => items.push(Item::new(Mark::Bad, format!("✗ {source}: {e}"))),
        Ok(b) => {
            let block = &b["block"];
            items.push(Item::new(
                Mark::Plain,
                format!("hash      {}", s(&b["hash"])),
            ));
            items.push(Item::new(
                Mark::Plain,
                format!("parent    {}", s(&block["parent_hash"])),
            ));
            items.push(Item::new(
                Mark::Plain,
                format!(
                    "view {} · proposed by {}",
                    s(&block["view"]),
                    name(&block["proposer"])
                ),
            ));
            let proposals = block["proposals"].as_array().cloned().unwrap_or_default();
            items.push(Item::new(
                Mark::Head,
                format!("proposals ({})", proposals.len()),
            ));
            for p in &proposals {
                let kind = p["kind"]
                    .as_str()
                    .map(|k| format!(" [{k}]"))
                    .unwrap_or_default();
                let signed = if p["attestation"].is_object() {
                    format!(" signed by {}", s(&p["attestation"]["signer"]))
                } else {
                    String::new()
                };
                let payload = p["payload"].to_string();
                let payload = super::ui::fit(&payload, 60);
                items.push(Item::new(
                    Mark::Plain,
                    format!("  {}{kind}{signed}: {payload}", s(&p["id"])),
                ));
            }
            let qc = &b["qc"];
            items.push(Item::new(
                Mark::Head,
                format!(
                    "certificate: {} at view {}, epoch {}",
                    s(&qc["phase"]),
                    s(&qc["view"]),
                    s(&qc["epoch"])
                ),
            ));
            for sig in qc["signatures"].as_array().into_iter().flatten() {
                items.push(Item::new(
                    Mark::Plain,
                    format!(
                        "  {} {}…",
                        name(&sig["validator"]),
                        s(&sig["signature"]).chars().take(16).collect::<String>()
                    ),
                ));
            }
            if let Some(proof) = b.get("commit_proof").filter(|p| p.is_object()) {
                let child = proof["blocks"].as_array().and_then(|b| b.last());
                items.push(Item::new(
                    Mark::Plain,
                    format!(
                        "commit proof: certified child at height {} (view {})",
                        child.map_or("-".into(), |c| s(&c["height"])),
                        child.map_or("-".into(), |c| s(&c["view"]))
                    ),
                ));
            }
        }
    }
    items.push(Item::new(
        Mark::Head,
        "verification (trusting only the genesis)",
    ));
    let summary = match verified.json() {
        Err(words) => {
            items.push(Item::new(Mark::Bad, format!("  ✗ {words}")));
            Err(words)
        }
        Ok(v) => {
            let problems = strings(&v["problems"]);
            let ok = v["verified"] == Value::Bool(true) && verified.code == 0;
            if ok {
                items.push(Item::new(
                    Mark::Good,
                    format!(
                        "  ✓ committed: signed by {} (power {} of {})",
                        strings(&v["signers"]).join(", "),
                        s(&v["power"]),
                        s(&v["total_power"])
                    ),
                ));
            }
            items.extend(
                problems
                    .iter()
                    .map(|p| Item::new(Mark::Bad, format!("  ✗ {p}"))),
            );
            let mut summary = if ok {
                Ok("verified".to_string())
            } else {
                Err(problems
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "not verified".into()))
            };
            if let Ok(b) = served
                && b["hash"] != v["block_hash"]
            {
                let m = format!(
                    "{source} serves block {} but the block that verifies at this height is {}",
                    s(&b["hash"]),
                    s(&v["block_hash"])
                );
                items.push(Item::new(Mark::Bad, format!("  ✗ {m}")));
                summary = Err(m);
            }
            summary
        }
    };
    Report::new(title, items, summary)
}

/// A supervised service: what the supervisor knows (process, restarts,
/// the last exit, when it starts again), where it stands in the start
/// order, its log file, and its own readiness report (`GET /health/ready`:
/// each dependency, required or not, up or not, and why).
pub fn service_detail(
    st: &crate::supervisor::control::ServiceStatus,
    config: &crate::supervisor::control::ConfigOrigin,
    ready: &Result<Value, String>,
    wall_now_ms: u64,
) -> Report {
    use super::app::word;
    use crate::supervisor::control::EXITS_KEPT;
    use crate::supervisor::plan::ServiceKind;
    let after = match st.kind {
        ServiceKind::Consensus => "first (validators start before everything)",
        ServiceKind::Wallet => "after the validators are ready",
        ServiceKind::Engine => "after the validators and the wallet are ready",
        ServiceKind::Gateway => "last, after the engines are ready",
    };
    let mut items = vec![
        Item::new(Mark::Plain, format!("kind       {}", word(&st.kind))),
        Item::new(Mark::Plain, format!("address    {}", st.address)),
        Item::new(
            Mark::Plain,
            format!(
                "process    {} · {} · {}",
                st.pid.map_or("-".into(), |p| format!("pid {p}")),
                word(&st.state),
                word(&st.health)
            ),
        ),
        Item::new(
            Mark::Plain,
            format!(
                "uptime     {}",
                st.uptime_seconds.map_or("-".into(), super::ui::age)
            ),
        ),
        Item::new(Mark::Plain, format!("restarts   {}", st.restarts)),
    ];
    if let Some(ms) = st.next_start_in_ms {
        items.push(Item::new(
            Mark::Bad,
            format!("next start in {}", super::ui::age(ms as f64 / 1000.0)),
        ));
    }
    items.push(Item::new(Mark::Plain, format!("starts     {after}")));
    items.push(Item::new(
        Mark::Plain,
        format!(
            "log        logs/{}.log in the state dir (l follows it)",
            st.name
        ),
    ));
    items.push(Item::new(Mark::Head, "configuration"));
    items.push(Item::new(
        Mark::Plain,
        match &config.file {
            Some(f) => format!("  file {f}"),
            None => "  no file: the embedded defaults".to_string(),
        },
    ));
    let (mine, others) = config.for_kind(st.kind);
    let section = crate::supervisor::control::config_section(st.kind);
    if mine.is_empty() {
        items.push(Item::new(
            Mark::Plain,
            format!("  every {section}.* key at its default"),
        ));
    }
    for set in mine {
        items.push(Item::new(
            Mark::Plain,
            format!("  {} = {} ({})", set.key, set.value, set.source),
        ));
    }
    if others > 0 {
        items.push(Item::new(
            Mark::Plain,
            format!(
                "  and {others} other key{} set (bitcraps config show)",
                if others == 1 { "" } else { "s" }
            ),
        ));
    }
    items.push(Item::new(
        Mark::Head,
        format!("exits, newest first (the last {EXITS_KEPT} are kept)"),
    ));
    if st.exits.is_empty() {
        items.push(Item::new(
            Mark::Plain,
            "  none since the supervisor started it",
        ));
    }
    for e in st.exits.iter().rev() {
        let ago = super::ui::age(wall_now_ms.saturating_sub(e.at_ms) as f64 / 1000.0);
        let ran = super::ui::age(e.ran_seconds);
        items.push(Item::new(
            if e.requested { Mark::Plain } else { Mark::Bad },
            format!(
                "  {ago:>5} ago  {} after {ran}{}",
                e.why,
                if e.requested { " (requested)" } else { "" }
            ),
        ));
    }
    items.push(Item::new(Mark::Head, "readiness (its own /health/ready)"));
    let summary = match ready {
        Err(e) => {
            items.push(Item::new(Mark::Bad, format!("  ✗ {e}")));
            Err(e.clone())
        }
        Ok(r) => {
            let deps = r["dependencies"].as_array().cloned().unwrap_or_default();
            if deps.is_empty() {
                items.push(Item::new(Mark::Plain, "  no dependencies"));
            }
            for d in &deps {
                let up = d["up"] == Value::Bool(true);
                let required = if d["required"] == Value::Bool(true) {
                    "required"
                } else {
                    "optional"
                };
                items.push(Item::new(
                    if up { Mark::Good } else { Mark::Bad },
                    format!(
                        "  {} {} ({required}): {}",
                        if up { "✓" } else { "✗" },
                        s(&d["name"]),
                        s(&d["detail"])
                    ),
                ));
            }
            if r["ready"] == Value::Bool(true) {
                Ok("ready".to_string())
            } else {
                Err("not ready".to_string())
            }
        }
    };
    Report::new(st.name.clone(), items, summary)
}

/// A wallet account as the ledger holds it: its balance, what is held
/// pending (a buy-in waiting for its seat), the posted totals it sums, and
/// its age at `wall_now_ms`.
pub fn account_detail(a: &super::data::WalletAccount, wall_now_ms: u64) -> Report {
    let opened = super::ui::age(wall_now_ms.saturating_sub(a.opened_ms) as f64 / 1000.0);
    let mut items = vec![
        Item::new(Mark::Plain, format!("kind       {}", a.kind.as_str())),
        Item::new(
            Mark::Plain,
            format!(
                "balance    {}  (posted credits {} − posted debits {})",
                a.balance, a.credits_posted, a.debits_posted
            ),
        ),
        Item::new(
            Mark::Plain,
            format!(
                "available  {}  (the balance less pending debits)",
                a.available
            ),
        ),
        Item::new(
            Mark::Plain,
            format!(
                "pending    debits {} · credits {}  (held until posted or voided)",
                a.debits_pending, a.credits_pending
            ),
        ),
        Item::new(Mark::Plain, format!("opened     {opened} ago")),
    ];
    // Only issuance (the negative side of every deposit) may go below zero.
    if !a.kind.may_go_negative() && a.balance < 0 {
        items.push(Item::new(
            Mark::Bad,
            "✗ below zero: the ledger refuses that for every account but issuance",
        ));
    }
    items.push(Item::new(Mark::Head, "act"));
    items.push(Item::new(
        Mark::Plain,
        "  on the list, + deposits to it and - withdraws (cashier or admin; asks first)",
    ));
    items.push(Item::new(
        Mark::Plain,
        format!("  bitcraps wallet history {} lists its transfers", a.id),
    ));
    Report::new(a.id.clone(), items, Ok(format!("balance {}", a.balance)))
}

/// An upstream instance as the gateway sees it: health, drain, breaker and
/// the breaker's latest changes, with their ages at `wall_now_ms`.
pub fn instance_detail(
    service: &str,
    i: &super::data::UpstreamInstance,
    wall_now_ms: u64,
) -> Report {
    let mut items = vec![
        Item::new(Mark::Plain, format!("health     {}", i.health)),
        Item::new(
            Mark::Plain,
            format!(
                "drained    {}",
                if i.drained {
                    "yes: no new work goes to it (u undrains)"
                } else {
                    "no"
                }
            ),
        ),
        Item::new(Mark::Plain, format!("in flight  {}", i.in_flight)),
        Item::new(Mark::Plain, format!("breaker    {}", i.breaker)),
    ];
    if let Some(e) = &i.last_error {
        items.push(Item::new(Mark::Bad, format!("last error {e}")));
    }
    items.push(Item::new(Mark::Head, "breaker changes (newest last)"));
    if i.breaker_transitions.is_empty() {
        items.push(Item::new(Mark::Plain, "  none since the gateway started"));
    }
    for t in &i.breaker_transitions {
        let ago = super::ui::age(wall_now_ms.saturating_sub(t.at_ms) as f64 / 1000.0);
        let mark = if t.state == "closed" {
            Mark::Good
        } else {
            Mark::Bad
        };
        items.push(Item::new(mark, format!("  {ago:>7} ago  → {}", t.state)));
    }
    Report::new(
        format!("{service} {}", i.addr),
        items,
        Ok(i.breaker.clone()),
    )
}

pub fn draw(f: &mut Frame, area: Rect, r: &Report) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(format!(" {} ", r.title), Style::new().bold()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let height = inner.height as usize;
    // Keep the cursor on screen.
    let top = r.cursor.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = r
        .items
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, item)| {
            let mut style = match item.mark {
                Mark::Head => Style::new().bold(),
                Mark::Plain => Style::new(),
                Mark::Good => Style::new().fg(Color::Green),
                Mark::Bad => Style::new().fg(Color::Red),
            };
            if i == r.cursor {
                style = style.reversed();
            }
            Line::from(Span::styled(item.text.clone(), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ran(code: i32, stdout: Value, stderr: &str) -> Ran {
        Ran {
            code,
            stdout: if stdout.is_null() {
                String::new()
            } else {
                stdout.to_string()
            },
            stderr: stderr.into(),
        }
    }

    #[test]
    fn a_verified_game_lists_each_check_and_each_anchor_which_opens_its_block() {
        let r = game_verdict(
            "e0-craps-1",
            &ran(
                0,
                json!({"verified": true, "rounds_checked": [1, 2], "draws_checked": 9,
                       "notes": ["round 1: link, 1 contributions, 5 draws checked"],
                       "anchors": ["commitment at height 3", "round 1 at height 7"], "problems": []}),
                "",
            ),
        );
        assert_eq!(r.summary, Ok("verified".into()));
        assert_eq!(r.items[0].mark, Mark::Good);
        assert!(r.items[0].text.contains("2 round(s)"), "{:?}", r.items[0]);
        let opens: Vec<_> = r.items.iter().filter_map(|i| i.open.clone()).collect();
        assert_eq!(
            opens,
            vec![
                Target::Block {
                    validator: None,
                    height: 3
                },
                Target::Block {
                    validator: None,
                    height: 7
                }
            ]
        );
        assert_eq!(
            r.items[r.cursor].open,
            opens.first().cloned(),
            "cursor on the first"
        );
    }

    #[test]
    fn a_refused_game_shows_every_problem_and_a_failed_run_its_words() {
        let r = game_verdict(
            "g",
            &ran(
                6,
                json!({"verified": false, "rounds_checked": [1], "draws_checked": 2, "notes": [],
                       "anchors": [], "problems": ["round 1: draw 2 (\"dice\") does not recompute"]}),
                "error: g: 1 problem",
            ),
        );
        assert!(
            r.summary
                .as_ref()
                .unwrap_err()
                .contains("does not recompute")
        );
        assert!(
            r.items
                .iter()
                .any(|i| i.mark == Mark::Bad && i.text.contains("none found"))
        );
        assert!(r.items.iter().any(|i| i.text.contains("draw 2")));
        let r = game_verdict(
            "g",
            &ran(
                6,
                Value::Null,
                "error: the game is not finished: its server seed is not revealed yet",
            ),
        );
        assert_eq!(
            r.summary,
            Err("the game is not finished: its server seed is not revealed yet".into())
        );
    }

    #[test]
    fn the_cursor_moves_and_enter_opens_only_what_a_line_names() {
        let mut r = recent_blocks(
            "validator-1",
            &[
                (
                    5,
                    Ok(
                        json!({"hash": "ab".repeat(32), "block": {"view": 9, "proposer": 1, "proposals": [{}]}}),
                    ),
                ),
                (4, Err("down (cannot connect)".into())),
            ],
            &["validator-0".into(), "validator-1".into()],
        );
        assert_eq!(r.cursor, 1, "the header does not open");
        assert!(r.items[1].text.contains("validator-1"), "{:?}", r.items[1]);
        assert_eq!(
            r.on_key(Key::Enter),
            Step::Open(Target::Block {
                validator: Some("validator-1".into()),
                height: 5
            })
        );
        r.on_key(Key::Down);
        r.on_key(Key::Down);
        assert_eq!(r.cursor, 2, "stops at the last line");
        r.on_key(Key::Home);
        assert_eq!(r.on_key(Key::Enter), Step::Stay);
        assert_eq!(r.on_key(Key::Esc), Step::Close);
    }

    #[test]
    fn a_block_served_differently_from_the_verified_one_is_called_out() {
        let served = Ok(
            json!({"hash": "aa", "block": {"view": 1, "proposer": 0, "parent_hash": "00",
            "proposals": [{"id": "p1", "kind": "game.anchors", "payload": {"entries": []},
                           "attestation": {"signer": "engine-0"}}]},
            "qc": {"phase": "commit", "view": 1, "epoch": 1,
                   "signatures": [{"validator": 0, "signature": "ff".repeat(64)}]}}),
        );
        let names = vec!["validator-0".to_string()];
        let ok = ran(
            0,
            json!({"verified": true, "block_hash": "aa", "signers": ["validator-0"], "power": 1,
                   "total_power": 1, "problems": []}),
            "",
        );
        let r = block_detail("validator-0", 1, &served, &ok, &names);
        assert_eq!(r.summary, Ok("verified".into()));
        assert!(
            r.items
                .iter()
                .any(|i| i.text.contains("[game.anchors] signed by engine-0"))
        );
        let other = ran(
            0,
            json!({"verified": true, "block_hash": "bb", "signers": [], "power": 1,
                   "total_power": 1, "problems": []}),
            "",
        );
        let r = block_detail("validator-0", 1, &served, &other, &names);
        assert!(r.summary.unwrap_err().contains("serves block aa"));
    }
}
