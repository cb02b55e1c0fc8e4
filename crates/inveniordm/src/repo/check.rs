//! Metadata checked before anything is sent: the rules a server validates drafts by
//! ([`inveniordm_models::validate`], the ones the sandbox enforces), with the vocabulary ids
//! looked up on the server (reads only).

use std::cell::RefCell;
use std::collections::BTreeMap;

use inveniordm_models::validate::{self, Terms};
use inveniordm_models::{FieldError, Record, VocType};

use super::RepoApi;
use crate::{Error, Result};

/// Every vocabulary id the metadata names, with where.
struct Named(RefCell<Vec<(String, String, String)>>);

impl Terms for Named {
    fn known(&self, path: &str, vocabulary: &str, id: &str) -> bool {
        self.0
            .borrow_mut()
            .push((path.into(), vocabulary.into(), id.into()));
        true
    }
}

/// The answers of the server for each (vocabulary, id).
struct Looked(BTreeMap<(String, String), bool>);

impl Terms for Looked {
    fn known(&self, _path: &str, vocabulary: &str, id: &str) -> bool {
        self.0
            .get(&(vocabulary.to_string(), id.to_string()))
            .copied()
            .unwrap_or(true)
    }
}

impl RepoApi<'_> {
    /// The problems the server would report for this draft's metadata (and access
    /// settings): required fields, dates, lengths, and vocabulary ids (licences, resource
    /// types, languages, roles, …) looked up on the server. Nothing is created or changed;
    /// an empty list means the server should take it. Where the server refuses an unknown id
    /// as a whole request ("Invalid value X."), each such id is listed at its field.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use inveniordm::models::{Metadata, Record, VocabRef};
    /// # let sandbox = inveniordm_sandbox::Sandbox::start(Default::default()).await?;
    /// # let client = inveniordm::Client::new(sandbox.url(), Some(sandbox.token()))?;
    /// let mut m = Metadata::default();
    /// m.title = Some("Ocean temperature".into());
    /// m.resource_type = Some(VocabRef::id("dataset"));
    /// m.rights = Some(vec![serde_json::from_value(serde_json::json!({"id": "not-a-licence"}))?]);
    /// let problems = client.repo().check_metadata(&Record { metadata: Some(m), ..Default::default() }).await?;
    /// let fields: Vec<&str> = problems.iter().map(|p| p.field_name()).collect();
    /// assert!(fields.contains(&"metadata.rights.0.id"));
    /// assert!(fields.contains(&"metadata.publication_date"));
    /// # Ok(()) }
    /// ```
    pub async fn check_metadata(&self, draft: &Record) -> Result<Vec<FieldError>> {
        let metadata = serde_json::to_value(draft.metadata.clone().unwrap_or_default())
            .map_err(|e| Error::internal(format!("the metadata cannot be written: {e}")))?;
        let named = Named(RefCell::new(Vec::new()));
        let _ = validate::metadata(&named, Some(&metadata), &mut Vec::new());
        let named = named.0.into_inner();
        let mut looked = BTreeMap::new();
        let mut problems = Vec::new();
        for (path, vocabulary, id) in named {
            let key = (vocabulary.clone(), id.clone());
            let known = match looked.get(&key) {
                Some(k) => *k,
                None => {
                    let voc = VocType::from(vocabulary.as_str());
                    let k = match self.client.query().term(&voc, &id).await {
                        Ok(_) => true,
                        Err(e) if e.is_not_found() => false,
                        Err(e) => return Err(e),
                    };
                    looked.insert(key, k);
                    k
                }
            };
            if !known {
                problems.push(FieldError::with(path, format!("Invalid value {id}.")));
            }
        }
        let mut errors = Vec::new();
        // Unknown ids are reported above; the rest of the rules run past them.
        let all_known = Looked(looked.keys().map(|k| (k.clone(), true)).collect());
        let _ = validate::metadata(&all_known, Some(&metadata), &mut errors);
        if let Some(a) = &draft.access {
            let access = serde_json::to_value(a).map_err(|e| {
                Error::internal(format!("the access settings cannot be written: {e}"))
            })?;
            let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
            validate::access(Some(&access), &today, &mut errors);
        }
        problems.extend(errors.into_iter().map(|(f, m)| FieldError::with(f, m)));
        Ok(problems)
    }
}
