//! The pages' forms posted as a browser without the pages' code posts them
//! (`application/x-www-form-urlencoded` to the page's own path): sign-in, first-administrator
//! setup, invitation acceptance, password change, organization settings and sign-out. Each
//! answers a change with a redirect and a refusal with the page again; each has the origin
//! check, the per-address limit and the audit records its JSON operation has.

use crate::common::{cookie_of, Backend, TestApp, PASSWORD};
use app::services::people::setup::first_admin_setup_link;
use reqwest::header::{CONTENT_TYPE, LOCATION, ORIGIN};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

on_both_databases!(
    signing_in_by_form_opens_a_session_and_goes_to_next,
    a_refused_sign_in_answers_the_page_with_the_error,
    form_posts_from_another_site_are_refused,
    the_sign_in_forms_share_the_per_address_limit,
    setup_by_form_creates_the_first_administrator,
    an_invitation_is_accepted_by_form,
    the_password_is_changed_by_form,
    organization_settings_are_saved_by_form,
    signing_out_by_form_ends_the_session,
    pages_render_their_forms_as_posts_whole,
);

/// A browser whose page code is not running: it keeps cookies, sends the site's Origin on
/// posts (as browsers do for forms), and does not follow redirects, so each can be checked.
struct FormBrowser {
    http: reqwest::Client,
    base: String,
    origin: String,
}

impl FormBrowser {
    fn new(app: &TestApp) -> Self {
        Self::from(app, &app.state.config.public_url.clone())
    }

    fn from(app: &TestApp, origin: &str) -> Self {
        FormBrowser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
            origin: origin.to_string(),
        }
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header(ORIGIN, &self.origin)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// Who the session is, through the API, as the page's code would ask.
    async fn whoami(&self) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/whoami", self.base))
            .header(ORIGIN, &self.origin)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

fn location(r: &Response) -> &str {
    r.headers()[LOCATION].to_str().unwrap()
}

/// A refused form's answer: its status, and the page as HTML.
async fn page(r: Response) -> (StatusCode, String) {
    let status = r.status();
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{r:?}"
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    (status, r.text().await.unwrap())
}

async fn audited(app: &TestApp, action: &str, outcome: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND outcome = '{outcome}'"
    ))
    .await
}

