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
pub fn resolve(
    flag_url: Option<&str>,
    flag_token: Option<&str>,
    profile: Option<&str>,
) -> Result<Settings> {
    let config_file = config_path();
    let mut s = Settings {
        config_file: config_file.clone(),
        ..Settings::default()
    };
    if let Some(u) = flag_url {
        s.url = Some((u.to_string(), Source::Flag));
    }
    if let Some(t) = flag_token {
        s.token = Some((t.to_string(), Source::Flag));
    }
    for (var, slot) in [
        ("INVENIORDM_URL", &mut s.url),
        ("INVENIORDM_TOKEN", &mut s.token),
    ] {
        if slot.is_none()
            && let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            *slot = Some((v, Source::Env(var)));
        }
    }
    if (s.url.is_none() || s.token.is_none())
        && let Some(path) = find_dotenv()
        && let Ok(iter) = dotenvy::from_path_iter(&path)
    {
        for item in iter.flatten() {
            let (k, v) = item;
            if k == "INVENIORDM_URL" && s.url.is_none() {
                s.url = Some((v, Source::DotEnv(path.clone())));
            } else if k == "INVENIORDM_TOKEN" && s.token.is_none() {
                s.token = Some((v, Source::DotEnv(path.clone())));
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
    let chosen = profile.map(str::to_string).or(file.default_profile.clone());
    if let Some(name) = chosen {
        match file.profiles.get(&name) {
            Some(p) => {
                if s.url.is_none() {
                    s.url = p
                        .url
                        .clone()
                        .map(|u| (u, Source::Profile(name.clone(), config_file.clone())));
                }
                if s.token.is_none() {
                    s.token = p
                        .token
                        .clone()
                        .map(|t| (t, Source::Profile(name.clone(), config_file.clone())));
                }
                s.profile = Some(name);
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
    Ok(s)
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
