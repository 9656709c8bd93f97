//! The Stale view: which accounts and tokens it lists and why, its window, what it leaves out
//! (disabled accounts, revoked and expired tokens, other organizations), and that a viewer may
//! look but not act.

use crate::common::{Backend, Client, Settings, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    stale_lists_what_needs_a_look_and_why,
    stale_is_per_organization_and_read_only_for_viewers,
    tokens_used_from_a_few_networks_get_a_suggested_allow_list,
    static_tokens_that_keyless_exchanges_replaced_are_suggested,
);

const DAY_MS: i64 = 86_400_000;

async fn token(ada: &Client, account: &str, name: &str, expiry: Value) -> (String, String) {
    let mut body = json!({"service_account_id": account, "name": name});
    body.as_object_mut()
        .unwrap()
        .extend(expiry.as_object().unwrap().clone());
    let r = ada.post("/api/v1/tokens/create", body).await;
    r.assert_status(StatusCode::OK);
    (
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
    )
}

fn names(list: &Value, pointer: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i.pointer(pointer).unwrap().as_str().unwrap().to_string())
        .collect()
}

fn reasons_of(report: &Value, token: &str) -> Vec<String> {
    let t = report["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token"]["name"] == token)
        .unwrap_or_else(|| panic!("{token} is not listed"));
    names(&t["reasons"], "")
}

async fn stale_lists_what_needs_a_look_and_why(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let busy = ada.create_account("busy", "viewer").await;
    let dusty = ada.create_account("dusty", "viewer").await;
    let _unused = ada.create_account("unused", "viewer").await;
    let off = ada.create_account("off", "viewer").await;

    let (_, fresh) = token(&ada, &busy, "fresh", json!({"expires_in_days": 60})).await;
    let (_, forever) = token(&ada, &busy, "forever", json!({"never_expires": true})).await;
    let (_, soon) = token(&ada, &busy, "soon", json!({"expires_in_days": 3})).await;
    let (old_id, old) = token(&ada, &dusty, "old", json!({"expires_in_days": 60})).await;
    let (gone_id, _) = token(&ada, &dusty, "gone", json!({"expires_in_days": 60})).await;
    let (lapsed_id, _) = token(&ada, &dusty, "lapsed", json!({"expires_in_days": 60})).await;
    token(&ada, &off, "suspended", json!({"expires_in_days": 60})).await;
    for secret in [&fresh, &forever, &soon, &old] {
        let r = app
            .script(secret)
            .post("/api/v1/auth/whoami", json!({}))
            .await;
        r.assert_status(StatusCode::OK);
    }
    app.state.usage.flush(&app.state.db).await;
    // `old` and its account were last used 40 days ago; `lapsed` expired an hour ago.
    let forty_days_ago = app::services::clock::now_ms() - 40 * DAY_MS;
    app.execute(&format!(
        "UPDATE tokens SET last_used_at = {forty_days_ago} WHERE id = '{old_id}'"
    ))
    .await;
    app.execute(&format!(
        "UPDATE service_accounts SET last_used_at = {forty_days_ago} WHERE id = '{dusty}'"
    ))
    .await;
    let an_hour_ago = app::services::clock::now_ms() - 3_600_000;
    app.execute(&format!(
        "UPDATE tokens SET expires_at = {an_hour_ago} WHERE id = '{lapsed_id}'"
    ))
    .await;
    ada.post("/api/v1/tokens/revoke", json!({"id": gone_id}))
        .await;
    let r = ada
        .post("/api/v1/service-accounts/disable", json!({"id": off}))
        .await;
    r.assert_status(StatusCode::OK);

    let r = ada.post("/api/v1/service-accounts/stale", json!({})).await;
    r.assert_status(StatusCode::OK);
    let report = &r.body;
    assert_eq!(report["unused_days"], 30);
    assert_eq!(report["truncated"], false);
    // Never used first, then the longest unused; busy was used just now, off is disabled.
    assert_eq!(names(&report["accounts"], "/name"), ["unused", "dusty"]);
    assert_eq!(
        names(&report["accounts"], "/reason"),
        ["never_used", "unused"]
    );
    assert_eq!(reasons_of(report, "old"), ["unused"]);
    assert_eq!(reasons_of(report, "forever"), ["never_expires"]);
    assert_eq!(reasons_of(report, "soon"), ["expires_soon"]);
    let listed = names(&report["tokens"], "/token/name");
    for absent in ["fresh", "gone", "lapsed", "suspended"] {
        assert!(
            !listed.contains(&absent.to_string()),
            "{absent} listed: {listed:?}"
        );
    }
    let old_row = report["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token"]["name"] == "old")
        .unwrap();
    assert_eq!(
        old_row["service_account"],
        json!({"id": dusty, "name": "dusty"})
    );

    // A wider window lets the 40-day-old token through; a bad one names the field.
    let r = ada
        .post("/api/v1/service-accounts/stale", json!({"unused_days": 60}))
        .await;
    assert!(!names(&r.body["tokens"], "/token/name").contains(&"old".to_string()));
    assert_eq!(names(&r.body["accounts"], "/name"), ["unused"]);
    let r = ada
        .post("/api/v1/service-accounts/stale", json!({"unused_days": 0}))
        .await;
    r.assert_field(StatusCode::UNPROCESSABLE_ENTITY, "unused_days");
}

