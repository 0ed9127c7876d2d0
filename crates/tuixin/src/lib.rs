//! tuixin (退信): bounce-email diagnosis.
//!
//! This crate knows the SMTP reply codes (RFC 5321 and extensions) and the enhanced status codes
//! (RFC 3463 and the IANA registry), finds them in free text, and explains them in English and
//! Simplified Chinese. It does no I/O: bytes and strings in, typed values out.

pub mod classify;
pub mod code;
mod decode;
pub mod esp;
mod lang;
pub mod lifecycle;
pub mod logs;
mod reason;
mod record;
pub mod registry;
mod text;

pub use classify::{Classifier, RuleKind, Verdict};
pub use code::{Code, CodeError, EnhancedStatus, ReplyCode, Severity, find_codes};
pub use decode::{DecodeError, Decoder, Diagnosis, Limits, decode, opens_with_header};
pub use lang::{Lang, LangError};
pub use reason::{Category, Reason, ReasonText};
pub use record::Record;
pub use registry::{Explanation, Registry};
