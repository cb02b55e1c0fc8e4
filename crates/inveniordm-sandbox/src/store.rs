//! Persistence: SQLite for documents, a folder for file contents.
//!
//! The server keeps its state in memory and writes every change through to SQLite, so a
//! restart on the same data folder serves the same records, drafts, links and files. Tables
//! hold one JSON document per row; tokens are stored as SHA-256 hashes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Document tables.
pub const TABLES: &[&str] = &[
    "users",
    "parents",
    "drafts",
    "records",
    "files",
    "links",
    "communities",
    "requests",
    "events",
    "revisions",
    "quotas",
];

/// A change to apply to the store.
#[derive(Debug, Clone)]
pub enum Op {
    /// Write a document.
    Put {
        /// Table.
        table: &'static str,
        /// Row id.
        id: String,
        /// JSON text.
        doc: String,
    },
    /// Delete a document.
    Delete {
        /// Table.
        table: &'static str,
        /// Row id.
        id: String,
    },
    /// Remove a content blob once the change is committed, unless a file still uses it.
    DropBlob(String),
}

/// The SQLite store.
pub struct Store {
    conn: Mutex<Connection>,
    blobs: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("blobs", &self.blobs).finish()
    }
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A document could not be (de)serialised.
    #[error("document: {0}")]
    Json(#[from] serde_json::Error),
    /// A file operation failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The contents folder holds files the sandbox did not write.
    #[error(
        "{dir} holds files the sandbox did not write (e.g. {example}); give the sandbox an empty folder or one it made (it never touches files it did not write)"
    )]
    NotOurs {
        /// The folder.
        dir: String,
        /// One of the files.
        example: String,
    },
}

/// The file that marks a contents folder as the sandbox's own.
pub const MARKER: &str = ".inveniordm-sandbox-contents";

/// Whether a name is one the sandbox gives content blobs (32 hex digits) or their temporary
/// files (`tmp-` and 32 hex digits): the only files it ever removes.
pub fn is_blob_name(name: &str) -> bool {
    let hex = name.strip_prefix("tmp-").unwrap_or(name);
    hex.len() == 32
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Makes sure `blobs` is the sandbox's contents folder: creates it, or adopts it when it holds
/// nothing but blobs, and marks it; refuses a folder holding anything else.
fn claim(blobs: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(blobs)?;
    if blobs.join(MARKER).is_file() {
        return Ok(());
    }
    for e in std::fs::read_dir(blobs)? {
        let name = e?.file_name().to_string_lossy().into_owned();
        if !is_blob_name(&name) {
            return Err(StoreError::NotOurs {
                dir: blobs.display().to_string(),
                example: name,
            });
        }
    }
    std::fs::write(
        blobs.join(MARKER),
        b"File contents of an inveniordm sandbox. It removes only the files it wrote here.\n",
    )?;
    Ok(())
}

impl Store {
    /// Opens (or creates) the store: `db` is a SQLite path or `None` for memory; `blobs` the
    /// folder for file contents.
    pub fn open(db: Option<&Path>, blobs: &Path) -> Result<Self, StoreError> {
        claim(blobs)?;
        let conn = match db {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        for t in TABLES {
            conn.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {t} (id TEXT PRIMARY KEY, doc TEXT NOT NULL);"
            ))?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
            blobs: blobs.to_path_buf(),
        })
    }

    /// Path of a blob by its id (ids are generated hex, never user input).
    pub fn blob_path(&self, blob: &str) -> PathBuf {
        self.blobs.join(blob)
    }

    /// Writes a document.
    pub fn put<T: Serialize>(&self, table: &str, id: &str, doc: &T) -> Result<(), StoreError> {
        let text = serde_json::to_string(doc)?;
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        conn.execute(
            &format!("INSERT INTO {table} (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc"),
            params![id, text],
        )?;
        Ok(())
    }

    /// Applies writes in one transaction: all of them, or none.
    pub fn apply(&self, ops: &[Op]) -> Result<(), StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.unchecked_transaction()?;
        for op in ops {
            match op {
                Op::Put { table, id, doc } => {
                    tx.execute(
                        &format!("INSERT INTO {table} (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc"),
                        params![id, doc],
                    )?;
                }
                Op::Delete { table, id } => {
                    tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), params![id])?;
                }
                Op::DropBlob(_) => {}
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every document of a table.
    pub fn all<T: DeserializeOwned>(&self, table: &str) -> Result<Vec<T>, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt = conn.prepare(&format!("SELECT doc FROM {table} ORDER BY rowid"))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }
}
