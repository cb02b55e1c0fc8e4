//! Every file of a record in one ZIP, each member checked against the record's md5s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::RepoApi;
use crate::transfer::{Progress, zip};

use crate::{Error, Result};

/// Options of [`RepoApi::download_archive`].
#[derive(Clone, Default)]
pub struct ArchiveOptions {
    /// The draft's files instead of the published record's.
    pub draft: bool,
    /// Replace an existing `{id}.zip` (default: refuse).
    pub overwrite: bool,
    /// Progress: made with the archive's name and the size of its members (the archive is a
    /// little larger), then called with the bytes as they arrive.
    pub progress: Option<super::ProgressFactory>,
}

impl std::fmt::Debug for ArchiveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveOptions")
            .field("draft", &self.draft)
            .field("overwrite", &self.overwrite)
            .finish()
    }
}

/// A downloaded archive whose every member was checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Archive {
    /// Where it is (`{dir}/{id}.zip`).
    pub path: PathBuf,
    /// Its members, in the archive's order.
    pub files: Vec<ArchivedFile>,
}

/// One member of a downloaded archive.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArchivedFile {
    /// The file key (the member's name).
    pub key: String,
    /// Its size.
    pub size: u64,
    /// Its md5 (hex), equal to the record's.
    pub md5: String,
}

impl RepoApi<'_> {
    /// Downloads the files archive of a record (`GET /api/records/{id}/files-archive`, or the
    /// draft's) to `{dir}/{id}.zip`: streamed to a temporary file beside it, then every member
    /// checked against the record's file listing (each key there, with its size and md5, and
    /// nothing else), and only then given its name, so a broken or corrupt archive never
    /// looks complete. Files the server holds no bytes of (remote files) are in no archive and
    /// are not expected. An existing `{id}.zip` is not replaced unless
    /// [`overwrite`](ArchiveOptions::overwrite) ([`Error::WouldOverwrite`]).
    ///
    /// A member whose bytes differ from the record's md5 is [`Error::Checksum`]; an archive
    /// that lacks a file or holds another is [`Error::UnexpectedAnswer`].
    pub async fn download_archive(
        &self,
        id: &str,
        dir: &Path,
        opts: &ArchiveOptions,
    ) -> Result<Archive> {
        let listing = if opts.draft {
            self.client.drafts().files(id).await?
        } else {
            self.client.records().files(id).await?
        };
        let expected: BTreeMap<String, (u64, Option<String>)> = listing
            .iter()
            .filter(|e| e.is_completed() && !e.is_remote())
            .filter_map(|e| {
                Some((
                    e.key.clone()?,
                    (e.size.unwrap_or(0), e.md5().map(str::to_ascii_lowercase)),
                ))
            })
            .collect();
        let dest = dir.join(format!("{id}.zip"));
        if !opts.overwrite && tokio::fs::try_exists(&dest).await.unwrap_or(false) {
            return Err(Error::WouldOverwrite {
                what: dest.display().to_string(),
            });
        }
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let tmp = crate::transfer::temp_beside(&dest, "inveniordm-part");
        let total = expected.values().map(|(size, _)| size).sum();
        let progress = opts
            .progress
            .as_ref()
            .map(|make| make(&format!("{id}.zip"), total));
        let fetched = self.fetch_archive(id, &tmp, opts.draft, progress).await;
        let checked = match fetched {
            Ok(()) => {
                let (path, expected) = (tmp.clone(), expected);
                tokio::task::spawn_blocking(move || verify(&path, &expected))
                    .await
                    .map_err(|e| Error::internal(format!("checking the archive stopped: {e}")))
                    .and_then(|r| r)
            }
            Err(e) => Err(e),
        };
        let files = match checked {
            Ok(files) => files,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        tokio::fs::rename(&tmp, &dest)
            .await
            .map_err(|e| Error::io(format!("cannot rename to {}", dest.display()), e))?;
        Ok(Archive { path: dest, files })
    }

    async fn fetch_archive(
        &self,
        id: &str,
        tmp: &Path,
        draft: bool,
        progress: Option<Progress>,
    ) -> Result<()> {
        let mut download = if draft {
            self.client.drafts().files_archive(id).await?
        } else {
            self.client.records().files_archive(id).await?
        };
        let io = |e| Error::io(format!("writing {}", tmp.display()), e);
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .await
            .map_err(io)?;
        while let Some(chunk) = download.next().await {
            let chunk = chunk?;
            f.write_all(&chunk).await.map_err(io)?;
            if let Some(p) = &progress {
                p(chunk.len() as u64);
            }
        }
        f.sync_all().await.map_err(io)
    }
}

