//! What a principal may do: its organization-wide built-in role, plus the roles bound to it and
//! to its groups (organization-wide or in one workspace), then, for a token, narrowed by the
//! role cap of whoever minted it and by what it was narrowed to at creation.
//!
//! Evaluating is cheap: the bindings-derived part (`Grants`) is computed once per subject and
//! kept in memory for as long as the organization's access version (read with every credential)
//! stays the same, so a change made through any replica takes effect on the next request.
//!
//! Longer than most files: the evaluation and the grants it keeps belong together (what is
//! kept is only correct with the version rule above).

pub mod bindings;
pub mod cache;
pub mod ceiling;
pub mod explain;
pub mod groups;
pub mod lookup;
pub mod minting;
pub mod permissions;
pub mod roles;
mod workspace_group_rules;
pub mod workspaces;

use crate::domain::{Permission, Role, Scope};
pub use lookup::{declared_names, describe, grants, workspace_ids};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// A set of permission names, or every permission (the built-in admin role).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermSet {
    pub all: bool,
    pub names: HashSet<String>,
}

impl PermSet {
    pub fn everything() -> PermSet {
        PermSet {
            all: true,
            names: HashSet::new(),
        }
    }

    /// The permissions of a built-in role.
    pub fn of_role(role: Role) -> PermSet {
        if role.holds_everything() {
            return PermSet::everything();
        }
        PermSet {
            all: false,
            names: role
                .permissions()
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
        }
    }

    pub fn contains(&self, permission: &str) -> bool {
        self.all || self.names.contains(permission)
    }

    pub fn add_all(&mut self, other: &PermSet) {
        self.all |= other.all;
        if !self.all {
            self.names.extend(other.names.iter().cloned());
        }
    }

    /// Whether every permission of `other` is in this set.
    pub fn covers(&self, other: &PermSet) -> bool {
        self.all || (!other.all && other.names.iter().all(|n| self.names.contains(n)))
    }
}

/// Whether the built-in `role` holds `permission`, without building its set: this runs for
/// every permission check, so it must not allocate.
pub fn role_holds(role: Role, permission: &str) -> bool {
    role.holds_everything() || role.permissions().iter().any(|p| p.as_str() == permission)
}

/// What a subject holds in one workspace beyond its organization-wide permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceGrant {
    pub name: String,
    pub permissions: PermSet,
}

/// What a subject holds through role bindings (its own and its groups'), without its built-in
/// role. Cached per organization access version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub org: PermSet,
    /// By workspace id.
    pub workspaces: HashMap<String, WorkspaceGrant>,
}

/// The limits of a token: the role cap and extra permissions of whoever minted it, what it was
/// narrowed to at creation, its scopes, and whether it was presented with a replaced secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenLimits {
    pub role_cap: Option<Role>,
    /// Permissions the minter held beyond the cap role (through custom roles).
    pub cap_extra: Option<HashSet<String>>,
    /// Narrowed to these permissions (None: not narrowed).
    pub permissions: Option<HashSet<String>>,
    /// Narrowed to these workspace ids (None: not narrowed).
    pub workspaces: Option<HashSet<String>>,
    /// The token's scopes, which bound Steward's own permissions: `read` allows the `…:read`
    /// ones (and `tokens:introspect`), `write` the others. Application permissions are not
    /// scoped (narrow them with `permissions`). `None`: not bounded by scopes.
    pub scopes: Option<Vec<Scope>>,
    /// The token was presented with its previous secret, in the grace period of a refresh: it
    /// still authenticates, but manages no tokens, so a leaked old secret cannot take over the
    /// rotation that was meant to retire it.
    pub replaced_secret: bool,
}

/// What a secret replaced by a refresh may no longer do while its grace period lasts.
pub const WITHHELD_FROM_REPLACED_SECRETS: [Permission; 2] =
    [Permission::TokensWrite, Permission::ServiceAccountsWrite];

impl TokenLimits {
    /// Whether the token's scopes and secret allow `permission`: only Steward's own
    /// permissions are bounded this way.
    fn scope_allows(&self, permission: &str) -> bool {
        let Some(steward) = Permission::parse(permission) else {
            return true;
        };
        self.scopes
            .as_ref()
            .is_none_or(|scopes| scopes.contains(&steward.scope()))
            && !(self.replaced_secret && WITHHELD_FROM_REPLACED_SECRETS.contains(&steward))
    }

