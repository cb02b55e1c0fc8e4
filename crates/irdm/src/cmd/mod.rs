//! The command line: its global flags and one subcommand per command family, each family in
//! a module of its own with its arguments beside its code; [`run`] dispatches.

use crate::progress::ProgressMode;
use crate::{config, exit};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use inveniordm::models::SearchQuery;
use inveniordm::{Client, RecordFormat};

mod access;
mod api;
mod communities;
mod community_admin;
mod community_members;
mod container;
mod demo;
mod deposit;
mod download;
mod draft;
mod hints;
mod links;
mod mirror;
mod modify;
mod quota;
mod record;
mod record_communities;
mod requests;
mod review;
mod search;
mod sync;
mod upload;

const AFTER_HELP: &str = "\
Configuration (highest precedence first): --url/--token, INVENIORDM_URL/INVENIORDM_TOKEN,
a .env file, a profile of the config file (--profile NAME; see `irdm config`).

Timeouts: a server that sends nothing for 120 s (--timeout SECS or IRDM_TIMEOUT) fails with a
network error; reads are retried first.

Exit codes: 0 success; 1 other error (local I/O, configuration, an answer that breaks the
protocol); 2 usage (a wrong argument, a journal that cannot be used, a choice to make among
candidates, a call that would need guessing); 3 refused (by the server, or a conflict with a
change made meanwhile, a file that would be overwritten, metadata the server would refuse);

4 not found (404, 410, a file key the record lacks); 5 network or transfer failure (timeouts
included: run again); 6 checksum mismatch or an upload the server has not verified; 141 the
output's reader went away (`irdm … | head`). When several files fail, each is reported and the exit code is that of the
worst.";

/// curl and gh for InvenioRDM: search, deposit, upload, publish, version, download.
#[derive(Debug, Parser)]
#[command(name = "irdm", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Server URL (site root or API root), e.g. `https://zenodo.org`.
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// Personal access token (prefer INVENIORDM_TOKEN or a profile: flags show in process lists).
    #[arg(long, global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Profile of the config file.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Print the server's JSON documents (one per line for lists).
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress bars.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// How transfers report progress on stderr: bars (the default on a terminal), json (one
    /// event per line: started, progress, finished, skipped, failed), or none.
    #[arg(long, global = true, value_enum, value_name = "HOW")]
    pub progress: Option<ProgressMode>,
    /// Give up on a server that sends nothing for SECS seconds, while connecting, waiting for
    /// an answer or in the middle of a transfer (default 120); reads are then retried.
    #[arg(long, global = true, env = "IRDM_TIMEOUT", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,
    /// Do not pace requests to the rate limits the server announces (they are paced by
    /// default so that no 429 is met; answers 429 are retried either way).
    #[arg(long, global = true)]
    pub no_pacing: bool,
    /// Request logs on stderr (-v requests, -vv more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Is the server reachable, and who am I.
    Ping,
    /// Show the settings in use and where each came from (the token masked).
    Config,
    /// Search published records (or your own with --mine).
    Search(search::SearchArgs),
    /// Search a vocabulary, or show one term with --id.
    Vocab(search::VocabArgs),
    /// Published records.
    #[command(subcommand)]
    Record(record::RecordCmd),
    /// Drafts.
    #[command(subcommand)]
    Draft(draft::DraftCmd),
    /// Upload files and folders to a draft (md5 verified).
    Upload(upload::UploadArgs),
    /// Download the files of a record or draft (md5 verified).
    Download(download::DownloadArgs),
    /// Make a draft's files (or, with --new-version, a record's next version) match a folder.
    Sync(sync::SyncArgs),
    /// From metadata (or CITATION.cff, codemeta.json) and files to a published record, in
    /// one journaled command: run again after an interruption, it carries on.
    Deposit(deposit::DepositArgs),
    /// A verified local copy of a community's (or a query's) records, metadata and files;
    /// run again, it fetches only what changed.
    Mirror(mirror::MirrorArgs),
    /// Storage quotas of records and users (administrators), and asking for more (v14).
    #[command(subcommand)]
    Quota(quota::QuotaCmd),
    /// Access links (secret share links) of a record.
    #[command(subcommand)]
    Links(links::LinksCmd),
    /// Communities: list, get, create, update, delete, records, members.
    #[command(subcommand)]
    Communities(communities::CommunitiesCmd),
    /// A draft's submission to a community: set, get, delete, submit.
    #[command(subcommand)]
    Review(review::ReviewCmd),
    /// Requests (reviews, inclusions, access requests): list, output::show, accept, decline,
    /// cancel, comment, timeline.
    #[command(subcommand)]
    Requests(requests::RequestsCmd),
    /// Sharing with people: grants, access settings, access requests.
    #[command(subcommand)]
    Access(access::AccessCmd),
    /// Reserve or discard a draft's DOI.
    #[command(subcommand)]
    Doi(draft::DoiCmd),
    /// Call any API path (JSON in and out), with the same token, retries and rules.
    Api(api::ApiArgs),
    /// Run the local InvenioRDM-compatible server.
    Sandbox(inveniordm_sandbox::cli::ServeArgs),
    /// Run the whole deposit workflow on an embedded sandbox and check every step.
    Demo(demo::DemoArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

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
        Command::Demo(args) => return demo::run(args, cli.quiet).await,
        Command::Config => return show_config(&cli),
        _ => {}
    }
    let client = client(&cli)?;
    let json = cli.json;
    match &cli.command {
        Command::Ping => ping(&client, json).await,
        Command::Search(a) => search::search(&client, a, json).await,
        Command::Vocab(a) => search::vocab(&client, a, json).await,
        Command::Record(c) => record::record(&client, c, json, progress_mode(&cli)).await,
        Command::Draft(c) => draft::draft(&client, c, json).await,
        Command::Upload(a) => upload::upload(&client, a, json, progress_mode(&cli)).await,
        Command::Download(a) => download::download(&client, a, json, progress_mode(&cli)).await,
        Command::Sync(a) => sync::sync(&client, a, json).await,
        Command::Quota(q) => quota::quota(&client, q, json).await,
        Command::Mirror(a) => mirror::mirror(&client, a, json, progress_mode(&cli)).await,
        Command::Deposit(a) => deposit::deposit(&client, a, json, progress_mode(&cli)).await,
        Command::Links(c) => links::links(&client, c, json).await,
        Command::Doi(c) => draft::doi(&client, c, json).await,
        Command::Communities(c) => communities::communities(&client, c, json).await,
        Command::Review(c) => review::review(&client, c, json).await,
        Command::Requests(c) => requests::requests(&client, c, json).await,
        Command::Access(c) => access::access(&client, c, json).await,
        Command::Api(a) => api::api(&client, a).await,
        Command::Completions { .. } | Command::Sandbox(_) | Command::Demo(_) | Command::Config => {
            Ok(exit::OK)
        }
    }
}

