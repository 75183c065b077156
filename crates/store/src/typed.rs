//! Reading stored text back into the domain's types: a slug column into its vocabulary enum,
//! a JSON column into the typed structure it was written from. A value that does not parse
//! is `StoreError::Corrupt` naming the column, never a panic or a silent default.

use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, StoreError};

/// Column `i` of `row`, a slug of `T`'s vocabulary; `column` names it in the error.
pub(crate) fn slug<T: FromStr>(row: &AnyRow, i: usize, column: &str) -> Result<T> {
    let text: String = row.try_get(i)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column} {text:?}")))
}

/// Column `i` of `row`, JSON of a `T`.
pub(crate) fn json<T: DeserializeOwned>(row: &AnyRow, i: usize, column: &str) -> Result<T> {
    let text: String = row.try_get(i)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// `value` as the JSON text a column keeps.
pub(crate) fn to_json<T: Serialize>(value: &T, column: &str) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}
