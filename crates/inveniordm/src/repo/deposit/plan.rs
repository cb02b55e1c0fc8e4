//! What a deposit would do, without doing it.

use super::resume::Base;
use super::*;

impl RepoApi<'_> {
    /// What [`deposit`](Self::deposit) would do now; nothing on the server is changed and
    /// the journal is not written. Local files are hashed to compare them with the server's.
    pub async fn deposit_plan(&self, spec: &DepositSpec, journal: &Path) -> Result<DepositPlan> {
        let server = self.client.api_url().to_string();
        let mut j = self.journal_for(journal, &server)?;
        let hashed = hash_files(&spec.files, &j.files).await?;
        let content = fingerprint(spec, &hashed);
        let mut plan = DepositPlan {
            stage: j.stage,
            draft: None,
            already_done: false,
            new_version_of: None,
            refused: None,
            files: Vec::new(),
            remove: Vec::new(),
            reserve_doi: spec.reserve_doi,
            finish: match (spec.publish, spec.community.is_some()) {
                (false, _) => Finish::None,
                (true, false) => Finish::Publish,
                (true, true) => Finish::SubmitReview,
            },
        };
        if j.stage == DepositStage::Done {
            let same = match &j.content {
                Some(c) => *c == content,
                None => self.record_matches(&j, spec, &hashed).await?,
            };
            if same {
                plan.draft = j.draft.clone();
                plan.already_done = true;
                plan.finish = Finish::None;
                plan.reserve_doi = false;
                return Ok(plan);
            }
            if spec.target == DepositTarget::NewRecord {
                plan.draft = j.draft.clone();
                plan.refused = Some(format!(
                    "the deposit of this journal is over ({}) and the content has changed: ask for a new version, or use another journal",
                    j.draft.as_deref().unwrap_or("?")
                ));
                plan.finish = Finish::None;
                plan.reserve_doi = false;
                return Ok(plan);
            }
            j = j.next_cycle();
        }
        // Against what the files are compared: the draft under way, or the version a new
        // one would follow.
        let mut existing: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut linked_from_previous = false;
        if let Some(id) = j.draft.as_deref().filter(|_| j.stage != DepositStage::New) {
            if let Some(h) = self.draft(id).await? {
                plan.draft = Some(id.to_string());
                plan.reserve_doi = spec.reserve_doi && !has_doi(h.record());
                existing = md5s(&self.client.drafts().files(id).await?);
            }
        } else if let Some(base) = self.next_version_base(&j, spec, &hashed).await? {
            match base {
                Base::Already(r) => {
                    plan.draft = r.id.clone();
                    plan.already_done = true;
                    plan.finish = Finish::None;
                    plan.reserve_doi = false;
                    return Ok(plan);
                }
                Base::Latest(r) => {
                    let id = r.id.clone().unwrap_or_default();
                    existing = md5s(&self.client.records().files(&id).await?);
                    linked_from_previous = true;
                    plan.new_version_of = Some(id);
                    if plan.finish == Finish::SubmitReview {
                        plan.finish = Finish::Publish;
                    }
                }
            }
        }
        for f in &hashed {
            let action = match existing.get(&f.key) {
                None => FileStep::Upload,
                Some(m) if m.as_deref() == Some(f.md5.as_str()) => {
                    if linked_from_previous {
                        FileStep::Link
                    } else {
                        FileStep::Keep
                    }
                }
                Some(_) => FileStep::Replace,
            };
            plan.files.push(PlannedFile {
                key: f.key.clone(),
                path: f.path.clone(),
                size: f.size,
                action,
            });
        }
        plan.remove = existing
            .into_keys()
            .filter(|k| !hashed.iter().any(|f| &f.key == k))
            .filter(|_| !(linked_from_previous && spec.keep_files))
            .collect();
        Ok(plan)
    }
}
