//! Two replicas behind one public URL on one database, as a load balancer would run them: a
//! browser's session works on whichever replica answers, and what one replica does the other
//! sees. (Revocation across replicas: `verification.rs` and `credential_cache.rs`.)

use crate::common::{Backend, Client, Settings, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(a_session_works_on_every_replica);

async fn a_session_works_on_every_replica(b: Backend) {
    let first = TestApp::acme_signed_out(b).await;
    let behind_the_same_url = Settings {
        public_url: Some(first.base.clone()),
        ..Settings::default()
    };
    let second = TestApp::spawn_on_with(&first.db_url, behind_the_same_url).await;
    let ada = first.signed_in("ada@acme.test").await;
    // The balancer sends the same browser (its cookie, its Origin) to the other replica.
    let ada_on_second = Client {
        http: ada.http.clone(),
        base: second.base.clone(),
        origin: ada.origin.clone(),
        bearer: None,
        headers: Vec::new(),
    };

    let me = ada_on_second.post("/api/v1/auth/whoami", json!({})).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["principal"]["name"], "ada");
    let sa = ada_on_second
        .create_account("made-on-the-second", "viewer")
        .await;
    let seen = ada
        .post("/api/v1/service-accounts/get", json!({"id": sa}))
        .await;
    seen.assert_status(StatusCode::OK);

    let out = ada_on_second.post("/api/v1/auth/logout", json!({})).await;
    out.assert_status(StatusCode::OK);
    let after = ada.post("/api/v1/auth/whoami", json!({})).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "signed out on one replica is signed out on both"
    );
}
