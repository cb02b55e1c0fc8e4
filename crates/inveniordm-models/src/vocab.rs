//! Vocabulary terms and vocabulary types.

use std::collections::BTreeMap;

use crate::metadata::{I18n, Identifier};
use crate::{JsonMap, json_object, string_enum};

string_enum! {
    /// A vocabulary. Most are served under `/api/vocabularies/{type}`; affiliations, funders,
    /// awards, names and subjects have their own endpoints (`/api/affiliations`, …).
    ///
    /// ```
    /// use inveniordm_models::VocType;
    /// assert_eq!(VocType::Languages.path_segments(), vec!["vocabularies", "languages"]);
    /// assert_eq!(VocType::Affiliations.path_segments(), vec!["affiliations"]);
    /// assert_eq!("licenses".parse::<VocType>().unwrap(), VocType::Licenses);
    /// ```
    pub enum VocType {
        /// Resource types.
        ResourceTypes => "resourcetypes",
        /// Languages (ISO 639-3).
        Languages => "languages",
        /// Licenses.
        Licenses => "licenses",
        /// Creator roles.
        CreatorsRoles => "creatorsroles",
        /// Contributor roles.
        ContributorsRoles => "contributorsroles",
        /// Title types.
        TitleTypes => "titletypes",
        /// Description types.
        DescriptionTypes => "descriptiontypes",
        /// Date types.
        DateTypes => "datetypes",
        /// Relation types.
        RelationTypes => "relationtypes",
        /// Removal reasons (tombstones).
        RemovalReasons => "removalreasons",
        /// Community types.
        CommunityTypes => "communitytypes",
        /// Affiliations (ROR), served at `/api/affiliations`.
        Affiliations => "affiliations",
        /// Funders (ROR), served at `/api/funders`.
        Funders => "funders",
        /// Awards, served at `/api/awards`.
        Awards => "awards",
        /// Names (ORCID), served at `/api/names`.
        Names => "names",
        /// Subjects, served at `/api/subjects`.
        Subjects => "subjects",
    }
}

impl VocType {
    /// Whether this vocabulary has its own endpoint outside `/api/vocabularies`.
    pub fn is_special(&self) -> bool {
        matches!(
            self,
            Self::Affiliations | Self::Funders | Self::Awards | Self::Names | Self::Subjects
        )
    }

    /// The API path segments (below `/api`) of this vocabulary's search endpoint.
    pub fn path_segments(&self) -> Vec<&str> {
        if self.is_special() {
            vec![self.as_str()]
        } else {
            vec!["vocabularies", self.as_str()]
        }
    }

    /// Every vocabulary this library knows.
    pub fn all() -> &'static [VocType] {
        &[
            Self::ResourceTypes,
            Self::Languages,
            Self::Licenses,
            Self::CreatorsRoles,
            Self::ContributorsRoles,
            Self::TitleTypes,
            Self::DescriptionTypes,
            Self::DateTypes,
            Self::RelationTypes,
            Self::RemovalReasons,
            Self::CommunityTypes,
            Self::Affiliations,
            Self::Funders,
            Self::Awards,
            Self::Names,
            Self::Subjects,
        ]
    }
}

json_object! {
    /// A vocabulary term, of any vocabulary (generic fields plus the ones affiliations, funders,
    /// awards, names and subjects add).
    pub struct VocabularyTerm {
        /// Term id.
        "id" => id: String,
        /// Vocabulary type (`"languages"`, or an object on some versions — then kept in `extra`).
        "type" => kind: String,
        /// Localised title.
        "title" => title: I18n,
        /// Localised description.
        "description" => description: I18n,
        /// Icon.
        "icon" => icon: String,
        /// Properties.
        "props" => props: JsonMap,
        /// Tags.
        "tags" => tags: Vec<String>,
        /// Name (affiliations, funders, names).
        "name" => name: String,
        /// Acronym (affiliations, awards).
        "acronym" => acronym: String,
        /// Country code.
        "country" => country: String,
        /// Identifiers.
        "identifiers" => identifiers: Vec<Identifier>,
        /// Given name (names).
        "given_name" => given_name: String,
        /// Family name (names).
        "family_name" => family_name: String,
        /// Award number (awards).
        "number" => number: String,
        /// Subject label (subjects).
        "subject" => subject: String,
        /// Scheme (subjects).
        "scheme" => scheme: String,
        /// Revision.
        "revision_id" => revision_id: u64,
        /// Creation time.
        "created" => created: String,
        /// Update time.
        "updated" => updated: String,
        /// Links.
        "links" => links: BTreeMap<String, serde_json::Value>,
    }
}

impl VocabularyTerm {
    /// The best human label: English title, any title, name or subject, else the id.
    pub fn label(&self) -> &str {
        if let Some(t) = &self.title {
            if let Some(en) = t.get("en") {
                return en;
            }
            if let Some((_, v)) = t.iter().next() {
                return v;
            }
        }
        self.name
            .as_deref()
            .or(self.subject.as_deref())
            .or(self.id.as_deref())
            .unwrap_or("")
    }
}
