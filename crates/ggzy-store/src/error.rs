//! What a service call can refuse with. The web layer turns each variant into one HTTP status and
//! a problem+json body; nothing here knows about HTTP.

use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input or a rule refusal, field by field.
    #[error("invalid input: {0}")]
    Invalid(Invalid),
    /// Not signed in (or the session expired).
    #[error("not signed in")]
    Unauthenticated,
    /// Sign-in refused: wrong credentials, locked, second factor missing or wrong.
    #[error("sign-in refused: {}", .0.code)]
    SignIn(FieldError),
    /// Signed in, but no role grants this permission for the region concerned.
    #[error("missing permission {}", .0.as_str())]
    Forbidden(Permission),
    /// A step out of order: the lot's stage and what it waits for.
    #[error("out of order at {stage}: {reason}")]
    OutOfOrder {
        stage: &'static str,
        waits_for: &'static str,
        reason: &'static str,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Too many attempts from one address in the window.
    #[error("rate limited")]
    RateLimited,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

impl From<Invalid> for ServiceError {
    fn from(e: Invalid) -> Self {
        Self::Invalid(e)
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(e.into())
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// A failure that is ours, not the caller's (a stored value that no longer parses, a key that
/// does not load): reported as an internal error with its message, said once here.
pub trait OrInternal<T> {
    fn or_internal(self) -> ServiceResult<T>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self) -> ServiceResult<T> {
        self.map_err(|e| ServiceError::Internal(e.to_string()))
    }
}
