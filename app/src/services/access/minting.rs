//! What a token being created or refreshed may hold. A token never holds more than whoever
//! minted it: a person passes on their role and the further permissions their bindings give
//! them; a token passes on its own cap, at most its scopes, at most its narrowing, and an
//! expiry no later than its own. The organization's maximum lifetime bounds every token.

use crate::domain::SubjectType;
use crate::domain::{ApiError, Permission, PermissionName, Role, Scope};
use crate::services::access::ceiling::subject_access;
use crate::services::access::{Access, PermSet};
use crate::services::clock::rfc3339;
use crate::services::Caller;
use crate::state::AppState;
use crate::store::{Lock, NamedTable, Tx};
use std::collections::BTreeSet;

/// The most a token minted (or refreshed) by a caller may hold.
pub struct MintLimits {
    /// The cap the new token gets: the minter's effective built-in role…
    pub role: Role,
    /// …and the further permissions the minter holds (`None`: nothing further).
    pub extra: Option<BTreeSet<String>>,
    scopes: Vec<Scope>,
    /// `None`: no limit (a person, or a token that never expires).
    expires_at: Option<i64>,
    /// The minting token's own narrowing, which the new token inherits or narrows further.
    narrow_permissions: Option<BTreeSet<String>>,
    narrow_workspaces: Option<BTreeSet<String>>,
}

/// The limits `caller` imposes on a token it mints.
pub async fn mint_limits(tx: &mut Tx, caller: &Caller) -> Result<MintLimits, ApiError> {
    let expires_at = match &caller.principal.token {
        None => None,
        Some(own) => {
            tx.token(&caller.principal.organization.id, &own.id)
                .await?
                .ok_or_else(ApiError::unauthenticated)?
                .expires_at
        }
    };
    let (role, extra) = caller.access.mint_cap();
    let limits = caller.access.limits.as_ref();
    let sorted = |set: Option<&std::collections::HashSet<String>>| {
        set.map(|s| s.iter().cloned().collect::<BTreeSet<_>>())
    };
    Ok(MintLimits {
        role,
        extra,
        scopes: caller.principal.scopes.clone(),
        expires_at,
        narrow_permissions: sorted(limits.and_then(|l| l.permissions.as_ref())),
        narrow_workspaces: sorted(limits.and_then(|l| l.workspaces.as_ref())),
    })
}

impl MintLimits {
    /// Refuses scopes the minter does not hold.
    pub fn check_scopes(&self, scopes: &[Scope]) -> Result<(), ApiError> {
        match scopes.iter().find(|s| !self.scopes.contains(s)) {
            None => Ok(()),
            Some(missing) => Err(ApiError::forbidden(format!(
                "This token lacks the '{}' scope, so it cannot give it to another token.",
                missing.as_str()
            ))),
        }
    }

    /// The expiry to give: the requested one, except that the default lifetime (nothing asked
    /// for) is shortened to end with the minting token, so a script that mints with defaults
    /// is not refused.
    pub fn expiry(&self, requested: Option<i64>, is_default: bool) -> Option<i64> {
        match (self.expires_at, requested) {
            (Some(limit), Some(at)) if is_default => Some(at.min(limit)),
            _ => requested,
        }
    }

    /// Refuses a token factory (a trust policy, which issues tokens for as long as it exists)
    /// to a caller whose own token expires: it would outlive that token.
    pub fn check_no_expiry_for_factory(&self, what: &str) -> Result<(), ApiError> {
        match self.expires_at {
            Some(limit) => Err(ApiError::forbidden(format!(
                "This token expires at {}, so it cannot add {what}, which issues tokens for as long as it exists: use a token that never expires, or sign in.",
                rfc3339(limit)
            ))),
            None => Ok(()),
        }
    }

