//! What an opened envelope says about who made it, for the collusion indicators: each file's hash
//! and the metadata office documents and PDFs carry (author, creating software, creation time,
//! organisation). Read from bytes already in memory, bounded so a hostile file costs no more than
//! a few small reads.

use crate::db::Tx;
use crate::error::{OrInternal, ServiceResult};
use crate::tx_exec;
use ggzy_core::collusion::{Contact, FileTrace};
use ggzy_core::evaluation::BidForm;
use std::io::{Cursor, Read};
use uuid::Uuid;

/// The most of a metadata part or PDF tail ever read.
const META_BYTES: u64 = 64 * 1024;
/// The longest value kept.
const VALUE_CHARS: usize = 200;

/// What an opened bid declares and carries beyond its form, kept for the collusion indicators.
pub struct Declared {
    pub bond_account: Option<String>,
    pub contact: Contact,
    pub files: Vec<FileTrace>,
}

/// Keep what an opened bid declares and carries, beside its row in `bids`.
pub(crate) async fn keep(
    tx: &mut Tx,
    lot_id: Uuid,
    bid_id: Uuid,
    form: &BidForm,
    d: &Declared,
) -> ServiceResult<()> {
    let (corrected, _) = ggzy_core::evaluation::corrected_price(form);
    let error = form.price.fen() - corrected.fen();
    let files = serde_json::to_string(&d.files).or_internal()?;
    tx_exec!(
        tx,
        "INSERT INTO bid_traces (bid_id, lot_id, bond_account, contact_name, contact_phone, contact_email, project_manager, price, price_error, files) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        bid_id,
        lot_id,
        d.bond_account.as_deref(),
        d.contact.name.as_deref(),
        d.contact.phone.as_deref(),
        d.contact.email.as_deref(),
        &form.project_manager,
        form.price.fen(),
        (error != 0).then_some(error),
        &files
    );
    Ok(())
}

pub fn file_trace(name: &str, bytes: &[u8]) -> FileTrace {
    let mut f = FileTrace {
        name: name.chars().take(VALUE_CHARS).collect(),
        sm3: ggzy_seal::to_hex(&ggzy_seal::sm3(&[bytes])),
        size: bytes.len() as u64,
        ..FileTrace::default()
    };
    if bytes.starts_with(b"PK\x03\x04") {
        office(bytes, &mut f);
    } else if bytes.starts_with(b"%PDF") {
        pdf(bytes, &mut f);
    }
    f
}

/// OOXML (docx, xlsx, pptx): docProps/core.xml and docProps/app.xml.
fn office(bytes: &[u8], f: &mut FileTrace) {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return;
    };
    let mut part = |name: &str| -> Option<String> {
        let entry = zip.by_name(name).ok()?;
        let mut s = String::new();
        entry.take(META_BYTES).read_to_string(&mut s).ok()?;
        Some(s)
    };
    if let Some(core) = part("docProps/core.xml") {
        f.author = xml_value(&core, "dc:creator");
        f.created = xml_value(&core, "dcterms:created");
    }
    if let Some(app) = part("docProps/app.xml") {
        f.software = xml_value(&app, "Application");
        f.company = xml_value(&app, "Company");
    }
}

/// The text of the first `<tag …>text</tag>`, unescaped, or nothing when empty.
fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = xml.find(&format!("<{tag}"))?;
    let start = open + xml[open..].find('>')? + 1;
    if xml[..start].ends_with("/>") {
        return None;
    }
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    let v = xml[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    kept(&v)
}

fn kept(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.chars().take(VALUE_CHARS).collect())
}

/// A PDF's document information: the dictionary sits in the trailer's reach, so the head and the
/// tail are read, never the whole file.
fn pdf(bytes: &[u8], f: &mut FileTrace) {
    let n = META_BYTES as usize;
    let head = &bytes[..bytes.len().min(n)];
    let tail = &bytes[bytes.len().saturating_sub(n)..];
    for part in [tail, head] {
        f.author = f.author.take().or_else(|| pdf_string(part, b"/Author"));
        f.software = f
            .software
            .take()
            .or_else(|| pdf_string(part, b"/Creator"))
            .or_else(|| pdf_string(part, b"/Producer"));
        f.created = f
            .created
            .take()
            .or_else(|| pdf_string(part, b"/CreationDate"));
    }
}

