//! The error envelope of the API.

use crate::json_object;

json_object! {
    /// The JSON body of an error response:
    /// `{"status": 400, "message": "A validation error occurred.", "errors": [{"field", "messages"}]}`.
    pub struct ErrorBody {
        /// HTTP status.
        "status" => status: u16,
        /// Message.
        "message" => message: String,
        /// Field errors (validation).
        "errors" => errors: Vec<FieldError>,
        /// Why and when a deleted record was removed (410 "Record deleted").
        "tombstone" => tombstone: crate::deletion::Tombstone,
    }
}

json_object! {
    /// One validation problem: the dotted field path and its messages.
    pub struct FieldError {
        /// Dotted path (`metadata.creators.0.person_or_org.family_name`, `_schema`).
        "field" => field: String,
        /// Messages.
        "messages" => messages: Vec<String>,
    }
}

impl FieldError {
    /// A field error with one message.
    pub fn with(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            messages: Some(vec![message.into()]),
            ..Self::default()
        }
    }

    /// The field path, or `""`. An error about a community (adding a record to
    /// communities answers `{"community_id": …, "message": …}`) names the community.
    pub fn field_name(&self) -> &str {
        self.field
            .as_deref()
            .or_else(|| {
                ["community_id", "community"]
                    .iter()
                    .find_map(|k| self.extra.get(*k).and_then(|v| v.as_str()))
            })
            .unwrap_or("")
    }

    /// The messages joined with `"; "`.
    pub fn message_text(&self) -> String {
        match &self.messages {
            Some(m) => m.join("; "),
            None => self
                .extra
                .get("messages")
                .or_else(|| self.extra.get("message"))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field_name(), self.message_text())
    }
}
