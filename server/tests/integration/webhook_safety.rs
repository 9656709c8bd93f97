//! A webhook must not reach inside: URLs with credentials or plain http to another host are
//! refused when saved; at send time loopback, private, link-local and metadata addresses are
//! refused by policy (never reporting the receiver's status) unless the operator allows their
//! range; the signing secret opens only for its own organization, and secrets sealed before
//! that rule are re-sealed when the server starts.

use crate::common::{Backend, Client, Settings, TestApp};
use crate::notices::{receiver, SECRET};
use app::services::notices::signature;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    notices_never_reach_internal_addresses_unless_allowed,
    the_signing_secret_opens_only_for_its_organization,
    secrets_sealed_before_binding_are_re_sealed_at_start,
);

/// Sets the webhook (and, when given, the signing secret), expecting it to be taken.
async fn set_webhook(admin: &Client, url: &str, secret: Option<&str>) -> Value {
    let mut body = json!({"webhook_url": url});
    if let Some(s) = secret {
        body["webhook_secret"] = json!(s);
    }
    let r = admin.post("/api/v1/settings/update", body).await;
    assert_eq!(r.status, StatusCode::OK, "{url}: {r:?}");
    r.body
}

async fn send_test(admin: &Client) -> Value {
    let r = admin.post("/api/v1/settings/test-webhook", json!({})).await;
    r.assert_status(StatusCode::OK);
    r.body
}

async fn notices_never_reach_internal_addresses_unless_allowed(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let (url, seen) = receiver(0).await;
    let port = url
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    // User-info used to smuggle a private host behind an allowed prefix.
    let r = ada
        .post(
            "/api/v1/settings/update",
            json!({"webhook_url": "http://localhost:x@10.0.0.12:8080/internal"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "webhook_url"),
        "{r:?}"
    );
    for internal in [
        url.clone(),                                             // loopback, literally
        format!("https://localhost:{port}/hook"),                // a name that resolves to loopback
        "https://10.0.0.12:8080/status".to_string(),             // a private service
        "https://169.254.169.254/latest/meta-data/".to_string(), // the cloud's metadata
        "https://[::ffff:127.0.0.1]:9/x".to_string(),            // IPv4 written as IPv6
    ] {
        set_webhook(&ada, &internal, None).await;
        let d = send_test(&ada).await;
        assert_eq!(d["status"], "failed", "{internal}: {d}");
        assert!(
            d["last_error"]
                .as_str()
                .unwrap()
                .starts_with("refused by policy"),
            "{internal}: {d}"
        );
        assert!(
            d["last_status"].is_null(),
            "never the receiver's status: {internal}: {d}"
        );
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the receiver"
    );

    // What the settings show is the origin, never the path.
    set_webhook(&ada, &url, None).await;
    let r = ada.post("/api/v1/settings/get", json!({})).await;
    assert_eq!(
        r.body["settings"]["webhook_origin"],
        format!("http://127.0.0.1:{port}")
    );
    assert!(!r.text.contains("/hook"), "{r:?}");

    // The operator allows this machine: the same receiver gets the notice.
    let allowed = TestApp::spawn_on_with(&app.db_url, Settings::loopback_webhooks()).await;
    let ada_there = allowed.signed_in("ada@acme.test").await;
    let d = send_test(&ada_there).await;
    assert_eq!(
        (d["status"].as_str(), d["last_status"].as_i64()),
        (Some("delivered"), Some(200)),
        "{d}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

async fn the_signing_secret_opens_only_for_its_organization(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, Settings::loopback_webhooks()).await;
    app.admin("globex", "gus@globex.test").await;
    let gus = app.signed_in("gus@globex.test").await;
    let (url, seen) = receiver(0).await;
    set_webhook(&ada, &url, Some(SECRET)).await;
    set_webhook(&gus, &url, Some("globex's own signing secret")).await;
    // Someone with the database copies acme's sealed secret into globex's row, hoping globex's
    // notices get signed as acme's.
    app.execute(
        "UPDATE organizations SET webhook_secret = \
         (SELECT webhook_secret FROM organizations WHERE slug = 'acme') WHERE slug = 'globex'",
    )
    .await;
    let d = send_test(&gus).await;
    assert_eq!(d["status"], "failed", "{d}");
    assert!(
        d["last_error"].as_str().unwrap().contains("does not open"),
        "{d}"
    );
    // acme's own notices are signed as ever.
    let d = send_test(&ada).await;
    assert_eq!(d["status"], "delivered", "{d}");
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "globex's notice was not sent: {got:?}");
    assert_eq!(
        got[0].signature.as_deref(),
        Some(signature(SECRET, got[0].timestamp, &got[0].body).as_str())
    );
}

async fn secrets_sealed_before_binding_are_re_sealed_at_start(b: Backend) {
    let (app, ada) = TestApp::acme_with(b, Settings::loopback_webhooks()).await;
    let (url, seen) = receiver(0).await;
    set_webhook(&ada, &url, Some(SECRET)).await;
    // As an older Steward stored it: sealed with the server's key, bound to nothing.
    let key = app.state.config.secret_key.clone().unwrap();
    let legacy = key.seal_unbound_for_tests(SECRET);
    app.execute(&format!(
        "UPDATE organizations SET webhook_secret = '{legacy}' WHERE slug = 'acme'"
    ))
    .await;
    let d = send_test(&ada).await;
    assert_eq!(
        d["status"], "failed",
        "an unbound value is not opened in use: {d}"
    );

    // The next start re-seals it, bound to acme, once.
    let upgraded = TestApp::spawn_on_with(&app.db_url, Settings::loopback_webhooks()).await;
    let stored = upgraded
        .texts("SELECT webhook_secret FROM organizations WHERE slug = 'acme'")
        .await
        .remove(0);
    assert!(stored.starts_with("v2:") && stored != legacy, "{stored}");
    assert!(!stored.contains(SECRET));
    let d = send_test(&upgraded.signed_in("ada@acme.test").await).await;
    assert_eq!(d["status"], "delivered", "{d}");
    let got = seen.lock().unwrap().clone();
    let last = got.last().unwrap();
    assert_eq!(
        last.signature.as_deref(),
        Some(signature(SECRET, last.timestamp, &last.body).as_str())
    );
    let again = TestApp::spawn_on_with(&app.db_url, Settings::loopback_webhooks()).await;
    let after = again
        .texts("SELECT webhook_secret FROM organizations WHERE slug = 'acme'")
        .await
        .remove(0);
    assert_eq!(after, stored, "a bound value is left as it is");
}
