//! `irdm`: the command-line tool for InvenioRDM repositories.

mod commands;
mod config;
mod demo;
mod deposit;
mod edit;
mod output;
mod sharing;
mod sync;
mod transfers;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit codes (also listed in `irdm --help`).
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Anything else (local I/O, configuration).
    pub const OTHER: u8 = 1;
    /// Bad usage (clap's own code).
    pub const USAGE: u8 = 2;
    /// The server refused the request (4xx other than 404/410, 5xx).
    pub const REFUSED: u8 = 3;
    /// Not found (404, 410).
    pub const NOT_FOUND: u8 = 4;
    /// Network failure (cannot connect, broken connection, timeout).
    pub const NETWORK: u8 = 5;
    /// A checksum did not match.
    pub const CHECKSUM: u8 = 6;
    /// The reader of the output went away (`irdm … | head`), as a process ended by SIGPIPE.
    pub const BROKEN_PIPE: u8 = 141;
}

const AFTER_HELP: &str = "\
Configuration (highest precedence first): --url/--token, INVENIORDM_URL/INVENIORDM_TOKEN,
a .env file, a profile of the config file (--profile NAME; see `irdm config`).

Timeouts: a server that sends nothing for 120 s (--timeout SECS or IRDM_TIMEOUT) fails with a
network error; reads are retried first.

Exit codes: 0 success, 1 other error, 2 usage, 3 the server refused, 4 not found,
5 network failure (timeouts included), 6 checksum mismatch, 141 the output's reader went away
(`irdm … | head`). When several files fail, each is reported and the exit code is that of the
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

