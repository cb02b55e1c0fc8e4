//! Differential check: one request sequence replayed against an in-process sandbox and a real
//! InvenioRDM (`INVENIORDM_URL`, `INVENIORDM_TOKEN`), comparing status codes, content types,
//! error messages and the shape (the set of key paths) of every JSON document.
//!
//! Built only with the `real-server-tests` feature
//! (`cargo test -p inveniordm-sandbox --features real-server-tests --test differential`);
//! without a real server it fails, it never passes as skipped. Differences the sandbox makes on
//! purpose are listed in `ALLOWED` with the reason. The sandbox imitates v13 unless
//! `INVENIORDM_SANDBOX_VERSION=14`; `INVENIORDM_DIFF_REPORT_ONLY=1` lists the differences
//! without failing.

use std::collections::{BTreeMap, BTreeSet};

use inveniordm_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// The status each step got from the real servers when it was written (v13.1.2; v14.0.5 in
/// `EXPECTED_V14` where it differs). A step without one fails the run: every step states what
/// it expects, so that "answered alike" means "worked alike".
const EXPECTED: &[(&str, u16)] = &[
    ("create draft", 201),
    ("create draft with problems", 201),
    ("create anonymously", 403),
    ("create with bad JSON", 400),
    ("create with text/plain", 415),
    ("create with unknown vocabulary id", 400),
    ("get draft", 200),
    ("get draft anonymously", 403),
    ("get unpublished as record", 404),
    ("update draft", 200),
    ("update with stale If-Match", 412),
    ("update with quoted If-Match", 400),
    ("publish without files", 400),
    ("init files", 201),
    ("init a key twice", 400),
    ("init with unknown field", 400),
    ("commit before content", 404),
    ("upload content", 200),
    ("commit", 200),
    ("delete the extra key", 404),
    ("list draft files", 200),
    ("draft file metadata", 200),
    ("unknown draft file", 404),
    ("publish", 202),
    ("get record", 200),
    ("get record anonymously", 200),
    ("export BibTeX", 200),
    ("export CSL-JSON", 200),
    ("export DataCite JSON", 200),
    ("export an unknown format", 406),
    ("cite in APA", 200),
    ("cite in an unknown style", 400),
    ("sort by last update", 200),
    ("own records sorted by most viewed", 200),
    ("get draft after publish", 404),
    ("record files", 200),
    ("files archive", 200),
    ("record file metadata", 200),
    ("versions", 200),
    ("latest version", 301),
    ("edit", 201),
    ("discard the edit", 204),
    ("new version", 201),
    ("new version again", 201),
    ("import files", 201),
    ("import files twice", 400),
    ("discard the new version", 204),
    ("create link", 201),
    ("create link without permission", 400),
    ("list links", 200),
    ("get link", 200),
    ("patch link", 200),
    ("put link", 405),
    ("delete link", 204),
    ("search by id", 200),
    ("search with facet", 200),
    ("user records", 200),
    ("user records anonymously", 403),
    ("search size 0", 400),
    ("search past the window", 400),
    ("search bad sort", 400),
    ("search q and suggest", 400),
    ("search html", 406),
    ("unknown record", 404),
    ("vocabulary term", 200),
    ("unknown vocabulary term", 404),
    ("vocabulary search", 200),
    ("resource types page", 200),
    ("affiliations", 200),
    ("funders", 200),
    ("draft for parts", 201),
    ("init a multipart upload", 201),
    ("upload part 3 first", 200),
    ("upload part 1", 200),
    ("upload part 2", 200),
    ("commit the parts", 200),
    ("draft files archive", 200),
    ("file after the parts", 200),
    ("fetch from a domain not allowed", 400),
    ("link a remote file", 201),
    ("the remote file", 200),
    ("its content, an administrator", 302),
    ("commit a remote file", 200),
    ("link a remote file without size", 201),
    ("link from a domain not allowed", 400),
    ("delete a never-published draft", 201),
    ("discard it", 204),
    ("get it", 404),
    ("create with a custom field", 201),
    ("create with an unknown custom field", 201),
    ("reserve a DOI", 201),
    ("save with the DOI and no publisher", 200),
    ("publish with the DOI and no publisher", 400),
    ("save with a publisher", 200),
    ("publish with the DOI", 202),
    ("the record with its DOI and custom field", 200),
    ("create community", 201),
    ("create community with a taken slug", 400),
    ("create community without metadata", 400),
    ("create community anonymously", 403),
    ("get community", 200),
    ("get community by slug", 200),
    ("unknown community", 404),
    ("search communities", 200),
    ("user communities", 200),
    ("community members", 200),
    ("community without logo", 404),
    ("update community", 200),
    ("second user updates community", 403),
    ("second user creates draft", 201),
    ("get review before one is set", 404),
    ("set review", 200),
    ("set review of unknown type", 400),
    ("get review", 200),
    ("draft with review", 200),
    ("publish a draft with a review", 400),
    ("submit review", 202),
    ("draft in review", 200),
    ("delete an open review", 400),
    ("curator reads the request", 200),
    ("submitter reads the request", 200),
    ("the community's requests", 200),
    ("the community's open requests", 200),
    ("the community's requests, not a curator", 403),
    ("curator comments", 201),
    ("comment without payload", 400),
    ("read the comment", 200),
    ("update the comment", 200),
    ("timeline", 200),
    ("unknown action", 400),
    ("submitter accepts", 403),
    ("curator accepts", 200),
    ("accept again", 400),
    ("timeline after accept", 200),
    ("accepted record", 200),
    ("draft after accept", 404),
    ("record communities", 200),
    ("set the default community", 200),
    ("set a default community it is not in", 400),
    ("set the default community, not the owner", 403),
    ("community records", 200),
    ("second user creates a draft to decline", 201),
    ("set review to decline", 200),
    ("submit without message", 202),
    ("curator declines", 200),
    ("declined draft", 200),
    ("delete the declined review", 204),
    ("review after delete", 404),
    ("second user creates a draft to cancel", 201),
    ("set review to cancel", 200),
    ("submit to cancel", 202),
    ("submitter cancels", 200),
    ("cancel again", 400),
    ("cancelled draft", 200),
    ("submitter's requests", 200),
    ("submitter's own requests", 200),
    ("create an open community", 201),
    ("add record to a second community", 200),
    ("add it again", 400),
    ("record requests", 200),
    ("remove record from a community", 200),
    ("communities after removal", 200),
    ("find the second user", 200),
    ("create restricted record", 201),
    ("publish restricted record", 202),
    ("second user reads it", 403),
    ("grant to the second user", 201),
    ("grant to nobody", 400),
    ("grant twice", 400),
    ("second user reads it now", 200),
    ("list grants", 200),
    ("get grant", 200),
    ("unknown grant", 404),
    ("change grant", 200),
    ("user grants", 200),
    ("second user lists grants", 403),
    ("revoke grant", 204),
    ("second user reads it after revoke", 403),
    ("create record with restricted files", 201),
    ("publish it", 202),
    ("access settings", 200),
    ("second user reads its files", 403),
    ("request access", 200),
    ("request access again", 400),
    ("guest requests access", 200),
    ("owner reads the access request", 200),
    ("owner accepts it", 200),
    ("second user reads the files now", 200),
    ("a record to delete", 201),
    ("publish the record to delete", 202),
    ("revisions", 200),
    ("one revision", 200),
    ("revisions, not an administrator", 403),
    ("delete it, not an administrator", 403),
    ("delete it", 204),
    ("the deleted record", 410),
    ("the deleted record's files", 410),
    ("the deleted record, deleted ones included", 200),
    ("restore it", 200),
    ("the restored record", 200),
    ("its owner asks for its deletion", 404),
    ("the record deleted by its owner", 200),
    ("a draft for quotas", 201),
    ("set its quota, not an administrator", 403),
    ("set its quota without a file size", 400),
    ("set its quota", 200),
    ("register a file past the quota", 201),
    ("its content, past the largest file", 400),
    ("a user's quota, not an administrator", 403),
    ("a user's quota", 200),
    ("an unknown user", 404),
    ("ask for a larger quota", 404),
    ("a record to modify", 201),
    ("its file", 201),
    ("its file's content", 200),
    ("commit its file", 200),
    ("publish the record to modify", 202),
    ("modify its files without an edit draft", 404),
    ("open its edit draft", 201),
    ("modify its files, not an administrator", 404),
    ("modify its files", 404),
    ("remove its file from the edit draft", 403),
    ("a community's records, split by id", 200),
    ("reply to a comment", 404),
    ("a comment's replies", 404),
    ("the timeline with a reply", 200),
    ("the timeline page of a comment", 404),
    ("a focused timeline without a size", 404),
    ("a draft with an unsent review", 201),
    ("set its review", 200),
    ("delete the unsent request, not its creator", 403),
    ("delete the unsent request", 204),
    ("the deleted request", 404),
    ("delete a closed request", 400),
    ("a community to rename", 201),
    ("rename it, not its owner", 403),
    ("rename it to its own slug", 400),
    ("rename it to a slug that is taken", 400),
    ("rename it", 200),
    ("its old slug", 404),
    ("its new slug", 200),
    ("restore a community not deleted", 500),
    ("delete the renamed community", 204),
    ("restore it, not its owner", 403),
    ("restore it", 200),
    ("feature it, not an administrator", 403),
    ("feature it from a date alone", 400),
    ("feature it", 201),
    ("its featured entries", 200),
    ("its featured entries, not an administrator", 403),
    ("featured communities", 200),
    ("an entry it does not have", 404),
    ("remove an entry it does not have", 404),
    ("invite the second user", 204),
    ("invite them again", 400),
    ("invite a group", 403),
    ("invite through the slug", 400),
    ("the invitations", 200),
    ("the invitations, not a manager", 403),
    ("the invitee reads the invitation", 200),
    ("another role for the invitation", 204),
    ("the invitee accepts", 200),
    ("the members with the invitee", 200),
    ("a member changes their own role", 400),
    ("make someone else's membership public", 400),
    ("make one's own membership public", 204),
    ("change a member's role", 204),
    ("change nothing", 400),
    ("change a non-member's role", 400),
    ("add a user directly", 403),
    ("the invitee leaves", 204),
    ("remove a non-member", 400),
    ("ask to join", 403),
    ("the membership requests", 405),
    ("an open community", 201),
    ("ask to join an open community", 403),
    ("ask to join it again", 403),
    ("the requests to join it", 405),
    ("a draft for group grants", 201),
    ("grant to a group", 201),
    ("grant to the group again", 400),
    ("grant to a group that does not exist", 400),
    ("grant to a group typed group", 400),
    ("the group grants", 200),
    ("a group's grant", 200),
    ("change a group's grant", 200),
    ("remove a group's grant", 204),
    ("a group's grant, removed", 404),
    ("a record with a ZIP", 201),
    ("register its ZIP", 201),
    ("its ZIP's content", 200),
    ("commit its ZIP", 200),
    ("the draft's ZIP members", 404),
    ("publish the record with a ZIP", 202),
    ("the ZIP's members", 404),
    ("one member of the ZIP", 404),
    ("a member the ZIP lacks", 404),
    ("OAI-PMH: identify", 200),
    ("OAI-PMH: formats", 200),
    ("OAI-PMH: sets", 200),
    ("OAI-PMH: identifiers", 200),
    ("OAI-PMH: records", 200),
    ("OAI-PMH: a format it does not serve", 422),
    ("OAI-PMH: a verb it does not know", 422),
    ("OAI-PMH: a token it did not give", 422),
    ("OAI-PMH: nothing changed since", 422),
    ("a parent community", 201),
    ("a child community", 201),
    ("join a parent that takes none", 400),
    ("let it take subcommunities", 200),
    ("join through the slug", 400),
    ("join, not the child's owner", 403),
    ("join without a community", 400),
    ("join", 201),
    ("the child with its parent", 200),
    ("the subcommunities", 200),
];

