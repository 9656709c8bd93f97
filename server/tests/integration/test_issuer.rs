//! An OpenID Connect issuer for the token exchange tests, as CI platforms run one: a discovery
//! document and a JWKS with two keys (RSA for RS256, P-256 for ES256), served over https on
//! loopback with a certificate from a CA made when the test starts (the server is given that
//! CA as `STEWARD_OIDC_CA_FILE`). It signs tokens with the claims a test chooses, counts how
//! often its keys are fetched, and can sign with a key it does not publish. Like GitHub, it
//! also hands a job its identity token for the audience the job asks for (`/actions-token`,
//! behind a bearer request token), so documented workflow steps can run as written.

#![allow(dead_code)]

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The RSA key, made once per test binary (making one takes a while).
fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("an RSA key")
    })
}

/// A signing key with the JWK that publishes it.
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    pub encoding: EncodingKey,
    pub jwk: Value,
}

fn rsa_signing_key(kid: &str) -> SigningKey {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    let key = rsa_key();
    let der = key.to_pkcs1_der().expect("PKCS#1");
    SigningKey {
        kid: kid.into(),
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk: json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        }),
    }
}

fn ec_signing_key(kid: &str) -> SigningKey {
    let pair = rcgen::KeyPair::generate().expect("a P-256 key");
    let raw = pair.public_key_raw(); // 0x04 || x || y
    SigningKey {
        kid: kid.into(),
        alg: Algorithm::ES256,
        encoding: EncodingKey::from_ec_der(&pair.serialize_der()),
        jwk: json!({
            "kty": "EC", "use": "sig", "alg": "ES256", "kid": kid, "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&raw[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&raw[33..65]),
        }),
    }
}

struct Served {
    issuer: String,
    /// What `/jwks` publishes; `rotate` changes it.
    jwks: std::sync::Mutex<Value>,
    jwks_fetches: AtomicUsize,
    discovery_fetches: AtomicUsize,
    /// What `/actions-token` hands out: the request token a job presents, and the claims of
    /// the identity token it gets (ES256).
    actions: std::sync::Mutex<Option<(String, Value)>>,
    actions_key: (String, EncodingKey),
}

/// A running issuer.
pub struct TestIssuer {
    /// `https://127.0.0.1:<port>`: the `iss` of its tokens.
    pub url: String,
    /// The CA that signed its certificate, PEM.
    pub ca_pem: Vec<u8>,
    pub rsa: SigningKey,
    pub ec: SigningKey,
    /// A key it signs with but does not publish.
    pub unpublished: SigningKey,
    served: Arc<Served>,
}

impl TestIssuer {
    pub async fn start() -> TestIssuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let (ca_pem, tls) = tls_config();
        let rsa = rsa_signing_key("rsa-1");
        let ec = ec_signing_key("ec-1");
        let served = Arc::new(Served {
            issuer: url.clone(),
            jwks: std::sync::Mutex::new(json!({"keys": [rsa.jwk.clone(), ec.jwk.clone()]})),
            jwks_fetches: AtomicUsize::new(0),
            discovery_fetches: AtomicUsize::new(0),
            actions: std::sync::Mutex::new(None),
            actions_key: (ec.kid.clone(), ec.encoding.clone()),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/actions-token", get(actions_token))
            .with_state(served.clone());
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let router = router.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper_util::service::TowerToHyperService::new(router);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        TestIssuer {
            url,
            ca_pem,
            rsa,
            ec,
            unpublished: ec_signing_key("rotated-away"),
            served,
        }
    }

    /// A key rotation: from now on the JWKS publishes exactly `keys`.
    pub fn publish(&self, keys: &[&SigningKey]) {
        let jwks: Vec<Value> = keys.iter().map(|k| k.jwk.clone()).collect();
        *self.served.jwks.lock().unwrap() = json!({ "keys": jwks });
    }

    /// Lets `/actions-token` answer a job presenting `request_token` with an identity token
    /// carrying `claims` (and the audience the job asks for), as GitHub answers
    /// `$ACTIONS_ID_TOKEN_REQUEST_URL`.
    pub fn hand_out_job_tokens(&self, request_token: &str, claims: Value) {
        *self.served.actions.lock().unwrap() = Some((request_token.to_string(), claims));
    }

    /// A new P-256 key under `kid`, not yet published.
    pub fn new_key(kid: &str) -> SigningKey {
        ec_signing_key(kid)
    }

    /// How many times the discovery document was fetched.
    pub fn discovery_fetches(&self) -> usize {
        self.served.discovery_fetches.load(Ordering::SeqCst)
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.served.jwks_fetches.load(Ordering::SeqCst)
    }

    /// The usual claims of a token of this issuer for `audience`, valid for five minutes,
    /// with a fresh `jti`, plus `extra`.
    pub fn claims(&self, audience: &str, extra: Value) -> Value {
        let now = now();
        let mut claims = json!({
            "iss": self.url,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": app::auth::random::base62(16),
        });
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    }

    /// `claims` signed with `key`.
    pub fn sign(key: &SigningKey, claims: &Value) -> String {
        let mut header = Header::new(key.alg);
        header.kid = Some(key.kid.clone());
        encode(&header, claims, &key.encoding).unwrap()
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn discovery(State(s): State<Arc<Served>>) -> Json<Value> {
    s.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "issuer": s.issuer,
        "jwks_uri": format!("{}/jwks", s.issuer),
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
    }))
}

async fn jwks(State(s): State<Arc<Served>>) -> impl IntoResponse {
    s.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    (
        [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
        Json(s.jwks.lock().unwrap().clone()),
    )
}

/// GitHub's ID-token request: `GET …&audience=…` with `Authorization: bearer <request token>`
/// answers `{"value": "<jwt>"}`.
async fn actions_token(
    State(s): State<Arc<Served>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<Value>, StatusCode> {
    let Some((request_token, extra)) = s.actions.lock().unwrap().clone() else {
        return Err(StatusCode::NOT_FOUND);
    };
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("bearer ")
                .or_else(|| v.strip_prefix("Bearer "))
        });
    if presented != Some(request_token.as_str()) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let audience = query.get("audience").ok_or(StatusCode::BAD_REQUEST)?;
    let now = now();
    let mut claims = json!({
        "iss": s.issuer, "aud": audience, "iat": now, "nbf": now, "exp": now + 300,
        "jti": app::auth::random::base62(16),
    });
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    let (kid, key) = &s.actions_key;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.clone());
    Ok(Json(
        json!({ "value": encode(&header, &claims, key).unwrap() }),
    ))
}

/// A CA made now, and a server configuration with a certificate it signed for 127.0.0.1.
fn tls_config() -> (Vec<u8>, tokio_rustls::rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Steward test issuers' CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let ca = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let private = tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], private)
    .unwrap();
    (ca_cert.pem().into_bytes(), config)
}
