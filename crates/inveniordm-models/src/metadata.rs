//! The RDM descriptive metadata schema (`metadata` of a record).

use std::collections::BTreeMap;

use crate::{JsonMap, json_object, string_enum};

/// Localised strings by language code (`{"en": "Dataset"}`).
pub type I18n = BTreeMap<String, String>;

json_object! {
    /// Descriptive metadata of a record: every field of the RDM schema.
    ///
    /// Fields required at publish: `resource_type`, `creators`, `title`, `publication_date`.
    ///
    /// ```
    /// use inveniordm_models::{Creator, Metadata, VocabRef};
    /// let mut m = Metadata::new();
    /// m.title = Some("Ocean temperature profiles".into());
    /// m.resource_type = Some(VocabRef::id("dataset"));
    /// m.publication_date = Some("2026-11-26".into());
    /// m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
    /// let json = serde_json::to_value(&m).unwrap();
    /// assert_eq!(json["creators"][0]["person_or_org"]["family_name"], "Lovelace");
    /// ```
    pub struct Metadata {
        /// Resource type (vocabulary `resourcetypes`), e.g. `{"id": "dataset"}`.
        "resource_type" => resource_type: VocabRef,
        /// Creators (at least one at publish).
        "creators" => creators: Vec<Creator>,
        /// Title (at least 3 characters).
        "title" => title: String,
        /// Additional titles.
        "additional_titles" => additional_titles: Vec<AdditionalText>,
        /// Publisher.
        "publisher" => publisher: String,
        /// Publication date, EDTF level 0 date or interval (`2020`, `2020-06-01`, `2018/2020-09`).
        "publication_date" => publication_date: String,
        /// Subjects (vocabulary entries or free text).
        "subjects" => subjects: Vec<Subject>,
        /// Contributors (like creators, with a role).
        "contributors" => contributors: Vec<Creator>,
        /// Dates with a type.
        "dates" => dates: Vec<DateEntry>,
        /// Languages (ISO 639-3 ids).
        "languages" => languages: Vec<VocabRef>,
        /// Alternate identifiers.
        "identifiers" => identifiers: Vec<Identifier>,
        /// Related identifiers.
        "related_identifiers" => related_identifiers: Vec<RelatedIdentifier>,
        /// Sizes, free text (`"11 pages"`).
        "sizes" => sizes: Vec<String>,
        /// Formats, free text (`"application/pdf"`).
        "formats" => formats: Vec<String>,
        /// Version string (`"v1.0"`).
        "version" => version: String,
        /// Licenses and rights.
        "rights" => rights: Vec<Right>,
        /// Copyright statement (v13+).
        "copyright" => copyright: String,
        /// Description (HTML).
        "description" => description: String,
        /// Additional descriptions.
        "additional_descriptions" => additional_descriptions: Vec<AdditionalText>,
        /// Locations (GeoJSON features).
        "locations" => locations: Locations,
        /// Funding.
        "funding" => funding: Vec<Funding>,
        /// References, free text.
        "references" => references: Vec<Reference>,
    }
}

json_object! {
    /// A reference to a vocabulary term: `{"id": "dataset"}`, with `title` filled by the server.
    pub struct VocabRef {
        /// Term id.
        "id" => id: String,
        /// Localised title (filled by the server on output).
        "title" => title: I18n,
    }
}

impl VocabRef {
    /// A reference by id, as the server expects on input.
    pub fn id(id: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            ..Self::default()
        }
    }
}

json_object! {
    /// A creator or contributor.
    pub struct Creator {
        /// The person or organisation.
        "person_or_org" => person_or_org: PersonOrOrg,
        /// Role (vocabulary `creatorsroles` / `contributorsroles`); required for contributors.
        "role" => role: VocabRef,
        /// Affiliations.
        "affiliations" => affiliations: Vec<Affiliation>,
    }
}

impl Creator {
    /// A person, by family and given name.
    pub fn person(family_name: impl Into<String>, given_name: impl Into<String>) -> Self {
        Self {
            person_or_org: Some(PersonOrOrg {
                kind: Some(PersonOrOrgKind::Personal),
                family_name: Some(family_name.into()),
                given_name: Some(given_name.into()),
                ..PersonOrOrg::default()
            }),
            ..Self::default()
        }
    }

    /// An organisation, by name.
    pub fn organization(name: impl Into<String>) -> Self {
        Self {
            person_or_org: Some(PersonOrOrg {
                kind: Some(PersonOrOrgKind::Organizational),
                name: Some(name.into()),
                ..PersonOrOrg::default()
            }),
            ..Self::default()
        }
    }

    /// The display name: `name`, or "Family, Given".
    pub fn display_name(&self) -> Option<String> {
        let p = self.person_or_org.as_ref()?;
        if let Some(n) = &p.name {
            return Some(n.clone());
        }
        match (&p.family_name, &p.given_name) {
            (Some(f), Some(g)) => Some(format!("{f}, {g}")),
            (Some(f), None) => Some(f.clone()),
            (None, Some(g)) => Some(g.clone()),
            (None, None) => None,
        }
    }
}

