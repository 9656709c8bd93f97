//! Keyless automation: identity tokens exchanged at `POST /oauth/token` (RFC 8693) for
//! short-lived tokens, against a real OpenID Connect issuer the test starts over https on
//! loopback (`test_issuer.rs`), and with an RFC 8693 client Steward did not write (Authlib).

use crate::common::{self, Backend, Client, Reply, Settings, TestApp};
use crate::test_issuer::{now, TestIssuer};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    github_actions_claims_buy_a_short_lived_token_that_works_and_is_marked,
    gitlab_and_kubernetes_template_claims_are_accepted,
    each_bad_identity_token_is_refused_without_saying_why,
    an_identity_token_is_exchanged_once_even_across_replicas,
    exchanges_arriving_together_each_get_their_own_answer,
    an_unknown_kid_refetches_the_keys_at_most_once_a_minute,
    a_rotated_key_is_picked_up_and_a_retired_one_refused,
    an_issuer_inside_the_network_needs_the_operators_allowance,
    an_issuer_that_is_down_fails_closed_and_verification_goes_on,
    another_organizations_policy_and_a_disabled_account_give_nothing,
    removing_a_policy_revokes_what_it_issued,
    policies_never_mint_above_their_creator,
    malformed_requests_get_rfc_6749_errors,
    an_address_whose_identity_tokens_keep_being_refused_is_held_back,
    authlib_exchanges_a_token_as_rfc_8693_describes,
    housekeeping_forgets_expired_exchanges_and_keeps_static_tokens,
);

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const AUDIENCE: &str = "https://steward.acme.test";

struct Setup {
    app: TestApp,
    ada: Client,
    issuer: TestIssuer,
    account: String,
}

async fn setup(b: Backend) -> Setup {
    let issuer = TestIssuer::start().await;
    let settings = Settings::loopback_issuer(&issuer.ca_pem);
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let account = ada.create_account("deployer", "editor").await;
    Setup {
        app,
        ada,
        issuer,
        account,
    }
}

/// `setup`, with a policy trusting the issuer's tokens from the repository acme/api.
async fn setup_trusting_acme_api(b: Backend) -> Setup {
    let s = setup(b).await;
    trust(&s.ada, &s.account, &s.issuer.url, acme_api()).await;
    s
}

/// GitHub's condition for one repository, acme/api.
fn acme_api() -> Value {
    json!([{"claim": "repository", "value": "acme/api"}])
}