    /// Refuses an expiry later than the minting token's own.
    pub fn check_expiry(&self, expires_at: Option<i64>) -> Result<(), ApiError> {
        match (self.expires_at, expires_at) {
            (Some(limit), None) => Err(ApiError::forbidden(format!(
                "This token expires at {}, so it cannot create a token that never expires.",
                rfc3339(limit)
            ))),
            (Some(limit), Some(at)) if at > limit => Err(ApiError::forbidden(format!(
                "This token expires at {}, so it cannot create a token that outlives it.",
                rfc3339(limit)
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses a new secret for a token narrowed less than the refreshing token: otherwise a
    /// token narrowed to `prod` could hand out an unnarrowed one.
    pub fn check_narrowing(
        &self,
        permissions: Option<&str>,
        workspaces: Option<&str>,
    ) -> Result<(), ApiError> {
        let set = |t: Option<&str>| -> Option<BTreeSet<String>> {
            t.map(|t| {
                t.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
        };
        for (field, target, limit) in [
            ("permissions", set(permissions), &self.narrow_permissions),
            ("workspaces", set(workspaces), &self.narrow_workspaces),
        ] {
            match (target, limit) {
                (Some(t), limit) => within(field, &t, limit.as_ref())?,
                (None, Some(_)) => {
                    return Err(ApiError::forbidden(format!(
                        "This token is narrowed to some {field}, so it cannot renew a token that is not."
                    )))
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    /// The cap as stored: the extra permissions comma-separated.
    pub fn extra_text(&self) -> Option<String> {
        self.extra
            .as_ref()
            .map(|e| e.iter().cloned().collect::<Vec<_>>().join(","))
    }
}

/// What a new token is narrowed to, as stored (comma-separated; `None`: not narrowed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    pub permissions: Option<String>,
    /// Workspace ids.
    pub workspaces: Option<String>,
}

/// Checks what a new token asks to be narrowed to: permissions the account holds (somewhere),
/// workspaces that exist, and no wider than the minting token's own narrowing (which it inherits
/// when it asks for none).
pub async fn narrowing(
    state: &AppState,
    tx: &mut Tx,
    caller: &Caller,
    account: (&str, Role),
    limits: &MintLimits,
    permissions: Option<Vec<String>>,
    workspaces: Option<Vec<String>>,
) -> Result<Narrowing, ApiError> {
    let org = &caller.principal.organization.id;
    let permissions = match permissions {
        None => limits.narrow_permissions.clone(),
        Some(list) => {
            let wanted = parse_permission_list("permissions", &list)?;
            let holder = subject_access(
                state,
                org,
                SubjectType::ServiceAccount,
                account.0,
                account.1,
            )
            .await?;
            if let Some(missing) = wanted.iter().find(|p| !holds_anywhere(&holder, p)) {
                // Like any grant beyond what is held: forbidden, naming the field.
                let mut e = ApiError::forbidden(format!(
                    "The service account does not hold '{missing}', so no token of it can."
                ));
                e.error.field = Some("permissions".into());
                return Err(e);
            }
            within("permissions", &wanted, limits.narrow_permissions.as_ref())?;
            Some(wanted)
        }
    };
    let workspaces = match workspaces {
        None => limits.narrow_workspaces.clone(),
        Some(list) => {
            if list.is_empty() {
                return Err(ApiError::invalid(
                    "workspaces",
                    "Choose at least one workspace.",
                ));
            }
            let mut ids = BTreeSet::new();
            for key in &list {
                let ws = tx
                    .named(NamedTable::Workspaces, org, key.trim())
                    .await?
                    .ok_or_else(|| {
                        ApiError::unknown("workspaces", format!("There is no workspace '{key}'."))
                    })?;
                ids.insert(ws.id);
            }
            within("workspaces", &ids, limits.narrow_workspaces.as_ref())?;
            Some(ids)
        }
    };
    let join = |s: Option<BTreeSet<String>>| s.map(|s| s.into_iter().collect::<Vec<_>>().join(","));
    Ok(Narrowing {
        permissions: join(permissions),
        workspaces: join(workspaces),
    })
}

/// Whether `access` holds `permission` organization-wide or in any workspace.
fn holds_anywhere(access: &Access, permission: &str) -> bool {
    access.allows(permission, None)
        || access
            .grants
            .workspaces
            .keys()
            .any(|w| access.allows(permission, Some(w)))
}

/// Refuses a narrowing wider than the minting token's.
fn within(
    field: &str,
    wanted: &BTreeSet<String>,
    limit: Option<&BTreeSet<String>>,
) -> Result<(), ApiError> {
    match limit {
        Some(limit) if !wanted.is_subset(limit) => Err(ApiError::forbidden(format!(
            "This token is itself narrowed, so it cannot give {field} beyond its own."
        ))),
        _ => Ok(()),
    }
}

/// Permission names as sent: Steward's own or application ones, at least one.
pub fn parse_permission_list(field: &str, list: &[String]) -> Result<BTreeSet<String>, ApiError> {
    if list.is_empty() {
        return Err(ApiError::invalid(field, "Choose at least one permission."));
    }
    list.iter()
        .map(|p| match Permission::parse(p.trim()) {
            Some(steward) => Ok(steward.as_str().to_string()),
            None => PermissionName::parse(field, p).map(PermissionName::into_string),
        })
        .collect()
}

/// The lifetime to give in days, within the organization's maximum (when one is set): the
/// default lifetime (nothing asked for) shortens to the maximum; an explicit longer one, or
/// "never", is refused naming the field.
pub async fn lifetime_within_policy(
    tx: &mut Tx,
    org: &str,
    days: Option<i64>,
    is_default: bool,
) -> Result<Option<i64>, ApiError> {
    let max = tx
        .organization(org, Lock::ForShare)
        .await?
        .and_then(|o| o.max_token_lifetime_days);
    match (max, days) {
        (Some(max), Some(d)) if is_default => Ok(Some(d.min(max))),
        (Some(max), None) => Err(ApiError::invalid(
            "expires_in_days",
            format!("Tokens must expire: this organization allows at most {max} days."),
        )),
        (Some(max), Some(d)) if d > max => Err(ApiError::invalid(
            "expires_in_days",
            format!("This organization allows tokens of at most {max} days."),
        )),
        _ => Ok(days),
    }
}

/// The cap of a refreshed token: it can only go down, to what the refresher could mint.
pub fn lowered_cap(
    role_cap: Role,
    extra: Option<&str>,
    limits: &MintLimits,
) -> (Role, Option<String>) {
    let old_role = role_cap;
    let role = old_role.min(limits.role);
    let old_extra: Option<BTreeSet<String>> = extra.map(|e| {
        e.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    });
    let minter_all = limits.role.holds_everything();
    let extra = match (old_extra, &limits.extra) {
        (None, new) if old_role.holds_everything() => new.clone(),
        (None, _) => None,
        (Some(old), _) if minter_all => Some(old),
        (Some(old), Some(new)) => Some(old.intersection(new).cloned().collect()),
        (Some(_), None) => None,
    };
    // Permissions covered by the (lowered) role need no listing.
    let builtin = PermSet::of_role(role);
    let extra = extra
        .map(|e| {
            e.into_iter()
                .filter(|p| !builtin.contains(p))
                .collect::<Vec<_>>()
        })
        .filter(|e| !e.is_empty())
        .map(|e| e.join(","));
    (role, extra)
}