    fn cap_allows(&self, permission: &str) -> bool {
        match self.role_cap {
            None => true,
            Some(role) => {
                role_holds(role, permission)
                    || self
                        .cap_extra
                        .as_ref()
                        .is_some_and(|e| e.contains(permission))
            }
        }
    }

    fn narrowing_allows(&self, permission: &str, workspace: Option<&str>) -> bool {
        let permitted = self
            .permissions
            .as_ref()
            .is_none_or(|p| p.contains(permission));
        let placed = match &self.workspaces {
            None => true,
            Some(ws) => workspace.is_some_and(|w| ws.contains(w)),
        };
        permitted && placed
    }

    /// Whether the cap holds everything and nothing is narrowed (scopes aside, as for
    /// `Access::within_limits`).
    fn unlimited(&self) -> bool {
        self.role_cap.is_none_or(Role::holds_everything)
            && self.permissions.is_none()
            && self.workspaces.is_none()
    }
}

/// Everything needed to answer "may this principal do P (in workspace W)?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub role: Role,
    pub grants: Arc<Grants>,
    pub limits: Option<TokenLimits>,
    /// The organization's access version the grants were read at.
    pub version: i64,
}

impl Access {
    /// A principal with only its built-in role (no bindings, not a token).
    pub fn of_role(role: Role) -> Access {
        Access {
            role,
            grants: Arc::new(Grants::default()),
            limits: None,
            version: 0,
        }
    }

    /// What the subject holds before any token limit, at organization level or in `workspace`.
    fn holds(&self, permission: &str, workspace: Option<&str>) -> bool {
        role_holds(self.role, permission)
            || self.grants.org.contains(permission)
            || workspace
                .and_then(|w| self.grants.workspaces.get(w))
                .is_some_and(|g| g.permissions.contains(permission))
    }

    /// Whether `permission` is allowed, organization-wide (`None`) or in a workspace (by id):
    /// what every check enforces and what `whoami` and introspection report.
    pub fn allows(&self, permission: &str, workspace: Option<&str>) -> bool {
        self.within_limits(permission, workspace)
            && self
                .limits
                .as_ref()
                .is_none_or(|l| l.scope_allows(permission))
    }

    /// Whether `permission` is held within the token's cap and narrowing, whatever its scopes:
    /// the measure of what a token may grant or mint, since what it mints is bounded by its
    /// scopes separately (a write-only token mints only write-only tokens).
    fn within_limits(&self, permission: &str, workspace: Option<&str>) -> bool {
        self.holds(permission, workspace)
            && self.limits.as_ref().is_none_or(|l| {
                l.cap_allows(permission) && l.narrowing_allows(permission, workspace)
            })
    }

    pub fn allows_steward(&self, permission: Permission) -> bool {
        self.allows(permission.as_str(), None)
    }

    /// Whether this principal holds everything (organization-wide, unlimited).
    fn holds_everything(&self) -> bool {
        (self.role.holds_everything() || self.grants.org.all)
            && self.limits.as_ref().is_none_or(TokenLimits::unlimited)
    }

    /// Whether this principal holds every permission of `set` at organization level, or in
    /// `workspace`: the ceiling on granting and on acting on other principals.
    pub fn covers(&self, set: &PermSet, workspace: Option<&str>) -> bool {
        if set.all {
            return self.holds_everything()
                || workspace.is_some_and(|w| {
                    self.grants
                        .workspaces
                        .get(w)
                        .is_some_and(|g| g.permissions.all)
                        && self.limits.as_ref().is_none_or(TokenLimits::unlimited)
                });
        }
        set.names.iter().all(|p| self.within_limits(p, workspace))
    }

    /// Whether this principal holds everything `other` holds, everywhere: nobody may act on a
    /// principal more powerful than themselves.
    pub fn covers_principal(&self, other: &Access) -> bool {
        self.covers(&PermSet::of_role(other.role), None) && self.covers_grants(&other.grants)
    }

    /// Whether this principal holds everything `grants` give, where they give it (e.g. what a
    /// group's members get).
    pub fn covers_grants(&self, grants: &Grants) -> bool {
        self.covers(&grants.org, None)
            && grants
                .workspaces
                .iter()
                .all(|(id, g)| self.covers(&g.permissions, Some(id)))
    }

