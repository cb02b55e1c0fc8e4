//! Any request reaches the sandbox's handlers without a panic and gets a well-formed answer.
#![no_main]
use std::sync::Mutex;

static HARNESS: Mutex<Option<inveniordm_sandbox::check::Harness>> = Mutex::new(None);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut h = HARNESS.lock().unwrap_or_else(|e| e.into_inner());
    h.get_or_insert_with(inveniordm_sandbox::check::Harness::new)
        .request(data);
});
