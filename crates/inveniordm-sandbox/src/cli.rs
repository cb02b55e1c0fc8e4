//! Command-line arguments of the sandbox server, shared by `inveniordm-sandbox` and
//! `irdm sandbox`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::faults::Faults;
use crate::sandbox::{Sandbox, SandboxConfig};

/// Runs a local InvenioRDM-compatible server.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:5000")]
    pub listen: SocketAddr,
    /// Folder for the database and file contents (default: in memory, gone on exit).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Token of the default user `sandbox` (default: a new random token, printed).
    #[arg(long, env = "INVENIORDM_SANDBOX_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Another user, as NAME=TOKEN (repeatable).
    #[arg(long = "user", value_name = "NAME=TOKEN")]
    pub users: Vec<String>,
    /// Probability of an injected 429 (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fault_429: f64,
    /// Probability of an injected 500.
    #[arg(long, default_value_t = 0.0)]
    pub fault_500: f64,
    /// Probability of an injected 503.
    #[arg(long, default_value_t = 0.0)]
    pub fault_503: f64,
    /// Probability of an injected 504 before the request is handled.
    #[arg(long, default_value_t = 0.0)]
    pub fault_504: f64,
    /// Probability of a 504 returned after a write request was carried out.
    #[arg(long, default_value_t = 0.0)]
    pub fault_504_after: f64,
    /// Probability that a file download's connection is dropped halfway.
    #[arg(long, default_value_t = 0.0)]
    pub fault_drop: f64,
    /// Drop the first N file downloads halfway (a connection that breaks once, then works).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub fault_drop_first: u32,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Read each upload request's body at most this fast (50MiB, 10MB, 1000000…; bytes a
    /// second), as a server behind a per-connection bandwidth cap.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub conn_rate: Option<u64>,
    /// New drafts appear in their owner's search only this many milliseconds after they
    /// were created, as a real server indexes them late.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub index_delay_ms: u64,
    /// Largest JSON request body in bytes (larger: 413).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_json_body: usize,
    /// Largest file in bytes (default 50 GiB).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Requests per window per client (default 10 000, or the profile's).
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Searches per minute per client, counted apart from the other requests (default: they
    /// count in --rate-limit).
    #[arg(long, value_name = "N")]
    pub search_rate_limit: Option<u32>,
    /// The length of a rate-limit window in seconds (the budgets above are per window;
    /// default 60).
    #[arg(long, value_name = "SECS")]
    pub rate_window_secs: Option<u64>,
    /// Behave like a busy production server: `zenodo` is 1 000 requests and 30 searches a
    /// window per client, multipart parts refused with 403, at most 100 files and 50 GB per
    /// record (other flags given change it further).
    #[arg(long, value_enum, value_name = "NAME")]
    pub profile: Option<Profile>,
    /// InvenioRDM major version to behave like (13 or 14).
    #[arg(long, default_value_t = 13, value_parser = clap::value_parser!(u8).range(13..=14))]
    pub rdm_version: u8,
    /// Publish only through a community (as RDM_COMMUNITY_REQUIRED_TO_PUBLISH): a direct
    /// publish of a draft in no community is refused.
    #[arg(long)]
    pub community_required: bool,
    /// A host (HOST:PORT) files may be fetched from by URL (transfer type F; repeatable).
    #[arg(long = "fetch-domain", value_name = "HOST:PORT")]
    pub fetch_domains: Vec<String>,
    /// A host (HOST:PORT) remote files may point to (transfer type R: the server redirects
    /// content requests to the file's URL; repeatable).
    #[arg(long = "remote-domain", value_name = "HOST:PORT")]
    pub remote_domains: Vec<String>,
    /// A custom field drafts may carry (e.g. code:codeRepository; repeatable): its values
    /// are kept as given; other custom fields are refused, as on a stock instance.
    #[arg(long = "custom-field", value_name = "NAME")]
    pub custom_fields: Vec<String>,
}