string_enum! {
    /// Whether a creator is a person or an organisation.
    pub enum PersonOrOrgKind {
        /// A person.
        Personal => "personal",
        /// An organisation.
        Organizational => "organizational",
    }
}

json_object! {
    /// A person or organisation.
    pub struct PersonOrOrg {
        /// `personal` or `organizational`.
        "type" => kind: PersonOrOrgKind,
        /// Full name (computed by the server for persons: "Family, Given").
        "name" => name: String,
        /// Given name.
        "given_name" => given_name: String,
        /// Family name.
        "family_name" => family_name: String,
        /// Identifiers (ORCID, GND, ROR, …).
        "identifiers" => identifiers: Vec<Identifier>,
    }
}

json_object! {
    /// An affiliation: a ROR id from the vocabulary, or a free name.
    pub struct Affiliation {
        /// Vocabulary id (ROR).
        "id" => id: String,
        /// Name.
        "name" => name: String,
    }
}

json_object! {
    /// An identifier with its scheme (`{"identifier": "0000-0002-1825-0097", "scheme": "orcid"}`).
    pub struct Identifier {
        /// The identifier.
        "identifier" => identifier: String,
        /// Its scheme (`orcid`, `doi`, `ror`, `url`, …).
        "scheme" => scheme: String,
    }
}

json_object! {
    /// An additional title or description, with type and language.
    pub struct AdditionalText {
        /// The title (for additional titles).
        "title" => title: String,
        /// The description (for additional descriptions).
        "description" => description: String,
        /// Type (vocabulary `titletypes` / `descriptiontypes`).
        "type" => kind: VocabRef,
        /// Language.
        "lang" => lang: VocabRef,
    }
}

json_object! {
    /// A subject: a vocabulary term (`id`) or free text (`subject`).
    pub struct Subject {
        /// Vocabulary id.
        "id" => id: String,
        /// Free-text subject (or the term's label on output).
        "subject" => subject: String,
        /// Scheme (on output).
        "scheme" => scheme: String,
    }
}

json_object! {
    /// A date with a type (`{"date": "2020-01/2020-03", "type": {"id": "collected"}}`).
    pub struct DateEntry {
        /// EDTF date or interval.
        "date" => date: String,
        /// Type (vocabulary `datetypes`).
        "type" => kind: VocabRef,
        /// Free-text description.
        "description" => description: String,
    }
}

json_object! {
    /// An identifier of a related resource.
    pub struct RelatedIdentifier {
        /// The identifier.
        "identifier" => identifier: String,
        /// Its scheme.
        "scheme" => scheme: String,
        /// Relation (vocabulary `relationtypes`).
        "relation_type" => relation_type: VocabRef,
        /// Type of the related resource.
        "resource_type" => resource_type: VocabRef,
    }
}

json_object! {
    /// A license or rights statement: a vocabulary id, or a custom title/description/link.
    pub struct Right {
        /// Vocabulary id (`cc-by-4.0`).
        "id" => id: String,
        /// Title.
        "title" => title: I18n,
        /// Description.
        "description" => description: I18n,
        /// Link to the text.
        "link" => link: String,
        /// Icon (on output).
        "icon" => icon: String,
        /// Properties (on output: url, scheme).
        "props" => props: JsonMap,
    }
}

json_object! {
    /// Locations: a GeoJSON-like feature list.
    pub struct Locations {
        /// Features.
        "features" => features: Vec<LocationFeature>,
    }
}

json_object! {
    /// One location.
    pub struct LocationFeature {
        /// GeoJSON geometry (`{"type": "Point", "coordinates": [6.05, 46.23]}`), kept as JSON.
        "geometry" => geometry: serde_json::Value,
        /// Identifiers of the place.
        "identifiers" => identifiers: Vec<Identifier>,
        /// Place name.
        "place" => place: String,
        /// Description.
        "description" => description: String,
    }
}

json_object! {
    /// A funding entry.
    pub struct Funding {
        /// Funder: `{"id": ror}` or `{"name": …}`.
        "funder" => funder: Funder,
        /// Award: `{"id": …}` or `{"title", "number", "identifiers"}`.
        "award" => award: Award,
    }
}

json_object! {
    /// A funder.
    pub struct Funder {
        /// Vocabulary id (ROR).
        "id" => id: String,
        /// Name.
        "name" => name: String,
    }
}

json_object! {
    /// An award (grant).
    pub struct Award {
        /// Vocabulary id (`<funder ror>::<number>`).
        "id" => id: String,
        /// Title.
        "title" => title: I18n,
        /// Award number.
        "number" => number: String,
        /// Identifiers.
        "identifiers" => identifiers: Vec<Identifier>,
        /// Acronym.
        "acronym" => acronym: String,
    }
}

json_object! {
    /// A reference (bibliographic citation).
    pub struct Reference {
        /// The citation text.
        "reference" => reference: String,
        /// Identifier of the referenced work.
        "identifier" => identifier: String,
        /// Its scheme.
        "scheme" => scheme: String,
    }
}
