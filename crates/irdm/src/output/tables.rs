//! The printers of documents as tables and summaries, for people (`--json` prints the server's
//! documents instead).

use super::{json_line, short, table};
use anyhow::Result;
use inveniordm::models::{
    AccessGrant, AccessLink, Community, FileEntry, Member, Record, Request, RequestEvent,
    VocabularyTerm,
};

/// A row describing a record.
pub fn record_row(r: &Record) -> Vec<String> {
    let date = r
        .metadata
        .as_ref()
        .and_then(|m| m.publication_date.clone())
        .unwrap_or_else(|| "-".into());
    let version = r
        .metadata
        .as_ref()
        .and_then(|m| m.version.clone())
        .unwrap_or_else(|| "-".into());
    let status = r
        .status
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".into());
    vec![
        r.id.clone().unwrap_or_default(),
        date,
        version,
        status,
        short(r.title().unwrap_or("(untitled)"), 70),
    ]
}

/// Records as a table.
pub fn records(rs: &[Record]) {
    table(
        &["ID", "PUBLISHED", "VERSION", "STATUS", "TITLE"],
        &rs.iter().map(record_row).collect::<Vec<_>>(),
    );
}

/// A readable summary of one record or draft.
pub fn record(r: &Record) {
    let kind = if r.is_draft == Some(true) {
        "draft"
    } else {
        "record"
    };
    println!("{kind} {}", r.id.as_deref().unwrap_or("?"));
    println!("  title:     {}", r.title().unwrap_or("(untitled)"));
    if let Some(m) = &r.metadata {
        if let Some(d) = &m.publication_date {
            println!("  published: {d}");
        }
        if let Some(v) = &m.version {
            println!("  version:   {v}");
        }
        if let Some(cs) = &m.creators {
            let names: Vec<String> = cs.iter().filter_map(|c| c.display_name()).collect();
            println!("  creators:  {}", names.join("; "));
        }
        if let Some(rt) = m.resource_type.as_ref().and_then(|r| r.id.clone()) {
            println!("  type:      {rt}");
        }
    }
    if let Some(s) = &r.status {
        println!("  status:    {s}");
    }
    if let Some(v) = &r.versions {
        println!(
            "  versions:  index {}{}",
            v.index.map(|i| i.to_string()).unwrap_or_else(|| "?".into()),
            if v.is_latest == Some(true) {
                " (latest)"
            } else {
                ""
            }
        );
    }
    if let Some(doi) = r.doi() {
        println!("  doi:       {doi}");
    }
    if let Some(files) = &r.files {
        let n = files.iter().count();
        if files.enabled == Some(false) {
            println!("  files:     none (metadata-only)");
        } else {
            println!("  files:     {n}");
        }
    }
    if let Some(link) = r.link("self_html") {
        println!("  url:       {link}");
    }
    for e in r.validation_errors() {
        println!("  problem:   {e}");
    }
}

