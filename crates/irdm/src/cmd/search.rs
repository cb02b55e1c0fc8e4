//! `irdm search` and `irdm vocab`.

use crate::{exit, output};
use anyhow::{Result, anyhow};
use clap::Args;
use futures_util::StreamExt;
use inveniordm::Client;
use inveniordm::models::*;

/// `irdm search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Query (OpenSearch syntax: words, "phrases", field:value, AND/OR/NOT, ranges).
    pub query: Option<String>,
    /// Search your own drafts and records.
    #[arg(long)]
    pub mine: bool,
    /// Sort option (bestmatch, newest, oldest, version, updated-desc, …).
    #[arg(long)]
    pub sort: Option<String>,
    /// Page size.
    #[arg(long)]
    pub size: Option<u64>,
    /// Page number.
    #[arg(long)]
    pub page: Option<u64>,
    /// Include every version.
    #[arg(long)]
    pub all_versions: bool,
    /// Every result, page after page; past the server's window of 10 000 results the query
    /// is split by record id, so each record comes exactly once.
    #[arg(long)]
    pub all: bool,
    /// Facet filter NAME=VALUE (repeatable), e.g. resource_type=dataset.
    #[arg(long = "filter", value_name = "NAME=VALUE")]
    pub filters: Vec<String>,
}

/// `irdm vocab`.
#[derive(Debug, Args)]
pub struct VocabArgs {
    /// Vocabulary (languages, licenses, resourcetypes, affiliations, funders, awards, names, subjects, …).
    pub vocabulary: String,
    /// Query.
    pub query: Option<String>,
    /// Show one term.
    #[arg(long)]
    pub id: Option<String>,
    /// Page size.
    #[arg(long)]
    pub size: Option<u64>,
    /// Page number.
    #[arg(long)]
    pub page: Option<u64>,
}

pub(crate) async fn search(c: &Client, a: &SearchArgs, json: bool) -> Result<u8> {
    let mut q = SearchQuery::new(a.query.clone().unwrap_or_default());
    q.sort = a.sort.clone();
    q.size = a.size;
    q.page = a.page;
    q.all_versions = a.all_versions;
    for f in &a.filters {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| anyhow!("--filter takes NAME=VALUE, got {f:?}"))?;
        q = q.filter(k, v);
    }
    if !a.all {
        let page = c.query().records_of(scope(a.mine), &q).await?;
        if json {
            for r in page.items() {
                output::json_line(r)?;
            }
        } else {
            output::records(page.items());
            eprintln!("{} of {} shown", page.items().len(), page.total());
        }
        return Ok(exit::OK);
    }
    // Every record, past the search window: the library splits the query by record id.
    let mut stream = std::pin::pin!(c.query().records_all(scope(a.mine), q));
    let mut shown = 0usize;
    let mut rows = Vec::new();
    while let Some(r) = stream.next().await {
        let r = r?;
        if json {
            output::json_line(&r)?;
        } else {
            rows.push(r);
        }
        shown += 1;
    }
    if !json {
        output::records(&rows);
        eprintln!("{shown} shown");
    }
    if shown > 10_000 {
        // Said on stderr in both modes: the listing went past the server's window.
        eprintln!(
            "past the 10 000-result search window: the query was split by record id, each record listed once"
        );
    }
    Ok(exit::OK)
}

pub(crate) async fn vocab(c: &Client, a: &VocabArgs, json: bool) -> Result<u8> {
    let t: VocType = a.vocabulary.parse().unwrap_or_else(|e| match e {});
    if let Some(id) = &a.id {
        let term = c.query().term(&t, id).await?;
        if json {
            output::json_line(&term)?;
        } else {
            output::terms(std::slice::from_ref(&term));
        }
        return Ok(exit::OK);
    }
    let mut q = VocQuery::new();
    if let Some(s) = &a.query {
        q = q.suggest(s.clone());
    }
    q.size = a.size;
    q.page = a.page;
    let page = c.query().vocabulary(&t, &q).await?;
    if json {
        for term in page.items() {
            output::json_line(term)?;
        }
    } else {
        output::terms(page.items());
        eprintln!("{} of {} shown", page.items().len(), page.total());
    }
    Ok(exit::OK)
}

/// The records a listing covers: the caller's own with `--mine`.
pub(crate) fn scope(mine: bool) -> inveniordm::api::Scope {
    if mine {
        inveniordm::api::Scope::Mine
    } else {
        inveniordm::api::Scope::Published
    }
}