    /// The cap of a token this principal mints: its effective built-in role, and the further
    /// permissions it holds through bindings anywhere (`None`: nothing further). A principal
    /// that holds everything mints uncapped tokens (the admin cap).
    pub fn mint_cap(&self) -> (Role, Option<BTreeSet<String>>) {
        if self.holds_everything() {
            return (Role::Admin, None);
        }
        let role = self
            .limits
            .as_ref()
            .and_then(|l| l.role_cap)
            .map_or(self.role, |cap| cap.min(self.role));
        let builtin = PermSet::of_role(role);
        let extra: BTreeSet<String> = std::iter::once(&self.grants.org)
            .chain(self.grants.workspaces.values().map(|g| &g.permissions))
            .flat_map(|set| set.names.iter())
            .filter(|p| !builtin.contains(p))
            .filter(|p| {
                self.limits.as_ref().is_none_or(|l| {
                    l.cap_allows(p) && l.permissions.as_ref().is_none_or(|n| n.contains(*p))
                })
            })
            .cloned()
            .collect();
        (role, (!extra.is_empty()).then_some(extra))
    }

    /// The permissions allowed organization-wide and per workspace (by name), sorted, out of
    /// Steward's own and `application` (the organization's declared permissions).
    pub fn effective(
        &self,
        application: &[String],
        // Further workspaces to report, by `(id, name)`: those a token is narrowed to.
        extra_workspaces: &[(String, String)],
    ) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
        let candidates: BTreeSet<String> = Permission::ALL
            .iter()
            .map(|p| p.as_str().to_string())
            .chain(application.iter().cloned())
            .chain(self.grants.org.names.iter().cloned())
            .collect();
        let org: Vec<String> = candidates
            .iter()
            .filter(|p| self.allows(p, None))
            .cloned()
            .collect();
        let mut workspaces = BTreeMap::new();
        let places = self
            .grants
            .workspaces
            .iter()
            .map(|(id, g)| (id.clone(), g.name.clone(), Some(&g.permissions)))
            .chain(
                extra_workspaces
                    .iter()
                    .filter(|(id, _)| !self.grants.workspaces.contains_key(id))
                    .map(|(id, name)| (id.clone(), name.clone(), None)),
            );
        for (id, name, granted) in places {
            let all: BTreeSet<&String> = candidates
                .iter()
                .chain(granted.into_iter().flat_map(|g| g.names.iter()))
                .collect();
            let here: Vec<String> = all
                .into_iter()
                .filter(|p| self.allows(p, Some(&id)))
                .cloned()
                .collect();
            if !here.is_empty() {
                workspaces.insert(name, here);
            }
        }
        (org, workspaces)
    }
}

/// Adds up the grant rows of a subject into its grants.
pub fn grants_from_rows(rows: &[crate::store::GrantRow]) -> Grants {
    let mut grants = Grants::default();
    for row in rows {
        let target = match (&row.workspace_id, &row.workspace_name) {
            (Some(id), name) => {
                let grant = grants.workspaces.entry(id.clone()).or_default();
                grant.name = name.clone().unwrap_or_default();
                &mut grant.permissions
            }
            (None, _) => &mut grants.org,
        };
        if let Some(builtin) = Role::parse(&row.role_id) {
            target.add_all(&PermSet::of_role(builtin));
        } else if let Some(p) = &row.permission {
            if !target.all {
                target.names.insert(p.clone());
            }
        }
    }
    grants
}

