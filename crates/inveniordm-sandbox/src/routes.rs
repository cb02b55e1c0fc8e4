//! Dispatch on (method, path segments) to the endpoint families.

use axum::body::Body;
use axum::http::Method;

use crate::app::{App, Ctx};
use crate::util::{ApiError, ApiResult, not_allowed};
use crate::{communities as c, drafts, grants as g, links, records, requests as rq};

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
        [""] | ["search"] if get => Ok(crate::pages::search(app, ctx).await),
        ["oai2d"] if get => crate::oai::oai(app, ctx),
        ["records", id] if get => Ok(crate::pages::record(app, ctx, id, false).await),
        ["records", id, "latest"] if get => Ok(crate::pages::latest(app, ctx, id).await),
        ["uploads", id] if get => Ok(crate::pages::record(app, ctx, id, true).await),
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
        ["api", "records", id, "revisions"] if get => records::revisions(app, ctx, id, None),
        ["api", "records", id, "revisions", rev] if get => {
            records::revisions(app, ctx, id, Some(rev))
        }
        ["api", "records", id, "delete"] if *m == Method::DELETE => {
            crate::deletion::delete_record(app, ctx, id, body).await
        }
        ["api", "records", id, "restore"] if *m == Method::POST => {
            crate::deletion::restore_record(app, ctx, id)
        }
        ["api", "records", id, "request-deletion"] if *m == Method::POST => {
            crate::deletion::request_deletion(app, ctx, id, body).await
        }
        ["api", "records", id, "file-modification"] if *m == Method::POST => {
            crate::file_modification::file_modification(app, ctx, id, body).await
        }
        ["api", "records", id, "quota"] if *m == Method::POST => {
            crate::quota::set_record_quota(app, ctx, id, body).await
        }
        ["api", "records", id, "quota-increase"] if *m == Method::POST => {
            crate::quota::quota_increase(app, id)
        }
        ["api", "users", id, "quota"] if *m == Method::POST => {
            crate::quota::set_user_quota(app, ctx, id, body).await
        }
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
        ["api", "records", id, "files-archive"] if get => f::archive(app, ctx, id, false).await,
        ["api", "records", id, "draft", "files-archive"] if get => {
            f::archive(app, ctx, id, true).await
        }
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
        ["api", "records", id, "draft", "review"] => match *m {
            Method::GET | Method::HEAD => rq::get_review(app, ctx, id),
            Method::PUT => rq::set_review(app, ctx, id, body).await,
            Method::DELETE => rq::delete_review(app, ctx, id),
            _ => not_allowed(),
        },
        ["api", "records", id, "draft", "actions", "submit-review"] if *m == Method::POST => {
            rq::submit_review(app, ctx, id, body).await
        }
        ["api", "records", id, "communities"] => match *m {
            Method::GET | Method::HEAD => rq::record_communities(app, ctx, id),
            Method::POST => rq::add_communities(app, ctx, id, body).await,
            Method::DELETE => rq::remove_communities(app, ctx, id, body).await,
            Method::PUT => rq::set_default_community(app, ctx, id, body).await,
            _ => not_allowed(),
        },
        ["api", "records", id, "requests"] if get => rq::record_requests(app, ctx, id),
        ["api", "records", id, "access"] if *m == Method::PUT => {
            g::settings(app, ctx, id, body).await
        }
        ["api", "records", id, "access", "request"] if *m == Method::POST => {
            g::request_access(app, ctx, id, body).await
        }
        [
            "api",
            "records",
            id,
            "access",
            kind @ ("grants" | "users" | "groups"),
        ] => match *m {
            Method::GET => g::list(app, ctx, id, grant_by(kind)),
            Method::POST if *kind == "grants" => g::create(app, ctx, id, body).await,
            _ => not_allowed(),
        },
        [
            "api",
            "records",
            id,
            "access",
            kind @ ("grants" | "users" | "groups"),
            key,
        ] => {
            let by = grant_by(kind);
            match *m {
                Method::GET => g::get(app, ctx, id, key, by),
                Method::PATCH => g::update(app, ctx, id, key, by, body).await,
                Method::PUT if by == g::By::Index => g::update(app, ctx, id, key, by, body).await,
                Method::DELETE => g::delete(app, ctx, id, key, by),
                _ => not_allowed(),
            }
        }
        ["api", "communities"] => match *m {
            Method::GET | Method::HEAD => c::search(app, ctx, false),
            Method::POST => c::create(app, ctx, body).await,
            _ => not_allowed(),
        },
        ["api", "user", "communities"] if get => c::search(app, ctx, true),
        ["api", "communities", "featured"] if get => {
            crate::community_admin::featured_search(app, ctx)
        }
        ["api", "communities", id, "rename"] if *m == Method::POST => {
            crate::community_admin::rename(app, ctx, id, body).await
        }
        ["api", "communities", id, "restore"] if *m == Method::POST => {
            crate::community_admin::restore(app, ctx, id)
        }
        ["api", "communities", id, "actions", "join-request"] if *m == Method::POST => {
            crate::community_admin::join_request(app, ctx, id, body).await
        }
        ["api", "communities", id, "subcommunities"] if get => {
            crate::community_admin::subcommunities(app, ctx, id)
        }
        ["api", "communities", id, "featured"] => match *m {
            Method::GET | Method::HEAD => crate::community_admin::featured_list(app, ctx, id),
            Method::POST => crate::community_admin::feature(app, ctx, id, body).await,
            _ => not_allowed(),
        },
        ["api", "communities", id, "featured", fid] => match *m {
            Method::PUT => crate::community_admin::update_featured(app, ctx, id, fid, body).await,
            Method::DELETE => crate::community_admin::unfeature(app, ctx, id, fid),
            _ => not_allowed(),
        },
        ["api", "communities", id] => match *m {
            Method::GET | Method::HEAD => c::get(app, ctx, id),
            Method::PUT => c::update(app, ctx, id, body).await,
            Method::DELETE => c::delete(app, ctx, id),
            _ => not_allowed(),
        },
        ["api", "communities", id, "logo"] => match *m {
            Method::GET | Method::HEAD => c::logo(app, ctx, id),
            Method::PUT => c::set_logo(app, ctx, id, body).await,
            Method::DELETE => c::delete_logo(app, ctx, id),
            _ => not_allowed(),
        },
        ["api", "communities", id, "records"] if get => {
            crate::search::community_records(app, ctx, id)
        }
        ["api", "communities", id, "members"] => match *m {
            Method::GET | Method::HEAD => c::members(app, ctx, id, false),
            Method::PUT => crate::members::update(app, ctx, id, body).await,
            Method::DELETE => crate::members::remove(app, ctx, id, body).await,
            Method::POST => crate::members::add(app, ctx, id, body).await,
            _ => not_allowed(),
        },
        ["api", "communities", id, "invitations"] => match *m {
            Method::GET | Method::HEAD => crate::members::invitations(app, ctx, id),
            Method::POST => crate::members::invite(app, ctx, id, body).await,
            Method::PUT => crate::members::update(app, ctx, id, body).await,
            _ => not_allowed(),
        },
        ["api", "communities", id, "membership-requests"] => match *m {
            Method::POST => crate::members::request_membership(app, ctx, id, body).await,
            Method::GET | Method::HEAD => crate::members::membership_requests(app, ctx, id),
            Method::PUT if ctx.rdm_version >= 14 => {
                crate::members::update(app, ctx, id, body).await
            }
            _ => not_allowed(),
        },
        ["api", "communities", id, "requests"] if get => rq::community_requests(app, ctx, id),
        ["api", "communities", id, "members", "public"] if get => c::members(app, ctx, id, true),
        ["api", "requests"] | ["api", "requests", ""] if get => rq::search(app, ctx, false),
        ["api", "user", "requests"] if get => rq::search(app, ctx, true),
        ["api", "requests", id] => match *m {
            Method::GET | Method::HEAD => rq::get(app, ctx, id),
            Method::PUT => rq::update(app, ctx, id, body).await,
            Method::DELETE => rq::delete(app, ctx, id),
            _ => not_allowed(),
        },
        ["api", "requests", id, "comments", event, "reply"] if *m == Method::POST => {
            rq::reply(app, ctx, id, event, body).await
        }
        ["api", "requests", id, "comments", event, "replies"] if get => {
            rq::replies(app, ctx, id, event)
        }
        ["api", "requests", id, "timeline_focused"] if get => rq::timeline_focused(app, ctx, id),
        ["api", "requests", id, "actions", action] if *m == Method::POST => {
            rq::action(app, ctx, id, action, body).await
        }
        ["api", "requests", id, "comments"] if *m == Method::POST => {
            rq::comment(app, ctx, id, body).await
        }
        ["api", "requests", id, "comments", event] => match *m {
            Method::GET | Method::HEAD => rq::get_comment(app, ctx, id, event),
            Method::PUT => rq::update_comment(app, ctx, id, event, body).await,
            Method::DELETE => rq::delete_comment(app, ctx, id, event),
            _ => not_allowed(),
        },
        ["api", "requests", id, "timeline"] if get => rq::timeline(app, ctx, id),
        ["api", "users"] if get => g::users(app, ctx),
        ["api", "users", id] if get => g::user(app, ctx, id),
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

/// How the grant routes name a grant: `grants` by index, `users` and `groups` by id.
fn grant_by(kind: &str) -> g::By {
    match kind {
        "users" => g::By::User,
        "groups" => g::By::Group,
        _ => g::By::Index,
    }
}
