//! `GET …/files-archive`: every file with content in one ZIP named `{id}.zip`, stored (not
//! compressed) and streamed as InvenioRDM writes it: ZIP64 local headers whose sizes follow
//! the data in a descriptor, then the central directory.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::{App, Ctx};
use crate::render::bucket;
use crate::util::ApiResult;

use super::may_read_bucket;

/// The CRC-32 (IEEE) table.
const CRC_TABLE: [u32; 256] = {
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

/// Adds `data` to a running CRC-32 (start from 0).
fn crc32(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for b in data {
        c = CRC_TABLE[((c ^ u32::from(*b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// One member written: its name, CRC, size and where its local header starts.
struct Written {
    name: String,
    crc: u32,
    size: u64,
    offset: u64,
}

/// The local header of a member whose sizes follow its data (ZIP64, as zipstream-ng writes).
fn local_header(name: &str) -> Vec<u8> {
    let mut h = Vec::with_capacity(30 + name.len() + 20);
    h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    h.extend_from_slice(&45u16.to_le_bytes()); // version needed: ZIP64
    h.extend_from_slice(&0x0808u16.to_le_bytes()); // sizes in a descriptor; UTF-8 name
    h.extend_from_slice(&0u16.to_le_bytes()); // stored
    h.extend_from_slice(&0u32.to_le_bytes()); // time and date
    h.extend_from_slice(&0u32.to_le_bytes()); // CRC: in the descriptor
    h.extend_from_slice(&u32::MAX.to_le_bytes()); // sizes: in the ZIP64 extra field
    h.extend_from_slice(&u32::MAX.to_le_bytes());
    h.extend_from_slice(&(name.len() as u16).to_le_bytes());
    h.extend_from_slice(&20u16.to_le_bytes());
    h.extend_from_slice(name.as_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // ZIP64 extra field
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(&0u64.to_le_bytes());
    h.extend_from_slice(&0u64.to_le_bytes());
    h
}

/// The central directory and its end records (ZIP64 ones where a size or an offset needs it).
fn central(members: &[Written], start: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        let big = m.size >= u64::from(u32::MAX) || m.offset >= u64::from(u32::MAX);
        let mut extra = Vec::new();
        if big {
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&24u16.to_le_bytes());
            extra.extend_from_slice(&m.size.to_le_bytes());
            extra.extend_from_slice(&m.size.to_le_bytes());
            extra.extend_from_slice(&m.offset.to_le_bytes());
        }
        let small = |v: u64| if big { u32::MAX } else { v as u32 };
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes()); // made by Unix, ZIP64
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&0x0808u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&small(m.size).to_le_bytes());
        out.extend_from_slice(&small(m.size).to_le_bytes());
        out.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // comment
        out.extend_from_slice(&0u16.to_le_bytes()); // disk
        out.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        out.extend_from_slice(&(0o100_644u32 << 16).to_le_bytes()); // a regular file
        out.extend_from_slice(&small(m.offset).to_le_bytes());
        out.extend_from_slice(m.name.as_bytes());
        out.extend_from_slice(&extra);
    }
    let size = out.len() as u64;
    let count = members.len() as u64;
    let zip64 = start >= u64::from(u32::MAX) || size >= u64::from(u32::MAX) || count >= 0xFFFF;
    if zip64 {
        let record = start + size;
        out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&record.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    let cap16 = |v: u64| if zip64 { 0xFFFF } else { v as u16 };
    let cap32 = |v: u64| if zip64 { u32::MAX } else { v as u32 };
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&cap16(count).to_le_bytes());
    out.extend_from_slice(&cap16(count).to_le_bytes());
    out.extend_from_slice(&cap32(size).to_le_bytes());
    out.extend_from_slice(&cap32(start).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// Writes the archive of these (name, blob path) members into `out`.
async fn write_zip(
    mut out: tokio::io::DuplexStream,
    members: Vec<(String, std::path::PathBuf)>,
) -> std::io::Result<()> {
    let mut offset = 0u64;
    let mut written = Vec::with_capacity(members.len());
    let mut buf = vec![0u8; 256 * 1024];
    for (name, path) in members {
        let header = local_header(&name);
        out.write_all(&header).await?;
        let start = offset;
        offset += header.len() as u64;
        let mut f = tokio::fs::File::open(&path).await?;
        let (mut crc, mut size) = (0u32, 0u64);
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            crc = crc32(crc, &buf[..n]);
            size += n as u64;
            out.write_all(&buf[..n]).await?;
        }
        let mut descriptor = Vec::with_capacity(24);
        descriptor.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
        descriptor.extend_from_slice(&crc.to_le_bytes());
        descriptor.extend_from_slice(&size.to_le_bytes());
        descriptor.extend_from_slice(&size.to_le_bytes());
        out.write_all(&descriptor).await?;
        offset += size + descriptor.len() as u64;
        written.push(Written {
            name,
            crc,
            size,
            offset: start,
        });
    }
    out.write_all(&central(&written, offset)).await?;
    out.shutdown().await
}

/// `GET /api/records/{id}/files-archive` and `…/draft/files-archive`.
pub(crate) async fn archive(app: &App, ctx: &Ctx, id: &str, draft: bool) -> ApiResult {
    let members: Vec<(String, std::path::PathBuf)> = {
        let st = app.state();
        may_read_bucket(&st, ctx, id, draft)?;
        let b = bucket(id, draft);
        st.files
            .values()
            .filter(|f| f.bucket == b && f.status == "completed" && f.remote.is_none())
            .filter_map(|f| {
                f.blob
                    .as_ref()
                    .map(|blob| (f.key.clone(), app.store.blob_path(blob)))
            })
            .collect()
    };
    let (writer, reader) = tokio::io::duplex(256 * 1024);
    tokio::spawn(async move {
        if let Err(e) = write_zip(writer, members).await {
            // The body ends early: the client sees a broken archive, as with the real server.
            tracing::warn!(error = %e, "files archive stopped");
        }
    });
    let mut r = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(reader)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename={id}.zip")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    *r.status_mut() = StatusCode::OK;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_of_known_strings() {
        assert_eq!(crc32(0, b""), 0);
        assert_eq!(crc32(0, b"123456789"), 0xCBF4_3926);
        // Running: in pieces as whole.
        assert_eq!(crc32(crc32(0, b"1234"), b"56789"), 0xCBF4_3926);
    }
}