async fn signing_in_by_form_opens_a_session_and_goes_to_next(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let browser = FormBrowser::new(&app);
    let r = browser
        .post(
            "/login?next=%2Fsettings%2Faudit-log%3Factor%3Dada",
            &[
                ("email", "ada@acme.test"),
                ("password", PASSWORD),
                ("organization", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/settings/audit-log?actor=ada");
    let cookie = cookie_of(&r).expect("a session cookie");
    assert!(cookie.starts_with("steward_session="), "{cookie}");
    let (status, me) = browser.whoami().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["principal"]["name"], "ada");
    assert_eq!(audited(&app, "auth.sign_in", "success").await, 1);

    // `next` off this site falls back to the list, by the page's own rule.
    let r = FormBrowser::new(&app)
        .post(
            "/login?next=%2F%2Fevil.example%2F",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/settings/service-accounts")
    );
}

async fn a_refused_sign_in_answers_the_page_with_the_error(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let browser = FormBrowser::new(&app);
    let wrong = "not the password at all";
    let r = browser
        .post("/login", &[("email", "ada@acme.test"), ("password", wrong)])
        .await;
    assert!(cookie_of(&r).is_none(), "no session");
    let (status, html) = page(r).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("<h1>Sign in to Steward</h1>"), "{html}");
    assert!(
        html.contains("Incorrect email or password."),
        "the error is on the page: {html}"
    );
    assert!(
        html.contains("value=\"ada@acme.test\""),
        "the email is kept"
    );
    assert!(!html.contains(wrong), "a password is never sent back");
    assert_eq!(audited(&app, "auth.sign_in", "failure").await, 1);
    assert_eq!(browser.whoami().await.0, StatusCode::UNAUTHORIZED);

    // Fields this form does not have are refused, naming nothing from the body.
    let r = browser
        .post(
            "/login",
            &[
                ("email", "ada@acme.test"),
                ("password", PASSWORD),
                ("admin", "yes"),
            ],
        )
        .await;
    let (status, html) = page(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("did not arrive as this page sends it"),
        "{html}"
    );
    assert_eq!(browser.whoami().await.0, StatusCode::UNAUTHORIZED);
}

async fn form_posts_from_another_site_are_refused(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let evil = FormBrowser::from(&app, "http://evil.example");
    let r = evil
        .post(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(cookie_of(&r).is_none());
    assert_eq!(audited(&app, "auth.sign_in", "success").await, 0);
    let r = evil
        .post("/setup", &[("invite", "x"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A signed-in person's forms carry the session cookie: the same check as any mutation.
    let ours = FormBrowser::new(&app);
    let r = ours
        .post(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    let cookie = cookie_of(&r).unwrap();
    let cross_site = |path: &str, body: &str| {
        reqwest::Client::new()
            .post(format!("{}{path}", app.base))
            .header(ORIGIN, "http://evil.example")
            .header("cookie", cookie.as_str())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
    };
    let body = format!(
        "current_password={}&new_password=a+new+long+password",
        PASSWORD.replace(' ', "+")
    );
    let r = cross_site("/settings/account", &body).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = cross_site("/settings/organization", "max_token_lifetime_days=1")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = cross_site("/logout", "").await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(audited(&app, "auth.change_password", "success").await, 0);
    assert_eq!(audited(&app, "settings.update", "success").await, 0);
    assert_eq!(ours.whoami().await.0, StatusCode::OK, "still signed in");
}

async fn the_sign_in_forms_share_the_per_address_limit(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let browser = FormBrowser::new(&app);
    // The default: 10 a minute per address, the API's and the pages' posts counted together.
    // Each attempt names another email, so the per-account limit plays no part.
    for i in 0..5 {
        let email = format!("api{i}@acme.test");
        let r = browser
            .http
            .post(format!("{}/api/v1/auth/login", app.base))
            .header(ORIGIN, &browser.origin)
            .json(&json!({"email": email, "password": "wrong password here"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    for i in 0..5 {
        let email = format!("form{i}@acme.test");
        let r = browser
            .post(
                "/login",
                &[("email", &email), ("password", "wrong password")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let failures = audited(&app, "auth.sign_in", "failure").await;
    let r = browser
        .post(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=7).contains(&wait), "{wait}");
    let (status, html) = page(r).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html.contains("Too many attempts from your address"),
        "{html}"
    );
    assert_eq!(
        browser.whoami().await.0,
        StatusCode::UNAUTHORIZED,
        "even the right password"
    );
    // Refused before the sign-in logic: nothing hashed, nothing new in the audit log.
    assert_eq!(audited(&app, "auth.sign_in", "failure").await, failures);
    assert_eq!(audited(&app, "auth.sign_in", "success").await, 0);
    let r = browser
        .post("/setup", &[("invite", "whatever"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = browser
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .header(ORIGIN, &browser.origin)
        .json(&json!({"email": "ada@acme.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the API shares the count"
    );
    // The pages themselves are not attempts.
    assert_eq!(browser.get("/login").await.status(), StatusCode::OK);
}

async fn setup_by_form_creates_the_first_administrator(b: Backend) {
    let app = TestApp::spawn(b).await;
    let link = first_admin_setup_link(&app.state).await.unwrap().unwrap();
    let browser = FormBrowser::new(&app);
    let fields = |password: &'static str| {
        vec![
            ("token", link.clone()),
            ("org_name", "Acme Inc".to_string()),
            ("org_slug", "acme".to_string()),
            ("name", "Ada".to_string()),
            ("email", "ada@acme.test".to_string()),
            ("password", password.to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post("/setup", &pairs).await
        }
    };
    let (status, html) = page(post(fields("short")).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"password-error\""),
        "next to its field: {html}"
    );
    assert!(html.contains("value=\"Acme Inc\"") && html.contains("value=\"ada@acme.test\""));
    assert!(
        html.contains(&format!("name=\"token\" value=\"{link}\"")),
        "the link's secret stays in the form, not in a URL"
    );
    assert!(!html.contains("value=\"short\""));

    let r = post(fields("a long enough password")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/settings/service-accounts");
    let (status, me) = browser.whoami().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["principal"]["organization"]["name"], "Acme Inc");
    assert_eq!(audited(&app, "member.create", "success").await, 1);

    // Used once.
    let (status, html) = page(post(fields("a long enough password")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("not valid any more"), "{html}");
}

async fn an_invitation_is_accepted_by_form(b: Backend) {
    let (app, ada) = TestApp::acme(b).await;
    let r = ada
        .post(
            "/api/v1/members/invite",
            json!({"email": "bob@acme.test", "name": "Bob", "role": "viewer"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let url = r.body["setup_url"].as_str().unwrap();
    let invite = url.split("invite=").nth(1).unwrap().to_string();

    let browser = FormBrowser::new(&app);
    let r = browser
        .post("/setup", &[("invite", &invite), ("password", "short")])
        .await;
    let (status, html) = page(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Welcome, Bob."),
        "the invitation's page again: {html}"
    );
    assert!(html.contains("id=\"password-error\""), "{html}");
    assert!(html.contains(&format!("name=\"invite\" value=\"{invite}\"")));

    let r = browser
        .post(
            "/setup",
            &[("invite", &invite), ("password", "bob's long password")],
        )
        .await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/settings/service-accounts")
    );
    let (status, me) = browser.whoami().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["principal"]["name"], "Bob");
    assert_eq!(audited(&app, "member.accept_invite", "success").await, 1);
}

async fn the_password_is_changed_by_form(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    // Signed out: sent to sign in first, and back here afterwards.
    let stranger = FormBrowser::new(&app);
    let r = stranger
        .post(
            "/settings/account",
            &[("current_password", PASSWORD), ("new_password", "x")],
        )
        .await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/login?next=/settings/account")
    );

    let other = app.signed_in("ada@acme.test").await;
    let browser = FormBrowser::new(&app);
    browser
        .post(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    let r = browser
        .post(
            "/settings/account",
            &[
                ("current_password", "not my password"),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    let (status, html) = page(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<h1>Your account</h1>"), "{html}");
    assert!(
        html.contains("id=\"current_password-error\""),
        "next to its field: {html}"
    );
    assert!(!html.contains("not my password") && !html.contains("a brand new password"));
    assert_eq!(audited(&app, "auth.change_password", "failure").await, 1);

    let r = browser
        .post(
            "/settings/account",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/settings/account?saved=1")
    );
    assert!(cookie_of(&r).is_some(), "a new session for this browser");
    assert_eq!(browser.whoami().await.0, StatusCode::OK);
    assert_eq!(
        other.post("/api/v1/auth/whoami", json!({})).await.status,
        StatusCode::UNAUTHORIZED,
        "every other session ended"
    );
    assert_eq!(audited(&app, "auth.change_password", "success").await, 1);
    let html = browser
        .get("/settings/account?saved=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Password changed."), "{html}");
}

async fn organization_settings_are_saved_by_form(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    app.member("ada@acme.test", "eve@acme.test", "editor").await;
    let browser = FormBrowser::new(&app);
    browser
        .post(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    let form = |days: &'static str| {
        [
            ("max_token_lifetime_days", days),
            ("webhook_url", "https://hooks.example.com/steward"),
            ("webhook_secret", "a signing secret of some length"),
        ]
    };
    let (status, html) = page(
        browser
            .post("/settings/organization", &form("forever"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"max_token_lifetime_days-error\""),
        "{html}"
    );
    assert!(html.contains("value=\"forever\""), "what was typed stays");
    assert!(!html.contains("a signing secret of some length"));

    let r = browser.post("/settings/organization", &form("30")).await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/settings/organization?saved=1")
    );
    let ada = app.signed_in("ada@acme.test").await;
    let settings = ada.post("/api/v1/settings/get", json!({})).await;
    assert_eq!(settings.body["settings"]["max_token_lifetime_days"], 30);
    assert_eq!(settings.body["settings"]["webhook_secret_set"], true);
    assert_eq!(audited(&app, "settings.update", "success").await, 1);

    // An editor may not: the page again with the refusal, nothing changed.
    let eve = FormBrowser::new(&app);
    eve.post(
        "/login",
        &[("email", "eve@acme.test"), ("password", PASSWORD)],
    )
    .await;
    let (status, _) = page(eve.post("/settings/organization", &form("1")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let settings = ada.post("/api/v1/settings/get", json!({})).await;
    assert_eq!(settings.body["settings"]["max_token_lifetime_days"], 30);
}

async fn signing_out_by_form_ends_the_session(b: Backend) {
    let app = TestApp::acme_signed_out(b).await;
    let browser = FormBrowser::new(&app);
    browser
        .post(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    let r = browser.post("/logout", &[]).await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, "/login")
    );
    assert_eq!(browser.whoami().await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(audited(&app, "auth.sign_out", "success").await, 1);
}

/// Every `<form>` in `html` posts to a path on this site.
fn assert_forms_post(html: &str, page: &str) {
    let forms: Vec<&str> = html.split("<form").skip(1).collect();
    assert!(!forms.is_empty(), "{page} has a form: {html}");
    for form in forms {
        let tag = form.split('>').next().unwrap();
        assert!(tag.contains("method=\"post\""), "{page}: <form{tag}>");
        assert!(tag.contains("action=\"/"), "{page}: <form{tag}>");
    }
}

async fn pages_render_their_forms_as_posts_whole(b: Backend) {
    let app = TestApp::spawn(b).await;
    let link = first_admin_setup_link(&app.state).await.unwrap().unwrap();
    let browser = FormBrowser::new(&app);
    // Rendered whole, with no script needed to fill in the form.
    let html = browser
        .get(&format!("/setup?token={link}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(">Create administrator</button>"), "{html}");
    assert_forms_post(&html, "setup");
    app.admin("acme", "ada@acme.test").await;
    let html = browser
        .get("/login?next=/settings/stale")
        .await
        .text()
        .await
        .unwrap();
    assert_forms_post(&html, "login");
    assert!(
        html.contains("action=\"/login?next=/settings/stale\""),
        "{html}"
    );
    browser
        .post(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD)],
        )
        .await;
    for path in ["/settings/account", "/settings/organization"] {
        let html = browser.get(path).await.text().await.unwrap();
        assert_forms_post(&html, path);
        assert!(
            html.contains("action=\"/logout\""),
            "Sign out is a form too"
        );
    }
    let html = browser
        .get("/settings/organization")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(">Save settings</button>"), "{html}");
}