/// Checks every member of the archive at `path` against the record's (size, md5) by key.
fn verify(
    path: &Path,
    expected: &BTreeMap<String, (u64, Option<String>)>,
) -> Result<Vec<ArchivedFile>> {
    let unexpected = |m: String| Error::unexpected("reading the files archive", m);
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let members = zip::members(&mut f).map_err(|e| unexpected(e.to_string()))?;
    let mut files = Vec::with_capacity(members.len());
    for m in &members {
        let Some((size, md5)) = expected.get(&m.name) else {
            return Err(unexpected(format!(
                "it holds {:?}, which the record does not list",
                m.name
            )));
        };
        let got = zip::member_md5(&mut f, m).map_err(|e| unexpected(e.to_string()))?;
        if m.size != *size || md5.as_deref().is_some_and(|want| want != got) {
            return Err(Error::Checksum {
                key: m.name.clone(),
                expected: format!("{size} bytes, md5:{}", md5.as_deref().unwrap_or("?")),
                actual: format!("{} bytes, md5:{got}", m.size),
            });
        }
        files.push(ArchivedFile {
            key: m.name.clone(),
            size: m.size,
            md5: got,
        });
    }
    let missing: Vec<&str> = expected
        .keys()
        .filter(|k| !members.iter().any(|m| &m.name == *k))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(unexpected(format!(
            "it lacks {} the record lists",
            missing.join(", ")
        )));
    }
    Ok(files)
}

/// A member of a ZIP file of a record, saved by [`RepoApi::extract_member`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ExtractedMember {
    /// Where it was saved.
    pub path: PathBuf,
    /// Its bytes.
    pub size: u64,
    /// Its CRC-32, equal to the one the archive records.
    pub crc: u32,
}

/// CRC-32 (IEEE, as ZIP files record it), a byte at a time from a table.
pub(crate) fn crc32(crc: u32, data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut c = !crc;
    for &b in data {
        c = TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

impl RepoApi<'_> {
    /// Saves one member of a ZIP file of a published record (InvenioRDM v14) to `dest`,
    /// extracted by the server, checked against the size and CRC-32 its listing records:
    /// written to a temporary file beside `dest`, renamed when it matched, removed when it
    /// did not ([`Error::Checksum`]). An existing `dest` is replaced only with `overwrite`. A
    /// member the archive does not hold is [`Error::NoSuchFile`].
    pub async fn extract_member(
        &self,
        id: &str,
        key: &str,
        member: &str,
        dest: &Path,
        overwrite: bool,
    ) -> Result<ExtractedMember> {
        let listing = self.client.records().container(id, key).await?;
        let entries = listing.entries.unwrap_or_default();
        let Some(entry) = entries.iter().find(|e| e.key.as_deref() == Some(member)) else {
            return Err(Error::NoSuchFile {
                id: format!("{id}/{key}"),
                key: member.to_string(),
                available: entries.iter().filter_map(|e| e.key.clone()).collect(),
            });
        };
        if !overwrite && tokio::fs::try_exists(dest).await.unwrap_or(false) {
            return Err(Error::WouldOverwrite {
                what: dest.display().to_string(),
            });
        }
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        let tmp = crate::transfer::temp_beside(dest, "inveniordm-part");
        let written = async {
            let mut download = self
                .client
                .records()
                .container_member(id, key, member)
                .await?;
            let io = |e| Error::io(format!("writing {}", tmp.display()), e);
            let mut f = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .await
                .map_err(io)?;
            let (mut crc, mut size) = (0u32, 0u64);
            while let Some(chunk) = download.next().await {
                let chunk = chunk?;
                crc = crc32(crc, &chunk);
                size += chunk.len() as u64;
                f.write_all(&chunk).await.map_err(io)?;
            }
            f.sync_all().await.map_err(io)?;
            Ok::<_, Error>((crc, size))
        }
        .await;
        let checked = written.and_then(|(crc, size)| {
            let (want_crc, want_size) = (entry.crc, entry.size);
            if want_crc.is_some_and(|w| w != crc) || want_size.is_some_and(|w| w != size) {
                return Err(Error::Checksum {
                    key: format!("{key}/{member}"),
                    expected: format!(
                        "{} bytes, crc32:{:08x}",
                        want_size.unwrap_or(0),
                        want_crc.unwrap_or(0)
                    ),
                    actual: format!("{size} bytes, crc32:{crc:08x}"),
                });
            }
            Ok((crc, size))
        });
        match checked {
            Ok((crc, size)) => {
                tokio::fs::rename(&tmp, dest)
                    .await
                    .map_err(|e| Error::io(format!("cannot rename to {}", dest.display()), e))?;
                Ok(ExtractedMember {
                    path: dest.to_path_buf(),
                    size,
                    crc,
                })
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_of_known_strings() {
        assert_eq!(super::crc32(0, b""), 0);
        assert_eq!(super::crc32(0, b"123456789"), 0xCBF4_3926);
        // In pieces, the same.
        assert_eq!(
            super::crc32(super::crc32(0, b"12345"), b"6789"),
            0xCBF4_3926
        );
        assert_eq!(super::crc32(0, b"hello\n"), 909_783_072);
    }
}