/// A size in bytes as people read it, in binary units: `512 B`, `4.8 MiB`.
pub fn size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Files as a table.
pub fn files<'a>(fs: impl Iterator<Item = &'a FileEntry>) {
    let rows: Vec<Vec<String>> = fs
        .map(|f| {
            vec![
                f.key.clone().unwrap_or_default(),
                f.size.map(size).unwrap_or_else(|| "-".into()),
                f.status
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                f.checksum.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&["KEY", "SIZE", "STATUS", "CHECKSUM"], &rows);
}

/// Vocabulary terms as a table.
pub fn terms(ts: &[VocabularyTerm]) {
    let rows: Vec<Vec<String>> = ts
        .iter()
        .map(|t| vec![t.id.clone().unwrap_or_default(), short(t.label(), 80)])
        .collect();
    table(&["ID", "LABEL"], &rows);
}

/// Access links as a table.
pub fn links(ls: &[AccessLink]) {
    let rows: Vec<Vec<String>> = ls
        .iter()
        .map(|l| {
            vec![
                l.id.clone().unwrap_or_default(),
                l.permission
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                l.expires_at.clone().unwrap_or_else(|| "never".into()),
                l.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["ID", "PERMISSION", "EXPIRES", "DESCRIPTION"], &rows);
}

/// Prints items as JSON lines, or as a table.
pub(crate) fn print_list<T: serde::Serialize>(
    items: &[T],
    json: bool,
    table: fn(&[T]),
) -> Result<()> {
    if json {
        for x in items {
            json_line(x)?;
        }
    } else {
        table(items);
    }
    Ok(())
}

pub(crate) fn communities_table(cs: &[Community]) {
    let rows: Vec<Vec<String>> = cs
        .iter()
        .map(|c| {
            vec![
                c.id.clone().unwrap_or_default(),
                c.slug.clone().unwrap_or_default(),
                c.access
                    .as_ref()
                    .and_then(|a| a.visibility.as_ref())
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                c.title().unwrap_or("").to_string(),
            ]
        })
        .collect();
    table(&["ID", "SLUG", "VISIBILITY", "TITLE"], &rows);
}

pub(crate) fn show_community(c: &Community, json: bool) -> Result<()> {
    if json {
        return json_line(c);
    }
    communities_table(std::slice::from_ref(c));
    if let Some(a) = &c.access {
        let v = |x: Option<String>| x.unwrap_or_else(|| "-".into());
        println!(
            "review policy: {}, submissions: {}",
            v(a.review_policy.as_ref().map(|p| p.to_string())),
            v(a.record_submission_policy.as_ref().map(|p| p.to_string()))
        );
    }
    Ok(())
}

pub(crate) fn requests_table(rs: &[Request]) {
    let rows: Vec<Vec<String>> = rs
        .iter()
        .map(|r| {
            vec![
                r.id.clone().unwrap_or_default(),
                r.kind.clone().unwrap_or_default(),
                r.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                r.topic
                    .as_ref()
                    .and_then(|t| t.record.clone())
                    .unwrap_or_default(),
                r.title.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["ID", "TYPE", "STATUS", "RECORD", "TITLE"], &rows);
}

pub(crate) fn show_request(r: &Request, json: bool) -> Result<()> {
    if json {
        return json_line(r);
    }
    requests_table(std::slice::from_ref(r));
    let actions: Vec<String> = r.actions().into_keys().collect();
    if actions.is_empty() {
        println!("actions: none for you now");
    } else {
        println!("actions: {}", actions.join(", "));
    }
    Ok(())
}

pub(crate) fn timeline_table(es: &[RequestEvent]) {
    let rows: Vec<Vec<String>> = es
        .iter()
        .map(|e| {
            let p = e.payload.as_ref();
            let what = match e.kind.as_deref() {
                Some("C") => p
                    .and_then(|p| p.content.clone())
                    .map(|c| crate::output::plain(&c))
                    .unwrap_or_default(),
                _ => p
                    .and_then(|p| p.event.clone())
                    .map(|ev| format!("[{ev}]"))
                    .unwrap_or_default(),
            };
            // A reply is shown under its comment, marked.
            let what = if e.parent_id.is_some() {
                format!("  ↳ {what}")
            } else {
                what
            };
            vec![
                e.id.clone().unwrap_or_default(),
                e.created.clone().unwrap_or_default(),
                e.created_by
                    .as_ref()
                    .and_then(|u| u.user.clone())
                    .map(|u| format!("user {u}"))
                    .unwrap_or_default(),
                what,
            ]
        })
        .collect();
    table(&["ID", "WHEN", "WHO", "WHAT"], &rows);
}

pub(crate) fn members_table(ms: &[Member]) {
    let rows: Vec<Vec<String>> = ms
        .iter()
        .map(|m| {
            let who = m.member.as_ref();
            vec![
                who.and_then(|w| w.id.clone()).unwrap_or_default(),
                m.role.as_ref().map(|r| r.to_string()).unwrap_or_default(),
                who.and_then(|w| w.name.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    table(&["ID", "ROLE", "NAME"], &rows);
}

pub(crate) fn grants_table(gs: &[AccessGrant]) {
    let rows: Vec<Vec<String>> = gs
        .iter()
        .map(|g| {
            let s = g.subject.as_ref();
            vec![
                g.id.map(|i| i.to_string()).unwrap_or_default(),
                s.and_then(|s| s.kind.clone()).unwrap_or_default(),
                s.and_then(|s| s.id.clone()).unwrap_or_default(),
                g.permission
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                g.origin.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["GRANT", "SUBJECT", "ID", "PERMISSION", "ORIGIN"], &rows);
}

/// Why, when and by whom a record was removed, and how to cite it.
pub(crate) fn tombstone(t: &inveniordm::models::Tombstone) {
    println!("deleted:   {}", t.removal_date.as_deref().unwrap_or("?"));
    if let Some(r) = t.reason_id() {
        println!("reason:    {r}");
    }
    if let Some(n) = t.note.as_deref().filter(|n| !n.is_empty()) {
        println!("note:      {n}");
    }
    if let Some(u) = t.removed_by_user() {
        println!("removed by user {u}");
    }
    if let Some(c) = t.citation_text.as_deref().filter(|c| !c.is_empty()) {
        println!("cite as:   {c}");
    }
}

/// Views and downloads, of this version and of all versions.
pub(crate) fn stats(s: &inveniordm::models::RecordStats) {
    let row = |name: &str, c: Option<&inveniordm::models::StatsCounts>| {
        let c = c.cloned().unwrap_or_default();
        vec![
            name.to_string(),
            c.views.unwrap_or(0).to_string(),
            c.unique_views.unwrap_or(0).to_string(),
            c.downloads.unwrap_or(0).to_string(),
            c.unique_downloads.unwrap_or(0).to_string(),
            size(c.data_volume_bytes().unwrap_or(0.0) as u64),
        ]
    };
    table(
        &["", "VIEWS", "UNIQUE", "DOWNLOADS", "UNIQUE", "VOLUME"],
        &[
            row("this version", s.this_version.as_ref()),
            row("all versions", s.all_versions.as_ref()),
        ],
    );
}

pub(crate) fn show(r: &Record, json: bool) -> Result<()> {
    if json {
        json_line(r)
    } else {
        record(r);
        Ok(())
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(super::size(512), "512 B");
        assert_eq!(super::size(5_000_000), "4.8 MiB");
        assert_eq!(super::size(3 << 40), "3.0 TiB");
    }
}
