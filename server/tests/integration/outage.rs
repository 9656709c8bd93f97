//! A PostgreSQL outage under load: while the database cannot be reached, every request answers
//! 503 with `Retry-After` within a second (it used to wait the pool's ten-second timeout), and
//! once it is back requests succeed again by themselves, without a restart.
//!
//! The server reaches PostgreSQL through a TCP relay the test owns; stopping the relay closes
//! every connection and refuses new ones, which is what the server sees of a stopped
//! PostgreSQL, without stopping the cluster other tests share. (`scripts/torture.sh outage`
//! stops the real cluster.)

use crate::common::{fresh_database, Backend, Settings, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Relays one port to PostgreSQL until stopped; can be started again on the same port.
struct Relay {
    addr: SocketAddr,
    target: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            addr: listener.local_addr().unwrap(),
            target: target.to_string(),
            tasks: Arc::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let (target, tasks) = (self.target.clone(), self.tasks.clone());
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let target = target.clone();
                let relaying = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(relaying);
            }
        });
        self.tasks.lock().unwrap().push(accepting);
    }

    /// As if PostgreSQL stopped: every connection cut, new ones refused.
    fn stop(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// As if PostgreSQL came back.
    async fn restart(&self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }
}

/// One answer under load: when the request started, how long it took, its status, and whether
/// it said when to retry.
#[derive(Debug, Clone, Copy)]
struct Answer {
    started: Instant,
    took: Duration,
    status: StatusCode,
    retry_after: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_fail_fast_while_postgresql_is_gone_and_recover_by_themselves() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let (db_url, _) = fresh_database(backend).await;
    let (prefix, rest) = db_url.split_once('@').expect("a URL with credentials");
    let (target, database) = rest.split_once('/').expect("a URL with a database");
    let relay = Relay::start(target).await;
    let relayed_url = format!("{prefix}@{}/{database}", relay.addr);
    let app = TestApp::spawn_on_with(&relayed_url, Settings::default()).await;
    app.admin("acme", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let sa = ada.create_account("ci", "viewer").await;
    let (_, token) = ada.create_token(&sa, "t", &["read"]).await;

    // Eight clients keep asking, each a token check and a list (a read after it).
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let clients: Vec<_> = (0..8)
        .map(|i| {
            let (client, answers, running) = (app.script(&token), answers.clone(), running.clone());
            tokio::spawn(async move {
                let path = if i % 2 == 0 {
                    "/api/v1/auth/whoami"
                } else {
                    "/api/v1/service-accounts/list"
                };
                while running.load(std::sync::atomic::Ordering::Relaxed) {
                    let started = Instant::now();
                    let r = client.post(path, json!({})).await;
                    answers.lock().unwrap().push(Answer {
                        started,
                        took: started.elapsed(),
                        status: r.status,
                        retry_after: r.header("retry-after").is_some(),
                    });
                    if r.status != StatusCode::OK {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(500)).await;
    relay.stop();
    let stopped = Instant::now();
    // Until the process notices it no longer hears of changes, a kept credential may still
    // answer (nothing could change it unheard); from then on nothing kept is used.
    crate::common::eventually(
        Duration::from_secs(4),
        "the lost connection noticed",
        || async { !app.state.db.changes().is_live() },
    )
    .await;
    let noticed = Instant::now();
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(stopped.elapsed())).await;
    // Readiness says so too, at once.
    let ready = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    relay.restart().await;
    let restarted = Instant::now();
    let recovered = loop {
        let r = app
            .script(&token)
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        if r.status == StatusCode::OK {
            break restarted.elapsed();
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(10),
            "not recovered 10 s after PostgreSQL came back: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }

    let answers = answers.lock().unwrap().clone();
    let during: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.started >= stopped && a.started + a.took < restarted)
        .collect();
    assert!(during.len() >= 20, "the clients kept asking: {during:?}");
    let slowest = during.iter().map(|a| a.took).max().unwrap();
    assert!(
        slowest < Duration::from_secs(1),
        "an answer during the outage took {slowest:?}"
    );
    for a in during.iter().filter(|a| a.started >= noticed) {
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{a:?}");
        assert!(a.retry_after, "{a:?}");
    }
    let after: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.started >= restarted + recovered + Duration::from_millis(100))
        .collect();
    assert!(
        !after.is_empty() && after.iter().all(|a| a.status == StatusCode::OK),
        "after recovery: {after:?}"
    );
    eprintln!(
        "outage: {} answers while PostgreSQL was gone, the slowest in {slowest:?}; \
         recovered {recovered:?} after it was back",
        during.len()
    );
}