/// Adds a policy trusting `issuer` for `AUDIENCE` with `conditions`; its id.
async fn trust(ada: &Client, account: &str, issuer: &str, conditions: Value) -> String {
    let r = ada
        .post(
            "/api/v1/service-accounts/trust/add",
            json!({"service_account_id": account, "issuer": issuer, "audience": AUDIENCE,
                   "conditions": conditions}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.body["trust_policy"]["id"].as_str().unwrap().to_string()
}

/// The GitHub Actions template's conditions, as the templates operation lists them.
async fn template(ada: &Client, id: &str) -> (Option<String>, Value) {
    let r = ada
        .post("/api/v1/service-accounts/trust/templates", json!({}))
        .await;
    r.assert_status(StatusCode::OK);
    let t = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
        .clone();
    (
        t["issuer"].as_str().map(str::to_string),
        t["conditions"].clone(),
    )
}

/// A form post to `/oauth/token`, checked against the OpenAPI document like every answer.
async fn post_form(app: &TestApp, form: &[(&str, &str)]) -> Reply {
    post_form_from(app, None, form).await
}

/// `post_form`, from the address a trusted proxy reports (`x-forwarded-for`), if given.
async fn post_form_from(app: &TestApp, from: Option<&str>, form: &[(&str, &str)]) -> Reply {
    let mut req = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .form(form);
    if let Some(address) = from {
        req = req.header("x-forwarded-for", address);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    crate::documented::check("post", "/oauth/token", status.as_u16(), &body, &text);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

async fn exchange(app: &TestApp, account: &str, jwt: &str) -> Reply {
    exchange_from(app, None, account, jwt).await
}

async fn exchange_from(app: &TestApp, from: Option<&str>, account: &str, jwt: &str) -> Reply {
    post_form_from(
        app,
        from,
        &[
            ("grant_type", GRANT),
            ("subject_token", jwt),
            ("subject_token_type", JWT),
            ("audience", account),
        ],
    )
    .await
}

fn github_claims() -> Value {
    json!({"sub": "repo:acme/api:environment:production", "repository": "acme/api",
           "repository_owner": "acme", "ref": "refs/heads/main", "environment": "production",
           "run_id": "4242", "workflow": "deploy"})
}

fn assert_invalid_grant(r: &Reply, case: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{case}: {}", r.text);
    assert_eq!(r.body["error"], "invalid_grant", "{case}: {}", r.text);
    // Never which check failed.
    assert_eq!(
        r.body["error_description"], "The subject token is not accepted for this service account.",
        "{case}"
    );
}

async fn github_actions_claims_buy_a_short_lived_token_that_works_and_is_marked(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account,
    } = setup(b).await;
    let (fixed_issuer, conditions) = template(&ada, "github-actions").await;
    assert_eq!(
        fixed_issuer.as_deref(),
        Some("https://token.actions.githubusercontent.com")
    );
    // The template's claims, with the test's issuer standing in for GitHub's.
    trust(&ada, &account, &issuer.url, conditions).await;
    let jwt = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, github_claims()));
    let r = exchange(&app, &account, &jwt).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(
        r.body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(r.body["expires_in"], 900);
    assert_eq!(r.body["scope"], "read write");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let secret = r.body["access_token"].as_str().unwrap();
    assert!(secret.starts_with("stw_"));

    // A first-class token: it authenticates as the account, within its ceiling.
    let me = app
        .script(secret)
        .post("/api/v1/auth/whoami", json!({}))
        .await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["principal"]["name"], "deployer", "{}", me.text);

    // The account's tokens show where it came from and what matched.
    let list = ada
        .post(
            "/api/v1/tokens/list",
            json!({"service_account_id": account}),
        )
        .await;
    let tokens = list.body["items"].as_array().unwrap();
    let exchanged = tokens
        .iter()
        .find(|t| t["exchanged_from"] == issuer.url.as_str())
        .expect("the exchanged token is listed");
    assert_eq!(exchanged["exchanged_claims"]["repository"], "acme/api");
    assert_eq!(exchanged["exchanged_claims"]["ref"], "refs/heads/main");
    let expires = exchanged["expires_at"].as_str().unwrap();
    assert!(expires > exchanged["created_at"].as_str().unwrap());

    // And the audit log has the exchange, with the job's identifying claims in its details.
    let audit = ada
        .post("/api/v1/audit/list", json!({"action": "token.exchange"}))
        .await;
    assert_eq!(
        audit.body["items"][0]["outcome"], "success",
        "{}",
        audit.text
    );
    let details = app
        .texts("SELECT details FROM audit_events WHERE action = 'token.exchange'")
        .await;
    assert!(details[0].contains("\"run_id\":\"4242\""), "{details:?}");
    assert!(details[0].contains("repo:acme/api:environment:production"));

    // The policy says when it was last used, and lists the exchange with what matched.
    let policies = ada
        .post(
            "/api/v1/service-accounts/trust/list",
            json!({"service_account_id": account}),
        )
        .await;
    let policy = &policies.body["items"][0];
    assert!(policy["last_exchange_at"].is_string());
    let recent = policy["recent_exchanges"].as_array().unwrap();
    assert_eq!(recent.len(), 1, "{}", policies.text);
    assert_eq!(recent[0]["token_id"], exchanged["id"]);
    assert_eq!(recent[0]["claims"]["repository"], "acme/api");
    assert_eq!(recent[0]["expires_at"], exchanged["expires_at"]);
    assert_eq!(recent[0]["revoked"], false);
}

async fn gitlab_and_kubernetes_template_claims_are_accepted(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account,
    } = setup(b).await;
    let (gitlab_issuer, gitlab) = template(&ada, "gitlab-ci").await;
    assert_eq!(gitlab_issuer.as_deref(), Some("https://gitlab.com"));
    trust(&ada, &account, &issuer.url, gitlab).await;
    let claims = json!({"sub": "project_path:acme/api:ref_type:branch:ref:main",
                        "project_path": "acme/api", "ref": "main", "ref_protected": "true",
                        "pipeline_id": "77"});
    let jwt = TestIssuer::sign(&issuer.ec, &issuer.claims(AUDIENCE, claims));
    exchange(&app, &account, &jwt)
        .await
        .assert_status(StatusCode::OK);

    let (k8s_issuer, k8s) = template(&ada, "kubernetes").await;
    assert_eq!(k8s_issuer, None);
    let other = ada.create_account("in-cluster", "viewer").await;
    trust(&ada, &other, &issuer.url, k8s).await;
    let claims = json!({"sub": "system:serviceaccount:ci:deployer",
                        "kubernetes.io": {"namespace": "ci"}});
    let jwt = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, claims));
    // An OpenID Connect ID token says so as its type.
    let r = post_form(
        &app,
        &[
            ("grant_type", GRANT),
            ("subject_token", &jwt),
            ("subject_token_type", ID_TOKEN),
            ("audience", &other),
            ("scope", "read"),
        ],
    )
    .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["scope"], "read");
}

