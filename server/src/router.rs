//! The axum router: pages, server functions, static files, health checks, and the middleware
//! every request passes through, in order.

use crate::middleware::client_ip::{self, TrustedProxies};
use crate::middleware::rate_limits::{self, Limiters};
use crate::middleware::{api_errors, authenticate, json_body, request_log, verification_timing};
use crate::routes::forms::{self, Forms};
use crate::routes::metrics::{self, MetricsEndpoint, MetricsToken};
use crate::routes::{audit_export, introspect, leak_reports, oauth_token, openapi, verify, whoami};
use app::domain::ApiError;
use app::state::AppState;
use app::ui::{shell, App};
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::any::Any;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted; every API input is far smaller.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What the HTTP layer needs beyond the application's own state.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// Peers whose `Forwarded` / `X-Forwarded-For` headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// Sign-in attempts one address may make per minute.
    pub sign_in_per_minute: u32,
    /// The bearer token `GET /metrics` asks for; without one, `/metrics` answers 404.
    pub metrics_token: Option<MetricsToken>,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            trusted_proxies: TrustedProxies::default(),
            sign_in_per_minute: 10,
            metrics_token: None,
        }
    }
}

/// The pages' router state: Leptos's options behind one reference count. Why: axum clones the
/// state for every request, and Leptos puts a copy into every server function's context; the
/// options themselves are a dozen strings, and copying them was a measurable part of `whoami`.
#[derive(Clone)]
struct Site(Arc<LeptosOptions>);

impl FromRef<Site> for LeptosOptions {
    fn from_ref(site: &Site) -> LeptosOptions {
        (*site.0).clone()
    }
}

/// The pages' routes, listed once per process. Leptos lists them by rendering the app while a
/// process-wide flag keeps resources from loading; two routers built at once (the test suite
/// builds one per test, in parallel) could clear each other's flag mid-render, and the app's
/// `whoami` resource would then run without the server state and panic (seen once in a
/// `scripts/test.sh` run on PostgreSQL).
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole application for `state`, serving the site files described by `options`.
pub fn build_router(state: AppState, options: LeptosOptions, config: RouterConfig) -> Router {
    // What this process keeps of credentials is good only while it hears of every change.
    state.db.follow_changes();
    let limiters = Limiters::new(config.sign_in_per_minute);
    spawn_limiter_cleanup(limiters.clone());
    let routes = page_routes();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let site = Site(Arc::new(options.clone()));
    // The pages' forms post to the pages' own paths; their answers sit beside the pages.
    let forms = Forms::new(state.clone(), options.clone());
    let app_router = Router::new()
        .leptos_routes_with_context(&site, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .route(
            "/login",
            post(forms::sign_in_form).with_state(forms.clone()),
        )
        .route("/setup", post(forms::setup_form).with_state(forms.clone()))
        .route(
            "/settings/account",
            post(forms::password_form).with_state(forms.clone()),
        )
        .route(
            "/settings/organization",
            post(forms::settings_form).with_state(forms.clone()),
        )
        .route("/logout", post(forms::sign_out_form).with_state(forms))
        .fallback(leptos_axum::file_and_error_handler_with_context::<Site, _>(
            context, shell,
        ))
        .with_state(site);

    let scrape = MetricsEndpoint {
        state: state.clone(),
        token: config.metrics_token.clone(),
    };
    let plain = Router::new()
        .route("/metrics", get(metrics::metrics).with_state(scrape))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route(
            "/api/v1/audit/export",
            get(audit_export::export_get).post(audit_export::export_post),
        )
        .route("/auth/verify", get(verify::verify))
        .route("/api/v1/tokens/introspect", post(introspect::introspect))
        .route(oauth_token::PATH, post(oauth_token::token))
        .route(leak_reports::REPORT_PATH, post(leak_reports::report_leak))
        .route(
            leak_reports::GITLAB_TYPES_PATH,
            get(leak_reports::gitlab_revocable_token_types),
        )
        .route(
            leak_reports::GITLAB_REVOKE_PATH,
            post(leak_reports::gitlab_revoke_tokens),
        )
        .route(whoami::PATH, post(whoami::whoami))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/reference", get(openapi::reference))
        .route("/api/reference.css", get(openapi::stylesheet))
        .with_state(state.clone());

    let hsts = state.config.secure_cookies().then(|| {
        SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )
    });
    let request_id = header::HeaderName::from_static("x-request-id");
    // The pages and server functions answer whatever the plain routes do not. A fallback
    // rather than a merge: Leptos registers every server function's path, whoami's among
    // them, and axum refuses two routes for one path.
    plain
        .fallback_service(app_router)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(json_body::check_json_body))
        .layer(axum::middleware::from_fn(api_errors::map_api_errors))
        .layer(axum::middleware::from_fn_with_state(
            state,
            authenticate::authenticate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limiters,
            rate_limits::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config.trusted_proxies,
            client_ip::resolve,
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
        .layer(tower::util::option_layer(hsts))
        .layer(CatchPanicLayer::custom(panic_response))
        // The wasm is most of a first page load: gzip takes it from about 1.4 MB to 0.5 MB.
        .layer(CompressionLayer::new().gzip(true))
        .layer(axum::middleware::from_fn(
            verification_timing::time_verifications,
        ))
        .layer(request_log::layer())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// A panic inside a request answers the error contract (500, no details); the panic itself is
/// logged with the request's span.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %what, "request handler panicked");
    authenticate::json_error(&ApiError::internal())
}

/// 200 only while the database answers, so a load balancer stops sending traffic otherwise.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Forgets idle addresses now and then so the limiters' memory stays bounded.
fn spawn_limiter_cleanup(limiters: Limiters) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiters.forget_idle();
        }
    });
}

/// How often expired sessions, links and failure counts are purged.
const PURGE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// Writes batched usage every `flush` (sooner when many tokens are pending), purges expired records periodically, and sends the
/// expiry notices that are due every `notices`.
pub fn spawn_background_tasks(state: AppState, flush: Duration, notices: Duration) {
    let usage_state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(flush);
        loop {
            // Every interval, and sooner when many tokens are pending.
            tokio::select! {
                _ = tick.tick() => {}
                _ = usage_state.usage.filled() => {}
            }
            usage_state.usage.flush(&usage_state.db).await;
        }
    });
    let notice_state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(notices);
        loop {
            tick.tick().await;
            app::services::notices::tick(&notice_state).await;
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_INTERVAL);
        loop {
            tick.tick().await;
            app::services::housekeeping::purge_expired(&state).await;
        }
    });
}
