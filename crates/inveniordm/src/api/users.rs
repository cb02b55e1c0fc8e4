use inveniordm_models::{Results, SearchQuery, User};
use reqwest::Method;

use crate::{Client, Result};

/// Users. See [`Client::users`].
#[derive(Debug, Clone, Copy)]
pub struct UsersApi<'a> {
    pub(crate) client: &'a Client,
}

impl UsersApi<'_> {
    /// `GET /api/users`: users matching `query` (by name, username or e-mail).
    pub async fn search(&self, query: &SearchQuery) -> Result<Results<User>> {
        self.client.search_page(&["users"], query).await
    }

    /// `GET /api/users/{id}`.
    pub async fn get(&self, id: &str) -> Result<User> {
        let url = self.client.url(&["users", id])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// The one user a username, e-mail address or id names: an id is read directly,
    /// anything else is looked up and must match exactly one user's username or e-mail.
    pub async fn resolve(&self, who: &str) -> Result<User> {
        if !who.is_empty() && who.bytes().all(|b| b.is_ascii_digit()) {
            return self.get(who).await;
        }
        let found = self.search(&SearchQuery::new(who).size(25)).await?;
        let wanted = who.to_lowercase();
        let exact: Vec<&User> = found
            .items()
            .iter()
            .filter(|u| {
                u.username.as_deref().map(str::to_lowercase).as_deref() == Some(wanted.as_str())
                    || u.email.as_deref().map(str::to_lowercase).as_deref() == Some(wanted.as_str())
            })
            .collect();
        match exact.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(crate::Error::InvalidArgument(format!(
                "no user has the username or e-mail {who:?} (or the server does not show them to you)"
            ))),
            many => Err(crate::Error::Ambiguous {
                message: format!("{} users match {who:?}; give the user's id", many.len()),
                candidates: many.iter().filter_map(|u| u.id.clone()).collect(),
            }),
        }
    }
}
