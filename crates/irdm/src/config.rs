//! Where the server URL and token come from: flags, environment, `.env`, profiles.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// A `.env` file.
    DotEnv(PathBuf),
    /// A profile of the config file.
    Profile(String, PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => write!(f, "command-line flag"),
            Source::Env(v) => write!(f, "environment variable {v}"),
            Source::DotEnv(p) => write!(f, ".env file {}", p.display()),
            Source::Profile(n, p) => write!(f, "profile {n} in {}", p.display()),
        }
    }
}

/// The resolved settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Server URL and its source.
    pub url: Option<(String, Source)>,
    /// Token and its source.
    pub token: Option<(String, Source)>,
    /// The config file consulted.
    pub config_file: PathBuf,
    /// The profile used, if any.
    pub profile: Option<String>,
    /// Where a token was found that was not used because it belongs with another URL.
    pub ignored_token: Option<Source>,
}

#[derive(Debug, Deserialize, Default)]
struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Deserialize, Default)]
struct Profile {
    url: Option<String>,
    token: Option<String>,
}

/// The config file: `IRDM_CONFIG`, or `irdm/config.toml` in the platform's config folder.
pub fn config_path() -> PathBuf {
    if let Some(p) = std::env::var_os("IRDM_CONFIG") {
        return PathBuf::from(p);
    }
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("irdm")
        .join("config.toml")
}

/// Resolves URL and token: flags, then environment, then `.env`, then the profile.
///
/// A token is only paired with a URL from the same place (or given as a flag), so that a
/// `.env` file or a profile never sends the token of one server to another. A token set
/// elsewhere is reported in `ignored_token`.
pub fn resolve(
    flag_url: Option<&str>,
    flag_token: Option<&str>,
    profile: Option<&str>,
) -> Result<Settings> {
    let config_file = config_path();
    let mut urls: Vec<(String, Source)> = Vec::new();
    let mut tokens: Vec<(String, Source)> = Vec::new();
    if let Some(u) = flag_url {
        urls.push((u.to_string(), Source::Flag));
    }
    if let Some(t) = flag_token {
        tokens.push((t.to_string(), Source::Flag));
    }
    for (var, list) in [
        ("INVENIORDM_URL", &mut urls),
        ("INVENIORDM_TOKEN", &mut tokens),
    ] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            list.push((v, Source::Env(var)));
        }
    }
    if let Some(path) = find_dotenv()
        && let Ok(iter) = dotenvy::from_path_iter(&path)
    {
        for (k, v) in iter.flatten() {
            if k == "INVENIORDM_URL" {
                urls.push((v, Source::DotEnv(path.clone())));
            } else if k == "INVENIORDM_TOKEN" {
                tokens.push((v, Source::DotEnv(path.clone())));
            }
        }
    }
    let file: ConfigFile = if config_file.is_file() {
        let text = std::fs::read_to_string(&config_file)
            .with_context(|| format!("cannot read the config file {}", config_file.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("the config file {} is not valid", config_file.display()))?
    } else {
        ConfigFile::default()
    };
    let mut chosen_profile = None;
    let chosen = profile.map(str::to_string).or(file.default_profile.clone());
    if let Some(name) = chosen {
        match file.profiles.get(&name) {
            Some(p) => {
                let src = Source::Profile(name.clone(), config_file.clone());
                if let Some(u) = &p.url {
                    urls.push((u.clone(), src.clone()));
                }
                if let Some(t) = &p.token {
                    tokens.push((t.clone(), src));
                }
                chosen_profile = Some(name);
            }
            None if profile.is_some() => {
                bail!(
                    "no profile {name:?} in {} (known: {})",
                    config_file.display(),
                    if file.profiles.is_empty() {
                        "none".to_string()
                    } else {
                        file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    }
                )
            }
            None => {}
        }
    }
    let url = urls.into_iter().next();
    let mut token = None;
    let mut ignored_token = None;
    for (t, src) in tokens {
        let paired = match (&src, url.as_ref().map(|(_, s)| s)) {
            (Source::Flag, _) => true,
            (_, None) => true,
            // A token from the environment goes with a URL typed on the command line.
            (Source::Env(_), Some(Source::Flag)) => true,
            (s, Some(u)) => same_place(s, u),
        };
        if paired {
            token = Some((t, src));
            break;
        }
        ignored_token.get_or_insert(src);
    }
    Ok(Settings {
        url,
        token,
        config_file,
        profile: chosen_profile,
        ignored_token,
    })
}

/// Whether two values come from the same place (the environment, one `.env` file, one
/// profile).
fn same_place(a: &Source, b: &Source) -> bool {
    match (a, b) {
        (Source::Flag, Source::Flag) | (Source::Env(_), Source::Env(_)) => true,
        (Source::DotEnv(x), Source::DotEnv(y)) => x == y,
        (Source::Profile(n, f), Source::Profile(m, g)) => n == m && f == g,
        _ => false,
    }
}

fn find_dotenv() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    for _ in 0..32 {
        let p = dir.join(".env");
        if p.is_file() {
            return Some(p);
        }
        if !dir.pop() {
            break;
        }
    }
    None
}

/// A token for display: only its last four characters.
pub fn mask(token: &str) -> String {
    let n = token.chars().count();
    if n <= 8 {
        return "****".into();
    }
    let tail: String = token.chars().skip(n - 4).collect();
    format!("****{tail}")
}
