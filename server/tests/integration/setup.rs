//! Getting the first administrator: the one-time setup link (browser) and `server admin create`
//! (command line), both against real databases.

use crate::common;

use app::services::people::setup::first_admin_setup_link;
use common::{Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};

on_both_databases!(setup_link_creates_the_first_admin_once);

async fn setup_link_creates_the_first_admin_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let link = first_admin_setup_link(&app.state)
        .await
        .unwrap()
        .expect("no people yet, so a link");
    let c = app.browser();
    let r = c.post("/api/v1/setup/check", json!({"token": link})).await;
    assert_eq!(r.body, json!(true));
    let r = c
        .post("/api/v1/setup/check", json!({"token": "forged"}))
        .await;
    assert_eq!(r.body, json!(false));

    let form = |token: &str, password: &str| json!({"token": token, "org_name": "Acme Inc", "org_slug": "acme", "name": "Ada", "email": "ada@acme.test", "password": password});
    let r = c.post("/api/v1/setup/complete", form(&link, "short")).await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "password")
    );
    let r = c
        .post("/api/v1/setup/complete", form("forged", PASSWORD))
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::NOT_FOUND, "token")
    );

    let r = c
        .post("/api/v1/setup/complete", form(&link, PASSWORD))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["user"]["role"], "admin");
    let me = c.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(
        me.body["principal"]["organization"]["name"], "Acme Inc",
        "signed in straight away"
    );

    // Used once; and with people present no new link is made.
    let again = app
        .browser()
        .post("/api/v1/setup/complete", form(&link, PASSWORD))
        .await;
    again.assert_error(StatusCode::NOT_FOUND, "not_found");
    assert!(first_admin_setup_link(&app.state).await.unwrap().is_none());
}

#[test]
fn admin_create_command_makes_a_working_administrator() {
    let dir = std::env::temp_dir().join(format!("steward-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/cli.db", dir.display());
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("STEWARD_DATABASE_URL", &url)
            .env("LEPTOS_OUTPUT_NAME", "steward")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &[
            "admin",
            "create",
            "--org",
            "acme",
            "--email",
            "Ada@Acme.test",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ada@acme.test"));
    let out = run(
        &[
            "admin",
            "create",
            "--org",
            "acme",
            "--email",
            "ada@acme.test",
            "--password-stdin",
        ],
        PASSWORD,
    );
    assert!(!out.status.success(), "the same email twice is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has"));
    let out = run(
        &[
            "admin",
            "create",
            "--org",
            "acme",
            "--email",
            "bob@acme.test",
            "--password-stdin",
        ],
        "short",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));

    // The administrator can sign in to a server on that database.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let app = TestApp::spawn_on(&url).await;
        let c = app.browser();
        let r = c
            .post(
                "/api/v1/auth/login",
                json!({"email": "ada@acme.test", "password": PASSWORD}),
            )
            .await;
        r.assert_status(StatusCode::OK);
    });
}
