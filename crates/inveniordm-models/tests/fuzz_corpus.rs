//! Replays the fuzz corpus of the model decoders (`fuzz/corpus/models`), so every input the
//! fuzzer kept is checked on every `cargo test`.

#[test]
fn the_models_fuzz_corpus_round_trips() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/models");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("the corpus is in the repository") {
        // (An entry the fuzzer replaced meanwhile is skipped.)
        let Ok(data) = std::fs::read(e.expect("entry").path()) else {
            continue;
        };
        inveniordm_models::check::round_trip(&data);
        n += 1;
    }
    assert!(n > 0, "an empty corpus in {}", dir.display());
}
