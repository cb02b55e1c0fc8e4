//! OAI-PMH (`/oai2d`): the harvesting protocol InvenioRDM serves beside its REST API, and the
//! only one some instances open to the public. Records come as XML in a metadata format
//! (`oai_dc`, `datacite`, `marcxml`, …), a page at a time, the next page named by a
//! resumption token; communities are sets (`community-{slug}`).

use futures_util::Stream;
use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::Method;

use crate::{Client, Error, Result};

/// What to harvest, for [`OaiApi::list_records`].
///
/// ```
/// use inveniordm::api::OaiQuery;
/// let q = OaiQuery::new("oai_dc").set("community-ocean-lab").from("2026-12-01T00:00:00Z");
/// assert_eq!(q.set.as_deref(), Some("community-ocean-lab"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OaiQuery {
    /// The metadata format (`oai_dc`, `datacite`, `oai_datacite`, `marcxml`, …).
    pub metadata_prefix: String,
    /// Only the records of this set (a community is `community-{slug}`).
    pub set: Option<String>,
    /// Only records changed at or after this time (`YYYY-MM-DDThh:mm:ssZ` or a date).
    pub from: Option<String>,
    /// Only records changed at or before this time.
    pub until: Option<String>,
}

impl OaiQuery {
    /// Every record, in `metadata_prefix`.
    pub fn new(metadata_prefix: impl Into<String>) -> Self {
        Self {
            metadata_prefix: metadata_prefix.into(),
            set: None,
            from: None,
            until: None,
        }
    }

    /// Only the records of `set`.
    pub fn set(mut self, set: impl Into<String>) -> Self {
        self.set = Some(set.into());
        self
    }

    /// Only records changed since `from`.
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Only records changed until `until`.
    pub fn until(mut self, until: impl Into<String>) -> Self {
        self.until = Some(until.into());
        self
    }
}

/// One harvested record.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OaiRecord {
    /// Its OAI identifier (`oai:{repository}:{record id}` on InvenioRDM).
    pub identifier: String,
    /// When it last changed (`YYYY-MM-DDThh:mm:ssZ`).
    pub datestamp: String,
    /// The sets it is in, as the server names them in its header.
    pub sets: Vec<String>,
    /// Whether the server says it was deleted (then it has no metadata).
    pub deleted: bool,
    /// The metadata, as the XML text the server sent (one element: `<oai_dc:dc …>…`).
    pub metadata: Option<String>,
}

impl OaiRecord {
    /// The record's own id: the identifier's part after its last `:`.
    pub fn record_id(&self) -> &str {
        self.identifier
            .rsplit(':')
            .next()
            .unwrap_or(&self.identifier)
    }
}

/// A page of a harvest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OaiPage {
    /// When the server answered (`responseDate`): where the next incremental harvest starts.
    pub response_date: String,
    /// The records of this page.
    pub records: Vec<OaiRecord>,
    /// The token of the next page; `None` on the last.
    pub resumption_token: Option<String>,
    /// How many records the whole list holds, when the server says.
    pub complete_list_size: Option<u64>,
}

/// A set the server serves.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OaiSet {
    /// Its spec (`community-{slug}` for a community).
    pub spec: String,
    /// Its name.
    pub name: String,
}

/// The most pages one harvest follows (a server repeating a token cannot loop forever).
const MAX_PAGES: usize = 1_000_000;

/// OAI-PMH. See [`Client::oai`].
#[derive(Debug, Clone, Copy)]
pub struct OaiApi<'a> {
    pub(crate) client: &'a Client,
}

impl Client {
    /// OAI-PMH harvesting (`/oai2d`): records as XML, page after page, by set and date.
    pub fn oai(&self) -> OaiApi<'_> {
        OaiApi { client: self }
    }
}

impl<'a> OaiApi<'a> {
    async fn get(&self, pairs: &[(String, String)]) -> Result<String> {
        let url = self.client.site_url(&["oai2d"])?;
        let context = format!("GET {}", url.path());
        let mut req = self.client.request(Method::GET, url).query(pairs);
        req.accept = "text/xml";
        let resp = match self.client.execute(req).await {
            Ok(r) => r,
            // invenio-oaiserver sends its protocol errors with a 422: read as the protocol's.
            Err(Error::Api {
                status: 422,
                message,
                ..
            }) if message.contains(": ") || message.ends_with(':') => {
                let (code, text) = message.split_once(':').unwrap_or((&message, ""));
                return Ok(format!(
                    "<OAI-PMH><error code=\"{}\">{}</error></OAI-PMH>",
                    code.trim(),
                    quick_xml::escape::escape(text.trim())
                ));
            }
            Err(e) => return Err(e),
        };
        let body = self.client.read_body(&context, resp).await?;
        String::from_utf8(body.to_vec())
            .map_err(|_| Error::unexpected(context, "the OAI-PMH answer is not UTF-8"))
    }

