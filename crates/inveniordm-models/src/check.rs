//! Property checks shared by the fuzz targets (`fuzz/`) and the tests that replay their
//! corpus: any input is decoded without a panic, and every JSON object round-trips through
//! every model unchanged.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{AccessLink, ErrorBody, FileEntry, Files, Metadata, Record, Results, VocabularyTerm};

fn same<T: DeserializeOwned + Serialize>(v: &serde_json::Value) {
    if let Ok(typed) = serde_json::from_value::<T>(v.clone()) {
        let back = serde_json::to_value(&typed).expect("a decoded model serialises");
        assert_eq!(
            &back,
            v,
            "round trip through {} changed the document",
            std::any::type_name::<T>()
        );
    }
}

/// Decodes `data` as every model; when it is a JSON object, each model must write it back
/// unchanged (objects can never fail to decode, so the check always runs for them).
pub fn round_trip(data: &[u8]) {
    let _ = serde_json::from_slice::<Record>(data);
    let _ = serde_json::from_slice::<Results<Record>>(data);
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if v.is_object() {
        same::<Record>(&v);
        same::<Metadata>(&v);
        same::<Files>(&v);
        same::<FileEntry>(&v);
        same::<AccessLink>(&v);
        same::<VocabularyTerm>(&v);
        same::<ErrorBody>(&v);
    }
    same::<Results<Record>>(&v);
    same::<Vec<FileEntry>>(&v);
}
