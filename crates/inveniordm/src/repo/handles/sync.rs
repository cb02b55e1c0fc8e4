//! Making the files of a draft or a new version match a folder: the plan, key by key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Result;

/// What one key becomes in a [`SyncPlan`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum FileAction {
    /// Unchanged: linked from the previous version (or left as it is in a draft).
    Link {
        /// File key.
        key: String,
    },
    /// New or changed: uploaded from the folder.
    Upload {
        /// File key.
        key: String,
        /// Local path.
        path: PathBuf,
        /// Whether the key exists with other content.
        changed: bool,
    },
    /// Gone from the folder: not in the new version (removed from a draft).
    LeaveOut {
        /// File key.
        key: String,
    },
}

/// The plan that makes a set of files match a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncPlan {
    /// One action per key, in key order.
    pub actions: Vec<FileAction>,
}

impl SyncPlan {
    /// Whether the files already match the folder (every key linked, nothing else).
    pub fn is_noop(&self) -> bool {
        self.actions
            .iter()
            .all(|a| matches!(a, FileAction::Link { .. }))
    }

    /// The keys to upload, as (path, key).
    pub fn uploads(&self) -> Vec<(PathBuf, String)> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                FileAction::Upload { key, path, .. } => Some((path.clone(), key.clone())),
                _ => None,
            })
            .collect()
    }

    /// The keys present that must go: left out, or replaced by an upload.
    pub fn removals(&self) -> Vec<String> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                FileAction::LeaveOut { key } => Some(key.clone()),
                FileAction::Upload {
                    key, changed: true, ..
                } => Some(key.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Plans how files with these (key, md5) become the files of `folder` (keys relative to it,
/// `/`-separated, read as [`collect_files`](crate::repo::collect_files) reads folders:
/// hidden entries and `.irdmignore` patterns left out, symbolic links followed). Local
/// files are hashed.
pub async fn plan_sync<'k>(
    present: impl IntoIterator<Item = (&'k str, Option<&'k str>)>,
    folder: &Path,
) -> Result<SyncPlan> {
    let local = folder_files(folder).await?;
    let present: BTreeMap<String, Option<String>> = present
        .into_iter()
        .map(|(k, m)| (k.to_string(), m.map(str::to_ascii_lowercase)))
        .collect();
    let mut actions = Vec::new();
    let mut keys: Vec<&String> = present.keys().chain(local.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        match (present.get(key), local.get(key)) {
            (Some(_), None) => actions.push(FileAction::LeaveOut { key: key.clone() }),
            (None, Some(path)) => actions.push(FileAction::Upload {
                key: key.clone(),
                path: path.clone(),
                changed: false,
            }),
            (Some(md5), Some(path)) => {
                let local_md5 = crate::repo::md5_file(path).await?;
                if md5.as_deref() == Some(local_md5.as_str()) {
                    actions.push(FileAction::Link { key: key.clone() });
                } else {
                    actions.push(FileAction::Upload {
                        key: key.clone(),
                        path: path.clone(),
                        changed: true,
                    });
                }
            }
            (None, None) => {}
        }
    }
    Ok(SyncPlan { actions })
}

/// The files of a folder by key (relative, `/`-separated), read by the default
/// [`FolderRules`](crate::repo::FolderRules): hidden entries and `.irdmignore` patterns left
/// out, symbolic links followed.
async fn folder_files(folder: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let files = crate::repo::collect_files(&[folder.to_path_buf()], &Default::default()).await?;
    Ok(files.into_iter().map(|(p, k)| (k, p)).collect())
}
