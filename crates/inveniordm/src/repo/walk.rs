//! The one folder walker of every command that sends a folder: upload, deposit, sync and new
//! versions read folders by the same rules.

use std::path::{Component, Path, PathBuf};

use crate::{Error, Result};

/// Which files of a folder are read: hidden files and folders (a name starting with `.`) are
/// skipped unless `include_hidden`; `exclude` globs (gitignore syntax, matched against paths
/// relative to the folder) and the patterns of a `.irdmignore` file in the folder (or any
/// folder below it) leave files out. Symbolic links are followed: a link to a file is read as
/// that file (a DataLad or git-annex folder holds its data behind links). Files given by name
/// are always taken.
#[derive(Debug, Clone, Default)]
pub struct FolderRules {
    /// Read hidden files and folders too.
    pub include_hidden: bool,
    /// Globs of paths to leave out.
    pub exclude: Vec<String>,
}

/// The name of the ignore file read in folders (gitignore syntax).
pub const IGNORE_FILE: &str = ".irdmignore";

/// The most entries one folder tree may hold before it is refused rather than walked on.
const MAX_ENTRIES: usize = 1_000_000;

/// The local files of `paths` and their keys: a file's key is its name; a folder's files get
/// keys relative to the folder (with `/`), read by the [`FolderRules`]. Two files with the
/// same key are refused. The walk runs off the async runtime.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use inveniordm::repo::{FolderRules, collect_files};
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir_all(dir.path().join("data/raw"))?;
/// std::fs::write(dir.path().join("data/raw/a.csv"), "1")?;
/// std::fs::write(dir.path().join("data/.cache"), "x")?;
/// std::fs::write(dir.path().join("data/notes.tmp"), "x")?;
/// std::fs::write(dir.path().join("data/.irdmignore"), "*.tmp\n")?;
/// let files = collect_files(&[dir.path().join("data")], &FolderRules::default()).await?;
/// let keys: Vec<&str> = files.iter().map(|(_, k)| k.as_str()).collect();
/// assert_eq!(keys, ["raw/a.csv"]);
/// # Ok(()) }
/// ```
pub async fn collect_files(
    paths: &[PathBuf],
    rules: &FolderRules,
) -> Result<Vec<(PathBuf, String)>> {
    let (paths, rules) = (paths.to_vec(), rules.clone());
    tokio::task::spawn_blocking(move || collect_blocking(&paths, &rules))
        .await
        .map_err(|e| Error::internal(format!("the folder walk stopped: {e}")))?
}

/// [`collect_files`], on the calling thread (it blocks on the file system).
pub fn collect_blocking(paths: &[PathBuf], rules: &FolderRules) -> Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| Error::io(format!("cannot read {}", p.display()), e))?;
        if meta.is_file() {
            let name = p.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                Error::InvalidArgument(format!("{} has no usable file name", p.display()))
            })?;
            out.push((p.clone(), name.to_string()));
        } else if meta.is_dir() {
            walk_folder(p, rules, &mut out)?;
        } else {
            return Err(Error::InvalidArgument(format!(
                "{} is neither a file nor a folder",
                p.display()
            )));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (p, k) in &out {
        if !seen.insert(k.clone()) {
            return Err(Error::InvalidArgument(format!(
                "two files would get the key {k:?} (one is {}); send them separately",
                p.display()
            )));
        }
    }
    Ok(out)
}

fn walk_folder(p: &Path, rules: &FolderRules, out: &mut Vec<(PathBuf, String)>) -> Result<()> {
    let mut overrides = ignore::overrides::OverrideBuilder::new(p);
    for g in &rules.exclude {
        overrides.add(&format!("!{g}")).map_err(|e| {
            Error::InvalidArgument(format!("the exclude glob {g:?} is not valid: {e}"))
        })?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| Error::InvalidArgument(format!("the exclude globs: {e}")))?;
    let walker = ignore::WalkBuilder::new(p)
        .standard_filters(false)
        .hidden(!rules.include_hidden)
        .add_custom_ignore_filename(IGNORE_FILE)
        .overrides(overrides)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for (n, entry) in walker.enumerate() {
        let entry = entry.map_err(|e| {
            Error::io(
                format!("cannot read below {}", p.display()),
                std::io::Error::other(e),
            )
        })?;
        if n >= MAX_ENTRIES {
            return Err(Error::InvalidArgument(format!(
                "{} holds more than {MAX_ENTRIES} entries",
                p.display()
            )));
        }
        let path = entry.path();
        // Through links: what counts is what they point to.
        let target = std::fs::metadata(path).map_err(|e| {
            Error::io(
                format!("cannot read {} (a broken link?)", path.display()),
                e,
            )
        })?;
        if !target.is_file() {
            continue;
        }
        // The ignore file describes the folder; it is not part of the data.
        if path.file_name().is_some_and(|n| n == IGNORE_FILE) {
            continue;
        }
        let rel = path.strip_prefix(p).unwrap_or(path);
        let key: Vec<&str> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect();
        if key.len() != rel.components().count() {
            return Err(Error::InvalidArgument(format!(
                "{} has a name that is not valid UTF-8",
                path.display()
            )));
        }
        out.push((path.to_path_buf(), key.join("/")));
    }
    Ok(())
}
