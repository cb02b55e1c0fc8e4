//! Replays the fuzz corpora of the query parser and the request handlers
//! (`fuzz/corpus/query`, `fuzz/corpus/handlers`) on every `cargo test`.

use inveniordm_sandbox::check;

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus is in the repository")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    let inputs: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    assert!(!inputs.is_empty(), "an empty corpus in {}", dir.display());
    inputs
}

#[test]
fn the_query_fuzz_corpus_parses_without_a_panic() {
    for data in corpus("query") {
        check::query(&data);
    }
}

#[test]
fn the_handlers_fuzz_corpus_is_answered_without_a_panic() {
    let mut h = check::Harness::new();
    for data in corpus("handlers") {
        h.request(&data);
    }
}