/// How transfers report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// Progress bars (shown only on a terminal).
    Bars,
    /// One JSON event per line.
    Json,
    /// Nothing.
    None,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Is the server reachable, and who am I.
    Ping,
    /// Show the settings in use and where each came from (the token masked).
    Config,
    /// Search published records (or your own with --mine).
    Search(SearchArgs),
    /// Search a vocabulary, or show one term with --id.
    Vocab(VocabArgs),
    /// Published records.
    #[command(subcommand)]
    Record(RecordCmd),
    /// Drafts.
    #[command(subcommand)]
    Draft(DraftCmd),
    /// Upload files and folders to a draft (md5 verified).
    Upload(UploadArgs),
    /// Download the files of a record or draft (md5 verified).
    Download(DownloadArgs),
    /// Make a draft's files (or, with --new-version, a record's next version) match a folder.
    Sync(SyncArgs),
    /// From metadata (or CITATION.cff, codemeta.json) and files to a published record, in
    /// one journaled command: run again after an interruption, it carries on.
    Deposit(DepositArgs),
    /// Access links (secret share links) of a record.
    #[command(subcommand)]
    Links(LinksCmd),
    /// Communities: list, get, create, update, delete, records, members.
    #[command(subcommand)]
    Communities(sharing::CommunitiesCmd),
    /// A draft's submission to a community: set, get, delete, submit.
    #[command(subcommand)]
    Review(sharing::ReviewCmd),
    /// Requests (reviews, inclusions, access requests): list, show, accept, decline,
    /// cancel, comment, timeline.
    #[command(subcommand)]
    Requests(sharing::RequestsCmd),
    /// Sharing with people: grants, access settings, access requests.
    #[command(subcommand)]
    Access(sharing::AccessCmd),
    /// Reserve or discard a draft's DOI.
    #[command(subcommand)]
    Doi(DoiCmd),
    /// Call any API path (JSON in and out), with the same token, retries and rules.
    Api(ApiArgs),
    /// Run the local InvenioRDM-compatible server.
    Sandbox(inveniordm_sandbox::cli::ServeArgs),
    /// Run the whole deposit workflow on an embedded sandbox and check every step.
    Demo(DemoArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

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

/// `irdm record …`.
#[derive(Debug, Subcommand)]
pub enum RecordCmd {
    /// Show a record.
    Get {
        /// Record id.
        id: String,
    },
    /// List a record's files.
    Files {
        /// Record id.
        id: String,
    },
    /// List every version of a record.
    Versions {
        /// Record id.
        id: String,
    },
    /// Show the latest version of a record.
    Latest {
        /// Record id.
        id: String,
    },
    /// Export a record: bibtex, csl, datacite-json, datacite-xml, json-ld, dublincore,
    /// marcxml, dcat, geojson, csv, csv-simple, linkset, json, rdm-json (through the API), or
    /// a format of the site's export route such as cff or codemeta.
    Export {
        /// Record id.
        id: String,
        /// The format.
        #[arg(long, short)]
        format: String,
        /// Write it to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the formatted citation of a record.
    Cite {
        /// Record id.
        id: String,
        /// CSL style (apa, harvard-cite-them-right, ieee, chicago-fullnote-bibliography, …).
        #[arg(long)]
        style: Option<String>,
        /// Locale (en-US, de-DE, …).
        #[arg(long)]
        locale: Option<String>,
    },
    /// Show one file's metadata.
    File {
        /// Record id.
        id: String,
        /// File key.
        key: String,
    },
    /// The communities a published record is in: list, add, remove.
    #[command(subcommand)]
    Communities(sharing::RecordCommunitiesCmd),
}

/// `irdm draft …`.
#[derive(Debug, Subcommand)]
pub enum DraftCmd {
    /// Create a draft from metadata (JSON or YAML: a metadata object or a whole draft).
    Create {
        /// File with the metadata, or - for standard input.
        #[arg(long)]
        metadata: Option<String>,
    },
    /// Show a draft.
    Get {
        /// Draft id.
        id: String,
    },
    /// Change a draft: replace its metadata from a file, and/or set or unset single fields.
    #[command(after_help = "\
--set PATH=VALUE takes a dotted path into the draft document (metadata.title,
metadata.publication_date, access.files, custom_fields.NAME, metadata.creators.0.affiliations,
…; a path starting with a metadata field such as title means metadata.title). VALUE is read as
JSON when it parses (42, true, [\"a\"], {\"id\": \"eng\"}) and as a string otherwise. The
draft is read, changed and saved with its revision, so a change made meanwhile by someone else
is refused, never overwritten.")]
    Update {
        /// Draft id.
        id: String,
        /// File with the metadata, or - for standard input.
        #[arg(long)]
        metadata: Option<String>,
        /// Set a field: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Remove a field: PATH (repeatable).
        #[arg(long = "unset", value_name = "PATH")]
        unset: Vec<String>,
    },
    /// Discard a draft.
    Delete {
        /// Draft id.
        id: String,
    },
    /// Publish a draft.
    Publish {
        /// Draft id.
        id: String,
    },
    /// Create an edit draft of a published record.
    Edit {
        /// Record id.
        id: String,
    },
    /// Create a draft of a new version of a published record.
    NewVersion {
        /// Record id.
        id: String,
        /// Link the previous version's files into the new draft (nothing is re-sent).
        #[arg(long)]
        import_files: bool,
        /// Set a field of the new draft: PATH=VALUE (repeatable; see `irdm draft update --help`).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Remove a field of the new draft: PATH (repeatable).
        #[arg(long = "unset", value_name = "PATH")]
        unset: Vec<String>,
    },
    /// Link the previous version's files into a new-version draft.
    ImportFiles {
        /// Draft id.
        id: String,
    },
    /// List a draft's files.
    Files {
        /// Draft id.
        id: String,
    },
    /// Delete a file from a draft.
    FileDelete {
        /// Draft id.
        id: String,
        /// File key.
        key: String,
    },
}

/// `irdm upload`.
#[derive(Debug, Args)]
#[command(after_help = "\
Folders: a folder's files get keys relative to the folder. Hidden files and folders (names
starting with '.', such as .git/ or .DS_Store) are skipped unless --include-hidden; paths
matching an --exclude glob or a pattern of a .irdmignore file (gitignore syntax) in the folder
are left out. Files named on the command line are always uploaded. --dry-run lists what
would go.")]
pub struct UploadArgs {
    /// Draft id.
    pub draft_id: String,
    /// Files and folders (a folder's files get keys relative to the folder).
    #[arg(required_unless_present_any = ["from_url", "remote_url"])]
    pub paths: Vec<PathBuf>,
    /// Instead of local files: let the server fetch the file from URL (transfer type F; the
    /// server must allow the URL's domain, and on InvenioRDM only administrators may).
    #[arg(long, value_name = "URL", requires = "key", conflicts_with_all = ["paths", "remote_url"])]
    pub from_url: Option<String>,
    /// Instead of local files: link a remote file (transfer type R): the server keeps no
    /// bytes and redirects downloads to URL (the server must allow the URL's domain; on
    /// InvenioRDM only administrators may link, and only administrators are redirected).
    #[arg(long, value_name = "URL", requires = "key", conflicts_with = "paths")]
    pub remote_url: Option<String>,
    /// The key of the file fetched with --from-url or linked with --remote-url.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The md5 (hex) the fetched file must have, or the linked file has.
    #[arg(long, value_name = "HEX")]
    pub md5: Option<String>,
    /// The size of the linked file (--remote-url), recorded so that downloads can be checked.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, requires = "remote_url")]
    pub size: Option<u64>,
    /// How long to wait for the server to fetch the file, in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 600,
        requires = "from_url"
    )]
    pub wait: u64,
    /// Upload hidden files and folders of folders too.
    #[arg(long)]
    pub include_hidden: bool,
    /// Leave out paths of folders matching GLOB (gitignore syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// List the files and keys that would be uploaded, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Parallel uploads.
    #[arg(long, short, default_value_t = 4)]
    pub jobs: usize,
    /// Replace files the draft already has with different content.
    #[arg(long)]
    pub replace: bool,
    /// Send files in parts: auto (files of 4 GiB and more), always or never. A server that
    /// refuses parts gets the file in one stream.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub multipart: MultipartMode,
    /// Size of each part (64MiB, 8MiB, 1GB, 5000000…; default 64 MiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub part_size: Option<u64>,
    /// Parts of one file sent at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub parallel_parts: usize,
    /// Fail (exit 6) when the server has not reported the md5 of an uploaded file, so that
    /// it could not be compared with the local one.
    #[arg(long)]
    pub require_verified: bool,
    /// How long to wait for the md5 the server computes after a multipart commit, in
    /// seconds (default: 30, and 1 more per 64 MiB of the file).
    #[arg(long, value_name = "SECS")]
    pub checksum_wait: Option<u64>,
}

/// When `irdm upload` sends a file in parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MultipartMode {
    /// From 4 GiB on (where resuming part by part outweighs the parts' cost).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// A size written as a number of bytes with an optional unit: `64MiB`, `8 MiB`, `1GB`, `512k`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (write it like 64MiB or 5000000)"))?;
    let k: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?} (use KiB, MiB, GiB, kB, MB, GB)"
            ));
        }
    };
    let bytes = (n * k).round();
    if !(1.0..=u64::MAX as f64).contains(&bytes) {
        return Err(format!("{s:?} is not a size of at least one byte"));
    }
    Ok(bytes as u64)
}

