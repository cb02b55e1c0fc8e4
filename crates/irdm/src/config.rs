//! Where the server URL and token come from: flags, environment, `.env`, profiles.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use inveniordm::env::Setting;
pub use inveniordm::env::Source;

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
    let mut urls: Vec<Setting> = Vec::new();
    let mut tokens: Vec<Setting> = Vec::new();
    if let Some(u) = flag_url {
        urls.push(Setting::new(u, Source::Flag));
    }
    if let Some(t) = flag_token {
        tokens.push(Setting::new(t, Source::Flag));
    }
    // The environment, then the nearest .env file: the library's own rule and order.
    let (env_urls, env_tokens) = inveniordm::env::environment_candidates();
    urls.extend(env_urls);
    tokens.extend(env_tokens);
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
                    urls.push(Setting::new(u.clone(), src.clone()));
                }
                if let Some(t) = &p.token {
                    tokens.push(Setting::new(t.clone(), src));
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
    // A token only goes with a URL from the same place (the library's rule).
    let found = inveniordm::env::pair(urls, tokens);
    Ok(Settings {
        url: found.url.map(|s| (s.value, s.source)),
        token: found.token.map(|s| (s.value, s.source)),
        config_file,
        profile: chosen_profile,
        ignored_token: found.ignored_token,
    })
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
