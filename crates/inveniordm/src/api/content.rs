//! File content on the wire: request bodies for uploads and response streams for downloads.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

use crate::transport::{ByteStream, ReadError};
use crate::{Client, Error, Result};

/// A streamed request body for file content, with its length when known.
pub struct UploadBody {
    body: ByteStream,
    len: Option<u64>,
}

impl std::fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadBody")
            .field("len", &self.len)
            .finish()
    }
}

impl UploadBody {
    /// A body from bytes in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let b: Bytes = bytes.into();
        let len = b.len() as u64;
        Self::from_stream(
            futures_util::stream::once(async move { Ok::<_, std::io::Error>(b) }),
            Some(len),
        )
    }

    /// A body from a stream of chunks; `len` is sent as `Content-Length` when given (some
    /// servers require it).
    pub fn from_stream<S, E>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + Sync + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Self {
            body: Box::pin(stream.map(|r| r.map_err(Into::into))),
            len,
        }
    }

    /// A body streamed from an open file (its length from the file's metadata).
    pub async fn from_file(file: tokio::fs::File) -> Result<Self> {
        let len = file
            .metadata()
            .await
            .map_err(|e| Error::io("reading the file's size", e))?
            .len();
        Ok(Self::from_stream(
            tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024),
            Some(len),
        ))
    }

    pub(crate) fn into_parts(self) -> (ByteStream, Option<u64>) {
        (self.body, self.len)
    }
}

/// A file's content being downloaded: a stream of byte chunks, never buffered whole.
pub struct Download {
    /// HTTP status (200, or 206 for a ranged request the server honoured).
    pub status: u16,
    /// `Content-Length`, when the server sent it.
    pub content_length: Option<u64>,
    /// `Content-Range` of a 206 answer, as (first byte, total size).
    pub content_range: Option<(u64, Option<u64>)>,
    stream: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("content_length", &self.content_length)
            .field("content_range", &self.content_range)
            .finish()
    }
}

impl Stream for Download {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

/// Parses `bytes START-END/TOTAL` (TOTAL may be `*`).
fn parse_content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

impl Download {
    pub(crate) async fn start(client: &Client, url: Url, from: Option<u64>) -> Result<Self> {
        let path = url.path().to_string();
        let retry_url = url.clone();
        let mut req = client.request(Method::GET, url);
        req.accept = "*/*";
        if let Some(offset) = from.filter(|o| *o > 0)
            && let Ok(v) = HeaderValue::from_str(&format!("bytes={offset}-"))
        {
            req = req.header(HeaderName::from_static("range"), v);
        }
        let resp = match client.execute(req).await {
            // The part already held everything (or more): start over.
            Err(Error::Api { status: 416, .. }) if from.is_some() => {
                return Box::pin(Self::start(client, retry_url, None)).await;
            }
            other => other?,
        };
        let status = resp.status().as_u16();
        if !matches!(status, 200 | 206) {
            return Err(Error::unexpected(
                format!("GET {path}"),
                format!("expected the file's content, the server answered {status}"),
            ));
        }
        let content_length = resp.content_length();
        let content_range = resp
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_content_range);
        // Each chunk must come within the read timeout: a body that stalls fails.
        let limit = client.read_timeout();
        let stream = crate::transport::response_chunks(resp, limit).map(move |r| match r {
            Ok(b) => Ok(b),
            Err(ReadError::Http(e)) => {
                Err(crate::transport::transport_error(&Method::GET, &path, e))
            }
            Err(ReadError::Stalled) => Err(crate::transport::stalled(&Method::GET, &path, limit)),
        });
        Ok(Self {
            status,
            content_length,
            content_range,
            stream: Box::pin(stream),
        })
    }

    /// Reads the whole content into memory (for small files only).
    pub async fn bytes(mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}
