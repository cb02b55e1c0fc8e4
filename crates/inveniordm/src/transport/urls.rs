//! URLs from percent-encoded segments, and the checks that keep the token on its server.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use super::Client;
use crate::error::{Error, Result};

/// Characters kept as-is in a path segment: RFC 3986 unreserved. Everything else, including
/// `/`, `?`, `#`, `%` and space, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Client {
    /// The URL of an API path made of segments; each segment is percent-encoded, so ids and
    /// file keys with `/`, `?`, `#`, `%`, spaces or non-ASCII characters stay one segment.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut path = self.inner.api.path().to_string();
        for (i, seg) in segments.iter().enumerate() {
            if seg.is_empty() || *seg == "." || *seg == ".." {
                return Err(Error::InvalidArgument(format!(
                    "{seg:?} cannot be used as an id or file key in a URL"
                )));
            }
            if i > 0 {
                path.push('/');
            }
            path.extend(utf8_percent_encode(seg, SEGMENT));
        }
        let mut u = self.inner.api.clone();
        u.set_path(&path);
        Ok(u)
    }

    /// The URL of a path of the site (outside the API root) made of encoded segments.
    pub(crate) fn site_url(&self, segments: &[&str]) -> Result<Url> {
        let mut u = self.url(segments)?;
        let api = self.inner.api.path();
        let site = api.strip_suffix("api/").unwrap_or(api);
        let rest = u.path().strip_prefix(api).unwrap_or("").to_string();
        u.set_path(&format!("{site}{rest}"));
        Ok(u)
    }

    /// A URL below the API root given as a relative path with an optional query
    /// (`"records?q=x"`); used by the raw escape hatch.
    pub(crate) fn relative_url(&self, path: &str) -> Result<Url> {
        let p = path.trim_start_matches('/');
        let p = p.strip_prefix("api/").unwrap_or(p);
        if p.contains("://") || p.starts_with("//") {
            return Err(Error::InvalidArgument(format!(
                "{path:?} must be a path relative to the API root, not a URL"
            )));
        }
        let url = self
            .inner
            .api
            .join(p)
            .map_err(|e| Error::InvalidArgument(format!("bad API path {path:?}: {e}")))?;
        if !self.is_this_server(&url) || !url.path().starts_with(self.inner.api.path()) {
            return Err(Error::InvalidArgument(format!(
                "{path:?} must be a path below the API root {}",
                self.inner.api
            )));
        }
        Ok(url)
    }

    /// Whether a URL has the API root's scheme, host and port.
    fn is_this_server(&self, u: &Url) -> bool {
        let a = &self.inner.api;
        u.scheme() == a.scheme()
            && u.host_str() == a.host_str()
            && u.port_or_known_default() == a.port_or_known_default()
    }

    /// Checks that an absolute link from a response (e.g. `links.next`) points at this server,
    /// so that the token is never sent anywhere else.
    pub(crate) fn same_origin(&self, link: &str) -> Result<Url> {
        let u = Url::parse(link).map_err(|e| {
            Error::unexpected("following a link", format!("bad link {link:?}: {e}"))
        })?;
        if !self.is_this_server(&u) {
            return Err(Error::unexpected(
                "following a link",
                format!(
                    "refusing to follow a link to another server: {}",
                    u.origin().ascii_serialization()
                ),
            ));
        }
        Ok(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_one_by_one() {
        let c = Client::new("http://127.0.0.1:1", None).expect("client");
        let u = c
            .url(&[
                "records",
                "ab/c",
                "draft",
                "files",
                "a b#?%ü/x.csv",
                "content",
            ])
            .expect("url");
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:1/api/records/ab%2Fc/draft/files/a%20b%23%3F%25%C3%BC%2Fx.csv/content"
        );
        assert!(c.url(&["records", ".."]).is_err());
        assert_eq!(
            c.site_url(&["records", "a b", "export", "cff"])
                .expect("url")
                .as_str(),
            "http://127.0.0.1:1/records/a%20b/export/cff"
        );
        assert!(c.url(&["records", ""]).is_err());
    }

    #[test]
    fn links_to_other_servers_are_refused() {
        let c = Client::new("http://127.0.0.1:5000", None).expect("client");
        assert!(
            c.same_origin("http://127.0.0.1:5000/api/records?page=2")
                .is_ok()
        );
        assert!(
            c.same_origin("http://evil.example/api/records?page=2")
                .is_err()
        );
        assert!(c.same_origin("https://127.0.0.1:5000/api/records").is_err());
    }
}
