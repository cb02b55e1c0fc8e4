//! Round-trip holds for documents the fixtures never showed: arbitrary JSON at known and unknown
//! keys, nulls, wrong types.

use inveniordm_models::*;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("metadata".to_string()),
                    Just("title".to_string()),
                    Just("creators".to_string()),
                    Just("files".to_string()),
                    Just("entries".to_string()),
                    Just("status".to_string()),
                    Just("access".to_string()),
                    Just("versions".to_string()),
                    Just("index".to_string()),
                    Just("errors".to_string()),
                    Just("hits".to_string()),
                    Just("pids".to_string()),
                    Just("person_or_org".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn arb_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop_oneof![
            Just("id".to_string()),
            Just("metadata".to_string()),
            Just("files".to_string()),
            Just("access".to_string()),
            Just("parent".to_string()),
            Just("revision_id".to_string()),
            Just("title".to_string()),
            Just("creators".to_string()),
            Just("key".to_string()),
            Just("size".to_string()),
            Just("checksum".to_string()),
            Just("entries".to_string()),
            Just("status".to_string()),
            Just("permission".to_string()),
            Just("messages".to_string()),
            "[a-z_:]{1,10}"
        ],
        arb_json(),
        0..8,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn same<T: DeserializeOwned + Serialize>(v: &Value) -> Result<(), TestCaseError> {
    let t: T = serde_json::from_value(v.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&serde_json::to_value(&t).expect("serialises"), v);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_object_round_trips_through_every_model(v in arb_object()) {
        same::<Record>(&v)?;
        same::<Metadata>(&v)?;
        same::<Files>(&v)?;
        same::<FileEntry>(&v)?;
        same::<AccessLink>(&v)?;
        same::<VocabularyTerm>(&v)?;
        same::<ErrorBody>(&v)?;
        same::<Creator>(&v)?;
    }

    #[test]
    fn record_query_survives_encoding(q in ".{0,40}", f in "[a-z_]{1,10}", fv in ".{0,20}") {
        let query = SearchQuery::new(q.clone()).filter(f.clone(), fv.clone()).size(3);
        let s = query.to_query_string();
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(s.as_bytes()).into_owned().collect();
        let mut expected = Vec::new();
        if !q.is_empty() { expected.push(("q".to_string(), q)); }
        expected.push(("size".to_string(), "3".to_string()));
        expected.push((f, fv));
        prop_assert_eq!(decoded, expected);
    }
}

#[test]
fn a_value_set_by_the_caller_wins_over_a_kept_null() {
    let mut r: Record =
        serde_json::from_value(json!({"id": "a", "metadata": null})).expect("decodes");
    assert!(r.metadata.is_none());
    assert_eq!(
        serde_json::to_value(&r).expect("ser"),
        json!({"id": "a", "metadata": null})
    );
    r.metadata = Some(Metadata {
        title: Some("T".into()),
        ..Metadata::default()
    });
    assert_eq!(
        serde_json::to_value(&r).expect("ser"),
        json!({"id": "a", "metadata": {"title": "T"}})
    );
}

#[test]
fn a_mistyped_known_key_is_kept_not_fatal() {
    let v = json!({"id": 12345, "conceptrecid": "1", "revision_id": "7", "files": [{"key": "a"}]});
    let r: Record = serde_json::from_value(v.clone()).expect("decodes");
    assert!(r.id.is_none() && r.revision_id.is_none());
    assert!(Record::looks_legacy(&v));
    assert_eq!(serde_json::to_value(&r).expect("ser"), v);
}

#[test]
fn enums_keep_unknown_values() {
    let e: FileEntry =
        serde_json::from_value(json!({"key": "k", "status": "quarantined"})).expect("decodes");
    assert_eq!(e.status, Some(FileStatus::Other("quarantined".into())));
    assert_eq!(
        serde_json::to_value(&e).expect("ser")["status"],
        "quarantined"
    );
}

#[test]
fn a_page_without_hits_or_total_is_written_back_without_them() {
    for v in [
        json!({"hits": {}}),
        json!({"hits": {"total": 3}}),
        json!({"hits": {"hits": []}}),
        json!({"hits": {"hits": [], "total": {"value": 10, "relation": "eq"}}, "x": 1}),
    ] {
        let r: Results<Record> = serde_json::from_value(v.clone()).expect("decodes");
        assert_eq!(serde_json::to_value(&r).expect("ser"), v);
    }
    let mut r: Results<Record> =
        serde_json::from_value(json!({"hits": {"hits": [], "total": {"value": 10}}}))
            .expect("decodes");
    r.hits.total = 11;
    assert_eq!(
        serde_json::to_value(&r).expect("ser")["hits"]["total"],
        11,
        "a changed total wins"
    );
}
