//! Command dispatch.

use std::io::Read;

use anyhow::{Context, Result, anyhow, bail};
use futures_util::StreamExt;
use inveniordm::models::{
    AccessLink, LinkPermission, Metadata, Record, RecordQuery, VocQuery, VocType,
};
use inveniordm::{Client, RecordFormat};

use crate::config;
use crate::output;
use crate::{Cli, Command, DoiCmd, DraftCmd, LinksCmd, RecordCmd, exit};

/// Runs a command; returns the exit code.
pub async fn run(cli: Cli) -> Result<u8> {
    match &cli.command {
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "irdm", &mut std::io::stdout());
            return Ok(exit::OK);
        }
        Command::Sandbox(args) => {
            inveniordm_sandbox::cli::serve(args)
                .await
                .map_err(|e| anyhow!(e))?;
            return Ok(exit::OK);
        }
        Command::Demo(args) => return crate::demo::run(args, cli.quiet).await,
        Command::Config => return show_config(&cli),
        _ => {}
    }
    let client = client(&cli)?;
    let json = cli.json;
    match &cli.command {
        Command::Ping => ping(&client, json).await,
        Command::Search(a) => search(&client, a, json).await,
        Command::Vocab(a) => vocab(&client, a, json).await,
        Command::Record(c) => record(&client, c, json).await,
        Command::Draft(c) => draft(&client, c, json).await,
        Command::Upload(a) => crate::transfers::upload(&client, a, json, progress_mode(&cli)).await,
        Command::Download(a) => {
            crate::transfers::download(&client, a, json, progress_mode(&cli)).await
        }
        Command::Sync(a) => crate::sync::sync(&client, a, json).await,
        Command::Deposit(a) => crate::deposit::deposit(&client, a, json, progress_mode(&cli)).await,
        Command::Links(c) => links(&client, c, json).await,
        Command::Doi(c) => doi(&client, c, json).await,
        Command::Communities(c) => crate::sharing::communities(&client, c, json).await,
        Command::Review(c) => crate::sharing::review(&client, c, json).await,
        Command::Requests(c) => crate::sharing::requests(&client, c, json).await,
        Command::Access(c) => crate::sharing::access(&client, c, json).await,
        Command::Api(a) => api(&client, a).await,
        Command::Completions { .. } | Command::Sandbox(_) | Command::Demo(_) | Command::Config => {
            Ok(exit::OK)
        }
    }
}

/// The progress reporting asked for: `--progress`, or bars unless `--quiet`.
fn progress_mode(cli: &Cli) -> crate::ProgressMode {
    match (cli.progress, cli.quiet) {
        (Some(m), _) => m,
        (None, true) => crate::ProgressMode::None,
        (None, false) => crate::ProgressMode::Bars,
    }
}

/// The client for the resolved settings.
pub fn client(cli: &Cli) -> Result<Client> {
    let s = config::resolve(
        cli.url.as_deref(),
        cli.token.as_deref(),
        cli.profile.as_deref(),
    )?;
    let Some((url, _)) = s.url else {
        bail!(
            "no server URL: pass --url, set INVENIORDM_URL, or add a profile to {} (try `irdm demo` for a local sandbox)",
            s.config_file.display()
        );
    };
    if let (Some(src), None) = (&s.ignored_token, &s.token) {
        eprintln!(
            "note: not sending the token from {src}: the server URL comes from elsewhere; pass --token, or set URL and token in the same place"
        );
    }
    let mut b = Client::builder(url).user_agent(format!(
        "irdm/{} inveniordm/{}",
        env!("CARGO_PKG_VERSION"),
        inveniordm::VERSION
    ));
    if let Some((t, _)) = s.token {
        b = b.token(t);
    }
    if let Some(secs) = cli.timeout {
        let t = std::time::Duration::from_secs(secs);
        b = b
            .read_timeout(t)
            .connect_timeout(t.min(inveniordm::DEFAULT_CONNECT_TIMEOUT));
    }
    if cli.no_pacing {
        b = b.rate_pacing(false);
    }
    if std::env::var("IRDM_RECORD_FORMAT").as_deref() == Ok("rdm") {
        b = b.record_format(RecordFormat::Rdm);
    }
    Ok(b.build()?)
}

