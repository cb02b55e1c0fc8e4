//! Any bytes decode as every model without a panic, and every JSON object round-trips.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| inveniordm_models::check::round_trip(data));