/// `irdm sync`.
#[derive(Debug, Args)]
#[command(after_help = "\
Each key is linked when the folder's file has the same md5 (nothing is sent), uploaded when it
is new or changed, and left out when the folder no longer has it. Keys are paths relative to the
folder; hidden files and folders are skipped. A second sync of an unchanged folder does nothing.")]
pub struct SyncArgs {
    /// The folder.
    pub dir: PathBuf,
    /// The draft to change, or with --new-version the published record.
    #[arg(long, value_name = "ID")]
    pub record: String,
    /// Make the record's next version (its files reconciled with the folder).
    #[arg(long)]
    pub new_version: bool,
    /// Publish at the end.
    #[arg(long)]
    pub publish: bool,
    /// Print the plan (link / upload / leave out per key) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Parallel uploads.
    #[arg(long, short, default_value_t = 4)]
    pub jobs: usize,
}

/// `irdm deposit`.
#[derive(Debug, Args)]
#[command(
    group(clap::ArgGroup::new("source").args(["metadata", "cff", "codemeta", "zenodo"]).required(true)),
    after_help = "\
The deposit is journaled: killed or failed at any point, the same command run again carries on
with the same draft, uploads only what the draft does not hold with the same md5, and never
makes a second draft or a second publication. The journal is kept per server, metadata file,
paths and --new-version-of (or where --journal says), and records what was deposited: run again
with the same content it prints its record and sends nothing; with other content (a new
release) it makes the next version with --new-version (or --new-version-of), and is refused
otherwise (exit 2). A new version links the previous version's unchanged files and sets the
release's metadata on the previous version's. --dry-run lists what would be sent and every
problem the server would report (exit 3 when there are problems). See docs/release-pipelines.md.")]
pub struct DepositArgs {
    /// Files and folders to deposit (a folder's files get keys relative to it; none: a
    /// metadata-only record).
    pub paths: Vec<PathBuf>,
    /// The metadata (JSON or YAML: a metadata object, or a draft with metadata, access, …).
    #[arg(long, value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Metadata from a CITATION.cff (keys not carried over are listed on stderr).
    #[arg(long, value_name = "CITATION.cff")]
    pub cff: Option<PathBuf>,
    /// Metadata from a codemeta.json (keys not carried over are listed on stderr).
    #[arg(long, value_name = "codemeta.json")]
    pub codemeta: Option<PathBuf>,
    /// Metadata from a .zenodo.json (Zenodo's legacy deposit metadata, as its GitHub
    /// integration reads it; keys not carried over are listed on stderr).
    #[arg(long, value_name = ".zenodo.json")]
    pub zenodo: Option<PathBuf>,
    /// Deposit as the next version of this record: its id (any version), its concept's id
    /// or a DOI. Files are reconciled with the previous version's by md5 (unchanged ones
    /// linked, not sent); the metadata given is set on the previous version's, the rest kept.
    #[arg(long, value_name = "ID_OR_DOI", conflicts_with = "new_version")]
    pub new_version_of: Option<String>,
    /// Once this journal's first deposit is published, deposit each later release (other
    /// metadata or files) as its next version.
    #[arg(long)]
    pub new_version: bool,
    /// With a new version: keep every file of the previous version and only add or replace
    /// the given ones.
    #[arg(long)]
    pub keep_files: bool,
    /// After an interrupted create that could have made more than one of your drafts: the
    /// draft to carry on.
    #[arg(long, value_name = "DRAFT_ID")]
    pub adopt: Option<String>,
    /// How long to look for the draft an interrupted create made (servers index new drafts
    /// with a delay), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub adopt_wait: u64,
    /// Fail (exit 6) before publishing when the server has not reported the md5 of an
    /// uploaded file.
    #[arg(long)]
    pub require_verified: bool,
    /// How long to wait for the md5 the server computes after a multipart commit, in
    /// seconds (default: 30, and 1 more per 64 MiB of the file).
    #[arg(long, value_name = "SECS")]
    pub checksum_wait: Option<u64>,
    /// Submit to this community (id or slug) for review; with --publish the review is
    /// submitted instead of publishing directly.
    #[arg(long, value_name = "ID_OR_SLUG")]
    pub community: Option<String>,
    /// Reserve a DOI for the record.
    #[arg(long)]
    pub reserve_doi: bool,
    /// Publish at the end (or submit the review, with --community).
    #[arg(long)]
    pub publish: bool,
    /// Print what would be done (the metadata, each file's upload or keep) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The journal file (default: in the state folder, per server and input).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Read hidden files and folders in folders too.
    #[arg(long)]
    pub include_hidden: bool,
    /// Leave out paths matching a glob (gitignore syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Parallel uploads.
    #[arg(long, short, default_value_t = 4)]
    pub jobs: usize,
}

