//! Content blobs: request bodies streamed (throttled, hashed) into a new blob or into an
//! existing one at an offset.

use axum::body::Body;
use axum::http::StatusCode;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::app::App;
use crate::util::{self, ApiError, ApiResult};

use super::internal;

/// Holds a request body to `rate` bytes a second (`Limits::conn_rate`; 0: no cap), as a
/// server behind a per-connection bandwidth cap does.
struct Throttle {
    rate: u64,
    started: std::time::Instant,
    bytes: u64,
}

impl Throttle {
    fn new(rate: u64) -> Self {
        Throttle {
            rate,
            started: std::time::Instant::now(),
            bytes: 0,
        }
    }

    async fn took(&mut self, n: usize) {
        if self.rate == 0 {
            return;
        }
        self.bytes += n as u64;
        let due = std::time::Duration::from_secs_f64(self.bytes as f64 / self.rate as f64);
        let spent = self.started.elapsed();
        if due > spent {
            tokio::time::sleep(due - spent).await;
        }
    }
}

/// Writes a part's body into `path` at `offset`: exactly `expected` bytes, or an error (the
/// part is then not counted; what was written is overwritten when it is sent again).
pub(super) async fn receive_at(
    app: &App,
    body: Body,
    path: &std::path::Path,
    offset: u64,
    expected: u64,
) -> ApiResult<()> {
    let mut out = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .await
        .map_err(internal)?;
    out.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(internal)?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, out);
    let mut stream = body.into_data_stream();
    let mut throttle = Throttle::new(app.limits.conn_rate);
    let mut got = 0u64;
    while let Some(chunk) = stream.next().await {
        let c = chunk.map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "The request body could not be read.",
            )
        })?;
        got += c.len() as u64;
        if got > expected {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "too long"));
        }
        out.write_all(&c).await.map_err(internal)?;
        throttle.took(c.len()).await;
    }
    if got != expected {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "too short"));
    }
    out.flush().await.map_err(internal)?;
    Ok(())
}

/// Streams a body to a new blob, hashing it: the blob id, the size and the hex md5. The body
/// must be `declared` bytes long when that is given; past `limit` it is refused with
/// `reason`. Nothing is left behind on failure.
pub(super) async fn receive(
    app: &App,
    body: Body,
    declared: Option<u64>,
    (limit, reason): (u64, &'static str),
) -> ApiResult<(String, u64, String)> {
    let mut out = BlobOut::create(app).await.map_err(internal)?;
    let mut stream = body.into_data_stream();
    let mut broken = None;
    let mut throttle = Throttle::new(app.limits.conn_rate);
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                if out.size + c.len() as u64 > limit {
                    broken = Some(ApiError::new(StatusCode::BAD_REQUEST, reason));
                    break;
                }
                if out.write(&c).await.is_err() {
                    broken = Some(internal(()));
                    break;
                }
                throttle.took(c.len()).await;
            }
            Err(_) => {
                broken = Some(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "File upload transfer failed.",
                ));
                break;
            }
        }
    }
    if broken.is_none() && declared.is_some_and(|l| l != out.size) {
        broken = Some(ApiError::new(
            StatusCode::BAD_REQUEST,
            "File upload transfer failed.",
        ));
    }
    if let Some(err) = broken {
        out.abandon().await;
        return Err(err);
    }
    out.finish(app).await.map_err(internal)
}

/// A new content blob being written: a temporary file, hashed as it is written, renamed to
/// its blob id once complete and flushed, removed when abandoned.
pub(super) struct BlobOut {
    blob: String,
    tmp: std::path::PathBuf,
    out: tokio::fs::File,
    hasher: Md5,
    pub(super) size: u64,
}

impl BlobOut {
    pub(super) async fn create(app: &App) -> std::io::Result<BlobOut> {
        let blob = util::random_hex(16);
        let tmp = app.store.blob_path(&format!("tmp-{blob}"));
        let out = tokio::fs::File::create(&tmp).await?;
        Ok(BlobOut {
            blob,
            tmp,
            out,
            hasher: Md5::new(),
            size: 0,
        })
    }

    pub(super) async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.out.write_all(bytes).await
    }

    /// Flushes, syncs and renames the blob: its id, size and hex md5.
    pub(super) async fn finish(mut self, app: &App) -> std::io::Result<(String, u64, String)> {
        let done = async {
            self.out.flush().await?;
            self.out.sync_all().await?;
            tokio::fs::rename(&self.tmp, app.store.blob_path(&self.blob)).await
        }
        .await;
        if let Err(e) = done {
            let _ = tokio::fs::remove_file(&self.tmp).await;
            return Err(e);
        }
        let md5 = util::hex(&self.hasher.finalize());
        Ok((self.blob, self.size, md5))
    }

    pub(super) async fn abandon(self) {
        drop(self.out);
        let _ = tokio::fs::remove_file(&self.tmp).await;
    }
}