    /// `verb=ListSets`: every set (the server's own, and one per community).
    pub async fn list_sets(&self) -> Result<Vec<OaiSet>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let pairs = match &token {
                Some(t) => vec![pair("verb", "ListSets"), pair("resumptionToken", t)],
                None => vec![pair("verb", "ListSets")],
            };
            let xml = self.get(&pairs).await?;
            let page = parse(&xml)?;
            out.extend(page.sets);
            match page.token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
        Err(Error::unexpected(
            "OAI-PMH ListSets",
            "the list never ended",
        ))
    }

    /// `verb=ListRecords`: one page (the first, or the one `resumption_token` names). An
    /// empty harvest (`noRecordsMatch`) is a page without records.
    pub async fn list_records(
        &self,
        query: &OaiQuery,
        resumption_token: Option<&str>,
    ) -> Result<OaiPage> {
        let pairs = match resumption_token {
            Some(t) => vec![pair("verb", "ListRecords"), pair("resumptionToken", t)],
            None => {
                let mut p = vec![
                    pair("verb", "ListRecords"),
                    pair("metadataPrefix", &query.metadata_prefix),
                ];
                if let Some(s) = &query.set {
                    p.push(pair("set", s));
                }
                if let Some(f) = &query.from {
                    p.push(pair("from", f));
                }
                if let Some(u) = &query.until {
                    p.push(pair("until", u));
                }
                p
            }
        };
        let xml = self.get(&pairs).await?;
        let parsed = parse(&xml)?;
        Ok(OaiPage {
            response_date: parsed.response_date,
            records: parsed.records,
            resumption_token: parsed.token.filter(|t| !t.is_empty()),
            complete_list_size: parsed.complete_list_size,
        })
    }

    /// Every record `query` matches, following the resumption tokens, as a stream. (On
    /// InvenioRDM a token lapses a minute after its page: read the stream steadily.)
    pub fn records(&self, query: OaiQuery) -> impl Stream<Item = Result<OaiRecord>> + Send + 'a {
        let api = *self;
        futures_util::stream::try_unfold(
            (Some(None::<String>), 0usize, query),
            move |(next, pages, query)| async move {
                let Some(token) = next else {
                    return Ok(None);
                };
                if pages >= MAX_PAGES {
                    return Err(Error::unexpected(
                        "OAI-PMH ListRecords",
                        "the list never ended",
                    ));
                }
                let page = api.list_records(&query, token.as_deref()).await?;
                let following = page.resumption_token.clone().map(Some);
                Ok(Some((
                    futures_util::stream::iter(page.records.into_iter().map(Ok)),
                    (following, pages + 1, query),
                )))
            },
        )
        .try_flatten()
    }
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

use futures_util::TryStreamExt;

/// What one OAI-PMH answer holds.
#[derive(Debug, Default)]
struct Parsed {
    response_date: String,
    records: Vec<OaiRecord>,
    sets: Vec<OaiSet>,
    token: Option<String>,
    complete_list_size: Option<u64>,
}

