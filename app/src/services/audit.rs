//! Building audit records. Every mutation calls `event` and inserts the result in its own
//! transaction; the record holds names and ids, never a secret.

use super::clock::now_ms;
use super::Caller;
use crate::auth::random::new_id;
use crate::domain::PrincipalKind;
use crate::store::NewAuditEvent;

/// The object an action was done to.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub name: &'a str,
}

/// A successful action by `caller` on `target`.
pub fn event(caller: &Caller, action: &str, target: Option<Target<'_>>) -> NewAuditEvent {
    let p = &caller.principal;
    NewAuditEvent {
        id: new_id("aud"),
        organization_id: Some(p.organization.id.clone()),
        at: now_ms(),
        actor_kind: match p.kind {
            PrincipalKind::User => "user".into(),
            PrincipalKind::ServiceAccount => "service_account".into(),
        },
        actor_id: Some(p.id.clone()),
        actor_name: p.name.clone(),
        token_id: p.token.as_ref().map(|t| t.id.clone()),
        action: action.to_string(),
        target_kind: target.as_ref().map(|t| t.kind.to_string()),
        target_id: target.as_ref().map(|t| t.id.to_string()),
        target_name: target.as_ref().map(|t| t.name.to_string()),
        ip: Some(caller.meta.ip.clone()),
        user_agent: caller.meta.user_agent.clone(),
        outcome: "success".into(),
        details: None,
    }
}
