//! v14's look inside a record's ZIP file: its members listed without downloading it, and one
//! member saved, checked against the archive's CRC-32.

use std::io::Write;

use inveniordm::Error;

use super::{Env, api_status, id, published};

/// CRC-32 (IEEE), bit by bit: the test's own, apart from the library's.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A ZIP of `(name, bytes, deflated)` members and folder entries (names ending in `/`).
pub fn zip_of(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, deflate) in members {
        let stored: Vec<u8> = if *deflate {
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).expect("deflate");
            e.finish().expect("deflate")
        } else {
            data.to_vec()
        };
        let method: u16 = if *deflate { 8 } else { 0 };
        let offset = out.len() as u32;
        let crc = crc32(data);
        let mut h = Vec::new();
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&method.to_le_bytes());
        h.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&(stored.len() as u32).to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(&stored);
        let mut c = Vec::new();
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&method.to_le_bytes());
        c.extend_from_slice(&[0, 0, 0x21, 0]);
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&(stored.len() as u32).to_le_bytes());
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&[0u8; 12]); // extra, comment, disk, attributes
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        central.extend_from_slice(&c);
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

pub async fn zip_container_listing(env: &Env) {
    let c = &env.client;
    let csv = b"x,y\n1,2\n".to_vec();
    // Rows of a table: they deflate well, but far from the 200-fold expansion the servers
    // refuse as a possible ZIP bomb.
    let big: Vec<u8> = (0..5_000u32)
        .flat_map(|i| format!("{i},{}\n", (i * 7919) % 100_003).into_bytes())
        .collect();
    let zip = zip_of(&[
        ("readme.txt", b"hello\n", false),
        ("data/", b"", false),
        ("data/table.csv", &csv, false),
        ("data/big.bin", &big, true),
    ]);
    let record = published(
        env,
        &format!("Container {}", env.tag),
        &[("bundle.zip", &zip), ("notes.txt", b"not a zip\n")],
    )
    .await;
    let rid = id(&record);
    let listed = c.records().container(&rid, "bundle.zip").await;
    if env.rdm_version == Some(13) {
        let e = listed.expect_err("v13 has no container listing");
        assert_eq!(api_status(&e), 404, "{e}");
        return;
    }
    let listing = listed.expect("the members");
    let entries = listing.entries.clone().unwrap_or_default();
    let got: Vec<(String, u64, u32)> = entries
        .iter()
        .map(|e| {
            (
                e.key.clone().unwrap_or_default(),
                e.size.unwrap_or(0),
                e.crc.unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("readme.txt".to_string(), 6, crc32(b"hello\n")),
            ("data/table.csv".to_string(), csv.len() as u64, crc32(&csv)),
            ("data/big.bin".to_string(), big.len() as u64, crc32(&big)),
        ]
    );
    assert_eq!(listing.total, Some(3));
    assert_eq!(listing.truncated, Some(false));
    let big_entry = entries
        .iter()
        .find(|e| e.key.as_deref() == Some("data/big.bin"))
        .expect("big");
    assert!(
        big_entry.compressed_size.unwrap_or(u64::MAX) < big.len() as u64,
        "stored deflated"
    );
    let dirs: Vec<_> = listing
        .directories
        .iter()
        .flatten()
        .filter_map(|d| d.get("key").and_then(|k| k.as_str()).map(str::to_string))
        .collect();
    assert_eq!(dirs, ["data"]);

    // A member saved, checked against its CRC-32: a stored one and a deflated one.
    let dir = env.dir.join(format!("container-{}", env.tag));
    let saved = c
        .repo()
        .extract_member(
            &rid,
            "bundle.zip",
            "data/table.csv",
            &dir.join("table.csv"),
            false,
        )
        .await
        .expect("extracted");
    assert_eq!(std::fs::read(&saved.path).expect("saved"), csv);
    let saved = c
        .repo()
        .extract_member(
            &rid,
            "bundle.zip",
            "data/big.bin",
            &dir.join("big.bin"),
            false,
        )
        .await
        .expect("extracted, inflated by the server");
    assert_eq!(saved.crc, crc32(&big));
    assert_eq!(std::fs::read(&saved.path).expect("saved"), big);
    // Not over a file already there; not a member the archive lacks.
    let e = c
        .repo()
        .extract_member(
            &rid,
            "bundle.zip",
            "data/table.csv",
            &dir.join("table.csv"),
            false,
        )
        .await
        .expect_err("there already");
    assert!(matches!(e, Error::WouldOverwrite { .. }), "{e}");
    let e = c
        .repo()
        .extract_member(&rid, "bundle.zip", "nope.txt", &dir.join("nope.txt"), false)
        .await
        .expect_err("no such member");
    assert!(matches!(e, Error::NoSuchFile { .. }), "{e}");
    // A ZIP that expands too much is refused, as a file that is not a ZIP is: both fail.
    let bomb = zip_of(&[("zeros.bin", &vec![0u8; 300_000], true)]);
    let r2 = published(env, &format!("Bomb {}", env.tag), &[("bomb.zip", &bomb)]).await;
    let e = c
        .records()
        .container(&id(&r2), "bomb.zip")
        .await
        .expect_err("a possible ZIP bomb");
    assert_eq!(api_status(&e), 500, "{e}");
    let e = c
        .records()
        .container(&rid, "notes.txt")
        .await
        .expect_err("not a zip");
    assert_eq!(api_status(&e), 500, "{e}");
}
