//! A real nginx in front of a tiny application, with Steward as its `auth_request` target, run
//! with exactly the configuration `docs/integrations.md` gives: valid tokens pass (and the
//! application learns who called), missing, bad and revoked ones do not.

use crate::common::{Backend, TestApp};
use reqwest::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Debian's nginx, when the machine has it. The test command installs it and sets
/// `STEWARD_REQUIRE_NGINX=1`, so CI cannot skip this silently.
fn nginx() -> Option<&'static str> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        assert!(
            std::env::var("STEWARD_REQUIRE_NGINX").as_deref() != Ok("1"),
            "STEWARD_REQUIRE_NGINX=1 but nginx is not installed"
        );
        eprintln!("skipping: nginx is not installed");
    }
    found
}

/// The nginx `server` block documented in docs/integrations.md.
fn documented_server_block() -> String {
    let doc =
        std::fs::read_to_string(crate::common::repository_root().join("docs/integrations.md"))
            .unwrap();
    let block = doc
        .split("<!-- nginx-config-start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- nginx-config-end -->").next())
        .expect("the nginx block is marked in docs/integrations.md");
    block
        .lines()
        .filter(|l| !l.starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The application behind the proxy: says who nginx told it is calling.
async fn spawn_app() -> u16 {
    use axum::http::HeaderMap;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = axum::Router::new().fallback(|headers: HeaderMap| async move {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("nobody")
                .to_string()
        };
        format!(
            "hello {} of {}",
            header("x-steward-service-account"),
            header("x-steward-organization")
        )
    });
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    port
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_nginx(binary: &str, steward: &str, app_port: u16) -> (Nginx, u16) {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("steward-nginx-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let server = documented_server_block()
        .replace("listen 8000;", &format!("listen 127.0.0.1:{port};"))
        .replace("steward:3000", steward)
        .replace("app:8080", &format!("127.0.0.1:{app_port}"));
    let d = dir.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log;\nevents {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n{server}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new(binary)
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    (Nginx(child), port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_lets_through_only_valid_tokens() {
    let Some(binary) = nginx() else { return };
    let steward = TestApp::spawn(Backend::Sqlite).await;
    steward.admin("acme", "ada@acme.test").await;
    let ada = steward.signed_in("ada@acme.test").await;
    let sa = ada.create_account("ci-deploy", "editor").await;
    let (token_id, secret) = ada.create_token(&sa, "t", &["read"]).await;
    let app_port = spawn_app().await;
    let (_nginx, port) = start_nginx(binary, steward.base.trim_start_matches("http://"), app_port);
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/some/path");
    let mut ready = false;
    for _ in 0..100 {
        if http.get(&url).send().await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "nginx did not start");
    let get = |token: Option<String>| {
        let mut req = http.get(&url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let (status, body) = get(Some(secret.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body, "hello ci-deploy of acme",
        "the application learns who called"
    );
    // The documented configuration names its organization: another one's admin does not pass.
    let gus = steward.globex().await;
    let globex_sa = gus.create_account("intruder", "admin").await;
    let (_, globex_secret) = gus.create_token(&globex_sa, "t", &["read", "write"]).await;
    assert_eq!(get(Some(globex_secret)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(Some(secret.clone())).await.0, StatusCode::OK);
    assert_eq!(get(None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(Some("stw_not_a_token".into())).await.0,
        StatusCode::UNAUTHORIZED
    );
    ada.post("/api/v1/tokens/revoke", serde_json::json!({"id": token_id}))
        .await;
    assert_eq!(
        get(Some(secret)).await.0,
        StatusCode::UNAUTHORIZED,
        "revoked: refused at the proxy at once"
    );
}
