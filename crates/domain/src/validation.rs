//! Field-level validation errors. The core names *which* field failed and *why* with a
//! stable reason code; the HTTP edge turns the reason into Vietnamese or English text.

use std::fmt;

/// Why a field was rejected. Stable: the API exposes these as `fields[].code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Required,
    TooShort,
    TooLong,
    InvalidFormat,
    UnknownValue,
    OutOfRange,
    NotFound,
    OutOfScope,
    Duplicate,
    /// No free place left (a bed type of a facility is full).
    NoCapacity,
    /// A shape that lies away from where its unit is (a boundary filed under the wrong code).
    Misplaced,
    /// A shape that is not a valid polygon: a ring crosses itself or another, a hole lies
    /// outside its polygon, or polygons overlap.
    InvalidShape,
    /// The household lies outside the relief round's lockdown zone (its units or addresses).
    OutsideZone,
    /// The record was merged into another (a duplicate): it takes no further change.
    Merged,
    /// The record's current state does not allow this value (a died case made active).
    NotAllowed,
    /// The value names more than one record (a unit name found in two districts).
    Ambiguous,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::Required => "required",
            Reason::TooShort => "too_short",
            Reason::TooLong => "too_long",
            Reason::InvalidFormat => "invalid_format",
            Reason::UnknownValue => "unknown_value",
            Reason::OutOfRange => "out_of_range",
            Reason::NotFound => "not_found",
            Reason::OutOfScope => "out_of_scope",
            Reason::Duplicate => "duplicate",
            Reason::NoCapacity => "no_capacity",
            Reason::Misplaced => "misplaced",
            Reason::InvalidShape => "invalid_shape",
            Reason::OutsideZone => "outside_zone",
            Reason::Merged => "merged",
            Reason::NotAllowed => "not_allowed",
            Reason::Ambiguous => "ambiguous",
        }
    }
}

/// One rejected field of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: Reason,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: Reason) -> Self {
        FieldError {
            field: field.into(),
            reason,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason.code())
    }
}

/// Collects field errors so an input reports every bad field at once, not the first only.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, field: &str, reason: Reason) {
        self.0.push(FieldError::new(field, reason));
    }

    pub fn into_result<T>(self, ok: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(self.0)
        }
    }
}
