//! A panic inside a request answers the error contract, not plain text, and leaks nothing.

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;

#[tokio::test]
async fn a_panicking_handler_answers_a_json_500() {
    let router = axum::Router::new()
        .route(
            "/api/v1/boom",
            get(|| async {
                let secret_detail = "internal detail";
                panic!("{secret_detail}");
                #[allow(unreachable_code)]
                ""
            }),
        )
        .layer(CatchPanicLayer::custom(server::router::panic_response));
    let res = router
        .oneshot(Request::get("/api/v1/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body = to_bytes(res.into_body(), 10_000).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "internal");
    assert!(!String::from_utf8_lossy(&body).contains("internal detail"));
}
