//! A record in the formats the server exports it in: through `Accept` on the record's API
//! address, or through the site's export route for formats the API does not serve.

use reqwest::Method;

use super::RecordsApi;
use crate::{Error, Result};

/// A format a record can be exported in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportFormat {
    /// `application/json`: the record document.
    Json,
    /// `application/vnd.inveniordm.v1+json`: the record with its `ui` block.
    RdmJson,
    /// `application/ld+json`: schema.org JSON-LD.
    JsonLd,
    /// `application/vnd.citationstyles.csl+json`: CSL-JSON.
    CslJson,
    /// `application/vnd.datacite.datacite+json`: DataCite JSON.
    DataciteJson,
    /// `application/vnd.datacite.datacite+xml`: DataCite XML.
    DataciteXml,
    /// `application/x-dc+xml`: Dublin Core XML.
    DublinCore,
    /// `application/marcxml+xml`: MARC21 XML.
    MarcXml,
    /// `application/dcat+xml`: DCAT-AP.
    Dcat,
    /// `application/vnd.geo+json`: GeoJSON of the locations.
    GeoJson,
    /// `application/x-bibtex`: a BibTeX entry.
    Bibtex,
    /// `application/vnd.inveniordm.v1.full+csv`: every field as CSV.
    Csv,
    /// `application/vnd.inveniordm.v1.simple+csv`: the main fields as CSV.
    CsvSimple,
    /// `application/linkset+json`: the record's links (signposting).
    Linkset,
    /// A format of the site's export route (`/records/{id}/export/{name}`) that the API does
    /// not serve through `Accept`, such as `cff` or `codemeta`.
    Site(String),
}

/// The formats served through `Accept`, with their names and media types.
const ACCEPTED: &[(&str, ExportFormat, &str)] = &[
    ("json", ExportFormat::Json, "application/json"),
    (
        "rdm-json",
        ExportFormat::RdmJson,
        "application/vnd.inveniordm.v1+json",
    ),
    ("json-ld", ExportFormat::JsonLd, "application/ld+json"),
    (
        "csl",
        ExportFormat::CslJson,
        "application/vnd.citationstyles.csl+json",
    ),
    (
        "datacite-json",
        ExportFormat::DataciteJson,
        "application/vnd.datacite.datacite+json",
    ),
    (
        "datacite-xml",
        ExportFormat::DataciteXml,
        "application/vnd.datacite.datacite+xml",
    ),
    (
        "dublincore",
        ExportFormat::DublinCore,
        "application/x-dc+xml",
    ),
    ("marcxml", ExportFormat::MarcXml, "application/marcxml+xml"),
    ("dcat", ExportFormat::Dcat, "application/dcat+xml"),
    ("geojson", ExportFormat::GeoJson, "application/vnd.geo+json"),
    ("bibtex", ExportFormat::Bibtex, "application/x-bibtex"),
    (
        "csv",
        ExportFormat::Csv,
        "application/vnd.inveniordm.v1.full+csv",
    ),
    (
        "csv-simple",
        ExportFormat::CsvSimple,
        "application/vnd.inveniordm.v1.simple+csv",
    ),
    ("linkset", ExportFormat::Linkset, "application/linkset+json"),
];

/// Formats of the site's export route that the API does not serve through `Accept` (a stock
/// v13 and v14; a site may add more, reachable with [`ExportFormat::Site`]).
pub const SITE_FORMATS: &[&str] = &["cff", "codemeta"];

impl ExportFormat {
    /// The format of a name: `bibtex`, `csl`, `datacite-json`, … (see [`names`](Self::names)),
    /// or a known site export such as `cff`; `None` otherwise. (A stock server answers an
    /// unknown name on its export route by closing the connection, so names are checked here.)
    pub fn from_name(name: &str) -> Option<Self> {
        if let Some((_, f, _)) = ACCEPTED.iter().find(|(n, _, _)| *n == name) {
            return Some(f.clone());
        }
        SITE_FORMATS
            .contains(&name)
            .then(|| ExportFormat::Site(name.to_string()))
    }

    /// The names of the formats served through `Accept`, then of the known site formats.
    pub fn names() -> Vec<&'static str> {
        ACCEPTED
            .iter()
            .map(|(n, _, _)| *n)
            .chain(SITE_FORMATS.iter().copied())
            .collect()
    }

    /// The media type asked for with `Accept` (`None` for a site export).
    pub fn media_type(&self) -> Option<&'static str> {
        ACCEPTED
            .iter()
            .find(|(_, f, _)| f == self)
            .map(|(_, _, m)| *m)
    }
}

/// An exported record: the bytes as the server sent them, and their content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The `Content-Type` the server answered with.
    pub content_type: Option<String>,
    /// The document.
    pub bytes: Vec<u8>,
}

impl Export {
    /// The document as text (exports are text formats).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

impl RecordsApi<'_> {
    /// `GET /api/records/{id}` with the format's `Accept` (or, for a site format, the site's
    /// `/records/{id}/export/{name}`): the record in that format. A format the server cannot
    /// produce is answered 406 (or 404 on the export route).
    ///
    /// ```no_run
    /// # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
    /// use inveniordm::api::ExportFormat;
    /// let bib = client.records().export("abcd-1234", &ExportFormat::Bibtex).await?;
    /// println!("{}", bib.text());
    /// # Ok(()) }
    /// ```
    pub async fn export(&self, id: &str, format: &ExportFormat) -> Result<Export> {
        let (url, accept) = match format {
            ExportFormat::Site(name) => (
                self.client.site_url(&["records", id, "export", name])?,
                "*/*",
            ),
            f => (
                self.client.url(&["records", id])?,
                f.media_type()
                    .ok_or_else(|| Error::InvalidArgument(format!("no media type for {f:?}")))?,
            ),
        };
        let context = format!("GET {}", url.path());
        let mut req = self.client.request(Method::GET, url);
        req.accept = accept;
        self.read_export(&context, req).await
    }

    /// `GET /api/records/{id}` with `Accept: text/x-bibliography`: the formatted citation, in
    /// a CSL style (`apa` by default on the server) and locale (`en-US`, …).
    pub async fn cite(
        &self,
        id: &str,
        style: Option<&str>,
        locale: Option<&str>,
    ) -> Result<String> {
        let mut url = self.client.url(&["records", id])?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(s) = style {
                q.append_pair("style", s);
            }
            if let Some(l) = locale {
                q.append_pair("locale", l);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let context = format!("GET {}", url.path());
        let mut req = self.client.request(Method::GET, url);
        req.accept = "text/x-bibliography";
        Ok(self.read_export(&context, req).await?.text())
    }

    async fn read_export(&self, context: &str, req: crate::transport::Request) -> Result<Export> {
        let resp = self.client.execute(req).await?;
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = self.client.read_body(context, resp).await?;
        Ok(Export {
            content_type,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_formats() {
        assert_eq!(
            ExportFormat::from_name("bibtex"),
            Some(ExportFormat::Bibtex)
        );
        assert_eq!(
            ExportFormat::from_name("cff"),
            Some(ExportFormat::Site("cff".into()))
        );
        assert_eq!(ExportFormat::from_name("../x"), None);
        assert_eq!(ExportFormat::from_name("nope"), None);
        assert_eq!(
            ExportFormat::DataciteJson.media_type(),
            Some("application/vnd.datacite.datacite+json")
        );
        assert!(ExportFormat::names().contains(&"codemeta"));
    }
}
