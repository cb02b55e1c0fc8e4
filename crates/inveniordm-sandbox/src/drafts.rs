//! Drafts: create, read, update, delete, publish, edit, new version, DOI reservation.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::access::{draft_for, owned_record};
use crate::app::{App, Ctx, check_accept, check_revision, json_body_of};
use crate::model::{Doc, Parent, State};
use crate::render::{self, bucket, draft_response, record_response, record_response_with};
use crate::util::{self, ApiError, ApiResult};
use crate::validate;

/// Content types the record endpoints take.
const RECORD_TYPES: &str =
    "application/json, application/ld+json;profile=\"https://w3id.org/ro/crate/1.1\"";

pub(crate) fn get_draft(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    check_accept(ctx)?;
    let st = app.state();
    let d = draft_for(&st, ctx, id)?;
    Ok(record_response(app, &st, d, true, ctx, StatusCode::OK))
}

/// Validates a draft body: (metadata, access, files_enabled, custom_fields, pids, errors).
type Checked = (
    Map<String, Value>,
    Map<String, Value>,
    bool,
    Map<String, Value>,
    Option<Map<String, Value>>,
    Vec<(String, String)>,
);

pub(crate) fn check_input(app: &App, input: &Value) -> ApiResult<Checked> {
    let Some(obj) = input.as_object() else {
        return Err(ApiError::invalid_input());
    };
    let mut errors = Vec::new();
    let metadata = validate::metadata(&app.vocab, obj.get("metadata"), &mut errors)?;
    let access = validate::access(obj.get("access"), &mut errors);
    let files_enabled = match obj.get("files").and_then(|f| f.get("enabled")) {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(("files.enabled".into(), "Not a valid boolean.".into()));
            true
        }
    };
    // Only the configured custom fields (none by default, as on a stock instance).
    let mut custom = Map::new();
    if let Some(Value::Object(cf)) = obj.get("custom_fields") {
        for (k, v) in cf {
            if !app.limits.custom_fields.contains(k) {
                errors.push((format!("custom_fields.{k}"), "Unknown field.".into()));
            } else if !v.is_null() {
                custom.insert(k.clone(), v.clone());
            }
        }
    }
    let pids = match obj.get("pids") {
        Some(Value::Object(p)) => Some(p.clone()),
        _ => None,
    };
    Ok((metadata, access, files_enabled, custom, pids, errors))
}

/// The pids a draft save may set: known schemes only; a DOI from the client must be
/// external, unless it is the one the server already gave the draft; a published record's DOI
/// stays.
pub(crate) fn check_pids(
    prefix: &str,
    existing: &Map<String, Value>,
    input: Map<String, Value>,
    published: bool,
    errors: &mut Vec<(String, String)>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (scheme, pid) in input {
        if !["doi", "oai"].contains(&scheme.as_str()) {
            errors.push((
                format!("pids.{scheme}.key"),
                "Invalid persistent identifier scheme.".into(),
            ));
            continue;
        }
        let same = existing.get(&scheme) == Some(&pid);
        let provider = pid.get("provider").and_then(Value::as_str).unwrap_or("");
        let identifier = pid.get("identifier").and_then(Value::as_str).unwrap_or("");
        if same
            || (scheme == "doi"
                && provider == "external"
                && identifier.starts_with("10.")
                && !identifier.starts_with(&format!("{prefix}/")))
        {
            out.insert(scheme, pid);
        } else {
            errors.push((
                format!("pids.{scheme}"),
                format!("The {scheme} cannot be set to this value."),
            ));
        }
    }
    if published
        && let Some(doi) = existing.get("doi")
        && out.get("doi") != Some(doi)
    {
        errors.push((
            "pids.doi".into(),
            "The DOI of a published record cannot be changed.".into(),
        ));
        out.insert("doi".into(), doi.clone());
    }
    if let Some(oai) = existing.get("oai") {
        out.entry("oai").or_insert_with(|| oai.clone());
    }
    out
}

/// The files warning a draft save reports.
pub(crate) fn files_errors(st: &State, d: &Doc, errors: &mut Vec<(String, String)>) {
    if d.files_enabled && st.bucket(&bucket(&d.id, true)).is_empty() {
        errors.push((
            "files.enabled".into(),
            "Missing uploaded files. To disable files for this record please mark it as metadata-only.".into(),
        ));
    }
}

