use inveniordm_models::{
    AccessLink, ContainerListing, FileEntry, Files, Record, Results, Revision, SearchQuery,
};
use reqwest::Method;

use super::content::Download;
use crate::{Client, Result};

/// Published records. See [`Client::records`].
#[derive(Debug, Clone, Copy)]
pub struct RecordsApi<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> RecordsApi<'a> {
    /// Access links of a record (`/records/{id}/access/links`).
    pub fn access_links(&self) -> AccessLinksApi<'a> {
        AccessLinksApi {
            client: self.client,
        }
    }

    /// `GET /api/records/{id}`: a published record. A parent id redirects to the latest version.
    pub async fn get(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id])?;
        self.client
            .record(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records/{id}/files`: the file listing.
    pub async fn files(&self, id: &str) -> Result<Files> {
        let url = self.client.url(&["records", id, "files"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records/{id}/files-archive`: every file of the record in one ZIP, as a stream
    /// (the server writes it as it goes: stored, not compressed, with no checksum of its own;
    /// [`RepoApi::download_archive`](crate::repo::RepoApi::download_archive) checks each member
    /// against the record's md5s).
    pub async fn files_archive(&self, id: &str) -> Result<Download> {
        let url = self.client.url(&["records", id, "files-archive"])?;
        Download::start(self.client, url, None).await
    }

    /// `GET /api/records/{id}/revisions` (administrators): every stored state of a published
    /// record, newest first.
    pub async fn revisions(&self, id: &str) -> Result<Vec<Revision>> {
        let url = self.client.url(&["records", id, "revisions"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records/{id}/revisions/{revision_id}` (administrators): one stored state.
    pub async fn revision(&self, id: &str, revision_id: u64) -> Result<Revision> {
        let rev = revision_id.to_string();
        let url = self.client.url(&["records", id, "revisions", &rev])?;
        let list: Vec<Revision> = self
            .client
            .json(self.client.request(Method::GET, url))
            .await?;
        list.into_iter().next().ok_or_else(|| {
            crate::Error::unexpected(
                format!("GET /api/records/{id}/revisions/{rev}"),
                "the answer lists no revision",
            )
        })
    }

    /// `GET /api/records/{id}/files/{key}`: one file's metadata.
    pub async fn file_metadata(&self, id: &str, key: &str) -> Result<FileEntry> {
        let url = self.client.url(&["records", id, "files", key])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records/{id}/files/{key}/content`: the file's bytes as a stream (never
    /// buffered whole).
    pub async fn file_download(&self, id: &str, key: &str) -> Result<Download> {
        let url = self.client.url(&["records", id, "files", key, "content"])?;
        Download::start(self.client, url, None).await
    }

    /// `GET /api/records/{id}/files/{key}/container` (InvenioRDM v14): the members of a ZIP
    /// file, read by the server from its table of contents (nothing else is sent). A file
    /// that is not a ZIP is answered 500 by real servers; v13 has no such route (404).
    pub async fn container(&self, id: &str, key: &str) -> Result<ContainerListing> {
        container(self.client, &["records", id, "files", key, "container"]).await
    }

    /// `GET /api/records/{id}/files/{key}/container/{member}` (InvenioRDM v14): one member
    /// of a ZIP file, extracted by the server. To save it checked against the archive's
    /// CRC-32, use [`RepoApi::extract_member`](crate::repo::RepoApi::extract_member).
    pub async fn container_member(&self, id: &str, key: &str, member: &str) -> Result<Download> {
        let mut segs = vec!["records", id, "files", key, "container"];
        segs.extend(member.split('/'));
        Download::start(self.client, self.client.url(&segs)?, None).await
    }

    /// `GET /api/records/{id}/versions?allversions=true`: every published version, newest
    /// first, from every page (`allversions=true` keeps older servers, which filtered to the
    /// latest, correct). The result is one [`Results`] holding all of them.
    pub async fn versions(&self, id: &str) -> Result<Results<Record>> {
        use futures_util::TryStreamExt;
        let first = self
            .versions_page(id, &SearchQuery::all().size(100))
            .await?;
        let mut all = first.clone();
        if first.next_link().is_some() && !first.items().is_empty() {
            // The first page is not fetched again.
            all.hits.hits =
                super::query::follow(self.client.query(), std::future::ready(Ok(first)))
                    .try_collect::<Vec<_>>()
                    .await?;
            all.links = None;
        }
        Ok(all)
    }

    /// Every published version of a record, newest first, page after page, as a stream.
    ///
    /// ```no_run
    /// # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let versions: Vec<_> = client.records().versions_stream("abcd-1234").try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn versions_stream(
        &self,
        id: &str,
    ) -> impl futures_util::Stream<Item = Result<Record>> + Send + use<'a> {
        let api = *self;
        let id = id.to_string();
        super::query::follow(self.client.query(), async move {
            api.versions_page(&id, &SearchQuery::all().size(100)).await
        })
    }

    /// Like [`versions`](Self::versions) with paging arguments.
    pub async fn versions_page(&self, id: &str, query: &SearchQuery) -> Result<Results<Record>> {
        let url = self.client.url(&["records", id, "versions"])?;
        let mut pairs = query.to_pairs();
        if !query.all_versions {
            pairs.push(("allversions".into(), "true".into()));
        }
        let mut req = self.client.request(Method::GET, url).query(&pairs);
        req.accept = self.client.record_accept();
        self.client.json(req).await
    }

    /// `GET /api/records/{id}/versions/latest`: the latest version (the server answers with a
    /// redirect, which is followed).
    pub async fn latest_version(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id, "versions", "latest"])?;
        self.client
            .record(self.client.request(Method::GET, url))
            .await
    }
}

