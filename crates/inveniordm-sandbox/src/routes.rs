//! Dispatch on (method, path segments), and the record, draft, version, DOI and access-link
//! endpoints.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::model::{Doc, Link, Parent, State};
use crate::render::{self, bucket};
use crate::server::{App, Ctx, check_accept, check_revision, json_body, json_body_of, with_etag};

/// Content types the record endpoints take.
const RECORD_TYPES: &str =
    "application/json, application/ld+json;profile=\"https://w3id.org/ro/crate/1.1\"";
use crate::util::{self, ApiError, ApiResult, json_response};
use crate::validate;

/// Routes a request.
pub async fn route(app: &App, ctx: &Ctx, m: &Method, segs: &[&str], body: Body) -> ApiResult {
    use crate::files as f;
    use crate::search as s;
    let get = *m == Method::GET || *m == Method::HEAD;
    match segs {
        ["api", "records"] if get => s::records(app, ctx, false),
        ["api", "records"] if *m == Method::POST => create(app, ctx, body).await,
        ["api", "user", "records"] if get => s::records(app, ctx, true),
        ["api", "records", id] if get => get_record(app, ctx, id),
        ["records", id, "export", name] if get => export_route(app, ctx, id, name),
        ["api", "records", id, "draft"] => match *m {
            Method::GET | Method::HEAD => get_draft(app, ctx, id),
            Method::POST => edit(app, ctx, id),
            Method::PUT => update(app, ctx, id, body).await,
            Method::DELETE => delete_draft(app, ctx, id).await,
            _ => not_allowed(),
        },
        ["api", "records", id, "draft", "actions", "publish"] if *m == Method::POST => {
            publish(app, ctx, id)
        }
        ["api", "records", id, "draft", "actions", "files-import"] if *m == Method::POST => {
            f::import(app, ctx, id)
        }
        ["api", "records", id, "draft", "pids", scheme] => match *m {
            Method::POST => reserve_pid(app, ctx, id, scheme),
            Method::DELETE => discard_pid(app, ctx, id, scheme),
            _ => not_allowed(),
        },
        ["api", "records", id, "versions"] if get => s::versions(app, ctx, id),
        ["api", "records", id, "versions"] if *m == Method::POST => new_version(app, ctx, id),
        ["api", "records", id, "versions", "latest"] if get => latest(app, ctx, id),
        ["api", "records", id, "draft", "files"] => match *m {
            Method::GET | Method::HEAD => f::list(app, ctx, id, true),
            Method::POST => f::init(app, ctx, id, body).await,
            Method::DELETE => f::delete_all(app, ctx, id).await,
            _ => not_allowed(),
        },
        ["api", "records", id, "draft", "files", rest @ ..] if !rest.is_empty() => {
            f::draft_file(app, ctx, m, id, rest, body).await
        }
        ["api", "records", id, "files"] if get => f::list(app, ctx, id, false),
        ["api", "records", id, "files", rest @ ..] if !rest.is_empty() && get => {
            f::record_file(app, ctx, id, rest).await
        }
        // A published record's files are read-only.
        ["api", "records", _, "files", ..] => not_allowed(),
        ["api", "records", id, "access", "links"] => match *m {
            Method::GET => list_links(app, ctx, id),
            Method::POST => create_link(app, ctx, id, body).await,
            _ => not_allowed(),
        },
        ["api", "records", id, "access", "links", link_id] => match *m {
            Method::GET => get_link(app, ctx, id, link_id),
            Method::PATCH => update_link(app, ctx, id, link_id, body).await,
            Method::DELETE => delete_link(app, ctx, id, link_id),
            _ => not_allowed(),
        },
        ["api", "vocabularies", t] if get => s::vocabulary(app, ctx, t),
        ["api", "vocabularies", t, id] if get => s::term(app, ctx, t, id),
        ["api", t] if get && crate::vocab::SPECIAL.contains(t) => s::vocabulary(app, ctx, t),
        ["api", t, rest @ ..] if get && crate::vocab::SPECIAL.contains(t) && !rest.is_empty() => {
            s::term(app, ctx, t, &rest.join("/"))
        }
        _ => Err(ApiError::route_not_found()),
    }
}

