//! Every input kept under `tests/data/fuzz/<target>/` goes through its
//! fuzz target again (src/services/consensus/fuzz.rs): the seeds made from
//! real protocol runs, and every input `scripts/fuzz` ever found that made
//! a target panic (it copies them there). None may panic now.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use bitcraps::services::consensus::fuzz::{TARGETS, seeds};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target)
}

fn kept(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus(target))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).expect("readable"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_kept_fuzz_input_is_handled_without_a_panic() {
    for (name, target) in TARGETS {
        let inputs = kept(name);
        assert!(
            inputs.iter().any(|(f, _)| f.starts_with("seed-")),
            "no seeds for the {name} target in {} (cargo test --test fuzz_regressions -- --ignored write_seeds)",
            corpus(name).display()
        );
        for (file, bytes) in &inputs {
            let caught = std::panic::catch_unwind(|| target(bytes));
            assert!(caught.is_ok(), "{name}/{file} makes the target panic");
        }
    }
}

/// The kept seeds are what the code makes today: a change of a wire or
/// disk format must come with fresh seeds, or the fuzzer would start from
/// inputs that no longer decode and explore little.
#[test]
fn the_kept_seeds_are_current() {
    let fresh = seeds();
    for (name, _) in TARGETS {
        let want: Vec<&Vec<u8>> = fresh
            .iter()
            .filter(|(t, _)| t == name)
            .map(|(_, b)| b)
            .collect();
        let have: Vec<Vec<u8>> = kept(name)
            .into_iter()
            .filter(|(f, _)| f.starts_with("seed-"))
            .map(|(_, b)| b)
            .collect();
        assert_eq!(
            want.len(),
            have.len(),
            "{name}: {} seeds made, {} kept (cargo test --test fuzz_regressions -- --ignored write_seeds)",
            want.len(),
            have.len()
        );
        for w in want {
            assert!(
                have.contains(w),
                "{name}: a seed the code makes is not kept (cargo test --test fuzz_regressions -- --ignored write_seeds)"
            );
        }
    }
}

#[test]
#[ignore = "writes tests/data/fuzz/*/seed-*"]
fn write_seeds() {
    for (name, _) in TARGETS {
        let dir = corpus(name);
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            if e.file_name().to_string_lossy().starts_with("seed-") {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
    }
    let mut counts = std::collections::HashMap::new();
    for (name, bytes) in seeds() {
        let n = counts.entry(name).or_insert(0usize);
        std::fs::write(corpus(name).join(format!("seed-{n:03}")), bytes).unwrap();
        *n += 1;
    }
}