/// `irdm download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Record (or draft, with --draft) id.
    pub id: String,
    /// File keys (default: all).
    pub keys: Vec<String>,
    /// Output folder.
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Download from the draft.
    #[arg(long)]
    pub draft: bool,
    /// Parallel downloads.
    #[arg(long, short, default_value_t = 4)]
    pub jobs: usize,
    /// Replace existing files whose content differs.
    #[arg(long)]
    pub force: bool,
}

/// `irdm links …`.
#[derive(Debug, Subcommand)]
pub enum LinksCmd {
    /// List a record's access links.
    List {
        /// Record id.
        id: String,
    },
    /// Show one link.
    Get {
        /// Record id.
        id: String,
        /// Link id.
        link_id: String,
    },
    /// Create a link.
    Create {
        /// Record id.
        id: String,
        /// view, preview or edit.
        #[arg(long, default_value = "view")]
        permission: String,
        /// Expiry date (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Change a link.
    Update {
        /// Record id.
        id: String,
        /// Link id.
        link_id: String,
        /// view, preview or edit.
        #[arg(long)]
        permission: Option<String>,
        /// Expiry date (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a link.
    Delete {
        /// Record id.
        id: String,
        /// Link id.
        link_id: String,
    },
}

/// `irdm doi …`.
#[derive(Debug, Subcommand)]
pub enum DoiCmd {
    /// Reserve a DOI for a draft.
    Reserve {
        /// Draft id.
        id: String,
    },
    /// Discard a draft's reserved DOI.
    Discard {
        /// Draft id.
        id: String,
    },
}

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

/// `irdm demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the sandbox running after the demo (until Ctrl-C), to explore it.
    #[arg(long)]
    pub keep: bool,
}

/// Output into a pipe whose reader is gone (`irdm search | head`) ends the program quietly, as
/// command-line tools do, rather than with a panic report (printing to such a pipe panics).
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") || msg.contains("os error 32") {
            std::process::exit(i32::from(exit::BROKEN_PIPE));
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    match rt.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = output::report_error(&e);
            ExitCode::from(code)
        }
    }
}

/// Writes a file so that it is complete or absent: to a hidden temporary file beside it, then
/// renamed.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes).context("writing the export")?;
    tmp.as_file().sync_all().context("syncing the export")?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn init_tracing(verbose: u8) {
    if verbose == 0 {
        return;
    }
    let filter = match verbose {
        1 => "inveniordm=debug,irdm=debug",
        _ => "inveniordm=trace,irdm=trace,inveniordm_sandbox=debug,reqwest=debug",
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
}