async fn each_bad_identity_token_is_refused_without_saying_why(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account,
    } = setup(b).await;
    trust(
        &ada,
        &account,
        &issuer.url,
        json!([{"claim": "repository", "value": "acme/api"},
               {"claim": "ref", "value": "refs/heads/release-*", "match": "glob"}]),
    )
    .await;
    let good = json!({"repository": "acme/api", "ref": "refs/heads/release-2"});
    let with = |extra: Value| {
        let mut c = issuer.claims(AUDIENCE, good.clone());
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let t = now();
    let rsa_public_pem = {
        use rsa::pkcs1::EncodeRsaPublicKey;
        let jwk = &issuer.rsa.jwk;
        let n = rsa::BigUint::from_bytes_be(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                jwk["n"].as_str().unwrap(),
            )
            .unwrap(),
        );
        let e = rsa::BigUint::from(65_537u32);
        rsa::RsaPublicKey::new(n, e)
            .unwrap()
            .to_pkcs1_pem(Default::default())
            .unwrap()
    };
    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(with(json!({})).to_string())
        )
    };
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some("rsa-1".into());
    let hs256 = encode(
        &hs_header,
        &with(json!({})),
        &EncodingKey::from_secret(rsa_public_pem.as_bytes()),
    )
    .unwrap();
    let cases: Vec<(&str, String)> = vec![
        (
            "wrong issuer",
            TestIssuer::sign(&issuer.rsa, &with(json!({"iss": "https://127.0.0.1:1"}))),
        ),
        (
            "wrong audience",
            TestIssuer::sign(&issuer.rsa, &with(json!({"aud": "https://elsewhere.test"}))),
        ),
        (
            "expired",
            TestIssuer::sign(
                &issuer.ec,
                &with(json!({"iat": t - 900, "nbf": t - 900, "exp": t - 600})),
            ),
        ),
        (
            "not yet valid",
            TestIssuer::sign(&issuer.ec, &with(json!({"nbf": t + 600, "exp": t + 900}))),
        ),
        (
            "issued in the future",
            TestIssuer::sign(&issuer.ec, &with(json!({"iat": t + 600}))),
        ),
        (
            "a claim that does not match",
            TestIssuer::sign(&issuer.rsa, &with(json!({"ref": "refs/heads/main"}))),
        ),
        (
            "an exact value is not a prefix",
            TestIssuer::sign(&issuer.rsa, &with(json!({"repository": "acme/api-evil"}))),
        ),
        (
            "a glob's star stays in its segment",
            TestIssuer::sign(
                &issuer.rsa,
                &with(json!({"ref": "refs/heads/release-2/evil"})),
            ),
        ),
        ("alg none", unsigned),
        ("HS256 signed with the public key", hs256),
        (
            "a key the issuer does not publish",
            TestIssuer::sign(&issuer.unpublished, &with(json!({}))),
        ),
        ("a signature of another key under a published kid", {
            let mut header = Header::new(Algorithm::ES256);
            header.kid = Some("ec-1".into());
            encode(&header, &with(json!({})), &issuer.unpublished.encoding).unwrap()
        }),
        ("not a JWT", "not-a-jwt".to_string()),
    ];
    for (case, jwt) in &cases {
        assert_invalid_grant(&exchange(&app, &account, jwt).await, case);
    }
    // The good one still works, so each refusal above was for its own reason.
    let jwt = TestIssuer::sign(&issuer.rsa, &with(json!({})));
    exchange(&app, &account, &jwt)
        .await
        .assert_status(StatusCode::OK);
    // The audit log holds the reasons the caller was not told.
    let reasons = app
        .texts("SELECT details FROM audit_events WHERE action = 'token.exchange' AND outcome = 'failure'")
        .await
        .join("\n");
    assert!(
        reasons.contains("the claim 'ref' does not match"),
        "{reasons}"
    );
    assert!(
        reasons.contains("the claim 'repository' does not match"),
        "{reasons}"
    );
    assert!(reasons.contains("the audience does not match"), "{reasons}");
    assert!(
        reasons.contains("no key of the issuer has this kid"),
        "{reasons}"
    );
}