/// The string after `key`: a literal `( … )` with its escapes, or a hex `< … >` (UTF-16BE with a
/// byte-order mark, as PDFs write non-Latin text, else Latin-1).
fn pdf_string(b: &[u8], key: &[u8]) -> Option<String> {
    let at = b.windows(key.len()).position(|w| w == key)? + key.len();
    let rest = &b[at..];
    let skip = rest.iter().position(|c| !c.is_ascii_whitespace())?;
    let rest = &rest[skip..];
    let raw: Vec<u8> = match rest.first()? {
        b'(' => {
            let mut out = vec![];
            let mut depth = 0usize;
            let mut it = rest[1..].iter();
            while let Some(&c) = it.next() {
                match c {
                    b'\\' => match it.next() {
                        Some(b'n') => out.push(b'\n'),
                        Some(&e) => out.push(e),
                        None => break,
                    },
                    b'(' => {
                        depth += 1;
                        out.push(c);
                    }
                    b')' if depth == 0 => break,
                    b')' => {
                        depth -= 1;
                        out.push(c);
                    }
                    _ => out.push(c),
                }
                if out.len() > VALUE_CHARS * 4 {
                    break;
                }
            }
            out
        }
        b'<' => {
            let end = rest.iter().position(|c| *c == b'>')?;
            let hex: Vec<u8> = rest[1..end]
                .iter()
                .copied()
                .filter(u8::is_ascii_hexdigit)
                .collect();
            hex.chunks(2)
                .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                .collect()
        }
        _ => return None,
    };
    let text = if let Some(utf16) = raw.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        raw.iter().map(|&c| c as char).collect()
    };
    kept(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn docx(author: &str, app: &str, created: &str, company: &str) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(vec![]));
        let o = zip::write::SimpleFileOptions::default();
        w.start_file("docProps/core.xml", o).expect("zip");
        write!(
            w,
            r#"<?xml version="1.0"?><cp:coreProperties><dc:creator>{author}</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created></cp:coreProperties>"#
        )
        .expect("zip");
        w.start_file("docProps/app.xml", o).expect("zip");
        write!(
            w,
            r#"<Properties><Application>{app}</Application><Company>{company}</Company></Properties>"#
        )
        .expect("zip");
        w.finish().expect("zip").into_inner()
    }

    #[test]
    fn office_metadata_is_read() {
        let f = file_trace(
            "技术标.docx",
            &docx(
                "张三 &amp; 李四",
                "WPS Office",
                "2026-03-01T09:00:00Z",
                "某建设有限公司",
            ),
        );
        assert_eq!(f.author.as_deref(), Some("张三 & 李四"));
        assert_eq!(f.software.as_deref(), Some("WPS Office"));
        assert_eq!(f.created.as_deref(), Some("2026-03-01T09:00:00Z"));
        assert_eq!(f.company.as_deref(), Some("某建设有限公司"));
        assert_eq!(f.sm3.len(), 64);
    }

    #[test]
    fn pdf_information_literal_and_utf16() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<< /Author <FEFF5F204E09> /Creator (Microsoft\\(R\\) Word) /CreationDate (D:20260301090000+08'00') >>\nendobj\n%%EOF";
        let f = file_trace("a.pdf", pdf);
        assert_eq!(f.author.as_deref(), Some("张三"));
        assert_eq!(f.software.as_deref(), Some("Microsoft(R) Word"));
        assert_eq!(f.created.as_deref(), Some("D:20260301090000+08'00'"));
    }

    #[test]
    fn anything_else_is_only_hashed() {
        let f = file_trace("说明.txt", b"plain");
        assert_eq!((f.author, f.software, f.created), (None, None, None));
        // A broken archive is hashed and otherwise ignored.
        let g = file_trace("x.docx", b"PK\x03\x04broken");
        assert_eq!(g.author, None);
    }
}