/// The progress reporting asked for: `--progress`, or bars unless `--quiet`.
fn progress_mode(cli: &Cli) -> crate::progress::ProgressMode {
    match (cli.progress, cli.quiet) {
        (Some(m), _) => m,
        (None, true) => crate::progress::ProgressMode::None,
        (None, false) => crate::progress::ProgressMode::Bars,
    }
}

/// The client for the resolved settings.
pub fn client(cli: &Cli) -> Result<Client> {
    let s = config::resolve(
        cli.url.as_deref(),
        cli.token.as_deref(),
        cli.profile.as_deref(),
    )?;
    let Some(url) = s.url.map(|u| u.value) else {
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
    if let Some(t) = s.token {
        b = b.token(t.value);
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
            "url": s.url.as_ref().map(|u| &u.value),
            "url_source": s.url.as_ref().map(|u| u.source.to_string()),
            "token": s.token.as_ref().map(|t| config::mask(&t.value)),
            "token_source": s.token.as_ref().map(|t| t.source.to_string()),
            "profile": s.profile,
            "ignored_token_source": s.ignored_token.as_ref().map(|src| src.to_string()),
            "config_file": s.config_file.display().to_string(),
        });
        println!("{v}");
        return Ok(exit::OK);
    }
    match &s.url {
        Some(u) => println!("url:         {}  (from {})", u.value, u.source),
        None => println!("url:         not set"),
    }
    match &s.token {
        Some(t) => println!(
            "token:       {}  (from {})",
            config::mask(&t.value),
            t.source
        ),
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
        .records(&SearchQuery::all().size(1))
        .await
        .context("the server did not answer a record search")?;
    let ms = started.elapsed().as_millis();
    let me = if c.has_token() {
        match c.query().user_records(&SearchQuery::all().size(1)).await {
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
