//! Deleted records: the tombstone a deleted record leaves, and the deletion status of a record.

use crate::{JsonMap, json_object};

json_object! {
    /// Whether a published record was deleted: `P` published, `D` deleted, `X` marked for
    /// purge.
    pub struct DeletionStatus {
        /// Whether it is deleted.
        "is_deleted" => is_deleted: bool,
        /// `P`, `D` or `X`.
        "status" => status: String,
    }
}

json_object! {
    /// Why and when a record was removed: the body of a deleted record's answer (410 "Record
    /// deleted") and, for administrators, part of the record.
    ///
    /// ```
    /// use inveniordm_models::ErrorBody;
    /// let body: ErrorBody = serde_json::from_value(serde_json::json!({
    ///     "status": 410, "message": "Record deleted",
    ///     "tombstone": {"note": "", "removed_by": {"user": "2"}, "removal_date": "2026-12-06T23:23:38+00:00",
    ///                   "citation_text": "Probe. (2026).", "is_visible": true, "removal_reason": {"id": "spam"}}})).unwrap();
    /// let t = body.tombstone.unwrap();
    /// assert_eq!(t.reason_id(), Some("spam"));
    /// assert_eq!(t.removed_by_user(), Some("2"));
    /// ```
    pub struct Tombstone {
        /// Why (a term of the `removalreasons` vocabulary: `spam`, `retracted`, `duplicate`,
        /// `test-record`, …).
        "removal_reason" => removal_reason: crate::VocabRef,
        /// A note for the public.
        "note" => note: String,
        /// Who removed it (`{"user": "2"}`).
        "removed_by" => removed_by: JsonMap,
        /// When (ISO 8601; a date only in a record read with deleted records included).
        "removal_date" => removal_date: String,
        /// How to cite what was there.
        "citation_text" => citation_text: String,
        /// Whether the tombstone is shown (an invisible one answers 404).
        "is_visible" => is_visible: bool,
        /// The policy under which it was removed (v14: `grace-period-v1` for an owner's
        /// deletion within the grace period).
        "deletion_policy" => deletion_policy: crate::VocabRef,
    }
}

impl Tombstone {
    /// The removal reason's id.
    pub fn reason_id(&self) -> Option<&str> {
        self.removal_reason.as_ref()?.id.as_deref()
    }

    /// The id of the user who removed it.
    pub fn removed_by_user(&self) -> Option<&str> {
        self.removed_by.as_ref()?.get("user")?.as_str()
    }
}
