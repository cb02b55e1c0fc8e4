//! Where the server URL and token come from: flags, environment, `.env`, profiles (the
//! library's [`inveniordm::env::resolve`], so that `irdm` and programs using the library read
//! the same profiles).

pub use inveniordm::env::resolve;

/// A token for display: only its last four characters.
pub fn mask(token: &str) -> String {
    let n = token.chars().count();
    if n <= 8 {
        return "****".into();
    }
    let tail: String = token.chars().skip(n - 4).collect();
    format!("****{tail}")
}
