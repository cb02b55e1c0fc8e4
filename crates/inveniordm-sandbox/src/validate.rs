//! Validation of draft input, with the real server's messages: the rules live in
//! [`inveniordm_models::validate`] (a client checks metadata by the same ones); here they
//! meet the sandbox's vocabularies and its error answers.

use serde_json::{Map, Value};

use crate::util::ApiError;
use crate::vocab::Vocabularies;

pub use inveniordm_models::validate::Errors;
use inveniordm_models::validate::{self as rules, Terms};

impl Terms for Vocabularies {
    fn known(&self, _path: &str, vocabulary: &str, id: &str) -> bool {
        self.term(vocabulary, id).is_some()
    }
}

/// Checks and cleans metadata; returns the valid part and the problems. An unknown
/// vocabulary id refuses the whole request (400 "Invalid value X.").
pub fn metadata(
    v: &Vocabularies,
    input: Option<&Value>,
    errors: &mut Errors,
) -> Result<Map<String, Value>, ApiError> {
    rules::metadata(v, input, errors).map_err(|e| ApiError::invalid_value(&e.0))
}

/// Checks access settings; returns the stored form.
pub fn access(input: Option<&Value>, errors: &mut Errors) -> Map<String, Value> {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    rules::access(input, &today, errors)
}