/// `inveniordm-sandbox` arguments.
#[derive(Debug, clap::Parser)]
#[command(
    name = "inveniordm-sandbox",
    version,
    about = "A local InvenioRDM-compatible server"
)]
pub struct SandboxArgs {
    /// Server options.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// A byte rate: a number with an optional unit (`KiB`, `MiB`, `GiB`, `KB`, `MB`, `GB`; a
/// trailing `/s` is allowed).
fn parse_rate(s: &str) -> Result<u64, String> {
    let t = s.trim().trim_end_matches("/s");
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a byte rate"))?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        u => {
            return Err(format!(
                "unknown unit {u:?} in {s:?} (KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// A named server behaviour for `--profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Zenodo's windows, its 403 on multipart parts and its record limits
    /// ([`SandboxConfig::zenodo`]).
    Zenodo,
}

impl ServeArgs {
    /// The configuration these arguments describe.
    pub fn config(&self) -> Result<SandboxConfig, String> {
        let mut users = Vec::new();
        for u in &self.users {
            let (n, t) = u
                .split_once('=')
                .filter(|(n, t)| !n.is_empty() && !t.is_empty())
                .ok_or_else(|| format!("--user takes NAME=TOKEN, got {u:?}"))?;
            users.push((n.to_string(), t.to_string()));
        }
        for (name, p) in [
            ("--fault-429", self.fault_429),
            ("--fault-500", self.fault_500),
            ("--fault-503", self.fault_503),
            ("--fault-504", self.fault_504),
            ("--fault-504-after", self.fault_504_after),
            ("--fault-drop", self.fault_drop),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} is a probability from 0.0 to 1.0, got {p}"));
            }
        }
        let base = match self.profile {
            Some(Profile::Zenodo) => SandboxConfig::zenodo(self.rate_window_secs.unwrap_or(60)),
            None => SandboxConfig::default(),
        };
        Ok(SandboxConfig {
            listen: self.listen,
            data_dir: self.data_dir.clone(),
            token: self.token.clone(),
            users,
            faults: Faults {
                rate_429: self.fault_429,
                rate_500: self.fault_500,
                rate_503: self.fault_503,
                rate_504: self.fault_504,
                rate_504_after: self.fault_504_after,
                rate_drop: self.fault_drop,
                drop_first: self.fault_drop_first,
                latency_ms: self.latency_ms,
                index_delay_ms: self.index_delay_ms,
                ..base.faults.clone()
            },
            max_json_body: self.max_json_body,
            max_file_size: self.max_file_size.unwrap_or(base.max_file_size),
            rate_limit_per_minute: self.rate_limit.unwrap_or(base.rate_limit_per_minute),
            search_rate_limit: self.search_rate_limit.or(base.search_rate_limit),
            rate_window_secs: self.rate_window_secs.unwrap_or(base.rate_window_secs),
            rdm_version: self.rdm_version,
            community_required: self.community_required,
            fetch_domains: self.fetch_domains.clone(),
            remote_domains: self.remote_domains.clone(),
            custom_fields: self.custom_fields.clone(),
            conn_rate: self.conn_rate.unwrap_or(base.conn_rate),
            ..base
        })
    }
}

/// Starts the server, prints `listening on http://ADDR` when ready, and serves until Ctrl-C.
pub async fn run(args: SandboxArgs) -> Result<(), String> {
    serve(&args.serve).await
}

/// Serves with these arguments until Ctrl-C.
pub async fn serve(args: &ServeArgs) -> Result<(), String> {
    let config = args.config()?;
    let generated = config.token.is_none();
    let sandbox = Sandbox::start(config).await.map_err(|e| e.to_string())?;
    if generated {
        eprintln!("token for user sandbox: {}", sandbox.token());
    }
    println!("listening on {}", sandbox.url());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    let c = sandbox.counters();
    let n = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!(
        "served {} requests ({} searches), {} answered 429 for the rate limit",
        n(&c.requests),
        n(&c.searches),
        n(&c.rate_limited)
    );
    sandbox.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_take_the_units_people_write() {
        assert_eq!(parse_rate("50MiB"), Ok(50 << 20));
        assert_eq!(parse_rate("10MB/s"), Ok(10_000_000));
        assert_eq!(parse_rate("1000"), Ok(1000));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("5 parsecs").is_err());
    }
}