fn not_allowed() -> ApiResult {
    Err(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested URL.",
    ))
}

/// The draft with this id, if the caller may see it.
/// The draft with this id, if the caller owns it.
pub fn draft_for<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Doc> {
    let d = match st.drafts.get(id) {
        Some(d) => d,
        None => return Err(ApiError::pid_not_found()),
    };
    match ctx.user {
        Some(u) if u == d.owner => Ok(d),
        _ => Err(ApiError::forbidden()),
    }
}

/// Whether the caller holds a secret link of this record's parent.
fn has_link(ctx: &Ctx, d: &Doc) -> bool {
    ctx.link
        .as_ref()
        .is_some_and(|(parent, _)| *parent == d.parent_id)
}

/// Whether the caller may read a published record.
pub fn can_read(ctx: &Ctx, d: &Doc) -> bool {
    d.access.get("record").and_then(Value::as_str) != Some("restricted")
        || ctx.user == Some(d.owner)
        || has_link(ctx, d)
}

/// Whether the caller may read a record's files.
pub fn can_read_files(ctx: &Ctx, d: &Doc) -> bool {
    can_read(ctx, d)
        && (d.access.get("files").and_then(Value::as_str) != Some("restricted")
            || ctx.user == Some(d.owner)
            || has_link(ctx, d))
}

fn record_response(
    app: &App,
    st: &State,
    d: &Doc,
    draft: bool,
    ctx: &Ctx,
    status: StatusCode,
) -> Response {
    record_response_with(app, st, d, draft, ctx, status, |_| {})
}

fn record_response_with(
    app: &App,
    st: &State,
    d: &Doc,
    draft: bool,
    ctx: &Ctx,
    status: StatusCode,
    tweak: impl FnOnce(&mut Value),
) -> Response {
    let mut body = render::record(st, &app.vocab, d, draft, ctx);
    tweak(&mut body);
    let ui = render::wants_ui(ctx);
    if ui {
        render::add_ui(&app.vocab, &mut body);
    }
    render::negotiated(with_etag(json_response(status, &body), d.revision_id), ui)
}

fn draft_response(
    app: &App,
    st: &State,
    d: &Doc,
    ctx: &Ctx,
    status: StatusCode,
    errors: &[(String, String)],
    tweak: impl FnOnce(&mut Value),
) -> Response {
    record_response_with(app, st, d, true, ctx, status, |body| {
        if !errors.is_empty() {
            body["errors"] = util::group_errors(errors);
        }
        tweak(body);
    })
}

fn get_record(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let accept = ctx
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let export = crate::export::negotiate(accept)?;
    record_as(app, ctx, id, export)
}

/// `GET /records/{id}/export/{name}` (the site's export route).
fn export_route(app: &App, ctx: &Ctx, id: &str, name: &str) -> ApiResult {
    let export = crate::export::by_route_name(name).ok_or_else(ApiError::route_not_found)??;
    record_as(app, ctx, id, export)
}

