//! Where the server URL and token come from, and which token goes with which URL.
//!
//! One rule, used by [`Client::from_env`](crate::Client::from_env) and by `irdm`: the URL is
//! the first one found (flag, environment, `.env` file, profile); a token is sent only with a
//! URL from the same place, so a `.env` file or a profile never hands the token of one server
//! to another. Two exceptions keep the common cases easy: a token given as a flag goes with any
//! URL, and a token from the environment goes with a URL given as a flag.
//!
//! ```
//! use inveniordm::env::{Setting, Source, pair};
//! let urls = vec![Setting::new("https://a.example", Source::DotEnv(".env".into()))];
//! let tokens = vec![Setting::new("t-for-b", Source::Env("INVENIORDM_TOKEN"))];
//! let found = pair(urls, tokens);
//! assert!(found.token.is_none()); // the environment's token is not for the .env file's URL
//! assert_eq!(found.ignored_token, Some(Source::Env("INVENIORDM_TOKEN")));
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable of the server URL.
pub const URL_VAR: &str = "INVENIORDM_URL";
/// The environment variable of the token.
pub const TOKEN_VAR: &str = "INVENIORDM_TOKEN";

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A command-line flag (or a value the program was given directly).
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// A `.env` file.
    DotEnv(PathBuf),
    /// A named profile of a configuration file.
    Profile(String, PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => write!(f, "command-line flag"),
            Source::Env(v) => write!(f, "environment variable {v}"),
            Source::DotEnv(p) => write!(f, ".env file {}", p.display()),
            Source::Profile(n, p) => write!(f, "profile {n} in {}", p.display()),
        }
    }
}

impl Source {
    /// Whether two settings come from the same place (the environment, one `.env` file, one
    /// profile, the command line).
    pub fn same_place(&self, other: &Source) -> bool {
        match (self, other) {
            (Source::Flag, Source::Flag) | (Source::Env(_), Source::Env(_)) => true,
            (Source::DotEnv(x), Source::DotEnv(y)) => x == y,
            (Source::Profile(n, f), Source::Profile(m, g)) => n == m && f == g,
            _ => false,
        }
    }
}

/// A value and where it came from. `Debug` never shows the value (it may be a token).
#[derive(Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value.
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

impl Setting {
    /// A setting.
    pub fn new(value: impl Into<String>, source: Source) -> Self {
        Self {
            value: value.into(),
            source,
        }
    }
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setting")
            .field("value", &"[REDACTED]")
            .field("source", &self.source)
            .finish()
    }
}

/// The URL and token chosen from the candidates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The server URL.
    pub url: Option<Setting>,
    /// The token that goes with it.
    pub token: Option<Setting>,
    /// Where a token was found that was not used, because it belongs with another URL.
    pub ignored_token: Option<Source>,
}

/// Chooses the URL (the first candidate) and the token that goes with it (the first candidate
/// from the same place; see the module documentation). Candidates come highest precedence
/// first.
pub fn pair(urls: Vec<Setting>, tokens: Vec<Setting>) -> Found {
    let url = urls.into_iter().find(|u| !u.value.trim().is_empty());
    let mut token = None;
    let mut ignored_token = None;
    for t in tokens.into_iter().filter(|t| !t.value.trim().is_empty()) {
        let paired = match (&t.source, url.as_ref().map(|u| &u.source)) {
            (Source::Flag, _) | (_, None) => true,
            (Source::Env(_), Some(Source::Flag)) => true,
            (s, Some(u)) => s.same_place(u),
        };
        if paired {
            token = Some(t);
            break;
        }
        ignored_token.get_or_insert(t.source);
    }
    Found {
        url,
        token,
        ignored_token,
    }
}

/// The nearest `.env` file: in the current folder or one of its parents.
pub fn find_dotenv() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    for _ in 0..64 {
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

/// The URL and token candidates of the environment, then of the nearest `.env` file.
pub fn environment_candidates() -> (Vec<Setting>, Vec<Setting>) {
    let mut urls = Vec::new();
    let mut tokens = Vec::new();
    for (var, list) in [(URL_VAR, &mut urls), (TOKEN_VAR, &mut tokens)] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            list.push(Setting::new(v, Source::Env(var)));
        }
    }
    if let Some(path) = find_dotenv() {
        let (u, t) = read_dotenv(&path);
        urls.extend(u);
        tokens.extend(t);
    }
    (urls, tokens)
}

/// The URL and token a `.env` file sets, if any.
pub fn read_dotenv(path: &Path) -> (Option<Setting>, Option<Setting>) {
    let mut url = None;
    let mut token = None;
    if let Ok(iter) = dotenvy::from_path_iter(path) {
        for (k, v) in iter.flatten() {
            let s = Setting::new(v, Source::DotEnv(path.to_path_buf()));
            match k.as_str() {
                URL_VAR => url = Some(s),
                TOKEN_VAR => token = Some(s),
                _ => {}
            }
        }
    }
    (url, token)
}

/// The URL and token from the environment and the nearest `.env` file, paired by [`pair`].
pub fn from_environment() -> Found {
    let (urls, tokens) = environment_candidates();
    pair(urls, tokens)
}