fn show_config(cli: &Cli) -> Result<u8> {
    let s = config::resolve(
        cli.url.as_deref(),
        cli.token.as_deref(),
        cli.profile.as_deref(),
    )?;
    if cli.json {
        let v = serde_json::json!({
            "url": s.url.as_ref().map(|(u, _)| u),
            "url_source": s.url.as_ref().map(|(_, src)| src.to_string()),
            "token": s.token.as_ref().map(|(t, _)| config::mask(t)),
            "token_source": s.token.as_ref().map(|(_, src)| src.to_string()),
            "profile": s.profile,
            "ignored_token_source": s.ignored_token.as_ref().map(|src| src.to_string()),
            "config_file": s.config_file.display().to_string(),
        });
        println!("{v}");
        return Ok(exit::OK);
    }
    match &s.url {
        Some((u, src)) => println!("url:         {u}  (from {src})"),
        None => println!("url:         not set"),
    }
    match &s.token {
        Some((t, src)) => println!("token:       {}  (from {src})", config::mask(t)),
        None => println!("token:       not set (anonymous: read-only)"),
    }
    if let Some(src) = &s.ignored_token {
        println!("ignored:     a token from {src} (it does not go with this URL's source)");
    }
    println!("profile:     {}", s.profile.as_deref().unwrap_or("none"));
    println!(
        "config file: {}{}",
        s.config_file.display(),
        if s.config_file.is_file() {
            ""
        } else {
            " (absent)"
        }
    );
    Ok(exit::OK)
}

async fn ping(c: &Client, json: bool) -> Result<u8> {
    let started = std::time::Instant::now();
    let page = c
        .query()
        .records(&RecordQuery::all().size(1))
        .await
        .context("the server did not answer a record search")?;
    let ms = started.elapsed().as_millis();
    let me = if c.has_token() {
        match c.query().user_records(&RecordQuery::all().size(1)).await {
            Ok(p) => Some(Ok(p.total())),
            Err(e) => Some(Err(e)),
        }
    } else {
        None
    };
    if json {
        let v = serde_json::json!({
            "api": c.api_url().as_str(),
            "reachable": true,
            "milliseconds": ms,
            "records": page.total(),
            "authenticated": matches!(me, Some(Ok(_))),
            "own_records": me.as_ref().and_then(|r| r.as_ref().ok()),
        });
        println!("{v}");
    } else {
        println!(
            "{} answers ({ms} ms), {} published records",
            c.api_url(),
            page.total()
        );
        match &me {
            None => println!("no token: anonymous, read-only"),
            Some(Ok(n)) => println!("token accepted: you have {n} drafts and records"),
            Some(Err(e)) => println!("the token was not accepted: {e}"),
        }
    }
    Ok(match &me {
        Some(Err(_)) => exit::REFUSED,
        _ => exit::OK,
    })
}

