//! The axum router: pages, server functions, static files, health checks, and the middleware
//! every request passes through, in order.

use crate::middleware::rate_limits::{self, Limiters};
use crate::middleware::{api_errors, authenticate, request_log};
use app::state::AppState;
use app::ui::{shell, App};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted; every API input is far smaller.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Builds the whole application for `state`, serving the site files described by `options`.
pub fn build_router(state: AppState, options: LeptosOptions) -> Router {
    let limiters = Limiters::new();
    spawn_limiter_cleanup(limiters.clone());
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let app_router = Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            LeptosOptions,
            _,
        >(context, shell))
        .with_state(options);

    let health = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state.clone());

    let request_id = header::HeaderName::from_static("x-request-id");
    health
        .merge(app_router)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(api_errors::map_api_errors))
        .layer(axum::middleware::from_fn_with_state(
            limiters,
            rate_limits::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            authenticate::authenticate,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(CatchPanicLayer::new())
        // The wasm is most of a first page load: gzip takes it from about 1.4 MB to 0.5 MB.
        .layer(CompressionLayer::new().gzip(true))
        .layer(request_log::layer())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// 200 only while the database answers, so a load balancer stops sending traffic otherwise.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Forgets idle IPs now and then so the limiter's memory stays bounded.
fn spawn_limiter_cleanup(limiters: Limiters) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiters.forget_idle();
        }
    });
}

/// Writes batched last-used records every `interval`.
pub fn spawn_background_tasks(state: AppState, interval: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        loop {
            tick.tick().await;
            state.usage.flush(&state.db).await;
        }
    });
}
