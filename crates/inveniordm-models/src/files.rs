//! Files: the file listing of a draft or record, and one file entry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{JsonMap, json_object, string_enum};

json_object! {
    /// File settings of a record (`record.files`) and the file listing endpoints
    /// (`/records/{id}/files`, `/records/{id}/draft/files`).
    ///
    /// In a record, `entries` is a map by key; in a listing it is a list. [`Files::iter`] walks
    /// both.
    pub struct Files {
        /// Whether the record has files (false = metadata-only).
        "enabled" => enabled: bool,
        /// The file entries.
        "entries" => entries: FileEntries,
        /// Key of the default preview.
        "default_preview" => default_preview: String,
        /// Display order (keys).
        "order" => order: Vec<String>,
        /// Number of files (records).
        "count" => count: u64,
        /// Total bytes (records).
        "total_bytes" => total_bytes: u64,
        /// Links.
        "links" => links: BTreeMap<String, serde_json::Value>,
    }
}

impl Files {
    /// Files enabled, nothing else set: what a new draft with files sends.
    pub fn enabled() -> Self {
        Self {
            enabled: Some(true),
            ..Self::default()
        }
    }

    /// Files disabled: a metadata-only record.
    pub fn disabled() -> Self {
        Self {
            enabled: Some(false),
            ..Self::default()
        }
    }

    /// Every file entry, whichever form `entries` has.
    pub fn iter(&self) -> Box<dyn Iterator<Item = &FileEntry> + '_> {
        match &self.entries {
            Some(FileEntries::List(v)) => Box::new(v.iter()),
            Some(FileEntries::Map(m)) => Box::new(m.values()),
            None => Box::new(std::iter::empty()),
        }
    }

    /// The entry with this key.
    pub fn get(&self, key: &str) -> Option<&FileEntry> {
        self.iter().find(|e| e.key.as_deref() == Some(key))
    }

    /// The settings part only (`enabled`, `default_preview`, `order` and unknown keys):
    /// what a draft update sends back.
    pub fn settings(&self) -> Self {
        let mut out = self.clone();
        out.entries = None;
        out.count = None;
        out.total_bytes = None;
        out.links = None;
        out
    }
}

/// File entries: a list in listings, a map by key inside a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FileEntries {
    /// The listing form.
    List(Vec<FileEntry>),
    /// The record form, by key.
    Map(BTreeMap<String, FileEntry>),
}

string_enum! {
    /// Upload state of a file.
    pub enum FileStatus {
        /// Initialised, content not committed yet.
        Pending => "pending",
        /// Committed; checksum and size are final.
        Completed => "completed",
        /// A fetch transfer failed.
        Failed => "failed",
    }
}

json_object! {
    /// One file.
    pub struct FileEntry {
        /// The file key (its name; may contain `/`).
        "key" => key: String,
        /// File id.
        "id" => id: String,
        /// Size in bytes.
        "size" => size: u64,
        /// Checksum as `md5:<hex>`.
        "checksum" => checksum: String,
        /// MIME type guessed by the server.
        "mimetype" => mimetype: String,
        /// Extension.
        "ext" => ext: String,
        /// Upload state.
        "status" => status: FileStatus,
        /// Storage class (`L` local, `F` fetch, `R` remote, `M` multipart).
        "storage_class" => storage_class: String,
        /// File metadata (image size, …).
        "metadata" => metadata: JsonMap,
        /// Access (`{"hidden": false}`).
        "access" => access: JsonMap,
        /// Transfer (`{"type": "L"}`), v13+.
        "transfer" => transfer: JsonMap,
        /// Creation time.
        "created" => created: String,
        /// Update time.
        "updated" => updated: String,
        /// Version id (storage).
        "version_id" => version_id: String,
        /// File id (storage).
        "file_id" => file_id: String,
        /// Bucket id (storage).
        "bucket_id" => bucket_id: String,
        /// Links (`self`, `content`, `commit`).
        "links" => links: BTreeMap<String, serde_json::Value>,
    }
}

impl FileEntry {
    /// An init entry for the file key.
    pub fn init(key: impl Into<String>) -> Self {
        Self {
            key: Some(key.into()),
            ..Self::default()
        }
    }

    /// The hex md5 from `checksum` when it is an `md5:` checksum.
    pub fn md5(&self) -> Option<&str> {
        let c = self.checksum.as_deref()?;
        let (alg, hex) = c.split_once(':')?;
        alg.eq_ignore_ascii_case("md5").then_some(hex)
    }

    /// Whether the upload is committed.
    pub fn is_completed(&self) -> bool {
        self.status == Some(FileStatus::Completed)
    }

    /// The transfer type the server reports (`L`, `F`, `M`, `R`), when it reports one.
    pub fn transfer_type(&self) -> Option<&str> {
        self.transfer.as_ref()?.get("type")?.as_str()
    }

    /// Whether the entry is a remote file (transfer type `R`): a link the server redirects
    /// its content requests to, with no bytes of its own. Its `size` and `checksum` are what
    /// the depositor declared (`0` and none when nothing was declared).
    pub fn is_remote(&self) -> bool {
        self.transfer_type() == Some("R")
    }
}

json_object! {
    /// The members of a ZIP file of a record (`…/files/{key}/container`, InvenioRDM v14), read
    /// by the server from the file's central directory.
    ///
    /// ```
    /// use inveniordm_models::ContainerListing;
    /// let l: ContainerListing = serde_json::from_str(r#"{"entries": [{"key": "a.txt", "size": 6,
    ///     "compressed_size": 8, "mimetype": "text/plain", "crc": 909783072}],
    ///     "truncated": false, "total": 1, "directories": []}"#).unwrap();
    /// assert_eq!(l.entries.unwrap()[0].crc, Some(909783072));
    /// ```
    pub struct ContainerListing {
        /// The files in it (at most 1 000 on a stock instance).
        "entries" => entries: Vec<ContainerEntry>,
        /// Whether the listing stopped at the server's limit.
        "truncated" => truncated: bool,
        /// How many files are listed.
        "total" => total: u64,
        /// Its folders (`{"key"}` each).
        "directories" => directories: Vec<crate::JsonMap>,
    }
}

json_object! {
    /// One file inside a ZIP file of a record.
    pub struct ContainerEntry {
        /// Its path inside the archive.
        "key" => key: String,
        /// Bytes once extracted.
        "size" => size: u64,
        /// Bytes as stored in the archive.
        "compressed_size" => compressed_size: u64,
        /// MIME type, from its name.
        "mimetype" => mimetype: String,
        /// CRC-32 of its content, as the archive records it.
        "crc" => crc: u32,
        /// Links (`content`: the member, extracted by the server).
        "links" => links: BTreeMap<String, serde_json::Value>,
    }
}
