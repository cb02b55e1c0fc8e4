//! `irdm api`: any API path, with the same token, retries and rules.

use crate::exit;
use anyhow::{Context, Result, bail};
use clap::Args;
use inveniordm::Client;

/// `irdm api`.
#[derive(Debug, Args)]
#[command(after_help = "\
PATH is relative to the API root, with its query (communities?q=ocean, records/ID/requests).
The answer is printed as JSON. With --paginate, every page is followed through links.next
(on this server only) and each hit is printed on a line of its own (a page without hits is
printed whole).")]
pub struct ApiArgs {
    /// API path below /api, with a query.
    pub path: String,
    /// HTTP method.
    #[arg(short = 'X', long, default_value = "GET")]
    pub method: String,
    /// JSON body from FILE, or - for standard input.
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Follow links.next and print one hit per line.
    #[arg(long)]
    pub paginate: bool,
}

pub(crate) async fn api(c: &Client, a: &ApiArgs) -> Result<u8> {
    let method = a.method.to_ascii_uppercase();
    let body: Option<serde_json::Value> = match &a.input {
        None => None,
        Some(src) => {
            let text = super::draft::read_source(src)?;
            Some(serde_json::from_str(&text).with_context(|| format!("{src} is not JSON"))?)
        }
    };
    if a.paginate && method != "GET" {
        bail!("--paginate follows pages of a GET, not of a {method}");
    }
    let raw = c.raw();
    let empty = serde_json::Value::Object(Default::default());
    let doc = match method.as_str() {
        "GET" if body.is_some() => bail!("a GET takes no --input"),
        "GET" => raw.get(&a.path).await?,
        "POST" => raw.post(&a.path, body.as_ref().unwrap_or(&empty)).await?,
        "PUT" => raw.put(&a.path, body.as_ref().unwrap_or(&empty)).await?,
        "PATCH" => raw.patch(&a.path, body.as_ref().unwrap_or(&empty)).await?,
        "DELETE" => raw.delete(&a.path).await?,
        other => bail!("-X takes GET, POST, PUT, PATCH or DELETE, not {other}"),
    };
    if !a.paginate {
        println!("{doc}");
        return Ok(exit::OK);
    }
    let mut page = doc;
    // Bounded: the search window is 10 000 results, so 10 000 pages is far past any end.
    for _ in 0..10_000 {
        match page.pointer("/hits/hits").and_then(|h| h.as_array()) {
            Some(hits) => {
                for h in hits {
                    println!("{h}");
                }
                if hits.is_empty() {
                    break;
                }
            }
            None => {
                println!("{page}");
                break;
            }
        }
        let Some(next) = page.pointer("/links/next").and_then(|v| v.as_str()) else {
            break;
        };
        page = raw.get_link(next).await?;
    }
    Ok(exit::OK)
}