/// A DOI of the server's own (DataCite) is registered with the publisher: a draft without
/// one is told so on save, and refused on publish (as the real DataCite provider validates).
pub(crate) fn doi_errors(d: &Doc, errors: &mut Vec<(String, String)>) {
    let managed = d
        .pids
        .get("doi")
        .and_then(|p| p.get("provider"))
        .and_then(Value::as_str)
        == Some("datacite");
    let publisher = d
        .metadata
        .get("publisher")
        .and_then(Value::as_str)
        .is_some_and(|p| !p.is_empty());
    if managed && !publisher {
        errors.push((
            "metadata.publisher".into(),
            "Missing publisher field required for DOI registration.".into(),
        ));
    }
}

pub(crate) async fn create(app: &App, ctx: &Ctx, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    let input = json_body_of(app, ctx, body, RECORD_TYPES).await?;
    let (metadata, access, files_enabled, custom_fields, pids, mut errors) =
        check_input(app, &input)?;
    let now = util::now();
    let expires = util::naive(&now);
    let mut st = app.state();
    let id = st.fresh_id();
    let mut parent_id = st.fresh_id();
    while parent_id == id {
        parent_id = st.fresh_id();
    }
    let parent = Parent::new(parent_id.clone(), user);
    let d = Doc {
        id: id.clone(),
        parent_id,
        owner: user,
        metadata,
        access,
        files_enabled,
        default_preview: None,
        order: Vec::new(),
        custom_fields,
        pids: check_pids(
            &app.limits.doi_prefix,
            &Map::new(),
            pids.unwrap_or_default(),
            false,
            &mut errors,
        ),
        created: now.clone(),
        updated: now,
        revision_id: 1,
        index: 1,
        status: "draft".into(),
        is_published: false,
        locked: false,
        expires_at: Some(expires),
        tombstone: None,
    };
    app.persist("parents", &parent.id, &parent)?;
    app.persist("drafts", &id, &d)?;
    st.parents.insert(parent.id.clone(), parent);
    st.drafts.insert(id.clone(), d);
    let d = &st.drafts[&id];
    let public = d.access.get("record").and_then(Value::as_str) == Some("public");
    Ok(draft_response(
        app,
        &st,
        d,
        ctx,
        StatusCode::CREATED,
        &errors,
        |b| {
            // The create response computes the access status before any file exists.
            if public {
                b["access"]["status"] = json!("metadata-only");
            }
        },
    ))
}

pub(crate) async fn update(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    ctx.require_user()?;
    {
        let st = app.state();
        let d = draft_for(&st, ctx, id)?;
        check_revision(ctx, d.revision_id)?;
    }
    let input = json_body_of(app, ctx, body, RECORD_TYPES).await?;
    let (metadata, access, files_enabled, custom_fields, pids, mut errors) =
        check_input(app, &input)?;
    let mut st = app.state();
    let mut d = draft_for(&st, ctx, id)?.clone();
    check_revision(ctx, d.revision_id)?;
    d.metadata = metadata;
    d.access = access;
    if d.files_enabled && !files_enabled {
        // Disabling files deletes the draft's files, as on the real server.
        if d.locked {
            errors.push((
                "files.enabled".into(),
                "Files cannot be disabled on a published record.".into(),
            ));
        } else {
            app.clear_bucket(&mut st, &bucket(id, true))?;
            d.files_enabled = false;
        }
    } else {
        d.files_enabled = files_enabled;
    }
    if let Some(files) = input.get("files") {
        d.default_preview = files
            .get("default_preview")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(Value::Array(order)) = files.get("order") {
            d.order = order
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
    }
    d.custom_fields = custom_fields;
    if let Some(p) = pids {
        d.pids = check_pids(
            &app.limits.doi_prefix,
            &d.pids,
            p,
            d.is_published,
            &mut errors,
        );
    }
    d.updated = util::now();
    d.revision_id += 1;
    files_errors(&st, &d, &mut errors);
    doi_errors(&d, &mut errors);
    app.persist("drafts", id, &d)?;
    st.drafts.insert(id.to_string(), d);
    let d = &st.drafts[id];
    Ok(draft_response(
        app,
        &st,
        d,
        ctx,
        StatusCode::OK,
        &errors,
        |_| {},
    ))
}

pub(crate) async fn delete_draft(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let mut st = app.state();
    let d = draft_for(&st, ctx, id)?.clone();
    check_revision(ctx, d.revision_id)?;
    app.clear_bucket(&mut st, &bucket(id, true))?;
    st.drafts.remove(id);
    app.unpersist("drafts", id)?;
    let parent_empty = !st.records.values().any(|r| r.parent_id == d.parent_id)
        && !st.drafts.values().any(|r| r.parent_id == d.parent_id);
    if parent_empty {
        st.parents.remove(&d.parent_id);
        app.unpersist("parents", &d.parent_id)?;
    }
    drop(st);
    Ok(util::no_content())
}

pub(crate) fn publish(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let mut st = app.state();
    let d = draft_for(&st, ctx, id)?.clone();
    let parent = st.parents.get(&d.parent_id);
    // A review in progress blocks a direct publish.
    if parent
        .and_then(|p| p.review.as_ref())
        .and_then(|r| st.requests.get(r))
        .is_some_and(|r| matches!(r.status.as_str(), "created" | "submitted"))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "You cannot publish a draft with an open review request. Please cancel the review request first.",
        ));
    }
    if app.limits.community_required && parent.is_none_or(|p| p.communities.is_empty()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Cannot publish without selecting a community.",
        ));
    }
    publish_checked(app, &mut st, id)?;
    let r = &st.records[id];
    Ok(record_response_with(
        app,
        &st,
        r,
        false,
        ctx,
        StatusCode::ACCEPTED,
        |b| render::entries_summary(b, true),
    ))
}

