//! The API's errors: `{"error": {"code", "message", "field"}}` with the status that fits.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tuixin::lifecycle::LifecycleError;
use tuixin_store::StoreError;
use utoipa::ToSchema;

/// Seconds a client is asked to wait before retrying when the store is unavailable.
pub const STORE_RETRY_AFTER_SECS: u64 = 2;

/// An error answer of the API.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code (`invalid_address`, `locked`, ...).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault, if one is.
    pub field: Option<String>,
    /// Seconds to wait before retrying (429, 503).
    pub retry_after: Option<u64>,
}

/// The JSON body of an error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `malformed`, `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`,
    /// `locked`, `timeout`, `too_large`, `uri_too_long`, `headers_too_large`, `unsupported_media_type`, `invalid`, `invalid_address`, `rate_limited`, `unavailable`, `internal`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault.
    pub field: Option<String>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), field: None, retry_after: None }
    }

    /// The same error naming the request field at fault.
    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 400: the request could not be read.
    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed", message)
    }

    /// 422: a value that is not acceptable.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).field(field)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500, for what the client cannot fix.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// A store error, by what the client can do about it; `field` names the request field an
    /// invalid address or scope came from.
    pub fn from_store(error: StoreError, field: &str) -> ApiError {
        match error {
            StoreError::InvalidAddress { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_address",
                error.to_string(),
            )
            .field(field),
            StoreError::InvalidScope(_) => ApiError::invalid("scope", error.to_string()),
            StoreError::InvalidQuery { field, .. } => ApiError::invalid(field, error.to_string()),
            StoreError::Refused(LifecycleError::NotFound(_)) => {
                ApiError::not_found(error.to_string())
            }
            StoreError::Refused(LifecycleError::Locked(_)) => {
                ApiError::new(StatusCode::CONFLICT, "locked", error.to_string())
            }
            StoreError::Refused(LifecycleError::NoteRequired) => {
                ApiError::invalid("note", error.to_string())
            }
            StoreError::Refused(LifecycleError::ExpiryInPast { .. }) => {
                ApiError::invalid("expires_at", error.to_string())
            }
            StoreError::Unreachable { .. }
            | StoreError::Locked { .. }
            | StoreError::Conflict { .. }
            | StoreError::DiskFull { .. } => ApiError::unavailable(error.to_string()),
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal(other.to_string())
            }
        }
    }

    /// 503 with Retry-After: the store cannot take the request now; nothing was written.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message);
        e.retry_after = Some(STORE_RETRY_AFTER_SECS);
        e
    }
}

impl ApiError {
    /// A request body that could not be read: 413 past `limit` bytes, 400 otherwise.
    pub fn body(rejection: &axum::extract::rejection::BytesRejection, limit: usize) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is larger than {limit} bytes"),
            )
        } else {
            ApiError::malformed(rejection.body_text())
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError::from_store(error, "address")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // The rest of a body too large is not read: the connection ends after this answer, and
        // the client is told so, rather than finding out when it sends its next request there.
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}
