//! The two macros every model is built with.
//!
//! `json_object!` declares a struct whose known keys are typed `Option` fields and whose other
//! keys land in `extra`. Deserialisation goes through a JSON object map, so:
//! - a key that is absent or `null` leaves the typed field `None` (a `null` is kept in `extra`
//!   and written back as `null`);
//! - a key whose value does not fit the typed field (another server version, another site's
//!   quirk) is kept verbatim in `extra` instead of failing the whole document;
//! - serialisation writes the typed fields, then `extra`, skipping any `extra` entry whose key
//!   belongs to a typed field that is set (so a value set by the caller always wins).
//!
//! `string_enum!` declares a string-valued enum with an `Other(String)` variant that keeps values
//! it does not know.

/// Declares a lossless JSON object model. See the module documentation.
#[macro_export]
#[doc(hidden)]
macro_rules! json_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $key:literal => $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Default)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: Option<$ty>,
            )*
            /// Every key this type does not model (or whose value did not fit the typed field),
            /// kept verbatim and written back unchanged.
            pub extra: $crate::JsonMap,
        }

        impl $name {
            /// The JSON keys this type models as typed fields.
            pub const KNOWN_KEYS: &'static [&'static str] = &[$($key),*];

            /// Creates an empty value (every field unset).
            pub fn new() -> Self {
                Self::default()
            }

            /// The known keys whose value did not fit the typed field and was kept in
            /// [`extra`](Self::extra) instead (the typed field reads `None`). Empty for a
            /// document this library models fully; anything here is model drift worth a look.
            pub fn fallbacks(&self) -> Vec<&'static str> {
                Self::KNOWN_KEYS
                    .iter()
                    .copied()
                    .filter(|k| self.extra.get(*k).is_some_and(|v| !v.is_null()))
                    .collect()
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let mut d = f.debug_struct(stringify!($name));
                $(
                    if let Some(v) = &self.$field {
                        d.field(stringify!($field), v);
                    }
                )*
                if !self.extra.is_empty() {
                    d.field("extra", &self.extra);
                }
                d.finish()
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                $(
                    if let Some(v) = &self.$field {
                        map.serialize_entry($key, v)?;
                    }
                )*
                for (k, v) in &self.extra {
                    let shadowed = match k.as_str() {
                        $( $key => self.$field.is_some(), )*
                        _ => false,
                    };
                    if !shadowed {
                        map.serialize_entry(k, v)?;
                    }
                }
                map.end()
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[allow(unused_mut)]
                let mut extra = <$crate::JsonMap as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self {
                    $( $field: $crate::macros::take(&mut extra, $key, stringify!($name)), )*
                    extra,
                })
            }
        }
    };
}

/// Declares a string enum that keeps unknown values in `Other(String)`.
#[macro_export]
#[doc(hidden)]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $value:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )*
            /// A value this version of the library does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value as the server spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Other(s) => s.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $value => Self::$variant, )*
                    other => Self::Other(other.to_string()),
                })
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.parse() {
                    Ok(v) => v,
                    Err(e) => match e {},
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(s.as_str()))
            }
        }
    };
}

/// Moves `key` out of `map` into a typed value when it fits; leaves it in place otherwise
/// (and reports the fallback to [`crate::fallbacks::watch`]).
#[doc(hidden)]
pub fn take<T: serde::de::DeserializeOwned>(
    map: &mut crate::JsonMap,
    key: &'static str,
    model: &'static str,
) -> Option<T> {
    let value = map.get(key)?;
    if value.is_null() {
        return None;
    }
    match T::deserialize(value) {
        Ok(typed) => {
            map.remove(key);
            Some(typed)
        }
        Err(_) => {
            crate::fallbacks::record(model, key);
            None
        }
    }
}
