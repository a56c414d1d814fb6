#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bitcraps::services::consensus::fuzz::qc(data));