async fn search(c: &Client, a: &crate::SearchArgs, json: bool) -> Result<u8> {
    let mut q = RecordQuery::new(a.query.clone().unwrap_or_default());
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
        let page = c.query().records_of(a.mine, &q).await?;
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
    let mut stream = std::pin::pin!(c.query().records_all(a.mine, q));
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

async fn vocab(c: &Client, a: &crate::VocabArgs, json: bool) -> Result<u8> {
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

fn show(r: &Record, json: bool) -> Result<()> {
    if json {
        output::json_line(r)
    } else {
        output::record(r);
        Ok(())
    }
}

async fn record(c: &Client, cmd: &RecordCmd, json: bool) -> Result<u8> {
    match cmd {
        RecordCmd::Get { id } => show(&hint_record(c, id, c.records().get(id).await).await?, json)?,
        RecordCmd::Latest { id } => show(
            &hint_record(c, id, c.records().latest_version(id).await).await?,
            json,
        )?,
        RecordCmd::Files { id } => {
            let f = hint_record(c, id, c.records().files(id).await).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(f.iter())
            }
        }
        RecordCmd::Communities(cmd) => {
            return crate::sharing::record_communities(c, cmd, json).await;
        }
        RecordCmd::File { id, key } => {
            let f = c.records().file_metadata(id, key).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(std::iter::once(&f))
            }
        }
        RecordCmd::Export { id, format, output } => {
            let Some(f) = inveniordm::api::ExportFormat::from_name(format) else {
                bail!(
                    "{format:?} is not an export format (try: {})",
                    inveniordm::api::ExportFormat::names().join(", ")
                );
            };
            let x = hint_record(c, id, c.records().export(id, &f).await).await?;
            match output {
                Some(path) => {
                    crate::write_atomically(path, &x.bytes)?;
                    eprintln!(
                        "{} bytes of {} written to {}",
                        x.bytes.len(),
                        x.content_type.as_deref().unwrap_or("?"),
                        path.display()
                    );
                }
                None => {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    out.write_all(&x.bytes)?;
                    if !x.bytes.ends_with(b"\n") {
                        out.write_all(b"\n")?;
                    }
                }
            }
        }
        RecordCmd::Cite { id, style, locale } => {
            let text = hint_record(
                c,
                id,
                c.records()
                    .cite(id, style.as_deref(), locale.as_deref())
                    .await,
            )
            .await?;
            if json {
                println!("{}", serde_json::json!({"id": id, "citation": text.trim()}));
            } else {
                println!("{}", text.trim());
            }
        }
        RecordCmd::Versions { id } => {
            // Every page of versions, as they arrive.
            let mut stream = std::pin::pin!(c.records().versions_stream(id));
            let mut rows = Vec::new();
            while let Some(r) = stream.next().await {
                let r = r?;
                if json {
                    output::json_line(&r)?;
                } else {
                    rows.push(r);
                }
            }
            if !json {
                output::records(&rows);
            }
        }
    }
    Ok(exit::OK)
}

/// The text of a file, or of standard input for `-`.
fn read_source(source: &str) -> Result<String> {
    if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        return Ok(s);
    }
    std::fs::read_to_string(source).with_context(|| format!("cannot read {source}"))
}