/// An account that trusts acme/api's tokens, and a second replica on the same database: the
/// first replica, the second, the issuer, and the account.
async fn setup_with_replica(b: Backend) -> (TestApp, TestApp, TestIssuer, String) {
    let setup = setup_trusting_acme_api(b).await;
    let settings = Settings::loopback_issuer(&setup.issuer.ca_pem);
    let replica = TestApp::spawn_on_with(&setup.app.db_url, settings).await;
    (setup.app, replica, setup.issuer, setup.account)
}

async fn an_identity_token_is_exchanged_once_even_across_replicas(b: Backend) {
    let (app, replica, issuer, account) = setup_with_replica(b).await;
    let jwt = TestIssuer::sign(&issuer.ec, &issuer.claims(AUDIENCE, github_claims()));
    exchange(&app, &account, &jwt)
        .await
        .assert_status(StatusCode::OK);
    assert_invalid_grant(
        &exchange(&app, &account, &jwt).await,
        "replay on the same replica",
    );
    assert_invalid_grant(
        &exchange(&replica, &account, &jwt).await,
        "replay on another replica",
    );
    // A token without a jti is known by its hash.
    let mut claims = issuer.claims(AUDIENCE, github_claims());
    claims.as_object_mut().unwrap().remove("jti");
    let jwt = TestIssuer::sign(&issuer.rsa, &claims);
    exchange(&replica, &account, &jwt)
        .await
        .assert_status(StatusCode::OK);
    assert_invalid_grant(
        &exchange(&app, &account, &jwt).await,
        "replay without a jti",
    );
}

/// Exchanges at the same moment are written together (one transaction for many): each still
/// gets its own token, and an identity token presented several times at once, on two
/// replicas, buys exactly one.
async fn exchanges_arriving_together_each_get_their_own_answer(b: Backend) {
    let (app, replica, issuer, account) = setup_with_replica(b).await;
    let sign = || TestIssuer::sign(&issuer.ec, &issuer.claims(AUDIENCE, github_claims()));
    let replayed = sign();
    let mut jobs: Vec<(&TestApp, String)> = (0..12)
        .map(|i| (if i % 2 == 0 { &app } else { &replica }, sign()))
        .collect();
    for i in 0..4 {
        jobs.push((if i % 2 == 0 { &replica } else { &app }, replayed.clone()));
    }
    let replies =
        futures::future::join_all(jobs.iter().map(|(at, jwt)| exchange(at, &account, jwt))).await;
    let mut secrets = std::collections::HashSet::new();
    for r in &replies[..12] {
        r.assert_status(StatusCode::OK);
        let secret = r.body["access_token"].as_str().unwrap();
        assert!(secrets.insert(secret.to_string()), "each job its own token");
        app.script(secret)
            .post("/api/v1/auth/whoami", json!({}))
            .await
            .assert_status(StatusCode::OK);
    }
    let granted: Vec<_> = replies[12..]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(granted.len(), 1, "one identity token buys one token");
    for r in replies[12..].iter().filter(|r| r.status != StatusCode::OK) {
        assert_invalid_grant(r, "the same identity token at the same moment");
    }
    let outcomes = app
        .texts("SELECT outcome FROM audit_events WHERE action = 'token.exchange' ORDER BY outcome")
        .await;
    let successes = outcomes.iter().filter(|o| *o == "success").count();
    assert_eq!(successes, 13, "{outcomes:?}");
    assert_eq!(outcomes.len(), 16, "each refused replay is audited too");
    let tokens = app
        .texts("SELECT id FROM tokens WHERE trust_policy_id IS NOT NULL")
        .await;
    assert_eq!(tokens.len(), 13);
}