/// The configuration file of named profiles (`default_profile = "…"` and
/// `[profiles.NAME]` tables with `url` and `token`): `IRDM_CONFIG`, or `irdm/config.toml` in
/// the platform's configuration folder. `irdm` and the library read the same file.
pub fn config_path() -> PathBuf {
    if let Some(p) = std::env::var_os("IRDM_CONFIG") {
        return PathBuf::from(p);
    }
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("irdm")
        .join("config.toml")
}

#[derive(Debug, serde::Deserialize, Default)]
struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
}

#[derive(serde::Deserialize, Default)]
struct Profile {
    url: Option<String>,
    token: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// What [`resolve`] chose, and from where. `Debug` never shows the token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The server URL.
    pub url: Option<Setting>,
    /// The token that goes with it.
    pub token: Option<Setting>,
    /// The configuration file consulted (it may not exist).
    pub config_file: PathBuf,
    /// The profile used, if any.
    pub profile: Option<String>,
    /// Where a token was found that was not used, because it belongs with another URL.
    pub ignored_token: Option<Source>,
}

/// Resolves URL and token: given values first, then the environment, then the nearest
/// `.env` file, then the profile (`profile`, or the file's `default_profile`) of
/// [`config_path`]. A token only goes with a URL from the same place ([`pair`]).
///
/// A profile asked for by name that the file does not have is an error
/// ([`Error::Config`](crate::Error::Config)) naming the profiles it has, as is a file that
/// cannot be read or is not valid TOML.
pub fn resolve(
    url: Option<&str>,
    token: Option<&str>,
    profile: Option<&str>,
) -> crate::Result<Resolved> {
    let config_file = config_path();
    let mut urls: Vec<Setting> = Vec::new();
    let mut tokens: Vec<Setting> = Vec::new();
    if let Some(u) = url {
        urls.push(Setting::new(u, Source::Flag));
    }
    if let Some(t) = token {
        tokens.push(Setting::new(t, Source::Flag));
    }
    let (env_urls, env_tokens) = environment_candidates();
    urls.extend(env_urls);
    tokens.extend(env_tokens);
    let file: ConfigFile = if config_file.is_file() {
        let text = std::fs::read_to_string(&config_file).map_err(|e| {
            crate::Error::Config(format!(
                "cannot read the config file {}: {e}",
                config_file.display()
            ))
        })?;
        toml::from_str(&text).map_err(|e| {
            crate::Error::Config(format!(
                "the config file {} is not valid: {e}",
                config_file.display()
            ))
        })?
    } else {
        ConfigFile::default()
    };
    let mut chosen_profile = None;
    if let Some(name) = profile.map(str::to_string).or(file.default_profile.clone()) {
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
                let known = if file.profiles.is_empty() {
                    "none".to_string()
                } else {
                    file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                };
                return Err(crate::Error::Config(format!(
                    "no profile {name:?} in {} (known: {known})",
                    config_file.display()
                )));
            }
            None => {}
        }
    }
    let found = pair(urls, tokens);
    Ok(Resolved {
        url: found.url,
        token: found.token,
        config_file,
        profile: chosen_profile,
        ignored_token: found.ignored_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str, src: Source) -> Setting {
        Setting::new(v, src)
    }

    #[test]
    fn tokens_pair_only_with_urls_from_the_same_place() {
        let dot = Source::DotEnv("/p/.env".into());
        let other = Source::DotEnv("/q/.env".into());
        let env = Source::Env(TOKEN_VAR);
        let prof = Source::Profile("a".into(), "/c".into());
        // Environment URL and token go together; a .env token is not used for it.
        let f = pair(
            vec![s("u", Source::Env(URL_VAR))],
            vec![s("t1", dot.clone()), s("t2", env.clone())],
        );
        assert_eq!(f.token.map(|t| t.value), Some("t2".into()));
        assert_eq!(f.ignored_token, Some(dot.clone()));
        // A .env URL takes its own token, never the environment's or another file's.
        let f = pair(
            vec![s("u", dot.clone())],
            vec![s("t1", env.clone()), s("t3", other), s("t2", dot.clone())],
        );
        assert_eq!(f.token.map(|t| t.value), Some("t2".into()));
        // A flag URL takes the environment's token, not a profile's.
        let f = pair(
            vec![s("u", Source::Flag)],
            vec![s("t1", prof.clone()), s("t2", env)],
        );
        assert_eq!(f.token.map(|t| t.value), Some("t2".into()));
        // A flag token goes with anything; a profile's token with its profile's URL.
        let f = pair(vec![s("u", prof.clone())], vec![s("t", Source::Flag)]);
        assert!(f.token.is_some());
        let f = pair(vec![s("u", prof.clone())], vec![s("t", prof)]);
        assert!(f.token.is_some());
        // Empty values are no values.
        let f = pair(vec![s(" ", Source::Flag), s("u2", dot)], vec![]);
        assert_eq!(f.url.map(|u| u.value), Some("u2".into()));
    }

    #[test]
    fn debug_hides_values() {
        let t = s("very-secret", Source::Flag);
        assert!(!format!("{t:?}").contains("very-secret"));
    }
}
