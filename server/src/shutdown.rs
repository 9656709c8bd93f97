//! Serving until asked to stop: on SIGTERM (what container runtimes and systemd send) or
//! Ctrl-C, stop accepting connections, let in-flight requests finish for a bounded time, then
//! return so the caller can flush what is batched in memory.

use axum::Router;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long in-flight requests may take to finish after a stop signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Resolves on SIGTERM or Ctrl-C.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Serves `app` on `listener` until a stop signal, then waits at most `grace` for requests
/// already under way.
pub async fn serve_until_signal(listener: TcpListener, app: Router, grace: Duration) {
    let (stopping_tx, mut stopping_rx) = watch::channel(false);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        stop_signal().await;
        tracing::info!("stop signal received: finishing requests under way");
        let _ = stopping_tx.send(true);
    });
    let deadline = async move {
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => {
            if let Err(e) = result {
                tracing::error!(error = %e, "server error");
            }
        }
        _ = deadline => tracing::warn!("requests still under way after the grace period; stopping anyway"),
    }
}