/// A published record as its JSON document or as an export.
fn record_as(app: &App, ctx: &Ctx, id: &str, export: Option<crate::export::Export>) -> ApiResult {
    let st = app.state();
    if let Some(d) = st.records.get(id) {
        if !can_read(ctx, d) {
            return Err(ApiError::forbidden());
        }
        if let Some(x) = export {
            let rec = render::record(&st, &app.vocab, d, false, ctx);
            return crate::export::respond(&rec, x, &ctx.ui, ctx.q("style"), ctx.rdm_version);
        }
        let mut r = record_response(app, &st, d, false, ctx, StatusCode::OK);
        if let Ok(v) = HeaderValue::from_str(&format!(
            "<{}/records/{id}> ; rel=\"linkset\" ; type=\"application/linkset+json\"",
            ctx.api
        )) {
            r.headers_mut().insert(header::LINK, v);
        }
        return Ok(r);
    }
    if st.parents.contains_key(id)
        && let Some(latest) = st.latest_of(id)
    {
        return Ok(redirect(
            StatusCode::FOUND,
            &format!("{}/records/{}", ctx.api, latest.id),
        ));
    }
    if st.drafts.contains_key(id) {
        return Err(ApiError::pid_not_registered());
    }
    Err(ApiError::pid_not_found())
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut r = json_response(
        status,
        &json!({"status": status.as_u16(), "message": "Redirecting...", "location": location}),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn get_draft(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
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

fn check_input(app: &App, input: &Value) -> ApiResult<Checked> {
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
    // No custom fields are configured in the sandbox, as on a default instance.
    if let Some(Value::Object(cf)) = obj.get("custom_fields") {
        for k in cf.keys() {
            errors.push((format!("custom_fields.{k}"), "Unknown field.".into()));
        }
    }
    let custom = Map::new();
    let pids = match obj.get("pids") {
        Some(Value::Object(p)) => Some(p.clone()),
        _ => None,
    };
    Ok((metadata, access, files_enabled, custom, pids, errors))
}

/// The pids a draft save may set: known schemes only; a DOI from the client must be
/// external, unless it is the one the server already gave the draft; a published record's DOI
/// stays.
fn check_pids(
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
fn files_errors(st: &State, d: &Doc, errors: &mut Vec<(String, String)>) {
    if d.files_enabled && st.bucket(&bucket(&d.id, true)).is_empty() {
        errors.push((
            "files.enabled".into(),
            "Missing uploaded files. To disable files for this record please mark it as metadata-only.".into(),
        ));
    }
}

async fn create(app: &App, ctx: &Ctx, body: Body) -> ApiResult {
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
    let parent = Parent {
        id: parent_id.clone(),
        owner: user,
        links: Vec::new(),
    };
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

async fn update(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
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

async fn delete_draft(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
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

fn publish(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let mut st = app.state();
    let d = draft_for(&st, ctx, id)?.clone();
    // Strict validation of the stored draft: the same checks as a save, now fatal.
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
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
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
    r.pids.insert(
        "oai".into(),
        json!({"identifier": format!("oai:inveniordm-sandbox:{id}"), "provider": "oai"}),
    );
    if let Some(doi) = r.pids.get_mut("doi")
        && doi.get("provider").and_then(Value::as_str) == Some("datacite")
    {
        doi["client"] = json!("datacite");
    }
    // Files: the record bucket becomes the draft bucket.
    let rb = bucket(id, false);
    app.clear_bucket(&mut st, &rb)?;
    app.copy_bucket(&mut st, &bucket(id, true), &rb)?;
    app.clear_bucket(&mut st, &bucket(id, true))?;
    app.persist("records", id, &r)?;
    app.unpersist("drafts", id)?;
    st.drafts.remove(id);
    st.records.insert(id.to_string(), r);
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

/// The published record with this id (404 telling a draft-only id from an unknown one).
pub fn record_for<'a>(st: &'a State, id: &str) -> ApiResult<&'a Doc> {
    match st.records.get(id) {
        Some(r) => Ok(r),
        None if st.drafts.contains_key(id) => Err(ApiError::pid_not_registered()),
        None => Err(ApiError::pid_not_found()),
    }
}

fn owned_record<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Doc> {
    let user = ctx.require_user()?;
    let r = record_for(st, id)?;
    if r.owner != user {
        return Err(ApiError::forbidden());
    }
    Ok(r)
}

fn edit(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
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

fn new_version(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
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
    };
    app.persist("drafts", &new_id, &d)?;
    st.drafts.insert(new_id.clone(), d);
    let d = &st.drafts[&new_id];
    Ok(record_response(app, &st, d, true, ctx, StatusCode::CREATED))
}

fn latest(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let parent = if let Some(r) = st.records.get(id) {
        r.parent_id.clone()
    } else if let Some(d) = st.drafts.get(id) {
        d.parent_id.clone()
    } else if st.parents.contains_key(id) {
        id.to_string()
    } else {
        return Err(ApiError::pid_not_found());
    };
    match st.latest_of(&parent) {
        Some(l) if can_read(ctx, l) => Ok(redirect(
            StatusCode::MOVED_PERMANENTLY,
            &format!("{}/records/{}", ctx.api, l.id),
        )),
        Some(_) => Err(ApiError::forbidden()),
        None => Err(ApiError::pid_not_registered()),
    }
}

fn reserve_pid(app: &App, ctx: &Ctx, id: &str, scheme: &str) -> ApiResult {
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

fn discard_pid(app: &App, ctx: &Ctx, id: &str, scheme: &str) -> ApiResult {
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

/// The parent of a record or draft id, if the caller owns it.
fn owned_parent(st: &State, ctx: &Ctx, id: &str) -> ApiResult<String> {
    let user = ctx.require_user()?;
    let doc = st
        .records
        .get(id)
        .or_else(|| st.drafts.get(id))
        .ok_or_else(ApiError::pid_not_found)?;
    if doc.owner != user {
        return Err(ApiError::forbidden());
    }
    Ok(doc.parent_id.clone())
}

fn list_links(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let links: Vec<Value> = st
        .parents
        .get(&p)
        .map(|p| p.links.iter().map(render::link).collect())
        .unwrap_or_default();
    let n = links.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"hits": {"hits": links, "total": n}}),
    ))
}

fn get_link(app: &App, ctx: &Ctx, id: &str, link_id: &str) -> ApiResult {
    let st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let l = st
        .parents
        .get(&p)
        .and_then(|p| p.links.iter().find(|l| l.id == link_id))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?;
    Ok(json_response(StatusCode::OK, &render::link(l)))
}

/// Permission, expiry (`Some(None)` clears it) and description of a link body.
type LinkFields = (Option<String>, Option<Option<String>>, Option<String>);

fn link_fields(input: &Value, creating: bool) -> ApiResult<LinkFields> {
    let Some(o) = input.as_object() else {
        return Err(ApiError::invalid_input());
    };
    let mut errors = Vec::new();
    let permission = match o.get("permission") {
        Some(Value::String(p)) if ["view", "preview", "edit"].contains(&p.as_str()) => {
            Some(p.clone())
        }
        Some(Value::String(_)) | Some(_) => {
            errors.push((
                "permission".into(),
                "Must be one of: view, preview, edit.".into(),
            ));
            None
        }
        None if creating => {
            errors.push((
                "permission".into(),
                "An access permission level is required".into(),
            ));
            None
        }
        None => None,
    };
    let expires_at = match o.get("expires_at") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => {
            let date = s.get(..10).unwrap_or("");
            if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                errors.push(("expires_at".into(), "Not a valid date.".into()));
                None
            } else if date <= chrono::Utc::now().format("%Y-%m-%d").to_string().as_str() {
                errors.push((
                    "expires_at".into(),
                    "Expiration date must be set to the future.".into(),
                ));
                None
            } else {
                Some(Some(s.clone()))
            }
        }
        Some(_) => {
            errors.push(("expires_at".into(), "Not a valid date.".into()));
            None
        }
    };
    let description = o
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((permission, expires_at, description))
}

async fn create_link(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    {
        let st = app.state();
        owned_parent(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let (permission, expires_at, description) = link_fields(&input, true)?;
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let link = Link {
        id: util::uuid(),
        permission: permission.unwrap_or_else(|| "view".into()),
        expires_at: expires_at.flatten(),
        description,
        created_at: util::now(),
        token: util::random_hex(32),
    };
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    parent.links.push(link.clone());
    let parent = parent.clone();
    st.index_link(&p, &link.token);
    app.persist("parents", &p, &parent)?;
    Ok(json_response(StatusCode::CREATED, &render::link(&link)))
}

async fn update_link(app: &App, ctx: &Ctx, id: &str, link_id: &str, body: Body) -> ApiResult {
    {
        let st = app.state();
        owned_parent(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let (permission, expires_at, description) = link_fields(&input, false)?;
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    let l = parent
        .links
        .iter_mut()
        .find(|l| l.id == link_id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?;
    if let Some(pm) = permission {
        l.permission = pm;
    }
    if let Some(e) = expires_at {
        l.expires_at = e;
    }
    if description.is_some() {
        l.description = description;
    }
    let out = render::link(l);
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    Ok(json_response(StatusCode::OK, &out))
}

fn delete_link(app: &App, ctx: &Ctx, id: &str, link_id: &str) -> ApiResult {
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    let before = parent.links.len();
    parent.links.retain(|l| l.id != link_id);
    if parent.links.len() == before {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Not found."));
    }
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    Ok(util::no_content())
}