/// Reads metadata (JSON or YAML) from a file or `-`: a metadata object, or a whole draft
/// (an object with a `metadata` key).
pub fn read_draft(source: &str) -> Result<Record> {
    let text = read_source(source)?;
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(json_err) => serde_yaml_ng::from_str(&text).map_err(|yaml_err| {
            anyhow!("{source} is neither JSON ({json_err}) nor YAML ({yaml_err})")
        })?,
    };
    if !value.is_object() {
        bail!("{source} must hold an object (the metadata, or a draft with a \"metadata\" key)");
    }
    // A whole draft has at least one top-level key of a record; a metadata object has keys of
    // the metadata schema. A mix is refused rather than guessed.
    let obj = value
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let record_keys: Vec<&String> = obj
        .iter()
        .filter(|k| Record::KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    let metadata_keys: Vec<&String> = obj
        .iter()
        .filter(|k| Metadata::KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    match (record_keys.is_empty(), metadata_keys.is_empty()) {
        (false, false) => bail!(
            "{source} mixes draft keys ({}) with metadata keys ({}); put the metadata under \"metadata\"",
            record_keys
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            metadata_keys
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (false, true) => Ok(serde_json::from_value(value)?),
        (true, false) => {
            let m: Metadata = serde_json::from_value(value)?;
            Ok(Record {
                metadata: Some(m),
                ..Record::default()
            })
        }
        (true, true) => bail!(
            "{source} has neither draft keys (metadata, access, files, …) nor metadata keys (title, creators, …)"
        ),
    }
}

async fn draft(c: &Client, cmd: &DraftCmd, json: bool) -> Result<u8> {
    let d = c.drafts();
    match cmd {
        DraftCmd::Create { metadata } => {
            let draft = match metadata {
                Some(src) => read_draft(src)?,
                None => Record::default(),
            };
            let r = d.create(&draft).await?;
            show(&r, json)?;
        }
        DraftCmd::Get { id } => show(&hint_draft(c, id, d.get(id).await).await?, json)?,
        DraftCmd::Update {
            id,
            metadata,
            set,
            unset,
        } => {
            if metadata.is_none() && set.is_empty() && unset.is_empty() {
                bail!("nothing to change: give --metadata FILE, --set PATH=VALUE or --unset PATH");
            }
            // Start from the server's draft so that access, files settings and pids are kept
            // unless the input sets them; send its revision so a concurrent change is refused.
            let mut current = hint_draft(c, id, d.get(id).await).await?;
            if let Some(src) = metadata {
                let input = read_draft(src)?;
                if input.metadata.is_some() {
                    current.metadata = input.metadata;
                }
                if input.access.is_some() {
                    current.access = input.access;
                }
                if input.files.is_some() {
                    current.files = input.files;
                }
                if input.custom_fields.is_some() {
                    current.custom_fields = input.custom_fields;
                }
                if input.pids.is_some() {
                    current.pids = input.pids;
                }
                // A revision in the input (a draft saved earlier with `draft get --json`) is
                // the one the user edited: a newer server revision means someone else changed
                // it.
                if input.revision_id.is_some() {
                    current.revision_id = input.revision_id;
                }
            }
            let changed = crate::edit::apply(&current, set, unset)?;
            let r = d.update(id, &changed).await?;
            show(&r, json)?;
        }
        DraftCmd::Delete { id } => {
            d.delete(id).await?;
            if json {
                println!("{}", serde_json::json!({"deleted": id}))
            } else {
                println!("draft {id} discarded")
            }
        }
        DraftCmd::Publish { id } => {
            let r = c.repo().publish(id).await.map_err(|e| {
                let fix = set_hint(id, &e).or_else(|| community_hint(id, &e));
                let e = anyhow::Error::from(e).context(format!("cannot publish {id}"));
                match fix {
                    Some(h) => e.context(output::Hint(h)),
                    None => e,
                }
            })?;
            show(&r, json)?;
        }
        DraftCmd::Edit { id } => show(&d.edit(id).await?, json)?,
        DraftCmd::NewVersion {
            id,
            import_files,
            set,
            unset,
        } => {
            let mut draft = hint_record(c, id, d.new_version(id).await).await?;
            let new_id = draft
                .id
                .clone()
                .ok_or_else(|| anyhow!("the server returned a draft without an id"))?;
            if *import_files {
                let imported = d.files_import(&new_id).await?;
                if !json {
                    eprintln!(
                        "linked {} files of the previous version",
                        imported.iter().count()
                    );
                }
                draft = d.get(&new_id).await?;
            }
            if !set.is_empty() || !unset.is_empty() {
                let changed = crate::edit::apply(&draft, set, unset)?;
                draft = d.update(&new_id, &changed).await?;
            }
            show(&draft, json)?;
        }
        DraftCmd::ImportFiles { id } => {
            let f = d.files_import(id).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(f.iter())
            }
        }
        DraftCmd::Files { id } => {
            let f = d.files(id).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(f.iter())
            }
        }
        DraftCmd::FileDelete { id, key } => {
            d.file_delete(id, key).await?;
            if json {
                println!("{}", serde_json::json!({"deleted": key}))
            } else {
                println!("{key} deleted from draft {id}")
            }
        }
    }
    Ok(exit::OK)
}

fn permission(p: &str) -> Result<LinkPermission> {
    match p {
        "view" | "preview" | "edit" => Ok(LinkPermission::from(p)),
        other => bail!("permission must be view, preview or edit, not {other:?}"),
    }
}

async fn links(c: &Client, cmd: &LinksCmd, json: bool) -> Result<u8> {
    let l = c.records().access_links();
    match cmd {
        LinksCmd::List { id } => {
            let page = l.list(id).await?;
            if json {
                for x in page.items() {
                    output::json_line(x)?;
                }
            } else {
                output::links(page.items());
            }
        }
        LinksCmd::Get { id, link_id } => {
            let x = l.get(id, link_id).await?;
            if json {
                output::json_line(&x)?
            } else {
                output::links(std::slice::from_ref(&x))
            }
        }
        LinksCmd::Create {
            id,
            permission: p,
            expires,
            description,
        } => {
            let mut link = AccessLink::with_permission(permission(p)?);
            link.expires_at = expires.clone();
            link.description = description.clone();
            let x = l.create(id, &link).await?;
            if json {
                output::json_line(&x)?;
            } else {
                output::links(std::slice::from_ref(&x));
                if let Some(t) = &x.token {
                    println!("share: append ?token={t} to the record's address");
                }
            }
        }
        LinksCmd::Update {
            id,
            link_id,
            permission: p,
            expires,
            description,
        } => {
            let mut link = AccessLink::default();
            if let Some(p) = p {
                link.permission = Some(permission(p)?);
            }
            link.expires_at = expires.clone();
            link.description = description.clone();
            let x = l.update(id, link_id, &link).await?;
            if json {
                output::json_line(&x)?
            } else {
                output::links(std::slice::from_ref(&x))
            }
        }
        LinksCmd::Delete { id, link_id } => {
            l.delete(id, link_id).await?;
            if json {
                println!("{}", serde_json::json!({"deleted": link_id}))
            } else {
                println!("link {link_id} deleted")
            }
        }
    }
    Ok(exit::OK)
}