/// Where v14 answers otherwise than v13.
const EXPECTED_V14: &[(&str, u16)] = &[
    // v14 has the route; the CI's v14 lets owners delete within the grace period.
    ("its owner asks for its deletion", 200),
    ("the record deleted by its owner", 410),
    // Quota increases and file modification are v14's; a stock v14 grants no increase.
    ("ask for a larger quota", 403),
    ("modify its files, not an administrator", 403),
    ("modify its files", 200),
    ("remove its file from the edit draft", 204),
    // Threads are v14's (v13 has none of these routes).
    ("reply to a comment", 201),
    ("a comment's replies", 200),
    ("the timeline page of a comment", 200),
    ("a focused timeline without a size", 500),
    // v14 lists membership requests (refused on a stock instance); v13 has only the POST.
    ("the membership requests", 403),
    // The CI's v14 lets users ask to join communities whose member policy is open.
    ("ask to join an open community", 201),
    ("ask to join it again", 400),
    ("the requests to join it", 200),
    ("the draft's ZIP members", 200),
    ("the ZIP's members", 200),
    ("one member of the ZIP", 200),
];

fn expected_status(name: &str, version: u8) -> Option<u16> {
    let find = |t: &[(&str, u16)]| t.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
    if version >= 14
        && let Some(c) = find(EXPECTED_V14)
    {
        return Some(c);
    }
    find(EXPECTED)
}

/// Key paths whose presence may differ, with the reason.
const ALLOWED: &[(&str, &str)] = &[
    (
        "metadata.resource_type.title.",
        "vocabulary titles come in more languages on real servers",
    ),
    (
        "hits.hits[].metadata.resource_type.title.",
        "vocabulary titles come in more languages on real servers",
    ),
    (
        "title.",
        "vocabulary titles come in more languages on real servers",
    ),
    (
        "hits.hits[].title.",
        "vocabulary titles come in more languages on real servers",
    ),
    (
        "hits.hits[].description.",
        "vocabulary descriptions come in more languages on real servers",
    ),
    (
        "description.",
        "vocabulary descriptions come in more languages on real servers",
    ),
    (
        "aggregations.",
        "facet buckets depend on the data each server holds",
    ),
    (
        "tombstone.removal_reason.title.",
        "vocabulary titles come in more languages on real servers",
    ),
];

enum Body {
    None,
    Json(Value),
    Raw(&'static [u8], &'static str),
}

struct Step {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Body,
    auth: bool,
    /// Sent with the second (non-curator) user's token.
    second: bool,
    /// Why only the status, content type and message are compared, not the shape.
    loose: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
    capture: Vec<(&'static str, &'static str)>,
}

fn step(name: &'static str, method: &'static str, path: &str) -> Step {
    Step {
        name,
        method,
        path: path.to_string(),
        body: Body::None,
        auth: true,
        second: false,
        loose: None,
        headers: Vec::new(),
        capture: Vec::new(),
    }
}

impl Step {
    fn json(mut self, v: Value) -> Self {
        self.body = Body::Json(v);
        self
    }
    fn raw(mut self, b: &'static [u8], ct: &'static str) -> Self {
        self.body = Body::Raw(b, ct);
        self
    }
    fn second(mut self) -> Self {
        self.second = true;
        self
    }

    fn loose(mut self, why: &'static str) -> Self {
        self.loose = Some(why);
        self
    }

    fn anon(mut self) -> Self {
        self.auth = false;
        self
    }
    fn header(mut self, k: &'static str, v: &str) -> Self {
        self.headers.push((k, v.to_string()));
        self
    }
    fn capture(mut self, var: &'static str, pointer: &'static str) -> Self {
        self.capture.push((var, pointer));
        self
    }
}

struct Outcome {
    status: u16,
    content_type: String,
    body: Option<Value>,
    /// The body announced JSON but did not parse.
    broken_json: bool,
    /// Variables the step should have captured and did not, or placeholders left unfilled
    /// in its path, headers or body: a later step would have gone to a wrong address.
    missing: Vec<String>,
}