async fn stale_is_per_organization_and_read_only_for_viewers(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    app.admin("globex", "hank@globex.test").await;
    let hank = app.signed_in("hank@globex.test").await;
    let acme_sa = ada.create_account("acme-bot", "viewer").await;
    let (acme_token, _) = token(&ada, &acme_sa, "forever", json!({"never_expires": true})).await;
    hank.create_account("globex-bot", "viewer").await;

    let r = hank.post("/api/v1/service-accounts/stale", json!({})).await;
    assert_eq!(names(&r.body["accounts"], "/name"), ["globex-bot"]);
    assert!(r.body["tokens"].as_array().unwrap().is_empty());
    // Nor can globex act on what acme's view lists.
    let r = hank
        .post("/api/v1/tokens/revoke", json!({"id": acme_token}))
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found");

    app.member("ada@acme.test", "vera@acme.test", "viewer")
        .await;
    let vera = app.signed_in("vera@acme.test").await;
    let r = vera.post("/api/v1/service-accounts/stale", json!({})).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(names(&r.body["tokens"], "/token/name"), ["forever"]);
    let r = vera
        .post("/api/v1/tokens/revoke", json!({"id": acme_token}))
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let r = vera
        .post("/api/v1/service-accounts/disable", json!({"id": acme_sa}))
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
}

/// A token without allowed networks used from two networks is listed with those two as the
/// suggestion; one used from more than 16 addresses, or one that already has networks, is not;
/// and applying the suggestion takes it off the list.
async fn tokens_used_from_a_few_networks_get_a_suggested_allow_list(b: Backend) {
    let behind_a_proxy = Settings {
        trusted_proxies: "127.0.0.1",
        ..Settings::default()
    };
    let (app, ada) = TestApp::acme_with(b, behind_a_proxy).await;
    let ci = ada.create_account("ci", "viewer").await;
    let (office_id, office) = ada.create_token(&ci, "office", &["read"]).await;
    let (_, roaming) = ada.create_token(&ci, "roaming", &["read"]).await;
    let (guarded_id, _) = ada.create_token(&ci, "guarded", &["read"]).await;
    ada.post(
        "/api/v1/tokens/update-guards",
        json!({"id": guarded_id, "guards": {"allowed_networks": ["10.0.0.0/8"]}}),
    )
    .await
    .assert_status(StatusCode::OK);
    let from =
        |secret: &str, address: String| app.script(secret).with_header("x-forwarded-for", &address);
    for address in [
        "203.0.113.7",
        "203.0.113.9",
        "203.0.113.9",
        "2001:db8:1:2::5",
    ] {
        from(&office, address.to_string())
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .assert_status(StatusCode::OK);
    }
    for i in 0..20 {
        from(&roaming, format!("198.51.{i}.1"))
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .assert_status(StatusCode::OK);
    }
    app.state.usage.flush(&app.state.db).await;

    let report = ada.post("/api/v1/service-accounts/stale", json!({})).await;
    report.assert_status(StatusCode::OK);
    let unguarded = report.body["unguarded"].as_array().unwrap();
    assert_eq!(
        names(&report.body["unguarded"], "/token/name"),
        ["office"],
        "{unguarded:?}"
    );
    assert_eq!(
        unguarded[0]["networks"],
        json!([
            {"network": "203.0.113.0/24", "requests": 3},
            {"network": "2001:db8:1:2::/64", "requests": 1},
        ])
    );

    ada.post(
        "/api/v1/tokens/update-guards",
        json!({"id": office_id, "guards": {"allowed_networks": ["203.0.113.0/24", "2001:db8:1:2::/64"]}}),
    )
    .await
    .assert_status(StatusCode::OK);
    let report = ada.post("/api/v1/service-accounts/stale", json!({})).await;
    assert_eq!(report.body["unguarded"], json!([]));
}

