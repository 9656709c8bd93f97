//! The README's backup and restore commands, run as written against a server in use; a new
//! server on the restored copy must have every account, accept the live tokens, refuse the
//! revoked one, and let people sign in.

use crate::common::{self, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;

/// Runs a documented command and fails with its output when it fails.
fn run(command: &mut Command) {
    let out = command.output().expect("the backup tools are installed");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Backs up the database `app` uses and restores it where a new server can open it: the URL.
async fn back_up_and_restore(app: &TestApp, b: &Backend) -> String {
    let dir = std::env::temp_dir().join(format!("steward-backup-{}", app::auth::random::base62(8)));
    std::fs::create_dir_all(&dir).unwrap();
    match b {
        Backend::Sqlite => {
            let live = app.sqlite_path.as_ref().unwrap();
            let copy = dir.join("steward-backup.db");
            run(Command::new("sqlite3")
                .arg(live)
                .arg(format!("VACUUM INTO '{}'", copy.display())));
            format!("sqlite://{}", copy.display())
        }
        Backend::Postgres(_) => {
            let dump = dir.join("steward.dump");
            run(Command::new("pg_dump")
                .arg("--format=custom")
                .arg(format!("--file={}", dump.display()))
                .arg(&app.db_url));
            let (fresh, _) = common::fresh_database(b.clone()).await;
            run(Command::new("pg_restore")
                .arg("--no-owner")
                .arg("--exit-on-error")
                .arg(format!("--dbname={fresh}"))
                .arg(&dump));
            fresh
        }
    }
}

async fn a_backup_restores_every_account_and_working_token(b: Backend) {
    let (app, ada) = TestApp::acme(b.clone()).await;
    let deploy = ada.create_account("ci-deploy", "editor").await;
    let backup = ada.create_account("nightly-backup", "viewer").await;
    let (_, live) = ada
        .create_token(&deploy, "deploy", &["read", "write"])
        .await;
    let (_, reader) = ada.create_token(&backup, "reader", &["read"]).await;
    let (revoked_id, revoked) = ada.create_token(&deploy, "old", &["read"]).await;
    let r = ada
        .post("/api/v1/tokens/revoke", json!({"id": revoked_id}))
        .await;
    r.assert_status(StatusCode::OK);
    // The server is in use while the backup is taken.
    assert_eq!(
        app.script(&live)
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .status,
        StatusCode::OK
    );

    let url = back_up_and_restore(&app, &b).await;
    let restored = TestApp::spawn_on(&url).await;

    let ada = restored.signed_in("ada@acme.test").await;
    let list = ada.post("/api/v1/service-accounts/list", json!({})).await;
    let mut names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["ci-deploy", "nightly-backup"]);
    for (secret, account) in [(&live, "ci-deploy"), (&reader, "nightly-backup")] {
        let me = restored
            .script(secret)
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        me.assert_status(StatusCode::OK);
        assert_eq!(me.body["principal"]["name"], account);
    }
    let refused = restored
        .script(&revoked)
        .post("/api/v1/auth/whoami", json!({}))
        .await;
    refused.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

on_both_databases!(a_backup_restores_every_account_and_working_token);
