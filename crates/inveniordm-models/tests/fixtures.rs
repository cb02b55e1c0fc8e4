//! Every payload fixture of a kind the models cover must round-trip losslessly:
//! `to_value(from_value::<T>(v)) == v`.
//!
//! The fixtures live outside the repository, in `../shared/fixtures` next to the clone (or in
//! the folder named by `INVENIORDM_FIXTURES`). When the folder is missing the test says so and
//! passes, unless `INVENIORDM_REQUIRE_FIXTURES=1` (CI sets it).

use std::path::{Path, PathBuf};

use inveniordm_models::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixtures_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("INVENIORDM_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("INVENIORDM_REQUIRE_FIXTURES").as_deref() == Ok("1") {
        panic!("fixtures folder {} is missing", dir.display());
    }
    eprintln!(
        "SKIPPED: fixtures folder {} not found (set INVENIORDM_FIXTURES)",
        dir.display()
    );
    None
}

/// Fallbacks that are expected, with the reason. Anything else fails the test.
const KNOWN_DRIFT: &[(&str, &str)] = &[
    (
        "files/docs_commit_file_response_200.json: FileEntry.size",
        "the documentation's example writes the size as a float (89364.0); servers send integers",
    ),
    (
        "files/docs_draft_file_metadata_200.json: FileEntry.size",
        "the documentation's example writes the size as a float; servers send integers",
    ),
];

thread_local! {
    static DRIFT: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn roundtrip<T: DeserializeOwned + Serialize>(name: &str, v: &Value) {
    let (typed, fallbacks) =
        inveniordm_models::fallbacks::watch(|| serde_json::from_value::<T>(v.clone()));
    let typed: T = typed.unwrap_or_else(|e| {
        panic!(
            "{name}: does not decode as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    // A known key whose value did not fit its typed field is model drift: the document still
    // round-trips (through `extra`), but the typed field reads None.
    for f in fallbacks {
        let seen = format!("{name}: {f}");
        if !KNOWN_DRIFT.iter().any(|(k, _)| *k == seen) {
            DRIFT.with(|d| d.borrow_mut().push(seen));
        }
    }
    let back = serde_json::to_value(&typed).expect("serialises");
    assert_eq!(
        &back,
        v,
        "{name}: round-trip as {} changed the document",
        std::any::type_name::<T>()
    );
}

/// Picks the model for a fixture from its folder and shape; `None` for kinds not modelled.
fn check(folder: &str, name: &str, v: &Value) -> bool {
    let is_search = v.get("hits").is_some();
    let is_list = v.is_array();
    match folder {
        "records" | "drafts" => roundtrip::<Record>(name, v),
        "inputs" if is_list => roundtrip::<Vec<FileEntry>>(name, v),
        "inputs" if name.starts_with("voc_") => roundtrip::<VocabularyTerm>(name, v),
        "inputs" => roundtrip::<Record>(name, v),
        "files" | "zenodo" if is_list => roundtrip::<Vec<FileEntry>>(name, v),
        "files" | "zenodo" if v.get("entries").is_some() || v.get("enabled").is_some() => {
            roundtrip::<Files>(name, v)
        }
        "files" => roundtrip::<FileEntry>(name, v),
        "zenodo" if v.get("metadata").is_some() && v.get("key").is_none() => {
            roundtrip::<Record>(name, v)
        }
        "zenodo" => roundtrip::<FileEntry>(name, v),
        "access" if is_search => roundtrip::<Results<AccessLink>>(name, v),
        "access" => roundtrip::<AccessLink>(name, v),
        "errors" if v.get("_note").is_some() => roundtrip::<Record>(name, v),
        "errors" => roundtrip::<ErrorBody>(name, v),
        "vocabularies" if is_search => roundtrip::<Results<VocabularyTerm>>(name, v),
        "vocabularies" => roundtrip::<VocabularyTerm>(name, v),
        "communities" if is_search && first_hit_has(v, "member") => {
            roundtrip::<Results<Member>>(name, v)
        }
        "communities" if is_search => roundtrip::<Results<Community>>(name, v),
        "communities" => roundtrip::<Community>(name, v),
        // Comments, timeline events and the bodies of actions (`{"payload": …}`).
        "requests" if v.get("payload").is_some() && v.get("status").is_none() => {
            roundtrip::<RequestEvent>(name, v)
        }
        "requests" if is_search => roundtrip::<Results<Request>>(name, v),
        "requests" => roundtrip::<Request>(name, v),
        "users" if is_search => roundtrip::<Results<User>>(name, v),
        "users" => roundtrip::<User>(name, v),
        _ => return false,
    }
    true
}

fn first_hit_has(v: &Value, key: &str) -> bool {
    v.pointer("/hits/hits/0").and_then(|h| h.get(key)).is_some()
}

#[test]
fn every_modelled_fixture_round_trips() {
    let Some(dir) = fixtures_dir() else { return };
    let mut checked = 0;
    let mut skipped_folders = std::collections::BTreeSet::new();
    for folder in std::fs::read_dir(&dir).expect("read fixtures") {
        let folder = folder.expect("entry").path();
        if !folder.is_dir() {
            continue;
        }
        let fname = folder
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .expect("read folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for path in files {
            let name = format!(
                "{fname}/{}",
                path.file_name().and_then(|s| s.to_str()).unwrap_or("")
            );
            if name.ends_with("_headers.json") {
                continue; // HTTP header captures, not documents
            }
            let text = std::fs::read_to_string(&path).expect("read fixture");
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            if check(&fname, &name, &v) {
                checked += 1;
            } else {
                skipped_folders.insert(fname.clone());
            }
        }
    }
    eprintln!(
        "round-tripped {checked} fixtures; folders of kinds not modelled: {skipped_folders:?}"
    );
    let drift = DRIFT.with(|d| d.borrow().clone());
    assert!(
        drift.is_empty(),
        "values at known keys did not fit their typed fields (model drift):\n{}",
        drift.join("\n")
    );
    assert!(checked >= 40, "only {checked} fixtures checked");
    // Kinds the client does not model (statistics, JSON Schemas) only.
    for f in &skipped_folders {
        assert!(
            ["stats", "jsonschemas"].contains(&f.as_str()),
            "fixture folder {f} is not checked by any model"
        );
    }
}

#[test]
fn typed_fields_are_read_from_real_documents() {
    let Some(dir) = fixtures_dir() else { return };
    let text = std::fs::read_to_string(dir.join("records/rdm_test_full_record_to_dict.json"))
        .expect("full record fixture");
    let r: Record = serde_json::from_str(&text).expect("decodes");
    let m = r.metadata.as_ref().expect("metadata");
    assert!(m.title.as_deref().is_some_and(|t| !t.is_empty()));
    assert!(
        !m.creators.as_deref().unwrap_or(&[]).is_empty(),
        "creators typed"
    );
    assert!(
        m.extra.is_empty(),
        "every metadata key of the full record is modelled: {:?}",
        m.extra.keys().collect::<Vec<_>>()
    );

    let text = std::fs::read_to_string(
        dir.join("errors/rdm_test_publish_validation_error_simple_400.json"),
    )
    .expect("error fixture");
    let e: ErrorBody = serde_json::from_str(&text).expect("decodes");
    assert_eq!(e.status, Some(400));
    assert!(!e.errors.as_deref().unwrap_or(&[]).is_empty());
}
