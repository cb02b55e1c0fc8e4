//! Dispatch on (method, path segments) to the endpoint families.

use axum::body::Body;
use axum::http::Method;

use crate::app::{App, Ctx};
use crate::util::{ApiError, ApiResult, not_allowed};
use crate::{drafts, links, records};

/// Routes a request.
pub async fn route(app: &App, ctx: &Ctx, m: &Method, segs: &[&str], body: Body) -> ApiResult {
    use crate::files as f;
    use crate::search as s;
    let get = *m == Method::GET || *m == Method::HEAD;
    match segs {
        ["api", "records"] if get => s::records(app, ctx, false),
        ["api", "records"] if *m == Method::POST => drafts::create(app, ctx, body).await,
        ["api", "user", "records"] if get => s::records(app, ctx, true),
        ["api", "records", id] if get => records::get_record(app, ctx, id),
        ["records", id, "export", name] if get => records::export_route(app, ctx, id, name),
        ["api", "records", id, "draft"] => match *m {
            Method::GET | Method::HEAD => drafts::get_draft(app, ctx, id),
            Method::POST => drafts::edit(app, ctx, id),
            Method::PUT => drafts::update(app, ctx, id, body).await,
            Method::DELETE => drafts::delete_draft(app, ctx, id).await,
            _ => not_allowed(),
        },
        ["api", "records", id, "draft", "actions", "publish"] if *m == Method::POST => {
            drafts::publish(app, ctx, id)
        }
        ["api", "records", id, "draft", "actions", "files-import"] if *m == Method::POST => {
            f::import(app, ctx, id)
        }
        ["api", "records", id, "draft", "pids", scheme] => match *m {
            Method::POST => drafts::reserve_pid(app, ctx, id, scheme),
            Method::DELETE => drafts::discard_pid(app, ctx, id, scheme),
            _ => not_allowed(),
        },
        ["api", "records", id, "versions"] if get => s::versions(app, ctx, id),
        ["api", "records", id, "versions"] if *m == Method::POST => {
            drafts::new_version(app, ctx, id)
        }
        ["api", "records", id, "versions", "latest"] if get => records::latest(app, ctx, id),
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
            Method::GET => links::list_links(app, ctx, id),
            Method::POST => links::create_link(app, ctx, id, body).await,
            _ => not_allowed(),
        },
        ["api", "records", id, "access", "links", link_id] => match *m {
            Method::GET => links::get_link(app, ctx, id, link_id),
            Method::PATCH => links::update_link(app, ctx, id, link_id, body).await,
            Method::DELETE => links::delete_link(app, ctx, id, link_id),
            _ => not_allowed(),
        },
        ["api", "vocabularies", t] if get => crate::vocabularies::vocabulary(app, ctx, t),
        ["api", "vocabularies", t, id] if get => crate::vocabularies::term(app, ctx, t, id),
        ["api", t] if get && crate::vocab::SPECIAL.contains(t) => {
            crate::vocabularies::vocabulary(app, ctx, t)
        }
        ["api", t, rest @ ..] if get && crate::vocab::SPECIAL.contains(t) && !rest.is_empty() => {
            crate::vocabularies::term(app, ctx, t, &rest.join("/"))
        }
        _ => Err(ApiError::route_not_found()),
    }
}
