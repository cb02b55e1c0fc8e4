//! The `ui` block of display strings the real server adds for
//! `application/vnd.inveniordm.v1+json`.

use serde_json::{Map, Value, json};

use crate::vocab::Vocabularies;

fn long_date(d: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = |m: &str| {
        m.parse::<usize>()
            .ok()
            .and_then(|m| m.checked_sub(1))
            .filter(|m| *m < 12)
    };
    let parts: Vec<&str> = d.get(..10).unwrap_or(d).split('-').collect();
    match parts.as_slice() {
        [y, m, dd] => match (month(m), dd.parse::<u32>()) {
            (Some(mi), Ok(day)) => format!("{} {day}, {y}", MONTHS[mi]),
            _ => d.to_string(),
        },
        [y, m] => month(m)
            .map(|mi| format!("{} {y}", MONTHS[mi]))
            .unwrap_or_else(|| d.to_string()),
        _ => d.to_string(),
    }
}

/// Adds the `ui` block the real server serves with `application/vnd.inveniordm.v1+json`.
pub fn add_ui(v: &Vocabularies, doc: &mut Value) {
    let m = doc.get("metadata").cloned().unwrap_or_default();
    let mut ui = Map::new();
    if let Some(pd) = m.get("publication_date").and_then(Value::as_str) {
        ui.insert("publication_date_l10n_long".into(), json!(long_date(pd)));
        ui.insert("publication_date_l10n_medium".into(), json!(long_date(pd)));
    }
    for k in ["created", "updated"] {
        if let Some(t) = doc.get(k).and_then(Value::as_str) {
            ui.insert(format!("{k}_date_l10n_long"), json!(long_date(t)));
        }
    }
    if let Some(id) = m.pointer("/resource_type/id").and_then(Value::as_str) {
        let title = v
            .title_en("resourcetypes", id)
            .unwrap_or_else(|| id.to_string());
        ui.insert(
            "resource_type".into(),
            json!({"id": id, "title_l10n": title}),
        );
    }
    let status = doc
        .pointer("/access/status")
        .and_then(Value::as_str)
        .unwrap_or("open")
        .to_string();
    let (title, icon, description) = match status.as_str() {
        "open" => (
            "Open",
            "unlock",
            "The record and files are publicly accessible.",
        ),
        "restricted" => (
            "Restricted",
            "ban",
            "The record and files are restricted to users with access.",
        ),
        "embargoed" => (
            "Embargoed",
            "outline clock",
            "The files will be made publicly available on the embargo date.",
        ),
        _ => (
            "Metadata-only",
            "tag",
            "No files are available for this record.",
        ),
    };
    ui.insert(
        "access_status".into(),
                json!({"id": status, "title_l10n": title, "description_l10n": description, "icon": icon, "embargo_date_l10n": null, "message_class": ""}),
    );
    let creators: Vec<Value> = m
        .get("creators")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ui.insert(
        "creators".into(),
        json!({"creators": creators, "affiliations": []}),
    );
    let index = doc
        .pointer("/versions/index")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    ui.insert("version".into(), json!(format!("v{index}")));
    ui.insert("custom_fields".into(), json!({}));
    if let Some(d) = m.get("description").and_then(Value::as_str) {
        ui.insert("description_stripped".into(), json!(strip_tags(d)));
    }
    ui.insert(
        "is_draft".into(),
        doc.get("is_draft").cloned().unwrap_or(json!(false)),
    );
    doc["ui"] = Value::Object(ui);
}

/// The text of an HTML fragment (tags removed).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
