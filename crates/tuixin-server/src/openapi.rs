//! The OpenAPI document, generated from the handlers' annotations and types.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(title = "tuixin", description = "The bounce store's HTTP API: may I mail this address, the suppression list, events, ingest, policy, alerts."),
    paths(
        api::ops::healthz,
        api::ops::metrics,
        api::ops::openapi,
        api::check::check_one,
        api::check::check_batch,
        api::suppressions::list,
        api::suppressions::get_one,
        api::suppressions::put_one,
        api::suppressions::delete_one,
        api::suppressions::batch,
        api::events::list,
        api::events::get_one,
        api::events::raw,
        api::addresses::get_one,
        api::ingest::messages_handler,
        api::policy::get,
        api::policy::put,
        api::alerts::list,
        api::logs::logs_handler,
        crate::webhooks::receive::receive,
        api::imports::create,
        api::imports::get_one,
        api::alerts::ack,
        api::stats::summary,
        api::stats::timeseries,
        api::stats::sources,
    ),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The document as served at `/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
