//! API v1: the handlers, one module per resource, and what they share (reading JSON bodies,
//! limits and cursors).

pub mod addresses;
pub mod alerts;
pub mod check;
pub mod events;
pub mod imports;
pub mod ingest;
pub mod logs;
pub mod ops;
pub mod policy;
pub mod stats;
pub mod suppressions;
pub mod views;

use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Reads a JSON body: 400 when it is not JSON, 422 when it is JSON of the wrong shape.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::invalid("body", format!("the JSON body does not fit: {e}")),
            _ => ApiError::malformed(format!("the body is not JSON: {e}")),
        }
    })
}

/// The page size asked for: 1 to 1000, default 100.
pub fn page_limit(limit: Option<i64>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
        Some(n) => Err(ApiError::invalid("limit", format!("limit must be 1 to 1000, not {n}"))),
    }
}

/// An opaque cursor: the hex of the JSON of the previous page's last sort key.
pub fn encode_cursor<T: serde::Serialize>(key: &T) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    json.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a cursor made by [`encode_cursor`]: 400 when it is not one.
pub fn decode_cursor<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
    let bad = || ApiError::malformed("cursor is not one this API gave").field("cursor");
    if !cursor.len().is_multiple_of(2) || cursor.len() > 4096 {
        return Err(bad());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

/// Reads an optional RFC 3339 time (or Unix seconds) from a query field: 422 when it is neither.
pub fn time_param(value: Option<&str>, field: &str) -> Result<Option<i64>, ApiError> {
    value
        .map(|v| {
            crate::time::parse(v).ok_or_else(|| {
                ApiError::invalid(
                    field,
                    format!("{field} must be an RFC 3339 time or Unix seconds"),
                )
            })
        })
        .transpose()
}