/// The placeholders (`{name}`) left in a text after filling.
fn unfilled(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j)
                if j > 0
                    && after[..j]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.push(after[..j].to_string());
                rest = &after[j + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

struct Target {
    api: String,
    token: String,
    second_token: String,
    http: reqwest::Client,
    vars: BTreeMap<String, String>,
}

impl Target {
    fn new(site: &str, token: &str, second_token: &str) -> Target {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Target {
            api: format!(
                "{}/api",
                site.trim_end_matches('/').trim_end_matches("/api")
            ),
            token: token.to_string(),
            second_token: second_token.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http"),
            vars: BTreeMap::new(),
        }
    }

    /// A message with this target's ids replaced by their names and numbers in parentheses
    /// (revision ids) blanked, so that messages of both servers compare.
    fn normalize(&self, v: &Value) -> String {
        let mut out = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        // Values shorter than four characters (small numbers) are left: replacing them would
        // mangle every number that holds their digits.
        for (k, val) in self.vars.iter().filter(|(_, v)| v.len() >= 4) {
            out = out.replace(val.as_str(), &format!("{{{k}}}"));
        }
        let mut res = String::new();
        let mut in_parens = false;
        for c in out.chars() {
            match c {
                '(' => in_parens = true,
                ')' => in_parens = false,
                c if in_parens && c.is_ascii_digit() => continue,
                _ => {}
            }
            res.push(c);
        }
        res
    }

    fn fill(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (k, v) in &self.vars {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    async fn run(&mut self, s: &Step) -> Outcome {
        let mut missing: Vec<String> = unfilled(&self.fill(&s.path));
        for (_, v) in &s.headers {
            missing.extend(unfilled(&self.fill(v)));
        }
        if let Body::Json(v) = &s.body {
            missing.extend(unfilled(&self.fill(&v.to_string())));
        }
        let url = format!("{}{}", self.api, self.fill(&s.path));
        let method = reqwest::Method::from_bytes(s.method.as_bytes()).expect("method");
        let mut r = self.http.request(method, &url);
        if s.auth {
            r = r.bearer_auth(if s.second {
                &self.second_token
            } else {
                &self.token
            });
        }
        for (k, v) in &s.headers {
            r = r.header(*k, self.fill(v));
        }
        r = match &s.body {
            Body::None => r,
            Body::Json(v) => r
                .header("content-type", "application/json")
                .body(self.fill(&v.to_string())),
            Body::Raw(b, ct) => r.header("content-type", *ct).body(b.to_vec()),
        };
        let resp = r.send().await.unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .to_string();
        let bytes = resp
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{}: the body could not be read: {e}", s.name));
        let body: Option<Value> = serde_json::from_slice(&bytes).ok();
        let broken_json = body.is_none() && content_type.contains("json") && !bytes.is_empty();
        for (var, ptr) in &s.capture {
            match body
                .as_ref()
                .and_then(|b| b.pointer(ptr))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }) {
                Some(v) => {
                    self.vars.insert((*var).to_string(), v);
                }
                None => missing.push(format!("{var} (capture of {ptr})")),
            }
        }
        Outcome {
            status,
            content_type,
            body,
            broken_json,
            missing,
        }
    }
}

fn shape(v: &Value, path: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.insert(p.clone());
                shape(child, &p, out);
            }
        }
        Value::Array(items) => {
            for i in items {
                shape(i, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

fn allowed(path: &str) -> bool {
    ALLOWED.iter().any(|(p, _)| path.starts_with(p))
}

fn sequence() -> Vec<Step> {
    let meta = json!({"metadata": {"title": "Differential check", "publication_date": "2026-11-26",
        "resource_type": {"id": "dataset"}, "languages": [{"id": "eng"}], "rights": [{"id": "cc-by-4.0"}],
        "creators": [{"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}],
        "description": "Replayed against both servers."},
        "access": {"record": "public", "files": "public"}, "files": {"enabled": true}});
    vec![
        step("create draft", "POST", "/records")
            .json(meta.clone())
            .capture("id", "/id"),
        step("create draft with problems", "POST", "/records")
            .json(json!({"metadata": {"title": "", "publication_date": "26/11/2026"}})),
        step("create anonymously", "POST", "/records")
            .json(meta.clone())
            .anon(),
        step("create with bad JSON", "POST", "/records").raw(b"{oops", "application/json"),
        step("create with text/plain", "POST", "/records").raw(b"{}", "text/plain"),
        step("create with unknown vocabulary id", "POST", "/records")
            .json(json!({"metadata": {"resource_type": {"id": "no-such-type"}}})),
        step("get draft", "GET", "/records/{id}/draft"),
        step("get draft anonymously", "GET", "/records/{id}/draft").anon(),
        step("get unpublished as record", "GET", "/records/{id}"),
        step("update draft", "PUT", "/records/{id}/draft").json(meta.clone()),
        step("update with stale If-Match", "PUT", "/records/{id}/draft")
            .json(meta.clone())
            .header("if-match", "1"),
        step("update with quoted If-Match", "PUT", "/records/{id}/draft")
            .json(meta.clone())
            .header("if-match", "\"1\""),
        step(
            "publish without files",
            "POST",
            "/records/{id}/draft/actions/publish",
        ),
        step("init files", "POST", "/records/{id}/draft/files")
            .json(json!([{"key": "data set.csv"}])),
        step("init a key twice", "POST", "/records/{id}/draft/files")
            .json(json!([{"key": "data set.csv"}])),
        step(
            "init with unknown field",
            "POST",
            "/records/{id}/draft/files",
        )
        .json(json!([{"key": "x", "colour": "red"}])),
        step(
            "commit before content",
            "POST",
            "/records/{id}/draft/files/x/commit",
        ),
        step(
            "upload content",
            "PUT",
            "/records/{id}/draft/files/data%20set.csv/content",
        )
        .raw(b"a,b\n1,2\n", "application/octet-stream"),
        step(
            "commit",
            "POST",
            "/records/{id}/draft/files/data%20set.csv/commit",
        ),
        step(
            "delete the extra key",
            "DELETE",
            "/records/{id}/draft/files/x",
        ),
        step("list draft files", "GET", "/records/{id}/draft/files"),
        step(
            "draft file metadata",
            "GET",
            "/records/{id}/draft/files/data%20set.csv",
        ),
        step(
            "unknown draft file",
            "GET",
            "/records/{id}/draft/files/nope.txt",
        ),
        step("publish", "POST", "/records/{id}/draft/actions/publish"),
        step("get record", "GET", "/records/{id}"),
        step("get record anonymously", "GET", "/records/{id}").anon(),
        step("export BibTeX", "GET", "/records/{id}").header("accept", "application/x-bibtex"),
        step("export CSL-JSON", "GET", "/records/{id}")
            .header("accept", "application/vnd.citationstyles.csl+json"),
        step("export DataCite JSON", "GET", "/records/{id}")
            .header("accept", "application/vnd.datacite.datacite+json"),
        step("export an unknown format", "GET", "/records/{id}")
            .header("accept", "application/x-no-such-format"),
        step("cite in APA", "GET", "/records/{id}?style=apa")
            .header("accept", "text/x-bibliography"),
        step(
            "cite in an unknown style",
            "GET",
            "/records/{id}?style=no-such-style",
        )
        .header("accept", "text/x-bibliography"),
        step(
            "sort by last update",
            "GET",
            "/records?q=id:{id}&sort=updated-desc",
        ),
        step(
            "own records sorted by most viewed",
            "GET",
            "/user/records?q=id:{id}&sort=mostviewed",
        ),
        step("get draft after publish", "GET", "/records/{id}/draft"),
        step("record files", "GET", "/records/{id}/files"),
        step("files archive", "GET", "/records/{id}/files-archive").anon(),
        step(
            "record file metadata",
            "GET",
            "/records/{id}/files/data%20set.csv",
        ),
        step("versions", "GET", "/records/{id}/versions"),
        step("latest version", "GET", "/records/{id}/versions/latest"),
        step("edit", "POST", "/records/{id}/draft"),
        step("discard the edit", "DELETE", "/records/{id}/draft"),
        step("new version", "POST", "/records/{id}/versions").capture("v2", "/id"),
        step("new version again", "POST", "/records/{id}/versions"),
        step(
            "import files",
            "POST",
            "/records/{v2}/draft/actions/files-import",
        ),
        step(
            "import files twice",
            "POST",
            "/records/{v2}/draft/actions/files-import",
        ),
        step("discard the new version", "DELETE", "/records/{v2}/draft"),
        step("create link", "POST", "/records/{id}/access/links")
            .json(json!({"permission": "view"}))
            .capture("link", "/id"),
        step(
            "create link without permission",
            "POST",
            "/records/{id}/access/links",
        )
        .json(json!({})),
        step("list links", "GET", "/records/{id}/access/links"),
        step("get link", "GET", "/records/{id}/access/links/{link}"),
        step("patch link", "PATCH", "/records/{id}/access/links/{link}")
            .json(json!({"permission": "preview"})),
        step("put link", "PUT", "/records/{id}/access/links/{link}")
            .json(json!({"permission": "preview"})),
        step("delete link", "DELETE", "/records/{id}/access/links/{link}"),
        step("search by id", "GET", "/records?q=id:{id}"),
        step(
            "search with facet",
            "GET",
            "/records?q=id:{id}&resource_type=dataset",
        ),
        step("user records", "GET", "/user/records?q=id:{id}"),
        step("user records anonymously", "GET", "/user/records").anon(),
        step("search size 0", "GET", "/records?size=0"),
        step(
            "search past the window",
            "GET",
            "/records?size=100&page=101",
        ),
        step("search bad sort", "GET", "/records?sort=sideways"),
        step("search q and suggest", "GET", "/records?q=a&suggest=b"),
        step("search html", "GET", "/records").header("accept", "text/html"),
        step("unknown record", "GET", "/records/zzzzz-zzzzz"),
        step("vocabulary term", "GET", "/vocabularies/languages/eng"),
        step(
            "unknown vocabulary term",
            "GET",
            "/vocabularies/languages/zzz",
        ),
        step(
            "vocabulary search",
            "GET",
            "/vocabularies/licenses?q=cc-by-4.0&size=2",
        ),
        step(
            "resource types page",
            "GET",
            "/vocabularies/resourcetypes?size=5",
        ),
        step("affiliations", "GET", "/affiliations?size=2"),
        step("funders", "GET", "/funders?size=2"),
        step("draft for parts", "POST", "/records")
            .json(meta.clone())
            .capture("mp", "/id"),
        step("init a multipart upload", "POST", "/records/{mp}/draft/files")
            .json(json!([{"key": "parts.bin", "size": 10, "transfer": {"type": "M", "parts": 3, "part_size": 4}}])),
        step("upload part 3 first", "PUT", "/records/{mp}/draft/files/parts.bin/content/3")
            .raw(b"89", "application/octet-stream"),
        step("upload part 1", "PUT", "/records/{mp}/draft/files/parts.bin/content/1")
            .raw(b"0123", "application/octet-stream"),
        step("upload part 2", "PUT", "/records/{mp}/draft/files/parts.bin/content/2")
            .raw(b"4567", "application/octet-stream"),
        step("commit the parts", "POST", "/records/{mp}/draft/files/parts.bin/commit"),
        step("draft files archive", "GET", "/records/{mp}/draft/files-archive"),
        step("file after the parts", "GET", "/records/{mp}/draft/files/parts.bin")
            .loose("the real server computes the checksum in the background: it may not be there yet"),
        step("fetch from a domain not allowed", "POST", "/records/{mp}/draft/files")
            .json(json!([{"key": "far.bin", "transfer": {"type": "F", "url": "http://198.51.100.7/far.bin"}}])),
        // Remote files: nothing listens at the URL, the server never reads it.
        step("link a remote file", "POST", "/records/{mp}/draft/files")
            .json(json!([{"key": "linked.bin", "size": 5, "checksum": "md5:5d41402abc4b2a76b9719d911017c592", "transfer": {"type": "R", "url": "http://127.0.0.1:5099/diff-{run}.bin"}}])),
        step("the remote file", "GET", "/records/{mp}/draft/files/linked.bin"),
        step("its content, an administrator", "GET", "/records/{mp}/draft/files/linked.bin/content"),
        step("commit a remote file", "POST", "/records/{mp}/draft/files/linked.bin/commit"),
        step("link a remote file without size", "POST", "/records/{mp}/draft/files")
            .json(json!([{"key": "bare.bin", "transfer": {"type": "R", "url": "http://127.0.0.1:5099/bare-{run}.bin"}}])),
        step("link from a domain not allowed", "POST", "/records/{mp}/draft/files")
            .json(json!([{"key": "far2.bin", "transfer": {"type": "R", "url": "http://198.51.100.7/far.bin"}}])),
        step("delete a never-published draft", "POST", "/records")
            .json(meta.clone())
            .capture("gone", "/id"),
        step("discard it", "DELETE", "/records/{gone}/draft"),
        step("get it", "GET", "/records/{gone}/draft"),
    ]
    .into_iter()
    .chain(dois_and_custom_fields(&meta))
    .chain(communities_and_sharing(&meta))
    .chain(deletion(&meta))
    .chain(quotas_and_file_modification(&meta))
    .collect()
}

/// Storage quotas (administrators), the v14 quota increase and file modification of a
/// published record, and the split listing of a community that mirroring pages through.
fn quotas_and_file_modification(meta: &Value) -> Vec<Step> {
    let octets = "application/octet-stream";
    vec![
        step("a draft for quotas", "POST", "/records")
            .json(meta.clone())
            .capture("qd", "/id"),
        step(
            "set its quota, not an administrator",
            "POST",
            "/records/{qd}/quota",
        )
        .json(json!({"quota_size": 2000, "max_file_size": 1000}))
        .second(),
        step(
            "set its quota without a file size",
            "POST",
            "/records/{qd}/quota",
        )
        .json(json!({"quota_size": 2000})),
        step("set its quota", "POST", "/records/{qd}/quota")
            .json(json!({"quota_size": 2000, "max_file_size": 1000, "notes": "differential"})),
        step(
            "register a file past the quota",
            "POST",
            "/records/{qd}/draft/files",
        )
        .json(json!([{"key": "big.bin"}])),
        step(
            "its content, past the largest file",
            "PUT",
            "/records/{qd}/draft/files/big.bin/content",
        )
        .raw(&[7u8; 1500], octets),
        step(
            "a user's quota, not an administrator",
            "POST",
            "/users/{uid2}/quota",
        )
        .json(json!({"quota_size": 10_000_000_000u64, "max_file_size": 10_000_000_000u64}))
        .second(),
        step("a user's quota", "POST", "/users/{uid2}/quota")
            .json(json!({"quota_size": 10_000_000_000u64, "max_file_size": 10_000_000_000u64})),
        step("an unknown user", "GET", "/users/987654321"),
        step(
            "ask for a larger quota",
            "POST",
            "/records/{qd}/quota-increase",
        )
        .json(json!({"quota_size": 60})),
        step("a record to modify", "POST", "/records")
            .json(meta.clone())
            .capture("fm", "/id"),
        step("its file", "POST", "/records/{fm}/draft/files").json(json!([{"key": "a.txt"}])),
        step(
            "its file's content",
            "PUT",
            "/records/{fm}/draft/files/a.txt/content",
        )
        .raw(b"hello\n", octets),
        step(
            "commit its file",
            "POST",
            "/records/{fm}/draft/files/a.txt/commit",
        ),
        step(
            "publish the record to modify",
            "POST",
            "/records/{fm}/draft/actions/publish",
        ),
        step(
            "modify its files without an edit draft",
            "POST",
            "/records/{fm}/file-modification",
        )
        .json(json!({})),
        step("open its edit draft", "POST", "/records/{fm}/draft"),
        step(
            "modify its files, not an administrator",
            "POST",
            "/records/{fm}/file-modification",
        )
        .json(json!({}))
        .second(),
        step(
            "modify its files",
            "POST",
            "/records/{fm}/file-modification",
        )
        .json(json!({"comment": "A typo in the data file, fixed in place."})),
        step(
            "remove its file from the edit draft",
            "DELETE",
            "/records/{fm}/draft/files/a.txt",
        ),
        step(
            "a community's records, split by id",
            "GET",
            "/communities/{c2}/records?q=id:{sd}*&sort=oldest&size=100",
        ),
    ]
    .into_iter()
    .chain(threads_and_request_deletion(meta))
    .chain(community_admin())
    .chain(members_and_invitations())
    .chain(group_grants(meta))
    .chain(zip_container(meta))
    .chain(oai_pmh())
    .chain(subcommunities())
    .collect()
}

/// A community joins another as a subcommunity.
fn subcommunities() -> Vec<Step> {
    let public = json!({"visibility": "public"});
    vec![
        step("a parent community", "POST", "/communities")
            .json(json!({"slug": "diff-p-{run}", "metadata": {"title": "Parent {run}"}, "access": public}))
            .capture("cp", "/id"),
        step("a child community", "POST", "/communities")
            .json(json!({"slug": "diff-k-{run}", "metadata": {"title": "Child {run}"}, "access": public}))
            .capture("ck", "/id"),
        step("join a parent that takes none", "POST", "/communities/{cp}/actions/join-request")
            .json(json!({"community_id": "{ck}"})),
        step("let it take subcommunities", "PUT", "/communities/{cp}")
            .json(json!({"slug": "diff-p-{run}", "metadata": {"title": "Parent {run}"}, "access": public, "children": {"allow": true}})),
        step("join through the slug", "POST", "/communities/diff-p-{run}/actions/join-request")
            .json(json!({"community_id": "{ck}"})),
        step("join, not the child's owner", "POST", "/communities/{cp}/actions/join-request")
            .json(json!({"community_id": "{ck}"}))
            .second(),
        step("join without a community", "POST", "/communities/{cp}/actions/join-request")
            .json(json!({})),
        step("join", "POST", "/communities/{cp}/actions/join-request")
            .json(json!({"community_id": "{ck}"})),
        step("the child with its parent", "GET", "/communities/{ck}"),
        step("the subcommunities", "GET", "/communities/{cp}/subcommunities").anon(),
    ]
}

/// OAI-PMH, outside the API root (`/api/../oai2d`: the URL's dot segment is resolved before
/// it is sent). Only statuses and content types compare: the answers are XML.
fn oai_pmh() -> Vec<Step> {
    let oai = |q: &str| format!("/../oai2d?{q}");
    vec![
        step("OAI-PMH: identify", "GET", &oai("verb=Identify")).anon(),
        step("OAI-PMH: formats", "GET", &oai("verb=ListMetadataFormats")).anon(),
        step("OAI-PMH: sets", "GET", &oai("verb=ListSets")).anon(),
        step(
            "OAI-PMH: identifiers",
            "GET",
            &oai("verb=ListIdentifiers&metadataPrefix=oai_dc"),
        )
        .anon(),
        step(
            "OAI-PMH: records",
            "GET",
            &oai("verb=ListRecords&metadataPrefix=oai_dc"),
        )
        .anon(),
        step(
            "OAI-PMH: a format it does not serve",
            "GET",
            &oai("verb=ListRecords&metadataPrefix=nope"),
        )
        .anon(),
        step("OAI-PMH: a verb it does not know", "GET", &oai("verb=Nope")).anon(),
        step(
            "OAI-PMH: a token it did not give",
            "GET",
            &oai("verb=ListRecords&resumptionToken=garbage"),
        )
        .anon(),
        step(
            "OAI-PMH: nothing changed since",
            "GET",
            &oai("verb=ListRecords&metadataPrefix=oai_dc&from=2099-01-01T00:00:00Z"),
        )
        .anon(),
    ]
}

/// A ZIP of one stored member, `docs/a.txt` holding `hello\n` (made by Python's zipfile).
const SMALL_ZIP: &[u8] = &[
    80, 75, 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 135, 93, 32, 48, 58, 54, 6, 0, 0, 0, 6, 0, 0, 0, 10, 0,
    0, 0, 100, 111, 99, 115, 47, 97, 46, 116, 120, 116, 104, 101, 108, 108, 111, 10, 80, 75, 1, 2,
    20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 135, 93, 32, 48, 58, 54, 6, 0, 0, 0, 6, 0, 0, 0, 10, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 128, 1, 0, 0, 0, 0, 100, 111, 99, 115, 47, 97, 46, 116, 120, 116, 80,
    75, 5, 6, 0, 0, 0, 0, 1, 0, 1, 0, 56, 0, 0, 0, 46, 0, 0, 0, 0, 0,
];

/// v14's look inside a ZIP file (v13 has no such routes: its answer is that of a file key
/// that does not exist).
fn zip_container(meta: &Value) -> Vec<Step> {
    vec![
        step("a record with a ZIP", "POST", "/records")
            .json(meta.clone())
            .capture("zr", "/id"),
        step("register its ZIP", "POST", "/records/{zr}/draft/files")
            .json(json!([{"key": "bundle.zip"}])),
        step(
            "its ZIP's content",
            "PUT",
            "/records/{zr}/draft/files/bundle.zip/content",
        )
        .raw(SMALL_ZIP, "application/octet-stream"),
        step(
            "commit its ZIP",
            "POST",
            "/records/{zr}/draft/files/bundle.zip/commit",
        ),
        step(
            "the draft's ZIP members",
            "GET",
            "/records/{zr}/draft/files/bundle.zip/container",
        ),
        step(
            "publish the record with a ZIP",
            "POST",
            "/records/{zr}/draft/actions/publish",
        ),
        step(
            "the ZIP's members",
            "GET",
            "/records/{zr}/files/bundle.zip/container",
        )
        .anon(),
        step(
            "one member of the ZIP",
            "GET",
            "/records/{zr}/files/bundle.zip/container/docs/a.txt",
        )
        .anon(),
        step(
            "a member the ZIP lacks",
            "GET",
            "/records/{zr}/files/bundle.zip/container/nope.txt",
        )
        .anon(),
    ]
}

/// Grants to a group (a `role` subject: `admin`, the administrators of a fresh instance).
fn group_grants(meta: &Value) -> Vec<Step> {
    let mut metadata_only = meta.clone();
    metadata_only["files"] = json!({"enabled": false});
    let to = |kind: &str, id: &str| json!({"grants": [{"subject": {"type": kind, "id": id}, "permission": "view"}]});
    vec![
        step("a draft for group grants", "POST", "/records")
            .json(metadata_only)
            .capture("gg", "/id"),
        step("grant to a group", "POST", "/records/{gg}/access/grants").json(to("role", "admin")),
        step(
            "grant to the group again",
            "POST",
            "/records/{gg}/access/grants",
        )
        .json(to("role", "admin")),
        step(
            "grant to a group that does not exist",
            "POST",
            "/records/{gg}/access/grants",
        )
        .json(to("role", "no-such-group-{run}")),
        step(
            "grant to a group typed group",
            "POST",
            "/records/{gg}/access/grants",
        )
        .json(to("group", "admin")),
        step("the group grants", "GET", "/records/{gg}/access/groups"),
        step(
            "a group's grant",
            "GET",
            "/records/{gg}/access/groups/admin",
        ),
        step(
            "change a group's grant",
            "PATCH",
            "/records/{gg}/access/groups/admin",
        )
        .json(json!({"permission": "preview"})),
        step(
            "remove a group's grant",
            "DELETE",
            "/records/{gg}/access/groups/admin",
        ),
        step(
            "a group's grant, removed",
            "GET",
            "/records/{gg}/access/groups/admin",
        ),
    ]
}

/// A community's members: an invitation accepted, roles and visibility, leaving, and
/// membership requests (off on a stock instance).
fn members_and_invitations() -> Vec<Step> {
    let second = json!([{"type": "user", "id": "{uid2}"}]);
    vec![
        step(
            "invite the second user",
            "POST",
            "/communities/{c1}/invitations",
        )
        .json(json!({"members": second, "role": "reader", "message": "Join us"})),
        step("invite them again", "POST", "/communities/{c1}/invitations")
            .json(json!({"members": second, "role": "reader"})),
        step("invite a group", "POST", "/communities/{c1}/invitations")
            .json(json!({"members": [{"type": "group", "id": "admin"}], "role": "reader"})),
        step(
            "invite through the slug",
            "POST",
            "/communities/diff-{run}/invitations",
        )
        .json(json!({"members": second, "role": "reader"})),
        step("the invitations", "GET", "/communities/{c1}/invitations")
            .capture("inv", "/hits/hits/0/request/id"),
        step(
            "the invitations, not a manager",
            "GET",
            "/communities/{c1}/invitations",
        )
        .second(),
        step("the invitee reads the invitation", "GET", "/requests/{inv}").second(),
        step(
            "another role for the invitation",
            "PUT",
            "/communities/{c1}/invitations",
        )
        .json(json!({"members": second, "role": "curator"})),
        step(
            "the invitee accepts",
            "POST",
            "/requests/{inv}/actions/accept",
        )
        .second(),
        step(
            "the members with the invitee",
            "GET",
            "/communities/{c1}/members",
        ),
        step(
            "a member changes their own role",
            "PUT",
            "/communities/{c1}/members",
        )
        .json(json!({"members": second, "role": "owner"}))
        .second(),
        step(
            "make someone else's membership public",
            "PUT",
            "/communities/{c1}/members",
        )
        .json(json!({"members": second, "visible": true})),
        step(
            "make one's own membership public",
            "PUT",
            "/communities/{c1}/members",
        )
        .json(json!({"members": second, "visible": true}))
        .second(),
        step("change a member's role", "PUT", "/communities/{c1}/members")
            .json(json!({"members": second, "role": "manager"})),
        step("change nothing", "PUT", "/communities/{c1}/members").json(json!({"members": second})),
        step(
            "change a non-member's role",
            "PUT",
            "/communities/{c1}/members",
        )
        .json(json!({"members": [{"type": "user", "id": "987654321"}], "role": "reader"})),
        step("add a user directly", "POST", "/communities/{c1}/members")
            .json(json!({"members": second, "role": "reader"})),
        step("the invitee leaves", "DELETE", "/communities/{c1}/members")
            .json(json!({"members": second}))
            .second(),
        step("remove a non-member", "DELETE", "/communities/{c1}/members")
            .json(json!({"members": [{"type": "user", "id": "987654321"}]})),
        step(
            "ask to join",
            "POST",
            "/communities/{c1}/membership-requests",
        )
        .json(json!({"message": "May I join again?"}))
        .second(),
        step(
            "the membership requests",
            "GET",
            "/communities/{c1}/membership-requests",
        ),
        step("an open community", "POST", "/communities")
            .json(json!({"slug": "diff-o-{run}", "metadata": {"title": "Open to members {run}"}, "access": {"visibility": "public", "member_policy": "open"}}))
            .capture("co", "/id"),
        step("ask to join an open community", "POST", "/communities/{co}/membership-requests")
            .json(json!({"message": "I curate ocean data."}))
            .second(),
        step("ask to join it again", "POST", "/communities/{co}/membership-requests")
            .json(json!({}))
            .second(),
        step("the requests to join it", "GET", "/communities/{co}/membership-requests"),
    ]
}

/// A community's new slug, its restoration, and featured communities. (An entry's number is
/// not captured: small numbers would be blanked out of every later message.)
fn community_admin() -> Vec<Step> {
    let start = json!({"start_date": "2026-01-01T00:00:00"});
    vec![
        step("a community to rename", "POST", "/communities")
            .json(json!({"slug": "diff-rn-{run}", "metadata": {"title": "Rename {run}"}, "access": {"visibility": "public"}}))
            .capture("crn", "/id"),
        step("rename it, not its owner", "POST", "/communities/{crn}/rename")
            .json(json!({"slug": "diff-rn2-{run}"}))
            .second(),
        step("rename it to its own slug", "POST", "/communities/{crn}/rename")
            .json(json!({"slug": "diff-rn-{run}"})),
        step("rename it to a slug that is taken", "POST", "/communities/{crn}/rename")
            .json(json!({"slug": "diff-{run}"})),
        step("rename it", "POST", "/communities/{crn}/rename").json(json!({"slug": "diff-rn2-{run}"})),
        step("its old slug", "GET", "/communities/diff-rn-{run}"),
        step("its new slug", "GET", "/communities/diff-rn2-{run}"),
        step("restore a community not deleted", "POST", "/communities/{crn}/restore"),
        step("delete the renamed community", "DELETE", "/communities/{crn}"),
        step("restore it, not its owner", "POST", "/communities/{crn}/restore").second(),
        step("restore it", "POST", "/communities/{crn}/restore"),
        step("feature it, not an administrator", "POST", "/communities/{crn}/featured")
            .json(start.clone())
            .second(),
        step("feature it from a date alone", "POST", "/communities/{crn}/featured")
            .json(json!({"start_date": "2026-01-02"})),
        step("feature it", "POST", "/communities/{crn}/featured").json(start),
        step("its featured entries", "GET", "/communities/{crn}/featured"),
        step("its featured entries, not an administrator", "GET", "/communities/{crn}/featured")
            .second(),
        step("featured communities", "GET", "/communities/featured").anon(),
        step("an entry it does not have", "PUT", "/communities/{crn}/featured/999999")
            .json(json!({"start_date": "2099-01-01T00:00:00"})),
        step("remove an entry it does not have", "DELETE", "/communities/{crn}/featured/999999"),
    ]
}

/// v14's threaded comments, and deleting a request never submitted.
fn threads_and_request_deletion(meta: &Value) -> Vec<Step> {
    let mut metadata_only = meta.clone();
    metadata_only["files"] = json!({"enabled": false});
    let preview = "v14 shows a comment's newest replies under it; the CI's real servers leave that preview empty (quirk 49)";
    vec![
        step(
            "reply to a comment",
            "POST",
            "/requests/{req}/comments/{cm}/reply",
        )
        .json(json!({"payload": {"content": "Thank you.", "format": "html"}})),
        step(
            "a comment's replies",
            "GET",
            "/requests/{req}/comments/{cm}/replies",
        ),
        step(
            "the timeline with a reply",
            "GET",
            "/requests/{req}/timeline",
        )
        .loose(preview),
        step(
            "the timeline page of a comment",
            "GET",
            "/requests/{req}/timeline_focused?focus_event_id={cm}&size=2",
        )
        .loose(preview),
        step(
            "a focused timeline without a size",
            "GET",
            "/requests/{req}/timeline_focused?focus_event_id={cm}",
        ),
        step("a draft with an unsent review", "POST", "/records")
            .json(metadata_only)
            .capture("ur", "/id"),
        step("set its review", "PUT", "/records/{ur}/draft/review")
            .json(json!({"receiver": {"community": "{c1}"}, "type": "community-submission"}))
            .capture("urq", "/id"),
        step(
            "delete the unsent request, not its creator",
            "DELETE",
            "/requests/{urq}",
        )
        .second(),
        step("delete the unsent request", "DELETE", "/requests/{urq}"),
        step("the deleted request", "GET", "/requests/{urq}"),
        step("delete a closed request", "DELETE", "/requests/{dreq}"),
    ]
}

/// Deleting a published record, its tombstone, restoring it, and its owner's deletion request.
fn deletion(meta: &Value) -> Vec<Step> {
    let mut meta = meta.clone();
    meta["files"] = json!({"enabled": false});
    let removal =
        json!({"removal_reason": {"id": "spam"}, "note": "Advertising.", "is_visible": true});
    vec![
        step("a record to delete", "POST", "/records")
            .json(meta)
            .capture("del", "/id"),
        step(
            "publish the record to delete",
            "POST",
            "/records/{del}/draft/actions/publish",
        ),
        step("revisions", "GET", "/records/{del}/revisions")
            .loose("the stored JSON is each server's own database form")
            .capture("rev", "/0/revision_id"),
        step("one revision", "GET", "/records/{del}/revisions/{rev}")
            .loose("the stored JSON is each server's own database form"),
        step("revisions, not an administrator", "GET", "/records/{del}/revisions").second(),
        step("delete it, not an administrator", "DELETE", "/records/{del}/delete")
            .json(removal.clone())
            .second(),
        step("delete it", "DELETE", "/records/{del}/delete").json(removal),
        step("the deleted record", "GET", "/records/{del}").anon(),
        step("the deleted record's files", "GET", "/records/{del}/files").anon(),
        step(
            "the deleted record, deleted ones included",
            "GET",
            "/records/{del}?include_deleted=true",
        ),
        step("restore it", "POST", "/records/{del}/restore"),
        step("the restored record", "GET", "/records/{del}"),
        step(
            "its owner asks for its deletion",
            "POST",
            "/records/{del}/request-deletion",
        )
        .json(json!({"reason": "test-record", "comment": "A test record, made by the differential check."})),
        step("the record deleted by its owner", "GET", "/records/{del}").anon(),
    ]
}

/// Custom fields (the CodeMeta set the real servers configure) and a DOI the server reserves
/// (DataCite in test mode), which wants a publisher.
fn dois_and_custom_fields(meta: &Value) -> Vec<Step> {
    let mut with_cf = meta.clone();
    with_cf["files"] = json!({"enabled": false});
    with_cf["custom_fields"] = json!({"code:codeRepository": "https://example.org/differential"});
    let mut unknown = with_cf.clone();
    unknown["custom_fields"] = json!({"zz:colour": "red"});
    let mut published = with_cf.clone();
    published["metadata"]["publisher"] = json!("InvenioRDM differential check");
    vec![
        step("create with a custom field", "POST", "/records")
            .json(with_cf.clone())
            .capture("cf", "/id"),
        step("create with an unknown custom field", "POST", "/records").json(unknown),
        step("reserve a DOI", "POST", "/records/{cf}/draft/pids/doi"),
        step(
            "save with the DOI and no publisher",
            "PUT",
            "/records/{cf}/draft",
        )
        .json(with_cf),
        step(
            "publish with the DOI and no publisher",
            "POST",
            "/records/{cf}/draft/actions/publish",
        ),
        step("save with a publisher", "PUT", "/records/{cf}/draft").json(published),
        step(
            "publish with the DOI",
            "POST",
            "/records/{cf}/draft/actions/publish",
        ),
        step(
            "the record with its DOI and custom field",
            "GET",
            "/records/{cf}",
        ),
    ]
}

/// Communities, reviews, requests, grants and access requests: the curator is the main user,
/// the submitter the second user.
fn communities_and_sharing(meta: &Value) -> Vec<Step> {
    let admin_view = "an administrator sees more of a user than the sandbox shows";
    let review = json!({"receiver": {"community": "{c1}"}, "type": "community-submission"});
    let mut restricted = meta.clone();
    restricted["access"] = json!({"record": "restricted", "files": "restricted"});
    restricted["files"] = json!({"enabled": false});
    restricted["metadata"]["title"] = json!("Differential restricted");
    let mut files_restricted = restricted.clone();
    files_restricted["access"] = json!({"record": "public", "files": "restricted"});
    let mut metadata_only = meta.clone();
    metadata_only["files"] = json!({"enabled": false});
    vec![
        step("create community", "POST", "/communities")
            .json(json!({"slug": "diff-{run}", "metadata": {"title": "Differential {run}"}, "access": {"visibility": "public"}}))
            .capture("c1", "/id"),
        step("create community with a taken slug", "POST", "/communities")
            .json(json!({"slug": "diff-{run}", "metadata": {"title": "Again"}, "access": {"visibility": "public"}})),
        step("create community without metadata", "POST", "/communities")
            .json(json!({"slug": "diff-x-{run}", "access": {"visibility": "public"}})),
        step("create community anonymously", "POST", "/communities")
            .json(json!({"slug": "diff-y-{run}", "metadata": {"title": "Anon"}, "access": {}}))
            .anon(),
        step("get community", "GET", "/communities/{c1}"),
        step("get community by slug", "GET", "/communities/diff-{run}"),
        step("unknown community", "GET", "/communities/no-such-community-{run}"),
        step("search communities", "GET", "/communities?q=slug:diff-{run}"),
        step("user communities", "GET", "/user/communities?q=slug:diff-{run}"),
        step("community members", "GET", "/communities/{c1}/members"),
        step("community without logo", "GET", "/communities/{c1}/logo"),
        step("update community", "PUT", "/communities/{c1}")
            .json(json!({"slug": "diff-{run}", "metadata": {"title": "Differential {run}", "description": "Changed."}, "access": {"visibility": "public"}})),
        step("second user updates community", "PUT", "/communities/{c1}")
            .json(json!({"slug": "diff-{run}", "metadata": {"title": "Hijacked"}, "access": {"visibility": "public"}}))
            .second(),
        step("second user creates draft", "POST", "/records")
            .json(metadata_only.clone())
            .second()
            .capture("sd", "/id"),
        step("get review before one is set", "GET", "/records/{sd}/draft/review").second(),
        step("set review", "PUT", "/records/{sd}/draft/review")
            .json(review.clone())
            .second(),
        step("set review of unknown type", "PUT", "/records/{sd}/draft/review")
            .json(json!({"receiver": {"community": "{c1}"}, "type": "no-such-type"}))
            .second(),
        step("get review", "GET", "/records/{sd}/draft/review").second(),
        step("draft with review", "GET", "/records/{sd}/draft").second(),
        step("publish a draft with a review", "POST", "/records/{sd}/draft/actions/publish")
            .second(),
        step("submit review", "POST", "/records/{sd}/draft/actions/submit-review")
            .json(json!({"payload": {"content": "Please include it.", "format": "html"}}))
            .second()
            .capture("req", "/id"),
        step("draft in review", "GET", "/records/{sd}/draft").second(),
        step("delete an open review", "DELETE", "/records/{sd}/draft/review").second(),
        step("curator reads the request", "GET", "/requests/{req}"),
        step("the community's requests", "GET", "/communities/{c1}/requests"),
        step(
            "the community's open requests",
            "GET",
            "/communities/{c1}/requests?is_open=true",
        ),
        step("the community's requests, not a curator", "GET", "/communities/{c1}/requests")
            .second(),
        step("submitter reads the request", "GET", "/requests/{req}").second(),
        step("curator comments", "POST", "/requests/{req}/comments")
            .json(json!({"payload": {"content": "Looks good.", "format": "html"}}))
            .capture("cm", "/id"),
        step("comment without payload", "POST", "/requests/{req}/comments").json(json!({})),
        step("read the comment", "GET", "/requests/{req}/comments/{cm}"),
        step("update the comment", "PUT", "/requests/{req}/comments/{cm}")
            .json(json!({"payload": {"content": "Looks very good.", "format": "html"}})),
        step("timeline", "GET", "/requests/{req}/timeline"),
        step("unknown action", "POST", "/requests/{req}/actions/approve"),
        step("submitter accepts", "POST", "/requests/{req}/actions/accept").second(),
        step("curator accepts", "POST", "/requests/{req}/actions/accept")
            .json(json!({"payload": {"content": "Welcome.", "format": "html"}})),
        step("accept again", "POST", "/requests/{req}/actions/accept"),
        step("timeline after accept", "GET", "/requests/{req}/timeline"),
        step("accepted record", "GET", "/records/{sd}").anon(),
        step("draft after accept", "GET", "/records/{sd}/draft").second(),
        step("record communities", "GET", "/records/{sd}/communities").anon(),
        step("set the default community", "PUT", "/records/{sd}/communities")
            .json(json!({"default": "{c1}"}))
            .loose("the answer is the parent as each server stores it"),
        step("set a default community it is not in", "PUT", "/records/{sd}/communities")
            .json(json!({"default": "{req}"})),
        step("set the default community, not the owner", "PUT", "/records/{sd}/communities")
            .json(json!({"default": "{c1}"}))
            .anon(),
        step("community records", "GET", "/communities/{c1}/records?q=id:{sd}").anon(),
        step("second user creates a draft to decline", "POST", "/records")
            .json(metadata_only.clone())
            .second()
            .capture("dd", "/id"),
        step("set review to decline", "PUT", "/records/{dd}/draft/review")
            .json(review.clone())
            .second(),
        step("submit without message", "POST", "/records/{dd}/draft/actions/submit-review")
            .second()
            .capture("dreq", "/id"),
        step("curator declines", "POST", "/requests/{dreq}/actions/decline"),
        step("declined draft", "GET", "/records/{dd}/draft").second(),
        step("delete the declined review", "DELETE", "/records/{dd}/draft/review").second(),
        step("review after delete", "GET", "/records/{dd}/draft/review").second(),
        step("second user creates a draft to cancel", "POST", "/records")
            .json(metadata_only.clone())
            .second()
            .capture("cd", "/id"),
        step("set review to cancel", "PUT", "/records/{cd}/draft/review")
            .json(review.clone())
            .second(),
        step("submit to cancel", "POST", "/records/{cd}/draft/actions/submit-review")
            .json(json!({}))
            .second()
            .capture("creq", "/id"),
        step("submitter cancels", "POST", "/requests/{creq}/actions/cancel").second(),
        step("cancel again", "POST", "/requests/{creq}/actions/cancel").second(),
        step("cancelled draft", "GET", "/records/{cd}/draft").second(),
        step("submitter's requests", "GET", "/requests/?size=2").second(),
        step("submitter's own requests", "GET", "/user/requests?size=2").second(),
        step("create an open community", "POST", "/communities")
            .json(json!({"slug": "diff-open-{run}", "metadata": {"title": "Open {run}"}, "access": {"visibility": "public", "review_policy": "open"}}))
            .capture("c2", "/id"),
        step("add record to a second community", "POST", "/records/{sd}/communities")
            .json(json!({"communities": [{"id": "{c2}"}]}))
            .second()
            .capture("ireq", "/processed/0/request_id"),
        step("add it again", "POST", "/records/{sd}/communities")
            .json(json!({"communities": [{"id": "{c2}"}]}))
            .second(),
        step("record requests", "GET", "/records/{sd}/requests").second(),
        step("remove record from a community", "DELETE", "/records/{sd}/communities")
            .json(json!({"communities": [{"id": "{c1}"}]})),
        step("communities after removal", "GET", "/records/{sd}/communities").anon(),
        step("find the second user", "GET", "/users?q=ci-second")
            .loose(admin_view)
            .capture("uid2", "/hits/hits/0/id"),
        step("create restricted record", "POST", "/records")
            .json(restricted)
            .capture("rr", "/id"),
        step("publish restricted record", "POST", "/records/{rr}/draft/actions/publish"),
        step("second user reads it", "GET", "/records/{rr}").second(),
        step("grant to the second user", "POST", "/records/{rr}/access/grants")
            .json(json!({"grants": [{"subject": {"type": "user", "id": "{uid2}"}, "permission": "view"}]})),
        step("grant to nobody", "POST", "/records/{rr}/access/grants")
            .json(json!({"grants": [{"subject": {"type": "user", "id": "999999"}, "permission": "view"}]})),
        step("grant twice", "POST", "/records/{rr}/access/grants")
            .json(json!({"grants": [{"subject": {"type": "user", "id": "{uid2}"}, "permission": "edit"}]})),
        step("second user reads it now", "GET", "/records/{rr}").second(),
        step("list grants", "GET", "/records/{rr}/access/grants"),
        step("get grant", "GET", "/records/{rr}/access/grants/0"),
        step("unknown grant", "GET", "/records/{rr}/access/grants/7"),
        step("change grant", "PATCH", "/records/{rr}/access/grants/0")
            .json(json!({"permission": "preview"})),
        step("user grants", "GET", "/records/{rr}/access/users"),
        step("second user lists grants", "GET", "/records/{rr}/access/grants").second(),
        step("revoke grant", "DELETE", "/records/{rr}/access/grants/0"),
        step("second user reads it after revoke", "GET", "/records/{rr}").second(),
        step("create record with restricted files", "POST", "/records")
            .json(files_restricted)
            .capture("fr", "/id"),
        step("publish it", "POST", "/records/{fr}/draft/actions/publish"),
        step("access settings", "PUT", "/records/{fr}/access")
            .json(json!({"allow_user_requests": true})),
        step("second user reads its files", "GET", "/records/{fr}/files").second(),
        step("request access", "POST", "/records/{fr}/access/request")
            .json(json!({"email": "{email2}", "message": "May I see the files?"}))
            .second()
            .capture("ar", "/id"),
        step("request access again", "POST", "/records/{fr}/access/request")
            .json(json!({"email": "{email2}", "message": "Again?"}))
            .second(),
        step("guest requests access", "POST", "/records/{fr}/access/request")
            .json(json!({"email": "guest-{run}@example.org", "full_name": "A Guest", "message": "Please", "consent_to_share_personal_data": "true"}))
            .anon(),
        step("owner reads the access request", "GET", "/requests/{ar}"),
        step("owner accepts it", "POST", "/requests/{ar}/actions/accept"),
        step("second user reads the files now", "GET", "/records/{fr}/files").second(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_answers_like_a_real_server() {
    let (Ok(url), Ok(token), Ok(second)) = (
        std::env::var("INVENIORDM_URL"),
        std::env::var("INVENIORDM_TOKEN"),
        std::env::var("INVENIORDM_SECOND_TOKEN"),
    ) else {
        panic!(
            "no real server: set INVENIORDM_URL, INVENIORDM_TOKEN and INVENIORDM_SECOND_TOKEN (a second user, no admin) to compare the sandbox with a real InvenioRDM"
        );
    };
    // The second user's e-mail address on the real server (scripts/inveniordm-up).
    let second_email =
        std::env::var("INVENIORDM_SECOND_EMAIL").unwrap_or_else(|_| "second@example.org".into());
    // The sandbox imitates the server's major version (INVENIORDM_SANDBOX_VERSION, default 13).
    let rdm_version = std::env::var("INVENIORDM_SANDBOX_VERSION")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(13);
    let sandbox_second = "second-user-token-0123456789";
    let sandbox = Sandbox::start(SandboxConfig {
        rdm_version,
        // scripts/inveniordm-up lets v14's owners delete within the grace period.
        immediate_deletion: rdm_version >= 14,
        // And lets v14's users ask to join communities.
        membership_requests: rdm_version >= 14,
        users: vec![("ci-second".into(), sandbox_second.into())],
        // What scripts/inveniordm-up allows by default.
        remote_domains: vec!["127.0.0.1:5099".into()],
        // The CodeMeta custom fields scripts/inveniordm-up configures.
        custom_fields: vec![
            "code:codeRepository".into(),
            "code:programmingLanguage".into(),
            "code:developmentStatus".into(),
        ],
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let mut real = Target::new(&url, &token, &second);
    let mut sbx = Target::new(sandbox.url(), sandbox.token(), sandbox_second);
    // A word unique to this run (community slugs are unique on a server), and the second
    // user's e-mail on each side.
    let run = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 1_000_000_000)
            .unwrap_or(0)
    );
    for t in [&mut real, &mut sbx] {
        t.vars.insert("run".into(), run.clone());
    }
    real.vars.insert("email2".into(), second_email);
    sbx.vars
        .insert("email2".into(), "ci-second@sandbox.invalid".into());
    let mut problems = Vec::new();
    let steps = sequence();
    // INVENIORDM_DIFF_RECORD=FILE writes the real server's statuses, as EXPECTED holds them.
    let record =
        std::env::var_os("INVENIORDM_DIFF_RECORD").map(|_| std::sync::Mutex::new(Vec::new()));
    for s in &steps {
        let r = real.run(s).await;
        let x = sbx.run(s).await;
        let mut diffs = Vec::new();
        match expected_status(s.name, rdm_version) {
            Some(e) if e != r.status => diffs.push(format!(
                "the real server answered {} where {e} was recorded when the step was written",
                r.status
            )),
            Some(_) => {}
            None => diffs.push(format!(
                "no recorded status for this step: add it to EXPECTED (the real server answered {})",
                r.status
            )),
        }
        if let Some(out) = &record {
            out.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("    ({:?}, {}),", s.name, r.status));
        }
        for (side, o) in [("real", &r), ("sandbox", &x)] {
            if !o.missing.is_empty() {
                diffs.push(format!(
                    "{side}: not captured or left unfilled: {}",
                    o.missing.join(", ")
                ));
            }
            if o.broken_json {
                diffs.push(format!(
                    "{side}: the body is announced as JSON and does not parse"
                ));
            }
        }
        if r.status != x.status {
            diffs.push(format!("status: real {} sandbox {}", r.status, x.status));
        }
        if r.content_type != x.content_type && r.status != 204 {
            diffs.push(format!(
                "content type: real {:?} sandbox {:?}",
                r.content_type, x.content_type
            ));
        }
        if let (Some(rb), Some(xb), None) = (&r.body, &x.body, s.loose) {
            let (rm, xm) = (
                real.normalize(&rb["message"]),
                sbx.normalize(&xb["message"]),
            );
            if r.status >= 300 && rm != xm {
                diffs.push(format!("message: real {rm:?} sandbox {xm:?}"));
            }
            let (mut rs, mut xs) = (BTreeSet::new(), BTreeSet::new());
            shape(rb, "", &mut rs);
            shape(xb, "", &mut xs);
            let missing: Vec<_> = rs
                .difference(&xs)
                .filter(|p| !allowed(p))
                .cloned()
                .collect();
            let extra: Vec<_> = xs
                .difference(&rs)
                .filter(|p| !allowed(p))
                .cloned()
                .collect();
            if !missing.is_empty() {
                diffs.push(format!("keys only on the real server: {missing:?}"));
            }
            if !extra.is_empty() {
                diffs.push(format!("keys only in the sandbox: {extra:?}"));
            }
        } else if let (Some(rb), Some(xb)) = (&r.body, &x.body) {
            let (rm, xm) = (
                real.normalize(&rb["message"]),
                sbx.normalize(&xb["message"]),
            );
            if r.status >= 300 && rm != xm {
                diffs.push(format!("message: real {rm:?} sandbox {xm:?}"));
            }
        } else if r.body.is_some() != x.body.is_some() && r.status != 204 {
            diffs.push(format!(
                "JSON body: real {} sandbox {}",
                r.body.is_some(),
                x.body.is_some()
            ));
        }
        let verdict = if diffs.is_empty() {
            "same"
        } else {
            "DIFFERENT"
        };
        eprintln!("{verdict:9} {} {} -> {}", s.method, s.name, r.status);
        for d in &diffs {
            eprintln!("          {d}");
        }
        if !diffs.is_empty() {
            problems.push((s.name, diffs));
        }
    }
    let worked = steps
        .iter()
        .filter(|s| expected_status(s.name, rdm_version).is_some_and(|c| (200..300).contains(&c)))
        .count();
    eprintln!(
        "differential: {} steps answered alike, {} differently ({worked} of them expected to succeed, 2xx)",
        steps.len() - problems.len(),
        problems.len()
    );
    if let (Some(out), Some(path)) = (record, std::env::var_os("INVENIORDM_DIFF_RECORD")) {
        let lines = out.into_inner().unwrap_or_else(|e| e.into_inner());
        std::fs::write(path, lines.join("\n") + "\n").expect("the record is written");
    }
    sandbox.stop().await;
    if std::env::var("INVENIORDM_DIFF_REPORT_ONLY").as_deref() == Ok("1") {
        eprintln!("(report only: differences do not fail this run)");
        return;
    }
    assert!(
        problems.is_empty(),
        "{} steps differ: {:?}",
        problems.len(),
        problems.iter().map(|(n, _)| *n).collect::<Vec<_>>()
    );
}
