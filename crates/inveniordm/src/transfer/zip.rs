//! Reading a ZIP's table of contents and the md5 of its stored members, to verify a files
//! archive against the record's own checksums (ZIP64 included; compressed members are not
//! read).

use std::io::{Read, Seek, SeekFrom};

use md5::{Digest, Md5};

/// One member of an archive, from its central directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The member's name (a file key).
    pub name: String,
    /// Compression method: 0 stored.
    pub method: u16,
    /// Size of the data as stored.
    pub compressed: u64,
    /// Size of the file.
    pub size: u64,
    /// Where its local header starts.
    pub offset: u64,
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("not a ZIP archive: {what}"),
    )
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

/// The members of an archive, in the order of its central directory.
pub(crate) fn members<R: Read + Seek>(f: &mut R) -> std::io::Result<Vec<Member>> {
    let len = f.seek(SeekFrom::End(0))?;
    // The end record is in the last 22 bytes plus a comment of up to 64 KiB.
    let tail_len = len.min(22 + 65_535);
    f.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    f.read_exact(&mut tail)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&tail, i) == 0x0605_4b50)
        .ok_or_else(|| invalid("no end of central directory"))?;
    let mut count = u64::from(u16_at(&tail, eocd + 10));
    let mut size = u64::from(u32_at(&tail, eocd + 12));
    let mut start = u64::from(u32_at(&tail, eocd + 16));
    if count == 0xFFFF || size == u64::from(u32::MAX) || start == u64::from(u32::MAX) {
        // ZIP64: the locator just before the end record names the ZIP64 end record.
        let loc = eocd
            .checked_sub(20)
            .filter(|&l| u32_at(&tail, l) == 0x0706_4b50)
            .ok_or_else(|| invalid("no ZIP64 locator"))?;
        let record = u64_at(&tail, loc + 8);
        f.seek(SeekFrom::Start(record))?;
        let mut r = [0u8; 56];
        f.read_exact(&mut r)?;
        if u32_at(&r, 0) != 0x0606_4b50 {
            return Err(invalid("no ZIP64 end record"));
        }
        count = u64_at(&r, 32);
        size = u64_at(&r, 40);
        start = u64_at(&r, 48);
    }
    if start.checked_add(size).is_none_or(|end| end > len) {
        return Err(invalid("a central directory outside the file"));
    }
    // Every entry takes 46 bytes at least: a count past that is a lie, not an allocation to
    // make.
    if count > size / 46 + 1 {
        return Err(invalid("more entries than the central directory holds"));
    }
    f.seek(SeekFrom::Start(start))?;
    let mut cd = vec![0u8; size as usize];
    f.read_exact(&mut cd)?;
    let mut out = Vec::with_capacity(count as usize);
    let mut i = 0usize;
    for _ in 0..count {
        if i + 46 > cd.len() || u32_at(&cd, i) != 0x0201_4b50 {
            return Err(invalid("a broken central directory entry"));
        }
        let method = u16_at(&cd, i + 10);
        let mut compressed = u64::from(u32_at(&cd, i + 20));
        let mut usize_ = u64::from(u32_at(&cd, i + 24));
        let (n, e, c) = (
            usize::from(u16_at(&cd, i + 28)),
            usize::from(u16_at(&cd, i + 30)),
            usize::from(u16_at(&cd, i + 32)),
        );
        let mut offset = u64::from(u32_at(&cd, i + 42));
        if i + 46 + n + e + c > cd.len() {
            return Err(invalid("a central directory entry past its end"));
        }
        let name = String::from_utf8_lossy(&cd[i + 46..i + 46 + n]).into_owned();
        // The ZIP64 extra field holds, in order, the values the entry marks 0xFFFFFFFF.
        let extra = &cd[i + 46 + n..i + 46 + n + e];
        let mut j = 0;
        while j + 4 <= extra.len() {
            let (id, l) = (u16_at(extra, j), usize::from(u16_at(extra, j + 2)));
            let data = extra.get(j + 4..j + 4 + l).unwrap_or(&[]);
            if id == 1 {
                let mut k = 0;
                for v in [&mut usize_, &mut compressed, &mut offset] {
                    if *v == u64::from(u32::MAX) && k + 8 <= data.len() {
                        *v = u64_at(data, k);
                        k += 8;
                    }
                }
            }
            j += 4 + l;
        }
        out.push(Member {
            name,
            method,
            compressed,
            size: usize_,
            offset,
        });
        i += 46 + n + e + c;
    }
    Ok(out)
}