/// An account that has exchanged identity tokens for 30 days gets its static tokens suggested
/// for revocation once nothing has used them since its first exchange; a token still in use,
/// an exchanged token, and an account keyless for only ten days are left alone.
async fn static_tokens_that_keyless_exchanges_replaced_are_suggested(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let now = app::services::clock::now_ms();
    let keyless = ada.create_account("deployer", "editor").await;
    let recent = ada.create_account("builder", "editor").await;
    let (idle, _) = ada.create_token(&keyless, "old-static", &["read"]).await;
    let (busy, _) = ada.create_token(&keyless, "still-used", &["read"]).await;
    let (young, _) = ada.create_token(&recent, "static", &["read"]).await;
    for account in [&keyless, &recent] {
        ada.post(
            "/api/v1/service-accounts/trust/add",
            json!({"service_account_id": account, "issuer": "https://token.actions.githubusercontent.com",
                   "audience": "https://steward.acme.test",
                   "conditions": [{"claim": "repository", "value": "acme/api"}]}),
        )
        .await
        .assert_status(StatusCode::OK);
    }
    // Forty days of exchanges for one account, ten for the other, the last one yesterday.
    for (account, days) in [(&keyless, 40), (&recent, 10)] {
        app.execute(&format!(
            "UPDATE trust_policies SET first_exchange_at = {}, last_exchange_at = {} \
             WHERE service_account_id = '{account}'",
            now - days * DAY_MS,
            now - DAY_MS
        ))
        .await;
    }
    // Last used before the first exchange; used since; never used.
    app.execute(&format!(
        "UPDATE tokens SET last_used_at = {} WHERE id = '{idle}'",
        now - 45 * DAY_MS
    ))
    .await;
    app.execute(&format!(
        "UPDATE tokens SET last_used_at = {} WHERE id = '{busy}'",
        now - 2 * DAY_MS
    ))
    .await;
    app.execute(&format!(
        "UPDATE tokens SET last_used_at = {} WHERE id = '{young}'",
        now - 45 * DAY_MS
    ))
    .await;

    let r = ada.post("/api/v1/service-accounts/stale", json!({})).await;
    r.assert_status(StatusCode::OK);
    let listed = r.body["replaced_by_keyless"].as_array().unwrap();
    let ids: Vec<&str> = listed
        .iter()
        .map(|t| t["token"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![idle.as_str()], "{}", r.text);
    assert_eq!(listed[0]["service_account"]["name"], "deployer");
    assert!(listed[0]["keyless_since"].is_string(), "{}", r.text);

    // Once the account stops exchanging (nothing for over 30 days), nothing is suggested.
    app.execute(&format!(
        "UPDATE trust_policies SET last_exchange_at = {} WHERE service_account_id = '{keyless}'",
        now - 31 * DAY_MS
    ))
    .await;
    let r = ada.post("/api/v1/service-accounts/stale", json!({})).await;
    assert_eq!(r.body["replaced_by_keyless"], json!([]), "{}", r.text);
}