/// Reads an OAI-PMH answer; an `<error>` other than `noRecordsMatch` is an error.
fn parse(xml: &str) -> Result<Parsed> {
    let bad = |m: String| Error::unexpected("reading an OAI-PMH answer", m);
    let mut reader = Reader::from_str(xml);
    let mut out = Parsed::default();
    let mut path: Vec<String> = Vec::new();
    let mut record = OaiRecord::default();
    let mut set = OaiSet::default();
    let mut metadata_start: Option<usize> = None;
    let mut error_code: Option<String> = None;
    let mut error_text = String::new();
    let mut text = String::new();
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| bad(e.to_string()))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                text.clear();
                match name.as_str() {
                    "record"
                        if path
                            .last()
                            .is_some_and(|p| p == "ListRecords" || p == "GetRecord") =>
                    {
                        record = OaiRecord::default();
                    }
                    "header" if path.last().is_some_and(|p| p == "record") => {
                        record.deleted = e
                            .attributes()
                            .flatten()
                            .any(|a| a.key.as_ref() == b"status" && a.value.as_ref() == b"deleted");
                    }
                    "metadata" if path.last().is_some_and(|p| p == "record") => {
                        metadata_start = Some(reader.buffer_position() as usize);
                    }
                    "resumptionToken" => {
                        out.complete_list_size = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == b"completeListSize")
                            .and_then(|a| String::from_utf8_lossy(&a.value).parse().ok());
                        out.token = Some(String::new());
                    }
                    "error" if path.len() == 1 => {
                        error_code = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == b"code")
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    }
                    _ => {}
                }
                path.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "error" && path.len() == 1 {
                    error_code = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"code")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                }
                if name == "resumptionToken" {
                    out.token = Some(String::new());
                }
            }
            Event::Text(t) => {
                text.push_str(&t.decode().map_err(|e| bad(e.to_string()))?);
            }
            // Entities come apart from the text: `&amp;`, `&#233;`, ….
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| bad(e.to_string()))?;
                let resolved = match r.resolve_char_ref().map_err(|e| bad(e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .map(str::to_string)
                        .ok_or_else(|| bad(format!("an unknown entity &{name};")))?,
                };
                text.push_str(&resolved);
            }
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                path.pop();
                let parent = path.last().map(String::as_str).unwrap_or("");
                let value = text.trim().to_string();
                match (parent, name.as_str()) {
                    ("OAI-PMH", "responseDate") => out.response_date = value,
                    ("OAI-PMH", "error") => error_text = value,
                    ("header", "identifier") => record.identifier = value,
                    ("header", "datestamp") => record.datestamp = value,
                    ("header", "setSpec") => record.sets.push(value),
                    ("record", "metadata") => {
                        if let Some(start) = metadata_start.take() {
                            record.metadata = xml.get(start..before).map(|m| m.trim().to_string());
                        }
                    }
                    (_, "record") if parent == "ListRecords" || parent == "GetRecord" => {
                        out.records.push(std::mem::take(&mut record));
                    }
                    (_, "resumptionToken") => out.token = Some(value),
                    ("set", "setSpec") => set.spec = value,
                    ("set", "setName") => set.name = value,
                    ("ListSets", "set") => out.sets.push(std::mem::take(&mut set)),
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match error_code.as_deref() {
        None | Some("noRecordsMatch") => Ok(out),
        Some(code @ ("badArgument" | "cannotDisseminateFormat" | "noSetHierarchy")) => {
            Err(Error::Usage(format!(
                "the OAI-PMH server refused the harvest ({code}): {error_text}"
            )))
        }
        Some(code) => Err(bad(format!("{code}: {error_text}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_page_with_records_a_deleted_one_and_a_token() {
        let xml = r#"<?xml version='1.0' encoding='UTF-8'?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-07T02:18:38Z</responseDate>
<request verb="ListRecords">http://x/oai2d</request><ListRecords>
<record><header><identifier>oai:x:ab12c-3de45</identifier><datestamp>2026-12-07T02:18:33Z</datestamp><setSpec>community-a</setSpec></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Sea &amp; ice</dc:title></oai_dc:dc></metadata></record>
<record><header status="deleted"><identifier>oai:x:zz999-99999</identifier><datestamp>2026-12-07T03:00:00Z</datestamp></header></record>
<resumptionToken completeListSize="12" cursor="0">tok-1</resumptionToken></ListRecords></OAI-PMH>"#;
        let p = parse(xml).expect("parsed");
        assert_eq!(p.response_date, "2026-12-07T02:18:38Z");
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[0].record_id(), "ab12c-3de45");
        assert_eq!(p.records[0].sets, ["community-a"]);
        let m = p.records[0].metadata.as_deref().expect("metadata");
        assert!(
            m.starts_with("<oai_dc:dc") && m.ends_with("</oai_dc:dc>"),
            "{m}"
        );
        assert!(m.contains("Sea &amp; ice"), "the XML as sent: {m}");
        assert!(p.records[1].deleted && p.records[1].metadata.is_none());
        assert_eq!(p.token.as_deref(), Some("tok-1"));
        assert_eq!(p.complete_list_size, Some(12));
    }

    #[test]
    fn errors_are_errors_and_no_records_is_empty() {
        let empty = r#"<OAI-PMH><responseDate>d</responseDate><error code="noRecordsMatch"></error></OAI-PMH>"#;
        assert!(parse(empty).expect("empty").records.is_empty());
        let bad = r#"<OAI-PMH><responseDate>d</responseDate><error code="badArgument">metadataPrefix does not exist</error></OAI-PMH>"#;
        let e = parse(bad).expect_err("refused");
        assert!(matches!(e, crate::Error::Usage(_)), "{e}");
        assert!(
            e.to_string().contains("metadataPrefix does not exist"),
            "{e}"
        );
        let token = r#"<OAI-PMH><error code="badResumptionToken">expired</error></OAI-PMH>"#;
        assert!(parse(token).is_err());
        // The last page names no token.
        let last = r#"<OAI-PMH><ListRecords><resumptionToken completeListSize="3" cursor="0"/></ListRecords></OAI-PMH>"#;
        assert_eq!(parse(last).expect("last").token.as_deref(), Some(""));
    }
}
