//! Decoders for the bounce formats of particular sending MTAs and services, each picked by
//! cheap signals in the headers before it reads the body.
//!
//! Adding a format means adding one module here and one line to [`ALL`].

mod amazonses;
mod fml;
mod googlegroups;

use super::delivery::Report;
use super::mail::Mail;
use super::original::Original;

/// A decoder for the bounces of one sending MTA family or service.
pub(crate) trait Lhost: Sync {
    /// The name recorded in `decodedby`.
    fn name(&self) -> &'static str;
    /// Whether the headers say the bounce is of this family; no body work here.
    fn claims(&self, mail: &Mail<'_>) -> bool;
    /// The records, or `None` to let the general decoders try. `region` is the part of `text`
    /// before a quoted original message.
    fn decode(
        &self,
        mail: &Mail<'_>,
        text: &str,
        region: &str,
        original: &mut Original,
    ) -> Option<Report>;
}

/// Every family decoder, tried in order.
pub(crate) static ALL: &[&dyn Lhost] =
    &[&amazonses::AmazonSes, &fml::Fml, &googlegroups::GoogleGroups];

/// The first family decoder that claims the mail and decodes it.
pub(crate) fn decode(
    mail: &Mail<'_>,
    text: &str,
    region: &str,
    original: &mut Original,
) -> Option<Report> {
    ALL.iter().filter(|d| d.claims(mail)).find_map(|d| d.decode(mail, text, region, original))
}
