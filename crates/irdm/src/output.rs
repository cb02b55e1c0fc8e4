//! Printing: tables, JSON lines, error messages with exit codes.

use inveniordm::Error;
use inveniordm::models::{AccessLink, FileEntry, Record, VocabularyTerm};
use serde::Serialize;

use crate::exit;

/// Prints a document as one JSON line.
pub fn json_line<T: Serialize>(doc: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(doc)?);
    Ok(())
}

/// Prints a table with a header; columns are padded to the widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let n = cells.len();
        let mut s = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            if i + 1 == n {
                s.push_str(&c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        println!("{}", s.trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r.clone());
    }
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

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

/// Human size.
pub fn size(n: u64) -> String {
    inveniordm::models::files::human_size(n)
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

/// The exit code an error maps to, without printing.
pub fn code_of(e: &anyhow::Error) -> u8 {
    match e.chain().find_map(|c| c.downcast_ref::<Error>()) {
        Some(Error::Api {
            status: 404 | 410, ..
        }) => exit::NOT_FOUND,
        Some(Error::Api { .. }) => exit::REFUSED,
        Some(Error::NoSuchFile { .. }) => exit::NOT_FOUND,
        Some(Error::Transport { .. } | Error::Stalled { .. }) => exit::NETWORK,
        Some(Error::Checksum { .. } | Error::Unverified { .. }) => exit::CHECKSUM,
        Some(Error::Usage(_)) => exit::USAGE,
        _ => exit::OTHER,
    }
}

/// Of several exit codes, the worst: a corrupt transfer first, then a refusal, then not found,
/// then a network failure, then anything else; 0 when there are none.
pub fn worst_code(codes: &[u8]) -> u8 {
    let rank = |c: u8| match c {
        exit::CHECKSUM => 0,
        exit::REFUSED => 1,
        exit::NOT_FOUND => 2,
        exit::NETWORK => 3,
        _ => 4,
    };
    codes
        .iter()
        .copied()
        .min_by_key(|c| rank(*c))
        .unwrap_or(exit::OK)
}

/// What to do about an error, printed after it (attach it with `anyhow::Context`).
#[derive(Debug, Clone)]
pub struct Hint(pub String);

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Prints an error with what to do, and returns the exit code.
pub fn report_error(e: &anyhow::Error) -> u8 {
    let hint = e.downcast_ref::<Hint>().map(|h| h.0.clone());
    let code = report(e, hint.as_deref());
    if let Some(h) = hint {
        eprintln!("  {h}");
    }
    code
}

/// The error and its causes, `: `-joined, without the hint (printed after it).
fn without_hint(e: &anyhow::Error, hint: Option<&str>) -> String {
    e.chain()
        .map(|c| c.to_string())
        .filter(|c| Some(c.as_str()) != hint)
        .collect::<Vec<_>>()
        .join(": ")
}

fn report(e: &anyhow::Error, hint: Option<&str>) -> u8 {
    match e.chain().find_map(|c| c.downcast_ref::<Error>()) {
        Some(Error::Api {
            status,
            message,
            errors,
            ..
        }) => {
            let what = match *status {
                401 | 403 => {
                    "permission denied (is the token set and allowed to do this?)".to_string()
                }
                404 | 410 => "not found".to_string(),
                412 => {
                    "the draft changed on the server since you read it; fetch it again".to_string()
                }
                429 => "rate limited by the server; try again later".to_string(),
                s if s >= 500 => "the server failed".to_string(),
                _ => "the server refused the request".to_string(),
            };
            let ctx: Vec<String> = e
                .chain()
                .take_while(|c| c.downcast_ref::<Error>().is_none())
                .map(|c| c.to_string())
                .filter(|c| Some(c.as_str()) != hint)
                .collect();
            let prefix = if ctx.is_empty() {
                String::new()
            } else {
                format!("{}: ", ctx.join(": "))
            };
            eprintln!("error: {prefix}{what} ({status} {message})");
            for fe in errors {
                eprintln!("  {}: {}", fe.field_name(), fe.message_text());
            }
        }
        Some(err @ (Error::Transport { .. } | Error::Stalled { .. })) => {
            eprintln!("error: {}", without_hint(e, hint));
            if err.never_sent() {
                eprintln!(
                    "  check the server URL and your network; the request never reached the server"
                );
            } else if err.was_read() {
                // A read changes nothing on the server: it is always safe to repeat.
                eprintln!(
                    "  nothing was changed on the server; run the command again (downloads continue where they stopped){}",
                    if err.is_timeout() {
                        ", or allow a slow server more time with --timeout SECS"
                    } else {
                        ""
                    }
                );
            } else {
                eprintln!(
                    "  the server may or may not have carried out the request: check before repeating it"
                );
            }
        }
        Some(Error::Checksum { .. }) => {
            eprintln!("error: {}", without_hint(e, hint));
            eprintln!(
                "  the transfer was corrupted; the bad copy was removed, run the command again"
            );
        }
        _ => eprintln!("error: {}", without_hint(e, hint)),
    }
    code_of(e)
}

/// HTML (a comment's content) as plain text: tags dropped, the common entities decoded.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}