async fn an_unknown_kid_refetches_the_keys_at_most_once_a_minute(b: Backend) {
    let Setup {
        app,
        issuer,
        account,
        ..
    } = setup_trusting_acme_api(b).await;
    let claims = || issuer.claims(AUDIENCE, github_claims());
    exchange(&app, &account, &TestIssuer::sign(&issuer.rsa, &claims()))
        .await
        .assert_status(StatusCode::OK);
    exchange(&app, &account, &TestIssuer::sign(&issuer.ec, &claims()))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(issuer.jwks_fetches(), 1, "the keys are cached");
    for _ in 0..3 {
        let unknown = TestIssuer::sign(&issuer.unpublished, &claims());
        assert_invalid_grant(&exchange(&app, &account, &unknown).await, "unknown kid");
    }
    assert_eq!(
        issuer.jwks_fetches(),
        1,
        "made-up kids do not make Steward fetch the keys again within a minute"
    );
}

/// The issuer rotates: it publishes a new key and retires an old one. Within the minute after
/// the last fetch the new `kid` is refused without a fetch (the floor that protects the issuer
/// from made-up kids); once the minute is over, the first token signed with it makes one
/// fetch and is accepted, and the retired key no longer is.
async fn a_rotated_key_is_picked_up_and_a_retired_one_refused(b: Backend) {
    let Setup {
        app,
        issuer,
        account,
        ..
    } = setup_trusting_acme_api(b).await;
    let claims = || issuer.claims(AUDIENCE, github_claims());
    exchange(&app, &account, &TestIssuer::sign(&issuer.rsa, &claims()))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(issuer.jwks_fetches(), 1);

    let rotated_in = TestIssuer::new_key("ec-2");
    issuer.publish(&[&issuer.ec, &rotated_in]);
    let with_new_key = || TestIssuer::sign(&rotated_in, &claims());
    assert_invalid_grant(
        &exchange(&app, &account, &with_new_key()).await,
        "a new kid within the minute",
    );
    assert_eq!(issuer.jwks_fetches(), 1, "no fetch within the minute");

    app.state
        .issuer_keys
        .backdate(&issuer.url, std::time::Duration::from_secs(61));
    exchange(&app, &account, &with_new_key())
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(issuer.jwks_fetches(), 2, "one fetch picked up the rotation");
    exchange(&app, &account, &TestIssuer::sign(&issuer.ec, &claims()))
        .await
        .assert_status(StatusCode::OK);
    assert_invalid_grant(
        &exchange(&app, &account, &TestIssuer::sign(&issuer.rsa, &claims())).await,
        "a retired key",
    );
    assert_eq!(
        issuer.jwks_fetches(),
        2,
        "a retired kid makes no fetch within the minute"
    );
}

/// An issuer inside the network is contacted only when the operator allows its range: without
/// `STEWARD_OIDC_ALLOW_NETWORKS`, whoever may add a trust policy cannot make the server probe
/// its own network; the exchange fails closed and the issuer never hears from Steward.
async fn an_issuer_inside_the_network_needs_the_operators_allowance(b: Backend) {
    let issuer = TestIssuer::start().await;
    let settings = Settings {
        oidc_ca_pem: Some(issuer.ca_pem.clone()),
        ..Settings::default()
    };
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let account = ada.create_account("deployer", "editor").await;
    trust(&ada, &account, &issuer.url, acme_api()).await;
    let jwt = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, github_claims()));
    let r = exchange(&app, &account, &jwt).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.body["error"], "temporarily_unavailable");
    assert_eq!(issuer.discovery_fetches() + issuer.jwks_fetches(), 0);
}