/// The md5 (hex) of a stored member's data.
pub(crate) fn member_md5<R: Read + Seek>(f: &mut R, m: &Member) -> std::io::Result<String> {
    if m.method != 0 {
        return Err(invalid("a compressed member (only stored ones are read)"));
    }
    f.seek(SeekFrom::Start(m.offset))?;
    let mut h = [0u8; 30];
    f.read_exact(&mut h)?;
    if u32_at(&h, 0) != 0x0403_4b50 {
        return Err(invalid("a member without its local header"));
    }
    let skip = u64::from(u16_at(&h, 26)) + u64::from(u16_at(&h, 28));
    f.seek(SeekFrom::Current(skip as i64))?;
    let mut md5 = Md5::new();
    let mut left = m.compressed;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        f.read_exact(&mut buf[..want])?;
        md5.update(&buf[..want]);
        left -= want as u64;
    }
    Ok(super::hex(&md5.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored archive as InvenioRDM writes it (ZIP64 local headers, data descriptors), made
    /// by hand: one member per (name, bytes).
    fn archive(files: &[(&str, &[u8])], zip64_end: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in files {
            let offset = out.len() as u64;
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[45, 0, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&u32::MAX.to_le_bytes());
            out.extend_from_slice(&u32::MAX.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&[1, 0, 16, 0]);
            out.extend_from_slice(&[0u8; 16]);
            out.extend_from_slice(data);
            out.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
            out.extend_from_slice(&[0u8; 4]);
            out.extend_from_slice(&(data.len() as u64).to_le_bytes());
            out.extend_from_slice(&(data.len() as u64).to_le_bytes());
            // Central entry: sizes and offset in a ZIP64 extra field.
            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            central.extend_from_slice(&[45, 3, 45, 0, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&u32::MAX.to_le_bytes());
            central.extend_from_slice(&u32::MAX.to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&28u16.to_le_bytes());
            central.extend_from_slice(&[0u8; 6]); // comment, disk, internal attributes
            central.extend_from_slice(&[0, 0, 0xA4, 0x81]);
            central.extend_from_slice(&u32::MAX.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
            central.extend_from_slice(&[1, 0, 24, 0]);
            central.extend_from_slice(&(data.len() as u64).to_le_bytes());
            central.extend_from_slice(&(data.len() as u64).to_le_bytes());
            central.extend_from_slice(&offset.to_le_bytes());
        }
        let start = out.len() as u64;
        let size = central.len() as u64;
        out.extend_from_slice(&central);
        let n = files.len() as u64;
        if zip64_end {
            let record = out.len() as u64;
            out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&record.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        let (c16, s32, o32) = if zip64_end {
            (0xFFFF, u32::MAX, u32::MAX)
        } else {
            (n as u16, size as u32, start as u32)
        };
        out.extend_from_slice(&c16.to_le_bytes());
        out.extend_from_slice(&c16.to_le_bytes());
        out.extend_from_slice(&s32.to_le_bytes());
        out.extend_from_slice(&o32.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// A stored archive with no ZIP64 anywhere (sizes and offsets in the 32-bit fields), as
    /// most tools write small archives.
    fn plain_archive(files: &[(&str, &[u8])]) -> Vec<u8> {
        archive_with_offsets(files, false)
    }

    /// [`plain_archive`], or with each member's offset alone in a ZIP64 extra field that
    /// follows another extra field (a timestamp), its sizes in the 32-bit fields, and a
    /// comment.
    fn archive_with_offsets(files: &[(&str, &[u8])], offset_in_zip64: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in files {
            let offset = out.len() as u32;
            let len = (data.len() as u32).to_le_bytes();
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&len);
            out.extend_from_slice(&len);
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            central.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&len);
            central.extend_from_slice(&len);
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            let mut extra = Vec::new();
            if offset_in_zip64 {
                extra.extend_from_slice(&[0x55, 0x54, 5, 0, 1, 0x10, 0x20, 0x30, 0x40]);
                extra.extend_from_slice(&[1, 0, 8, 0]);
                extra.extend_from_slice(&u64::from(offset).to_le_bytes());
            }
            let comment: &[u8] = if offset_in_zip64 { b"note" } else { b"" };
            central.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            central.extend_from_slice(&(comment.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0u8; 4]); // disk, internal attributes
            central.extend_from_slice(&[0, 0, 0xA4, 0x81]);
            let marked = if offset_in_zip64 { u32::MAX } else { offset };
            central.extend_from_slice(&marked.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
            central.extend_from_slice(&extra);
            central.extend_from_slice(comment);
        }
        let (start, size, n) = (out.len() as u32, central.len() as u32, files.len() as u16);
        out.extend_from_slice(&central);
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// Where the end of central directory record starts (archives without a comment).
    fn eocd(a: &[u8]) -> usize {
        a.len() - 22
    }

    fn error_of(bytes: Vec<u8>) -> String {
        let mut f = std::io::Cursor::new(bytes);
        match members(&mut f) {
            Ok(m) => panic!("read as {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn md5_hex(b: &[u8]) -> String {
        super::super::hex(&Md5::digest(b))
    }

    #[test]
    fn members_and_their_md5s_are_read_with_and_without_a_zip64_end() {
        let files: [(&str, &[u8]); 3] = [
            ("a.csv", b"a,b\n1,2\n"),
            ("dir/b.bin", &[7u8; 70_000]),
            ("empty", b""),
        ];
        for zip64 in [false, true] {
            let bytes = archive(&files, zip64);
            let mut f = std::io::Cursor::new(bytes);
            let ms = members(&mut f).expect("members");
            let names: Vec<&str> = ms.iter().map(|m| m.name.as_str()).collect();
            assert_eq!(names, ["a.csv", "dir/b.bin", "empty"]);
            for (m, (_, data)) in ms.iter().zip(files.iter()) {
                assert_eq!(m.size, data.len() as u64);
                assert_eq!(member_md5(&mut f, m).expect("md5"), md5_hex(data));
            }
        }
    }

    #[test]
    fn what_is_not_an_archive_is_an_error_not_a_panic() {
        for bytes in [
            Vec::new(),
            b"PK\x05\x06".to_vec(),
            vec![0u8; 100],
            {
                // An end record pointing past the file.
                let mut a = archive(&[("a", b"x")], false);
                let n = a.len();
                a[n - 6..n - 2].copy_from_slice(&u32::MAX.to_le_bytes());
                a
            },
            {
                // Truncated in the middle of the central directory.
                let a = archive(&[("a", b"x"), ("b", b"y")], false);
                a[..a.len() - 40].to_vec()
            },
        ] {
            let mut f = std::io::Cursor::new(bytes);
            assert!(members(&mut f).is_err());
        }
        // A compressed member is not read.
        let m = Member {
            name: "x".into(),
            method: 8,
            compressed: 1,
            size: 1,
            offset: 0,
        };
        let mut f = std::io::Cursor::new(archive(&[("x", b"x")], false));
        assert!(member_md5(&mut f, &m).is_err());
    }

    #[test]
    fn an_archive_without_zip64_is_read_down_to_an_empty_last_name() {
        let files: [(&str, &[u8]); 3] = [("a.csv", b"a,b\n1,2\n"), ("b", &[9u8; 5000]), ("", b"z")];
        let mut f = std::io::Cursor::new(plain_archive(&files));
        let ms = members(&mut f).expect("members");
        assert_eq!(ms.len(), 3);
        for (m, (name, data)) in ms.iter().zip(files.iter()) {
            assert_eq!(
                (m.name.as_str(), m.size, m.compressed),
                (*name, data.len() as u64, data.len() as u64)
            );
            assert_eq!(member_md5(&mut f, m).expect("md5"), md5_hex(data));
        }
    }

    #[test]
    fn only_the_values_marked_are_taken_from_the_zip64_field_after_other_fields() {
        let files: [(&str, &[u8]); 2] = [("first", &[1u8; 300]), ("second", b"two")];
        let mut f = std::io::Cursor::new(archive_with_offsets(&files, true));
        let ms = members(&mut f).expect("members");
        assert_eq!(ms.len(), 2);
        for (m, (name, data)) in ms.iter().zip(files.iter()) {
            assert_eq!(
                (m.name.as_str(), m.size, m.compressed),
                (*name, data.len() as u64, data.len() as u64)
            );
            assert_eq!(member_md5(&mut f, m).expect("md5"), md5_hex(data));
        }
        assert_eq!(ms[1].offset, 30 + 5 + 300);
    }

    #[test]
    fn many_members_are_all_read() {
        let names: Vec<String> = (0..60).map(|i| format!("m{i}")).collect();
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), n.as_bytes())).collect();
        for bytes in [plain_archive(&files), archive(&files, true)] {
            let ms = members(&mut std::io::Cursor::new(bytes)).expect("members");
            assert_eq!(ms.len(), 60);
            assert_eq!(ms[59].name, "m59");
        }
    }

    #[test]
    fn any_one_of_the_three_zip64_markers_sends_the_reader_to_the_zip64_record() {
        let files: [(&str, &[u8]); 2] = [("a", b"alpha"), ("b", b"beta")];
        let whole = archive(&files, true);
        let at = eocd(&whole);
        // The values the ZIP64 record holds, written in the 32-bit fields, with one marker left.
        let record = u64_at(&whole, at - 20 + 8) as usize;
        let (count, size, start) = (
            u64_at(&whole, record + 32),
            u64_at(&whole, record + 40),
            u64_at(&whole, record + 48),
        );
        for keep in 0..3 {
            let mut a = whole.clone();
            if keep != 0 {
                a[at + 8..at + 10].copy_from_slice(&(count as u16).to_le_bytes());
                a[at + 10..at + 12].copy_from_slice(&(count as u16).to_le_bytes());
            }
            if keep != 1 {
                a[at + 12..at + 16].copy_from_slice(&(size as u32).to_le_bytes());
            }
            if keep != 2 {
                a[at + 16..at + 20].copy_from_slice(&(start as u32).to_le_bytes());
            }
            // Make the 32-bit fields lie where they do not carry the marker, so that only
            // the ZIP64 record gives the right answer.
            let mut lie = a.clone();
            if keep != 1 {
                lie[at + 12..at + 16].copy_from_slice(&1u32.to_le_bytes());
            }
            for bytes in [a, lie] {
                let ms = members(&mut std::io::Cursor::new(bytes)).expect("members");
                let names: Vec<&str> = ms.iter().map(|m| m.name.as_str()).collect();
                assert_eq!(names, ["a", "b"], "marker {keep}");
            }
        }
    }

    #[test]
    fn a_central_directory_that_does_not_fit_is_named_and_nothing_panics() {
        let files: [(&str, &[u8]); 2] = [("a", b"x"), ("b", b"y")];
        let plain = plain_archive(&files);
        let at = eocd(&plain);
        let start = u32_at(&plain, at + 16);
        let size = u32_at(&plain, at + 12);
        // Ending past the end of the file (by one byte).
        let mut a = plain.clone();
        let past = (plain.len() as u32 - start) + 1;
        a[at + 12..at + 16].copy_from_slice(&past.to_le_bytes());
        assert!(error_of(a).contains("outside the file"));
        // More entries than its size can hold, in the end record and in a ZIP64 record.
        let mut a = plain.clone();
        let too_many = (size / 46 + 2) as u16;
        a[at + 10..at + 12].copy_from_slice(&too_many.to_le_bytes());
        assert!(error_of(a).contains("more entries"));
        let mut z = archive(&files, true);
        let record = u64_at(&z, eocd(&z) - 20 + 8) as usize;
        z[record + 32..record + 40].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(error_of(z).contains("more entries"));
        // A directory said to be shorter than its one entry.
        let one = plain_archive(&[("a", b"x")]);
        let at = eocd(&one);
        let mut a = one.clone();
        a[at + 12..at + 16].copy_from_slice(&30u32.to_le_bytes());
        assert!(error_of(a).contains("broken central directory entry"));
        // An entry whose name, extra field or comment runs past the directory.
        for field in [28, 30, 32] {
            let mut a = one.clone();
            let entry = u32_at(&one, at + 16) as usize;
            a[entry + field..entry + field + 2].copy_from_slice(&1000u16.to_le_bytes());
            assert!(error_of(a).contains("past its end"), "field at {field}");
        }
    }
}
