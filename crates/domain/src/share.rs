//! What a case shared for view with a linked locality leaves out (issue #17, "What travels"
//! 3). The choices are combinable; the body is built after they are applied, so what is not
//! shared never leaves the locality.

use serde::{Deserialize, Serialize};

/// The pseudonymisation chosen for one share. All false: the case travels as held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pseudonymisation {
    /// No name, national ID or phone: the person is an opaque token, stable per locality
    /// and person.
    #[serde(default)]
    pub no_identifiers: bool,
    /// The birth date cut to its year.
    #[serde(default)]
    pub birth_year_only: bool,
    /// The address dropped; the residence kept only to the commune or ward.
    #[serde(default)]
    pub commune_only: bool,
}

impl Pseudonymisation {
    /// Every choice at once.
    pub const ALL: Pseudonymisation = Pseudonymisation {
        no_identifiers: true,
        birth_year_only: true,
        commune_only: true,
    };

    /// The choices as stored (`shares.choices`): their names joined by commas, in this
    /// order; empty when none.
    pub fn to_text(self) -> String {
        [
            (self.no_identifiers, "no_identifiers"),
            (self.birth_year_only, "birth_year_only"),
            (self.commune_only, "commune_only"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(",")
    }

    /// Reads [`Pseudonymisation::to_text`] back; an unknown name is refused.
    pub fn from_text(s: &str) -> Result<Pseudonymisation, String> {
        let mut p = Pseudonymisation::default();
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "no_identifiers" => p.no_identifiers = true,
                "birth_year_only" => p.birth_year_only = true,
                "commune_only" => p.commune_only = true,
                other => return Err(other.to_string()),
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip_as_text() {
        for p in [
            Pseudonymisation::default(),
            Pseudonymisation::ALL,
            Pseudonymisation {
                birth_year_only: true,
                ..Default::default()
            },
        ] {
            assert_eq!(Pseudonymisation::from_text(&p.to_text()), Ok(p));
        }
        assert_eq!(
            Pseudonymisation::ALL.to_text(),
            "no_identifiers,birth_year_only,commune_only"
        );
        assert!(Pseudonymisation::from_text("name_only").is_err());
    }
}