async fn api(c: &Client, a: &crate::ApiArgs) -> Result<u8> {
    let method = a.method.to_ascii_uppercase();
    let body: Option<serde_json::Value> = match &a.input {
        None => None,
        Some(src) => {
            let text = read_source(src)?;
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

async fn doi(c: &Client, cmd: &DoiCmd, json: bool) -> Result<u8> {
    let r = match cmd {
        DoiCmd::Reserve { id } => c.drafts().reserve_doi(id).await?,
        DoiCmd::Discard { id } => c.drafts().discard_doi(id).await?,
    };
    if json {
        output::json_line(&r)?;
    } else {
        match r.doi() {
            Some(doi) => println!("{doi}"),
            None => println!("draft {} has no DOI", r.id.as_deref().unwrap_or("?")),
        }
    }
    Ok(exit::OK)
}

/// A record command given a draft's id: say so, and name the draft command. (The look-up is
/// made only after a 404, so it costs nothing when the id is right.)
async fn hint_record<T>(c: &Client, id: &str, r: inveniordm::Result<T>) -> Result<T> {
    hint_not_found(r, async { c.drafts().get(id).await.is_ok() }, || {
        format!(
            "{id} is a draft, not a published record: see it with `irdm draft get {id}` (files: `irdm draft files {id}`)"
        )
    })
    .await
}

/// A draft command given the id of a published record that has no draft.
async fn hint_draft<T>(c: &Client, id: &str, r: inveniordm::Result<T>) -> Result<T> {
    hint_not_found(r, async { c.records().get(id).await.is_ok() }, || {
        format!(
            "{id} is a published record with no draft: see it with `irdm record get {id}`; `irdm draft edit {id}` opens a draft of it to change"
        )
    })
    .await
}

/// A 404 with a hint when `other_kind` (awaited only after the 404) finds the id elsewhere.
async fn hint_not_found<T>(
    r: inveniordm::Result<T>,
    other_kind: impl std::future::Future<Output = bool>,
    hint: impl FnOnce() -> String,
) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(e) if e.is_not_found() && other_kind.await => {
            Err(anyhow::Error::from(e).context(output::Hint(hint())))
        }
        Err(e) => Err(e.into()),
    }
}

/// For a publish refused because the repository publishes only through communities, the
/// command that submits the draft for review instead.
fn community_hint(id: &str, e: &inveniordm::Error) -> Option<String> {
    match e {
        inveniordm::Error::Api {
            status: 400,
            message,
            ..
        } if message.contains("without selecting a community") => Some(format!(
            "this repository publishes only through a community: submit it for review with `irdm review submit {id} --community ID_OR_SLUG` (find one with `irdm communities list`)"
        )),
        inveniordm::Error::Api {
            status: 400,
            message,
            ..
        } if message.contains("open review request") => Some(format!(
            "{id} is submitted to a community: it is published when a curator accepts (see `irdm review get {id}`), or cancel the request first"
        )),
        _ => None,
    }
}

/// For a publish refused on fields, the command that sets them.
fn set_hint(id: &str, e: &inveniordm::Error) -> Option<String> {
    let fields: Vec<&str> = e
        .field_errors()
        .iter()
        .map(|f| f.field_name())
        .filter(|f| f.starts_with("metadata.") || f.starts_with("custom_fields."))
        .collect();
    if fields.is_empty() {
        return None;
    }
    let sets: Vec<String> = fields.iter().map(|f| format!("--set {f}=VALUE")).collect();
    Some(format!(
        "set it with: irdm draft update {id} {}",
        sets.join(" ")
    ))
}
