//! Ids: the accessors `id()` and `require_id()` of the documents that have one, and the error
//! of a document without one.

/// A document that has no id where one was needed (see `require_id()` on the document types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingId {
    /// Which kind of document it is (`"record"`, `"request"`, …).
    pub what: &'static str,
}

impl std::fmt::Display for MissingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the {} has no id", self.what)
    }
}

impl std::error::Error for MissingId {}

/// Gives document types whose `id` is an `Option<String>` the accessors `id()` and
/// `require_id()`.
macro_rules! identified {
    ($($name:ident => $what:literal),* $(,)?) => {
        $(
            impl $name {
                /// The id, when the document has one (the server gives one to everything it
                /// stores; a document built locally has none until it is created).
                pub fn id(&self) -> Option<&str> {
                    self.id.as_deref()
                }

                /// The id, or [`MissingId`] saying which kind of document
                /// has none.
                pub fn require_id(&self) -> Result<&str, $crate::MissingId> {
                    self.id().ok_or($crate::MissingId { what: $what })
                }
            }
        )*
    };
}
pub(crate) use identified;
