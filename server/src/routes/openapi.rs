//! `GET /api/v1/openapi.json` (the document) and `GET /api/reference` (the page drawn from it):
//! public, like any API description, and built once per process.

use crate::openapi;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

pub async fn document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        openapi::document_json(),
    )
        .into_response()
}

pub async fn reference() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
                ),
            ),
        ],
        openapi::reference::page(),
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/css"))],
        openapi::reference::STYLESHEET,
    )
        .into_response()
}
