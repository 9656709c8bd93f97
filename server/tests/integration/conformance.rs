//! The OpenAPI document against the running server, checked by software the project did not
//! write: Schemathesis (from PyPI, in the test command's virtual environment) runs
//! `schemathesis run --checks all` over every operation with an admin service account's token,
//! and must find nothing. It sends what the document allows (every answer must then be
//! documented, match its schema, and not refuse the body), what it does not allow (which must
//! be refused), methods an operation does not take (405 with `Allow`), and requests without or
//! with a wrong credential. What is configured in `schemathesis.toml`, and why, is in
//! docs/development.md ("Schemathesis").

use crate::common::{self, Backend, Settings, TestApp};

on_both_databases!(schemathesis_finds_the_server_as_documented);

async fn schemathesis_finds_the_server_as_documented(b: Backend) {
    let Some(schemathesis) = common::python_tool("schemathesis") else {
        return;
    };
    // With a scrape token, so /metrics is there to check (without one it is 404).
    let settings = Settings {
        metrics_token: Some("conformance-scrape-token-0123456789"),
        ..Settings::default()
    };
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let sa = ada.create_account("schemathesis", "admin").await;
    let (token_id, token) = ada.create_token(&sa, "fuzz", &["read", "write"]).await;
    // Objects to find, so not every id Schemathesis sends is unknown.
    ada.create_account("ci-deploy", "editor").await;

    let here = common::repository_root().join("server/tests/integration");
    let config = here.join("schemathesis.toml");
    let document = format!("{}/api/v1/openapi.json", app.base);
    let work = std::env::temp_dir().join(format!(
        "steward-schemathesis-{}",
        app::auth::random::base62(8)
    ));
    std::fs::create_dir_all(&work).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(schemathesis)
            .current_dir(&work)
            // The hooks keep the fuzzing token's own account and token out of its requests
            // (schemathesis_hooks.py says why).
            .env("PYTHONPATH", &here)
            .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
            .env("STEWARD_FUZZ_PROTECTED", format!("{sa},{token_id}"))
            .arg("--config-file")
            .arg(config)
            .arg("--no-color")
            .args(["run", &document, "--checks", "all"])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .output()
            .expect("run schemathesis")
    })
    .await
    .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "Schemathesis found the server unlike its OpenAPI document:\n{report}"
    );
    eprintln!("{report}");
}