/// Access links of a record. See [`RecordsApi::access_links`].
#[derive(Debug, Clone, Copy)]
pub struct AccessLinksApi<'a> {
    pub(crate) client: &'a Client,
}

impl AccessLinksApi<'_> {
    /// `GET /api/records/{id}/access/links`.
    pub async fn list(&self, id: &str) -> Result<Results<AccessLink>> {
        let url = self.client.url(&["records", id, "access", "links"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records/{id}/access/links/{link_id}`.
    pub async fn get(&self, id: &str, link_id: &str) -> Result<AccessLink> {
        let url = self
            .client
            .url(&["records", id, "access", "links", link_id])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `POST /api/records/{id}/access/links`: creates a link (permission defaults to `view`).
    pub async fn create(&self, id: &str, link: &AccessLink) -> Result<AccessLink> {
        let url = self.client.url(&["records", id, "access", "links"])?;
        let mut body = writable(link);
        if body.permission.is_none() {
            body.permission = Some(inveniordm_models::LinkPermission::View);
        }
        let req = self.client.request(Method::POST, url).json_body(&body)?;
        self.client.json(req).await
    }

    /// `PATCH /api/records/{id}/access/links/{link_id}`: changes permission, expiry or
    /// description (`PUT` is refused by the server).
    pub async fn update(&self, id: &str, link_id: &str, link: &AccessLink) -> Result<AccessLink> {
        let url = self
            .client
            .url(&["records", id, "access", "links", link_id])?;
        let req = self
            .client
            .request(Method::PATCH, url)
            .json_body(&writable(link))?;
        self.client.json(req).await
    }

    /// `DELETE /api/records/{id}/access/links/{link_id}`.
    pub async fn delete(&self, id: &str, link_id: &str) -> Result<()> {
        let url = self
            .client
            .url(&["records", id, "access", "links", link_id])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }
}

/// The fields of a link the server accepts on input.
fn writable(link: &AccessLink) -> AccessLink {
    AccessLink {
        permission: link.permission.clone(),
        expires_at: link.expires_at.clone(),
        description: link.description.clone(),
        ..AccessLink::default()
    }
}

/// A ZIP file's listing at `segs`.
pub(crate) async fn container(client: &Client, segs: &[&str]) -> Result<ContainerListing> {
    let url = client.url(segs)?;
    client.json(client.request(Method::GET, url)).await
}
