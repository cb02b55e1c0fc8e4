//! `irdm quota …`: storage quotas of records and users (administrators), and an owner's
//! request for more (InvenioRDM v14).

use crate::output;
use anyhow::Result;
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::api::Quota;

/// A size: bytes, or with a unit (`50GB`, `2.5 GiB`, `500MB`).
fn size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 50GB, 2GiB, 1048576)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        u => {
            return Err(format!(
                "unknown unit {u:?} (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ));
        }
    };
    let bytes = n * mult;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(bytes.round() as u64)
}

/// `irdm quota …`.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
The server has no route to read a quota back. Uploads past one are refused before their body
is read, with the server's reason (Bucket quota exceeded. / Maximum file size exceeded.), exit 3.")]
pub enum QuotaCmd {
    /// Set the quota of a record's files, every version (administrators; a draft's id too).
    Set {
        /// Record or draft id.
        id: String,
        /// Bytes all files may hold together (50GB, 2GiB, …).
        #[arg(long, value_parser = size)]
        quota_size: u64,
        /// Bytes one file may hold.
        #[arg(long, value_parser = size)]
        max_file_size: u64,
        /// Why.
        #[arg(long)]
        notes: Option<String>,
    },
    /// Set the quota of the records a user creates from now on (administrators).
    SetUser {
        /// User id.
        user: String,
        /// Bytes all files of a record may hold together.
        #[arg(long, value_parser = size)]
        quota_size: u64,
        /// Bytes one file may hold.
        #[arg(long, value_parser = size)]
        max_file_size: u64,
        /// Why.
        #[arg(long)]
        notes: Option<String>,
    },
    /// Ask for a larger quota for your record (InvenioRDM v14, where the instance grants
    /// increases; a stock instance refuses: exit 3).
    RequestIncrease {
        /// Record or draft id.
        id: String,
        /// The quota asked for, in gigabytes (10^9 bytes).
        #[arg(long, value_name = "GB")]
        size_gb: u64,
    },
}

/// `irdm quota …`.
pub async fn quota(c: &Client, cmd: &QuotaCmd, json: bool) -> Result<u8> {
    let quota = |q: u64, m: u64, notes: &Option<String>| {
        let mut quota = Quota::new(q, m);
        quota.notes = notes.clone();
        quota
    };
    match cmd {
        QuotaCmd::Set {
            id,
            quota_size,
            max_file_size,
            notes,
        } => {
            c.records()
                .set_quota(id, &quota(*quota_size, *max_file_size, notes))
                .await?;
            done(json, id, *quota_size, *max_file_size);
        }
        QuotaCmd::SetUser {
            user,
            quota_size,
            max_file_size,
            notes,
        } => {
            c.users()
                .set_quota(user, &quota(*quota_size, *max_file_size, notes))
                .await?;
            done(json, &format!("user {user}"), *quota_size, *max_file_size);
        }
        QuotaCmd::RequestIncrease { id, size_gb } => {
            let r = c.records().request_quota_increase(id, *size_gb).await?;
            if json {
                output::json_line(&r)?;
            } else {
                println!(
                    "quota increase for {id}: request {} is {}",
                    r.id().unwrap_or("?"),
                    r.status.as_ref().map(|s| s.as_str()).unwrap_or("?")
                );
            }
        }
    }
    Ok(crate::exit::OK)
}

fn done(json: bool, what: &str, quota_size: u64, max_file_size: u64) {
    if json {
        println!(
            "{}",
            serde_json::json!({"target": what, "quota_size": quota_size, "max_file_size": max_file_size})
        );
    } else {
        println!(
            "{what}: quota {} in all, {} a file",
            output::size(quota_size),
            output::size(max_file_size)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_with_and_without_units() {
        assert_eq!(size("1048576"), Ok(1_048_576));
        assert_eq!(size("50GB"), Ok(50_000_000_000));
        assert_eq!(size("2 GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(size("1.5MB"), Ok(1_500_000));
        assert!(size("ten").is_err());
        assert!(size("5 parsecs").is_err());
        assert!(size("1e30TB").is_err());
    }
}
