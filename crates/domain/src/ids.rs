//! Identifiers of stored records. Each is its own type so a person's id can never be
//! passed where a user's id is expected.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An account of the system (a person who logs in), not a person in the registry.
    UserId
);
id_type!(
    /// A person in the registry (a resident, an F0, an F1...).
    PersonId
);
id_type!(
    /// An F0 case.
    CaseId
);
id_type!(
    /// A venue with a QR poster.
    VenueId
);
