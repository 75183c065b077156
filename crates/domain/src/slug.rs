//! Enums stored and exchanged as stable snake_case slugs.

/// Declares an enum whose variants map one-to-one to slugs, with `as_str`, `ALL` and
/// `FromStr` (an unknown slug is `Reason::UnknownValue`), and serde as the slug (so a typed
/// structure the store keeps as JSON holds the same text the column would).
#[macro_export]
macro_rules! slug_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $slug:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::Reason;
            fn from_str(s: &str) -> Result<Self, $crate::Reason> {
                match s { $($slug => Ok($name::$variant),)+ _ => Err($crate::Reason::UnknownValue) }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(|_| serde::de::Error::unknown_variant(&s, &[$($slug),+]))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
