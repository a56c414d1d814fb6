//! The few things the dashboard needs from Prometheus text: samples with
//! labels, sums of counters, histogram buckets, and quantiles of the
//! difference between two scrapes (what `histogram_quantile(rate(...))`
//! computes). Pure: text in, numbers out.

use std::collections::BTreeMap;

/// One sample line: `name{label="value",...} 12.5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Every sample of a scrape, in order. Comments, blank lines and lines that
/// do not parse are skipped: a scrape from a newer service with metric kinds
/// this parser does not know still yields the ones it does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    pub samples: Vec<Sample>,
}

impl Scrape {
    pub fn parse(text: &str) -> Scrape {
        Scrape {
            samples: text.lines().filter_map(parse_line).collect(),
        }
    }

    /// The sum of every sample named `name` whose labels pass `keep`.
    pub fn sum(&self, name: &str, keep: impl Fn(&Sample) -> bool) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name && keep(s))
            .map(|s| s.value)
            .sum()
    }

    /// Whether any sample is named `name`.
    pub fn has(&self, name: &str) -> bool {
        self.samples.iter().any(|s| s.name == name)
    }

    /// The cumulative buckets of histogram `name` (`name_bucket` samples),
    /// summed over every label set that passes `keep`, by upper bound.
    pub fn buckets(&self, name: &str, keep: impl Fn(&Sample) -> bool) -> Buckets {
        let bucket = format!("{name}_bucket");
        let mut by_le: BTreeMap<OrdF64, f64> = BTreeMap::new();
        for s in self.samples.iter().filter(|s| s.name == bucket && keep(s)) {
            let Some(le) = s.label("le").and_then(parse_value) else {
                continue;
            };
            *by_le.entry(OrdF64(le)).or_default() += s.value;
        }
        Buckets(by_le.into_iter().map(|(k, v)| (k.0, v)).collect())
    }
}

/// Cumulative histogram buckets `(upper bound, count)`, sorted by bound;
/// the last bound is `+Inf` in a complete histogram.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets(pub Vec<(f64, f64)>);

impl Buckets {
    /// Observations since `earlier` (a counter reset, where a count went
    /// down, counts everything as new, as Prometheus does).
    pub fn since(&self, earlier: &Buckets) -> Buckets {
        let reset = self.0.iter().any(|(le, n)| {
            earlier
                .0
                .iter()
                .find(|(e, _)| e == le)
                .is_some_and(|(_, m)| n < m)
        });
        if reset {
            return self.clone();
        }
        Buckets(
            self.0
                .iter()
                .map(|(le, n)| {
                    let before = earlier
                        .0
                        .iter()
                        .find(|(e, _)| e == le)
                        .map_or(0.0, |(_, m)| *m);
                    (*le, n - before)
                })
                .collect(),
        )
    }

    pub fn count(&self) -> f64 {
        self.0.last().map_or(0.0, |(_, n)| *n)
    }

    /// The `q` quantile (0..=1) by linear interpolation inside the bucket
    /// that holds it, as Prometheus' `histogram_quantile`; `None` without
    /// observations. A quantile in the `+Inf` bucket is the highest finite
    /// bound.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total <= 0.0 || !q.is_finite() {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total;
        let mut lower_bound = 0.0;
        let mut lower_count = 0.0;
        for (le, n) in &self.0 {
            if *n >= rank && *n > lower_count {
                if le.is_infinite() {
                    return Some(lower_bound);
                }
                let within = (rank - lower_count) / (n - lower_count);
                return Some(lower_bound + (le - lower_bound) * within);
            }
            if le.is_finite() {
                lower_bound = *le;
            }
            lower_count = *n;
        }
        Some(lower_bound)
    }
}

#[derive(Debug, Clone, Copy)]
struct OrdF64(f64);

impl PartialEq for OrdF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for OrdF64 {}

impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (name, labels, rest) = match line.find('{') {
        Some(open) => {
            let (labels, after) = parse_labels(&line[open + 1..])?;
            (&line[..open], labels, after)
        }
        None => {
            let end = line.find(char::is_whitespace)?;
            (&line[..end], Vec::new(), &line[end..])
        }
    };
    let value = parse_value(rest.split_whitespace().next()?)?;
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    valid_name.then(|| Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

/// Labels after the `{`, up to and including the `}`; returns the rest.
fn parse_labels(s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after));
        }
        let eq = rest.find('=')?;
        let key = rest[..eq].trim().to_string();
        let mut chars = rest[eq + 1..].char_indices();
        if chars.next()?.1 != '"' {
            return None;
        }
        let mut value = String::new();
        let mut end = None;
        let mut escaped = false;
        for (i, c) in chars {
            match (escaped, c) {
                (true, 'n') => value.push('\n'),
                (true, c) => value.push(c),
                (false, '\\') => {
                    escaped = true;
                    continue;
                }
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                (false, c) => value.push(c),
            }
            escaped = false;
        }
        let end = end?;
        labels.push((key, value));
        rest = &rest[eq + 1 + end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = r#"# HELP bitcraps_http_requests_total HTTP requests served.
# TYPE bitcraps_http_requests_total counter
bitcraps_http_requests_total{method="GET",route="/health",status="200"} 40
bitcraps_http_requests_total{method="POST",route="/api/v1/games",status="201"} 7
bitcraps_http_requests_total{method="GET",route="/api/v1/games/{id}",status="502"} 3
bitcraps_consensus_height 12
# TYPE h histogram
h_bucket{route="/a",le="0.1"} 1
h_bucket{route="/a",le="1"} 3
h_bucket{route="/a",le="+Inf"} 4
h_bucket{route="/b",le="0.1"} 1
h_bucket{route="/b",le="1"} 1
h_bucket{route="/b",le="+Inf"} 1
h_sum{route="/a"} 9
h_count{route="/a"} 4
weird{label="a \"quoted\", value\\"} 1e3
"#;

    #[test]
    fn parses_counters_labels_and_escapes() {
        let s = Scrape::parse(TEXT);
        assert_eq!(s.sum("bitcraps_http_requests_total", |_| true), 50.0);
        assert_eq!(
            s.sum("bitcraps_http_requests_total", |s| s
                .label("status")
                .is_some_and(|v| v.starts_with('5'))),
            3.0
        );
        assert_eq!(s.sum("bitcraps_consensus_height", |_| true), 12.0);
        let weird = s.samples.iter().find(|s| s.name == "weird").unwrap();
        assert_eq!(weird.label("label"), Some("a \"quoted\", value\\"));
        assert_eq!(weird.value, 1000.0);
        assert!(s.has("h_sum") && !s.has("absent"));
    }

    #[test]
    fn garbage_lines_are_skipped_not_fatal() {
        let s = Scrape::parse("nonsense\nx{a=\"1\" 5\n{}\nok 1\n9bad{ 2\nalso_ok{a=\"b\"} NaN x\n");
        let names: Vec<&str> = s.samples.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ok", "also_ok"]);
    }

    #[test]
    fn buckets_sum_over_label_sets_and_filter() {
        let s = Scrape::parse(TEXT);
        let all = s.buckets("h", |_| true);
        assert_eq!(all.0, vec![(0.1, 2.0), (1.0, 4.0), (f64::INFINITY, 5.0)]);
        let a = s.buckets("h", |s| s.label("route") == Some("/a"));
        assert_eq!(a.count(), 4.0);
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket() {
        let b = Buckets(vec![(0.1, 50.0), (1.0, 100.0), (f64::INFINITY, 100.0)]);
        assert_eq!(b.quantile(0.5), Some(0.1));
        let p75 = b.quantile(0.75).unwrap();
        assert!((p75 - 0.55).abs() < 1e-9, "{p75}");
        assert_eq!(b.quantile(1.0), Some(1.0));
        // Everything above the last finite bound: that bound.
        let slow = Buckets(vec![(0.1, 0.0), (1.0, 0.0), (f64::INFINITY, 3.0)]);
        assert_eq!(slow.quantile(0.99), Some(1.0));
        assert_eq!(Buckets::default().quantile(0.5), None);
    }

    #[test]
    fn since_subtracts_and_handles_resets() {
        let before = Buckets(vec![(0.1, 10.0), (f64::INFINITY, 20.0)]);
        let after = Buckets(vec![(0.1, 15.0), (f64::INFINITY, 30.0)]);
        assert_eq!(
            after.since(&before).0,
            vec![(0.1, 5.0), (f64::INFINITY, 10.0)]
        );
        let restarted = Buckets(vec![(0.1, 1.0), (f64::INFINITY, 2.0)]);
        assert_eq!(restarted.since(&before), restarted);
        assert_eq!(after.since(&after).quantile(0.5), None);
    }

    proptest! {
        #[test]
        fn quantile_is_monotone_and_within_bounds(
            counts in proptest::collection::vec(0u32..50, 1..8),
            q1 in 0.0f64..1.0,
            q2 in 0.0f64..1.0,
        ) {
            let bounds = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];
            let mut cum = 0.0;
            let mut b = Vec::new();
            for (i, c) in counts.iter().enumerate() {
                cum += f64::from(*c);
                b.push((bounds[i], cum));
            }
            b.push((f64::INFINITY, cum));
            let b = Buckets(b);
            let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
            match (b.quantile(lo), b.quantile(hi)) {
                (Some(a), Some(c)) => {
                    prop_assert!(a <= c + 1e-12, "{a} > {c}");
                    prop_assert!(a >= 0.0 && c <= bounds[counts.len() - 1]);
                }
                (None, None) => prop_assert_eq!(cum, 0.0),
                other => prop_assert!(false, "{other:?}"),
            }
        }

        #[test]
        fn parse_never_panics(text in ".{0,200}") {
            let _ = Scrape::parse(&text);
        }

        #[test]
        fn rendered_samples_parse_back(
            name in "[a-z_][a-z0-9_]{0,12}",
            key in "[a-z_]{1,6}",
            value in "[ -~]{0,12}",
            n in -1.0e9f64..1.0e9,
        ) {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            let line = format!("{name}{{{key}=\"{escaped}\"}} {n}");
            let s = Scrape::parse(&line);
            prop_assert_eq!(s.samples.len(), 1);
            prop_assert_eq!(s.samples[0].label(&key), Some(value.as_str()));
            prop_assert_eq!(s.samples[0].value, n);
        }
    }
}
