//! Any text parses (or is refused) as a search query, and runs, without a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| inveniordm_sandbox::check::query(data));