/// The checks of a publish: the stored draft's metadata and files.
pub(crate) fn check_publishable(app: &App, st: &State, d: &Doc) -> ApiResult<()> {
    // Strict validation of the stored draft: the same checks as a save, now fatal.
    let id = d.id.as_str();
    let mut errors = Vec::new();
    let meta = Value::Object(d.metadata.clone());
    validate::metadata(&app.vocab, Some(&meta), &mut errors)?;
    if !errors.is_empty() {
        // Metadata is checked first; file problems are reported once it is valid.
        return Err(ApiError::validation(errors));
    }
    let files = st.bucket(&bucket(id, true));
    if d.files_enabled && files.is_empty() {
        errors.push((
            "files.enabled".into(),
            "Missing uploaded files. To disable files for this record please mark it as metadata-only.".into(),
        ));
    }
    if files.iter().any(|f| f.status != "completed") {
        errors.push((
            "files".into(),
            "One or more files have not completed their transfer, please wait.".into(),
        ));
    }
    doi_errors(d, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(())
}

/// Publishes a draft (whoever asked: the caller checked the permission): validates it, makes
/// it the published record and moves its files.
pub(crate) fn publish_checked(app: &App, st: &mut State, id: &str) -> ApiResult<()> {
    let d = st
        .drafts
        .get(id)
        .ok_or_else(ApiError::pid_not_found)?
        .clone();
    check_publishable(app, st, &d)?;
    let mut r = d.clone();
    r.status = "published".into();
    r.is_published = true;
    r.locked = true;
    r.expires_at = None;
    r.updated = util::now();
    r.revision_id += 1;
    if let Some(old) = st.records.get(id) {
        r.created = old.created.clone();
        r.revision_id = r.revision_id.max(old.revision_id + 1);
    }
    if r.access.get("record").and_then(Value::as_str) != Some("restricted") {
        // Restricted records get no OAI identifier.
        r.pids.insert(
            "oai".into(),
            json!({"identifier": format!("oai:inveniordm-sandbox:{id}"), "provider": "oai"}),
        );
    }
    if let Some(doi) = r.pids.get_mut("doi")
        && doi.get("provider").and_then(Value::as_str) == Some("datacite")
    {
        doi["client"] = json!("datacite");
        // The concept gets a DOI of its own with its first version that has one.
        if let Some(p) = st.parents.get_mut(&r.parent_id)
            && !p.pids.contains_key("doi")
        {
            p.pids.insert(
                "doi".into(),
                json!({"client": "datacite", "identifier": format!("{}/{}", app.limits.doi_prefix, r.parent_id), "provider": "datacite"}),
            );
            let p = p.clone();
            app.persist("parents", &p.id, &p)?;
        }
    }
    // Files: the record bucket becomes the draft bucket.
    let rb = bucket(id, false);
    app.clear_bucket(st, &rb)?;
    app.copy_bucket(st, &bucket(id, true), &rb)?;
    app.clear_bucket(st, &bucket(id, true))?;
    app.persist("records", id, &r)?;
    app.unpersist("drafts", id)?;
    st.drafts.remove(id);
    app.keep_revision(st, &r)?;
    st.records.insert(id.to_string(), r);
    Ok(())
}

pub(crate) fn edit(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    let r = owned_record(&st, ctx, id)?.clone();
    let summary = |b: &mut Value| render::entries_summary(b, true);
    if let Some(d) = st.drafts.get(id) {
        return Ok(record_response_with(
            app,
            &st,
            d,
            true,
            ctx,
            StatusCode::CREATED,
            summary,
        ));
    }
    let mut d = r.clone();
    d.locked = true;
    d.expires_at = Some(util::expires_at());
    d.revision_id = r.revision_id + 1;
    d.updated = util::now();
    app.copy_bucket(&mut st, &bucket(id, false), &bucket(id, true))?;
    app.persist("drafts", id, &d)?;
    st.drafts.insert(id.to_string(), d);
    let d = &st.drafts[id];
    Ok(record_response_with(
        app,
        &st,
        d,
        true,
        ctx,
        StatusCode::CREATED,
        summary,
    ))
}

pub(crate) fn new_version(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    let r = owned_record(&st, ctx, id)?.clone();
    if let Some(existing) = st
        .drafts
        .values()
        .find(|d| d.parent_id == r.parent_id && d.status == "new_version_draft")
    {
        // The real server answers with the stored draft: vocabulary references not expanded.
        let stored = Value::Object(existing.metadata.clone());
        return Ok(record_response_with(
            app,
            &st,
            existing,
            true,
            ctx,
            StatusCode::CREATED,
            |b| b["metadata"] = stored,
        ));
    }
    let latest = st.latest_of(&r.parent_id).cloned().unwrap_or(r);
    let new_id = st.fresh_id();
    let mut metadata = latest.metadata.clone();
    if app.limits.rdm_version < 14 {
        // v13 drops the publication date of a new version; v14 keeps it.
        metadata.remove("publication_date");
    }
    metadata.remove("version");
    let now = util::now();
    let d = Doc {
        id: new_id.clone(),
        parent_id: latest.parent_id.clone(),
        owner: latest.owner,
        metadata,
        access: latest.access.clone(),
        files_enabled: latest.files_enabled,
        default_preview: None,
        order: Vec::new(),
        custom_fields: latest.custom_fields.clone(),
        pids: Map::new(),
        created: now.clone(),
        updated: now,
        revision_id: 1,
        index: latest.index + 1,
        status: "new_version_draft".into(),
        is_published: false,
        locked: false,
        expires_at: Some(util::expires_at()),
        tombstone: None,
    };
    app.persist("drafts", &new_id, &d)?;
    st.drafts.insert(new_id.clone(), d);
    let d = &st.drafts[&new_id];
    Ok(record_response(app, &st, d, true, ctx, StatusCode::CREATED))
}

pub(crate) fn reserve_pid(app: &App, ctx: &Ctx, id: &str, scheme: &str) -> ApiResult {
    ctx.require_user()?;
    if scheme != "doi" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Unknown PID type {scheme}."),
        ));
    }
    let mut st = app.state();
    let mut d = draft_for(&st, ctx, id)?.clone();
    if d.pids.contains_key("doi") {
        return Err(ApiError::validation(vec![(
            "pids.doi".into(),
            "A PID already exists for type doi".into(),
        )]));
    }
    d.pids.insert(
        "doi".into(),
        json!({"identifier": format!("{}/{}", app.limits.doi_prefix, id), "provider": "datacite", "client": "datacite"}),
    );
    d.revision_id += 1;
    d.updated = util::now();
    app.persist("drafts", id, &d)?;
    st.drafts.insert(id.to_string(), d);
    let d = &st.drafts[id];
    Ok(record_response(app, &st, d, true, ctx, StatusCode::CREATED))
}

pub(crate) fn discard_pid(app: &App, ctx: &Ctx, id: &str, scheme: &str) -> ApiResult {
    ctx.require_user()?;
    let mut st = app.state();
    let mut d = draft_for(&st, ctx, id)?.clone();
    if d.is_published && d.pids.contains_key(scheme) {
        return Err(ApiError::validation(vec![(
            format!("pids.{scheme}"),
            "Cannot discard a reserved or registered persistent identifier.".into(),
        )]));
    }
    if d.pids.remove(scheme).is_none() {
        return Err(ApiError::pid_not_found());
    }
    d.revision_id += 1;
    d.updated = util::now();
    app.persist("drafts", id, &d)?;
    st.drafts.insert(id.to_string(), d);
    let d = &st.drafts[id];
    Ok(record_response(app, &st, d, true, ctx, StatusCode::OK))
}
