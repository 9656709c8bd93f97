//! `Principal`: the principal the middleware authenticated, taken out of the request rather
//! than copied. Why: axum's `Extension` extractor clones its value, and an `Authenticated` is a
//! dozen strings; on `whoami` and `/auth/verify`, requests that do little else, that copy was a
//! measurable part of the handler (docs/benchmarks.md, "Token verification under load").

use app::services::Authenticated;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

/// The request's authenticated principal, if it has one (`None` when it is signed out).
pub struct Principal(pub Option<Authenticated>);

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Principal(parts.extensions.remove::<Authenticated>()))
    }
}
