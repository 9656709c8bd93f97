//! Browser sessions: opening one, checking the cookie on each request (idle and absolute
//! limits, with the cookie re-issued as the idle window slides), ending them.

use crate::auth::random::{session_secret, sha256_hex};
use crate::domain::SubjectType;
use crate::domain::{ApiError, OrganizationRef, Principal, PrincipalKind, Scope};
use crate::services::access::{self, Access};
use crate::services::audit::{event, AuditAction};
use crate::services::clock::now_ms;
use crate::services::{Authenticated, Caller};
use crate::state::{AppConfig, AppState};
use crate::store::{NewSession, Tx};

/// The session cookie's value as the middleware read it, handed to the server functions that
/// end or replace a session (sign-in, sign-out, password change) so the cookie is parsed in
/// one place.
#[derive(Debug, Clone)]
pub struct SessionCookie(pub String);

/// Sessions are extended at most this often, so browsing is not a write per request.
const SESSION_TOUCH_MS: i64 = 60_000;

/// A session the cookie named, still valid; `renewed_cookie` is a `Set-Cookie` value to send
/// when the idle window was just extended.
#[derive(Debug, Clone)]
pub struct SessionCheck {
    pub authenticated: Authenticated,
    pub renewed_cookie: Option<String>,
}

/// Opens a session for `user_id` inside `tx` and returns its secret id, the cookie's value.
pub async fn open_session(
    tx: &mut Tx,
    config: &AppConfig,
    user_id: &str,
) -> Result<String, ApiError> {
    let secret = session_secret();
    let now = now_ms();
    let absolute = now + config.session_max_secs * 1000;
    tx.insert_session(&NewSession {
        id_hash: &sha256_hex(&secret),
        user_id,
        now,
        expires_at: (now + config.session_idle_secs * 1000).min(absolute),
        absolute_expires_at: absolute,
    })
    .await?;
    Ok(secret)
}

/// Opens a session on its own, for a person who was just created (first-administrator setup).
pub async fn start_session(state: &AppState, user_id: &str) -> Result<String, ApiError> {
    let mut tx = state.db.begin().await?;
    let session = open_session(&mut tx, &state.config, user_id).await?;
    tx.commit().await?;
    Ok(session)
}

/// Resolves a session cookie's value to its person. Ends at the idle limit or the absolute
/// limit, whichever comes first; an active session's idle window slides (at most once a
/// minute, so browsing is not a write per request) and the cookie is re-issued with it.
/// `Err` only when the database cannot answer.
pub async fn principal_from_session(
    state: &AppState,
    session_id: &str,
) -> Result<Option<SessionCheck>, ApiError> {
    let hash = sha256_hex(session_id);
    let Some(row) = state.db.session(&hash).await.map_err(unavailable)? else {
        return Ok(None);
    };
    let now = now_ms();
    if row.disabled || row.expires_at <= now || row.absolute_expires_at <= now {
        return Ok(None);
    }
    let role = row.role;
    let mut renewed_cookie = None;
    if now - row.last_seen_at > SESSION_TOUCH_MS {
        let expires = (now + state.config.session_idle_secs * 1000).min(row.absolute_expires_at);
        match state.db.touch_session(&hash, now, expires).await {
            Ok(()) => {
                renewed_cookie = Some(session_cookie(
                    &state.config,
                    session_id,
                    (expires - now) / 1000,
                ))
            }
            Err(e) => tracing::warn!(error = %e, "could not extend session"),
        }
    }
    let grants = access::grants(
        state,
        &row.org_id,
        SubjectType::Member,
        &row.user_id,
        row.access_version,
    )
    .await
    .map_err(unavailable)?;
    let principal = Principal {
        kind: PrincipalKind::User,
        id: row.user_id,
        name: row.user_name,
        role,
        scopes: Scope::ALL.to_vec(),
        organization: OrganizationRef {
            id: row.org_id,
            slug: row.org_slug,
            name: row.org_name,
        },
        token: None,
        permissions: Default::default(),
        workspaces: Default::default(),
    };
    Ok(Some(SessionCheck {
        authenticated: Authenticated {
            principal,
            access: std::sync::Arc::new(Access {
                role,
                grants,
                limits: None,
                version: row.access_version,
            }),
            credential: None,
            report_only: None,
        },
        renewed_cookie,
    }))
}

/// A database failure while checking a credential: the caller must hear "try again", not
/// "your credential is bad".
pub(crate) fn unavailable(e: crate::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "credential lookup failed");
    ApiError::unavailable("The database is not answering. Try again in a moment.", 5)
}

/// Ends a session; signing out twice is not an error.
pub async fn sign_out(
    state: &AppState,
    caller: &Caller,
    session_id: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(id) = session_id {
        state.db.delete_session(&sha256_hex(id)).await?;
    }
    state
        .db
        .insert_audit(&event(caller, AuditAction::SignOut, None))
        .await?;
    Ok(())
}

/// The `Set-Cookie` value for a session, living `max_age_secs`.
pub fn session_cookie(config: &AppConfig, session: &str, max_age_secs: i64) -> String {
    let secure = if config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        config.session_cookie_name(),
        max_age_secs.max(0)
    )
}

/// The `Set-Cookie` value for a session just opened.
pub fn new_session_cookie(config: &AppConfig, session: &str) -> String {
    session_cookie(
        config,
        session,
        config.session_idle_secs.min(config.session_max_secs),
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_session_cookie(config: &AppConfig) -> String {
    session_cookie(config, "", 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> AppConfig {
        AppConfig {
            public_url: url.into(),
            session_idle_secs: 3600,
            session_max_secs: 7 * 86400,
            secret_key: None,
            notices: Default::default(),
            credential_cache_entries: 0,
            webhook_policy: Default::default(),
            oidc_ca_pem: None,
            issuer_policy: crate::services::outbound::OutboundPolicy::issuers(Vec::new()),
        }
    }

    #[test]
    fn cookie_name_and_flags_follow_the_public_url() {
        let c = new_session_cookie(&config("https://steward.example"), "abc");
        assert!(c.starts_with("__Host-steward_session=abc;"), "{c}");
        assert!(c.contains("; Secure") && c.contains("Path=/") && !c.contains("Domain"));
        let c = new_session_cookie(&config("http://127.0.0.1:3000"), "abc");
        assert!(c.starts_with("steward_session=abc;"), "{c}");
        assert!(!c.contains("Secure"));
        assert!(cleared_session_cookie(&config("http://h")).contains("Max-Age=0"));
    }
}