/// Splits a stored comma-separated list; `None` stays `None` (not narrowed).
pub fn list_from_text(text: Option<&str>) -> Option<HashSet<String>> {
    text.map(|t| {
        t.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> PermSet {
        PermSet {
            all: false,
            names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn with_grants(role: Role, org: &[&str], ws: &[(&str, &[&str])]) -> Access {
        Access {
            role,
            grants: Arc::new(Grants {
                org: set(org),
                workspaces: ws
                    .iter()
                    .map(|(id, p)| {
                        (
                            id.to_string(),
                            WorkspaceGrant {
                                name: format!("name-{id}"),
                                permissions: set(p),
                            },
                        )
                    })
                    .collect(),
            }),
            limits: None,
            version: 0,
        }
    }

    #[test]
    fn workspace_bindings_apply_only_in_their_workspace() {
        let a = with_grants(
            Role::Viewer,
            &["repo:read"],
            &[("ws_prod", &["deploy:production"])],
        );
        assert!(a.allows("repo:read", None) && a.allows("repo:read", Some("ws_prod")));
        assert!(a.allows("deploy:production", Some("ws_prod")));
        assert!(!a.allows("deploy:production", None));
        assert!(!a.allows("deploy:production", Some("ws_dev")));
        assert!(a.allows_steward(Permission::ServiceAccountsRead));
        assert!(!a.allows_steward(Permission::TokensWrite));
    }

    #[test]
    fn tokens_are_capped_and_narrowed() {
        let mut a = with_grants(Role::Admin, &[], &[("ws_prod", &["deploy:production"])]);
        assert!(a.allows("anything:at-all", None));
        a.limits = Some(TokenLimits {
            role_cap: Some(Role::Editor),
            cap_extra: Some(["deploy:production".to_string()].into()),
            ..Default::default()
        });
        assert!(a.allows_steward(Permission::TokensWrite));
        assert!(!a.allows_steward(Permission::AuditRead), "capped at editor");
        assert!(a.allows("deploy:production", Some("ws_prod")));
        assert!(!a.allows("repo:read", None));
        a.limits.as_mut().unwrap().workspaces = Some(["ws_prod".to_string()].into());
        assert!(
            !a.allows_steward(Permission::TokensWrite),
            "workspace tokens have no org-wide powers"
        );
        assert!(a.allows("deploy:production", Some("ws_prod")));
        a.limits.as_mut().unwrap().permissions = Some(["repo:read".to_string()].into());
        assert!(!a.allows("deploy:production", Some("ws_prod")));
    }

    #[test]
    fn scopes_bound_stewards_permissions_and_a_replaced_secret_manages_no_tokens() {
        let mut a = with_grants(Role::Admin, &[], &[]);
        a.limits = Some(TokenLimits {
            scopes: Some(vec![Scope::Read]),
            ..Default::default()
        });
        assert!(a.allows_steward(Permission::AuditRead));
        assert!(a.allows_steward(Permission::TokensIntrospect));
        assert!(
            !a.allows_steward(Permission::TokensWrite),
            "write needs the write scope"
        );
        assert!(
            a.allows("deploy:production", None),
            "application permissions are not scoped"
        );
        assert!(
            a.covers(&PermSet::of_role(Role::Editor), None),
            "what a token may mint is bounded by its scopes elsewhere"
        );
        a.limits = Some(TokenLimits {
            replaced_secret: true,
            ..Default::default()
        });
        assert!(a.allows_steward(Permission::ServiceAccountsRead));
        for withheld in WITHHELD_FROM_REPLACED_SECRETS {
            assert!(!a.allows_steward(withheld), "{withheld}");
        }
        let (org, _) = a.effective(&[], &[]);
        assert!(
            !org.contains(&"tokens:write".to_string()),
            "reported as enforced"
        );
    }

    #[test]
    fn nobody_covers_more_than_they_hold() {
        let editor = Access::of_role(Role::Editor);
        let admin = Access::of_role(Role::Admin);
        assert!(admin.covers_principal(&editor));
        assert!(!editor.covers_principal(&admin));
        assert!(editor.covers(&PermSet::of_role(Role::Viewer), None));
        assert!(!editor.covers(&set(&["deploy:production"]), None));
        let deployer = with_grants(Role::Viewer, &[], &[("ws_prod", &["deploy:production"])]);
        assert!(!editor.covers_principal(&deployer));
        assert!(deployer.covers(&set(&["deploy:production"]), Some("ws_prod")));
        assert!(!deployer.covers(&set(&["deploy:production"]), Some("ws_dev")));
        assert!(admin.covers_principal(&deployer));
        let mut capped = Access::of_role(Role::Admin);
        capped.limits = Some(TokenLimits {
            role_cap: Some(Role::Editor),
            ..Default::default()
        });
        assert!(!capped.covers(&PermSet::everything(), None));
    }

    #[test]
    fn effective_lists_what_is_allowed() {
        let a = with_grants(
            Role::Viewer,
            &["repo:read"],
            &[("ws_prod", &["deploy:production"])],
        );
        let (org, ws) = a.effective(&["deploy:production".into(), "repo:read".into()], &[]);
        assert_eq!(org, vec!["repo:read", "service_accounts:read"]);
        assert_eq!(
            ws["name-ws_prod"],
            vec!["deploy:production", "repo:read", "service_accounts:read"]
        );
    }
}
