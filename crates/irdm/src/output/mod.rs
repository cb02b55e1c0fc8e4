//! Printing: tables, JSON lines, error messages with exit codes.

use inveniordm::Error;
use serde::Serialize;

mod tables;
pub use tables::*;

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

pub(crate) fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
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
pub(crate) fn without_hint(e: &anyhow::Error, hint: Option<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain().map(|c| c.to_string()) {
        // An error that says its cause already (`cannot read x: No such file …`) is not
        // followed by the cause again.
        if Some(c.as_str()) == hint || parts.last().is_some_and(|l| l.ends_with(&c)) {
            continue;
        }
        parts.push(c);
    }
    parts.join(": ")
}

pub(crate) fn report(e: &anyhow::Error, hint: Option<&str>) -> u8 {
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
        Some(Error::Deleted { tombstone, .. }) => {
            eprintln!("error: {}", without_hint(e, hint));
            if let Some(c) = tombstone.citation_text.as_deref().filter(|c| !c.is_empty()) {
                eprintln!("  it was: {c}");
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
    crate::exit::code_of(e)
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