async fn an_issuer_that_is_down_fails_closed_and_verification_goes_on(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account,
    } = setup(b).await;
    // An address nothing listens on.
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("https://{}", l.local_addr().unwrap())
    };
    trust(&ada, &account, &gone, acme_api()).await;
    let mut claims = issuer.claims(AUDIENCE, github_claims());
    claims["iss"] = json!(gone);
    let jwt = TestIssuer::sign(&issuer.rsa, &claims);
    let started = std::time::Instant::now();
    let r = exchange(&app, &account, &jwt).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.body["error"], "temporarily_unavailable");
    assert!(r.header("retry-after").is_some());
    assert!(started.elapsed() < std::time::Duration::from_secs(6));
    // Nothing else depends on an issuer: static tokens verify as ever.
    let (_, secret) = ada.create_token(&account, "static", &["read"]).await;
    assert_eq!(app.whoami_status(&secret).await, StatusCode::OK);
    let verify = app.script(&secret).get("/auth/verify").await;
    verify.assert_status(StatusCode::OK);
}

async fn another_organizations_policy_and_a_disabled_account_give_nothing(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account,
    } = setup(b).await;
    // Globex trusts the job; Acme's account does not.
    let gus = app.globex().await;
    let theirs = gus.create_account("deployer", "admin").await;
    trust(&gus, &theirs, &issuer.url, acme_api()).await;
    let jwt = || TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, github_claims()));
    assert_invalid_grant(
        &exchange(&app, &account, &jwt()).await,
        "another organization's policy",
    );
    // Acme cannot see or remove Globex's policy either.
    ada.post(
        "/api/v1/service-accounts/trust/list",
        json!({"service_account_id": theirs}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");

    trust(&ada, &account, &issuer.url, acme_api()).await;
    ada.post(
        "/api/v1/service-accounts/disable",
        json!({"id": account, "revoke_tokens": false}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_invalid_grant(
        &exchange(&app, &account, &jwt()).await,
        "a disabled account",
    );
    assert_invalid_grant(
        &exchange(&app, "sa_doesnotexist", &jwt()).await,
        "an unknown account",
    );
}

async fn removing_a_policy_revokes_what_it_issued(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account,
    } = setup(b).await;
    let policy = trust(&ada, &account, &issuer.url, acme_api()).await;
    let jwt = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, github_claims()));
    let r = exchange(&app, &account, &jwt).await;
    let secret = r.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.whoami_status(&secret).await, StatusCode::OK);
    let removed = ada
        .post(
            "/api/v1/service-accounts/trust/remove",
            json!({"id": policy}),
        )
        .await;
    removed.assert_status(StatusCode::OK);
    assert_eq!(removed.body["revoked"], 1);
    assert_eq!(app.whoami_status(&secret).await, StatusCode::UNAUTHORIZED);
    let list = ada
        .post(
            "/api/v1/service-accounts/trust/list",
            json!({"service_account_id": account}),
        )
        .await;
    assert_eq!(list.body["items"], json!([]));
    let jwt = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, github_claims()));
    assert_invalid_grant(&exchange(&app, &account, &jwt).await, "after removal");
    ada.post(
        "/api/v1/service-accounts/trust/remove",
        json!({"id": policy}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
}

async fn policies_never_mint_above_their_creator(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account: _,
    } = setup(b).await;
    app.member("ada@acme.test", "ed@acme.test", "editor").await;
    let ed = app.signed_in("ed@acme.test").await;
    let root = ada.create_account("root-bot", "admin").await;
    let conditions = acme_api();
    ed.post(
        "/api/v1/service-accounts/trust/add",
        json!({"service_account_id": root, "issuer": issuer.url, "audience": AUDIENCE, "conditions": conditions}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // A policy issues tokens for as long as it exists: a token that expires may not add one.
    let (_, expiring) = ada
        .create_token(&root, "thirty-days", &["read", "write"])
        .await;
    let r = app
        .script(&expiring)
        .post(
            "/api/v1/service-accounts/trust/add",
            json!({"service_account_id": root, "issuer": issuer.url, "audience": AUDIENCE, "conditions": conditions}),
        )
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert!(r.text.contains("cannot add a trust policy"), "{}", r.text);
    // Bad input names its field.
    for (field, body) in [
        ("issuer", json!({"issuer": "http://plain.example"})),
        ("audience", json!({"audience": "  "})),
        ("conditions", json!({"conditions": []})),
        (
            "conditions",
            json!({"conditions": [{"claim": "aud", "value": "x"}]}),
        ),
        (
            "conditions",
            json!({"conditions": [{"claim": "repository", "value": "*/*", "match": "glob"}]}),
        ),
        ("lifetime_seconds", json!({"lifetime_seconds": 43_201})),
    ] {
        let mut full = json!({"service_account_id": root, "issuer": issuer.url, "audience": AUDIENCE,
                              "conditions": conditions});
        for (k, v) in body.as_object().unwrap() {
            full[k] = v.clone();
        }
        ada.post("/api/v1/service-accounts/trust/add", full)
            .await
            .assert_field(StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    // A narrowed, read-only policy issues read-only tokens of that lifetime.
    let r = ada
        .post(
            "/api/v1/service-accounts/trust/add",
            json!({"service_account_id": root, "issuer": issuer.url, "audience": AUDIENCE,
                   "conditions": conditions, "scopes": ["read"], "lifetime_seconds": 120}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let jwt = TestIssuer::sign(&issuer.ec, &issuer.claims(AUDIENCE, github_claims()));
    let r = exchange(&app, &root, &jwt).await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["expires_in"], 120);
    assert_eq!(r.body["scope"], "read");
    let secret = r.body["access_token"].as_str().unwrap();
    app.script(secret)
        .post(
            "/api/v1/service-accounts/create",
            json!({"name": "nope", "role": "viewer"}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // Asking for more than the policy gives.
    let jwt = TestIssuer::sign(&issuer.ec, &issuer.claims(AUDIENCE, github_claims()));
    let r = post_form(
        &app,
        &[
            ("grant_type", GRANT),
            ("subject_token", &jwt),
            ("subject_token_type", JWT),
            ("audience", &root),
            ("scope", "read write"),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_scope", "{}", r.text);
}

/// A case of a malformed request: what it is, the form it sends, the error it must get.
type Malformed<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

async fn malformed_requests_get_rfc_6749_errors(b: Backend) {
    let Setup { app, account, .. } = setup(b).await;
    let cases: Vec<Malformed> = vec![
        (
            "no grant type",
            vec![("subject_token", "x")],
            "invalid_request",
        ),
        (
            "another grant type",
            vec![("grant_type", "client_credentials")],
            "unsupported_grant_type",
        ),
        (
            "no subject token",
            vec![
                ("grant_type", GRANT),
                ("subject_token_type", JWT),
                ("audience", &account),
            ],
            "invalid_request",
        ),
        (
            "a token type that is not a JWT",
            vec![
                ("grant_type", GRANT),
                ("subject_token", "x"),
                (
                    "subject_token_type",
                    "urn:ietf:params:oauth:token-type:saml2",
                ),
                ("audience", &account),
            ],
            "invalid_request",
        ),
        (
            "no audience",
            vec![
                ("grant_type", GRANT),
                ("subject_token", "x"),
                ("subject_token_type", JWT),
            ],
            "invalid_request",
        ),
        (
            "a parameter twice",
            vec![
                ("grant_type", GRANT),
                ("grant_type", GRANT),
                ("subject_token", "x"),
                ("subject_token_type", JWT),
                ("audience", &account),
            ],
            "invalid_request",
        ),
        (
            "delegation",
            vec![
                ("grant_type", GRANT),
                ("subject_token", "x"),
                ("subject_token_type", JWT),
                ("audience", &account),
                ("actor_token", "y"),
            ],
            "invalid_request",
        ),
    ];
    for (case, form, error) in cases {
        let r = post_form(&app, &form).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{case}: {}", r.text);
        assert_eq!(r.body["error"], error, "{case}: {}", r.text);
    }
    // JSON is not the token endpoint's encoding.
    let r = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .json(&json!({"grant_type": GRANT}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// An identity token that names an account and is refused costs an audit record, so one
/// address may cause 30 at once; after that it is answered 429 before anything is looked at
/// (RFC 6749's shape, with `Retry-After`), even for a good token, while other addresses go on.
async fn an_address_whose_identity_tokens_keep_being_refused_is_held_back(b: Backend) {
    let issuer = TestIssuer::start().await;
    let settings = Settings {
        trusted_proxies: "127.0.0.1",
        ..Settings::loopback_issuer(&issuer.ca_pem)
    };
    let (app, ada) = TestApp::acme_with(b, settings).await;
    let account = ada.create_account("deployer", "editor").await;
    trust(&ada, &account, &issuer.url, acme_api()).await;
    let prober = Some("203.0.113.7");
    // Malformed requests cost nothing and are not counted.
    for _ in 0..40 {
        let r = post_form_from(&app, prober, &[("grant_type", GRANT)]).await;
        assert_eq!(r.body["error"], "invalid_request", "{}", r.text);
    }
    for n in 0..30 {
        let claims = json!({"repository": "acme/web", "run_id": n.to_string()});
        let jwt = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, claims));
        assert_invalid_grant(
            &exchange_from(&app, prober, &account, &jwt).await,
            "another repository",
        );
    }
    let good = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, github_claims()));
    let r = exchange_from(&app, prober, &account, &good).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.body["error"], "temporarily_unavailable");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // Another address exchanges the same token: it was never looked at.
    let r = exchange_from(&app, Some("198.51.100.4"), &account, &good).await;
    r.assert_status(StatusCode::OK);
    // The audit log holds the 30 refusals and the exchange, nothing for the held-back request.
    let outcomes = app
        .texts("SELECT outcome FROM audit_events WHERE action = 'token.exchange' ORDER BY at")
        .await;
    assert_eq!(outcomes.len(), 31, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "failure").count(), 30);
    // A Bearer token presented here is still subject to the limit on bad tokens: this is no
    // place to guess them unlimited.
    let guesser = reqwest::Client::new();
    let mut answers = Vec::new();
    for n in 0..31 {
        let r = guesser
            .post(format!("{}/oauth/token", app.base))
            .header("x-forwarded-for", "192.0.2.9")
            .bearer_auth(format!("stw_guess{n:040}"))
            .form(&[("grant_type", GRANT)])
            .send()
            .await
            .unwrap();
        answers.push(r.status().as_u16());
    }
    assert_eq!(answers.last(), Some(&429), "{answers:?}");
}

async fn authlib_exchanges_a_token_as_rfc_8693_describes(b: Backend) {
    let Some(python) = common::python_tool("python") else {
        return;
    };
    let Setup {
        app,
        issuer,
        account,
        ..
    } = setup_trusting_acme_api(b).await;
    let jwt = TestIssuer::sign(&issuer.ec, &issuer.claims(AUDIENCE, github_claims()));
    let script = common::repository_root().join("server/tests/integration/rfc8693_client.py");
    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .env("STEWARD_URL", base)
            .env("SUBJECT_TOKEN", jwt)
            .env("SERVICE_ACCOUNT", account)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["first"]["token_type"], "Bearer", "{answer}");
    assert_eq!(answer["first"]["whoami_status"], 200, "{answer}");
    assert_eq!(answer["replay"]["error"], "invalid_grant", "{answer}");
}

async fn housekeeping_forgets_expired_exchanges_and_keeps_static_tokens(b: Backend) {
    let Setup {
        app,
        ada,
        issuer,
        account,
    } = setup_trusting_acme_api(b).await;
    let jwt = TestIssuer::sign(&issuer.rsa, &issuer.claims(AUDIENCE, github_claims()));
    exchange(&app, &account, &jwt)
        .await
        .assert_status(StatusCode::OK);
    let (static_id, _) = ada.create_token(&account, "static", &["read"]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM used_identity_tokens").await,
        1
    );
    // Two days later, as far as the rows can tell: the identity token and the exchanged
    // token have expired, and so has the static one.
    let two_days = 2 * 86_400_000;
    app.execute(&format!(
        "UPDATE used_identity_tokens SET expires_at = expires_at - {two_days}"
    ))
    .await;
    app.execute(&format!(
        "UPDATE tokens SET expires_at = expires_at - {two_days}"
    ))
    .await;
    app::services::housekeeping::purge_expired(&app.state).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM used_identity_tokens").await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tokens WHERE trust_policy_id IS NOT NULL")
            .await,
        0
    );
    // Static tokens stay however long ago they expired: people look back at them.
    assert_eq!(app.texts("SELECT id FROM tokens").await, vec![static_id]);
}
