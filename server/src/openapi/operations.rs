//! Every server function, with what its types cannot say: its tag, what it needs, the errors it
//! answers besides the common ones, and an example body. A test fails when a server function is
//! missing here.
//!
//! Longer than most files: one entry per operation, in one table, so it grows with the API
//! and a reviewer sees every operation's contract side by side.

use super::document::{schema_of, server_fn, Components, Operation};
use super::Needs::{self, Nothing, Person, PersonWith, SignedIn};
use app::api::{
    access, audit, auth, bindings, groups, members, permissions, roles, service_accounts, settings,
    setup, tokens, trust, workspaces,
};
use app::domain::Permission::*;
use serde_json::json;

/// The tags, in the order the reference page shows them.
pub const TAGS: [&str; 11] = [
    "Sign-in and setup",
    "Service accounts",
    "Tokens",
    "Verification",
    "Access model",
    "Groups and workspaces",
    "Members",
    "Audit log",
    "Settings",
    "Expiry notices",
    "Health",
];

fn perm(p: app::domain::Permission) -> Needs {
    Needs::Permission(p)
}

/// Every server function's operation.
pub fn all(c: &mut Components) -> Vec<Operation> {
    let sign_in = TAGS[0];
    let accounts = TAGS[1];
    let tokens_tag = TAGS[2];
    let model = TAGS[4];
    let groups_tag = TAGS[5];
    let people = TAGS[6];
    let audit_tag = TAGS[7];
    let settings_tag = TAGS[8];
    let notices = TAGS[9];
    // A list answer (`Items<T>`, `Page<T>`) is written out in place and does not register its
    // element type; register those that nothing else references.
    schema_of::<app::domain::EffectivePermission>(c);
    schema_of::<app::domain::AuditEvent>(c);
    schema_of::<app::domain::TrustPolicy>(c);
    schema_of::<app::domain::TrustTemplate>(c);
    vec![
        // Sign-in and setup
        server_fn::<auth::Login>(
            c,
            sign_in,
            Nothing,
            &[401, 403],
            json!({"email": "ada@example.com", "password": "correct horse battery staple"}),
        ),
        server_fn::<auth::Logout>(c, sign_in, SignedIn, &[], json!({})),
        server_fn::<auth::Whoami>(c, sign_in, SignedIn, &[], json!({})),
        server_fn::<auth::ChangePassword>(
            c,
            sign_in,
            Person,
            &[],
            json!({"current_password": "correct horse battery staple", "new_password": "a longer passphrase now"}),
        ),
        server_fn::<setup::CheckSetupLink>(
            c,
            sign_in,
            Nothing,
            &[],
            json!({"token": "the secret from the setup link"}),
        ),
        server_fn::<setup::CompleteSetup>(
            c,
            sign_in,
            Nothing,
            &[404, 401, 403, 409],
            json!({"token": "the secret from the setup link", "org_name": "Acme", "org_slug": "acme", "name": "Ada Lovelace", "email": "ada@example.com", "password": "correct horse battery staple"}),
        ),
        server_fn::<setup::CheckInvitation>(
            c,
            sign_in,
            Nothing,
            &[],
            json!({"token": "the secret from the invitation link"}),
        ),
        server_fn::<setup::AcceptInvitation>(
            c,
            sign_in,
            Nothing,
            &[404, 401, 403],
            json!({"token": "the secret from the invitation link", "password": "correct horse battery staple"}),
        ),
        // Service accounts
        server_fn::<service_accounts::ListServiceAccounts>(
            c,
            accounts,
            perm(ServiceAccountsRead),
            &[],
            json!({"query": "deploy", "status": "active", "sort": "-requests", "page": 1, "per_page": 25}),
        ),
        server_fn::<service_accounts::CreateServiceAccount>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404, 409],
            json!({"name": "ci-deploy", "description": "Deploys from CI", "role": "editor"}),
        ),
        server_fn::<service_accounts::GetServiceAccount>(
            c,
            accounts,
            perm(ServiceAccountsRead),
            &[404],
            json!({"id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}),
        ),
        server_fn::<service_accounts::UpdateServiceAccount>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404, 409],
            json!({"id": "sa_4Rk2WmX9bQ7nT1vLp0Zc", "description": "Deploys main to production"}),
        ),
        server_fn::<service_accounts::DisableServiceAccount>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404],
            json!({"id": "sa_4Rk2WmX9bQ7nT1vLp0Zc", "revoke_tokens": false}),
        ),
        server_fn::<service_accounts::EnableServiceAccount>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404],
            json!({"id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}),
        ),
        server_fn::<service_accounts::DeleteServiceAccount>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404],
            json!({"id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}),
        ),
        server_fn::<service_accounts::StaleCredentials>(
            c,
            accounts,
            perm(ServiceAccountsRead),
            &[],
            json!({"unused_days": 30}),
        ),
        server_fn::<service_accounts::UpdateServiceAccountGuards>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404],
            json!({"id": "sa_4Rk2WmX9bQ7nT1vLp0Zc", "guards": {"allowed_networks": ["10.0.0.0/8"], "rate_limit_per_minute": 600}}),
        ),
        server_fn::<service_accounts::ServiceAccountUsage>(
            c,
            accounts,
            perm(ServiceAccountsRead),
            &[404],
            json!({"id": "sa_4Rk2WmX9bQ7nT1vLp0Zc", "days": 30}),
        ),
        server_fn::<trust::AddTrustPolicy>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404],
            json!({
                "service_account_id": "sa_4Rk2WmX9bQ7nT1vLp0Zc",
                "issuer": "https://token.actions.githubusercontent.com",
                "audience": "https://steward.example.com",
                "conditions": [
                    {"claim": "repository", "value": "acme/api"},
                    {"claim": "ref", "value": "refs/heads/main", "match": "exact"},
                    {"claim": "environment", "value": "prod*", "match": "glob"},
                ],
                "scopes": ["read", "write"],
                "lifetime_seconds": 900,
            }),
        ),
        server_fn::<trust::ListTrustPolicies>(
            c,
            accounts,
            perm(ServiceAccountsRead),
            &[404],
            json!({"service_account_id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}),
        ),
        server_fn::<trust::RemoveTrustPolicy>(
            c,
            accounts,
            perm(ServiceAccountsWrite),
            &[404],
            json!({"id": "trp_8Jd3Qs0Lm2Xv7Bn4Rt1Yc"}),
        ),
        server_fn::<trust::TrustTemplates>(c, accounts, perm(ServiceAccountsRead), &[], json!({})),
        // Tokens
        server_fn::<tokens::CreateToken>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404, 409],
            json!({"service_account_id": "sa_4Rk2WmX9bQ7nT1vLp0Zc", "name": "deploy", "scopes": ["read", "write"], "expires_in_days": 90}),
        ),
        server_fn::<tokens::ListTokens>(
            c,
            tokens_tag,
            perm(ServiceAccountsRead),
            &[404],
            json!({"service_account_id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}),
        ),
        server_fn::<tokens::RefreshToken>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404],
            json!({"id": "tok_8Hq3ZpN5cV2mR6wKs1Yd", "grace_seconds": 3600}),
        ),
        server_fn::<tokens::RevokeToken>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404],
            json!({"id": "tok_8Hq3ZpN5cV2mR6wKs1Yd"}),
        ),
        server_fn::<tokens::UpdateTokenGuards>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404],
            json!({"id": "tok_8Hq3ZpN5cV2mR6wKs1Yd", "guards": {"allowed_networks": ["10.0.0.0/8", "2001:db8::/32"], "rate_limit_per_minute": 600, "max_uses": 10000}}),
        ),
        server_fn::<tokens::ProposeReportOnly>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404],
            json!({"id": "tok_8Hq3ZpN5cV2mR6wKs1Yd", "guards": {"allowed_networks": ["10.0.0.0/8"]}, "scopes": ["read"], "expires_in_days": 7}),
        ),
        server_fn::<tokens::EnforceReportOnly>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404, 409],
            json!({"id": "tok_8Hq3ZpN5cV2mR6wKs1Yd"}),
        ),
        server_fn::<tokens::DiscardReportOnly>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404, 409],
            json!({"id": "tok_8Hq3ZpN5cV2mR6wKs1Yd"}),
        ),
        server_fn::<tokens::RestoreToken>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404, 409],
            json!({"id": "tok_8Hq3ZpN5cV2mR6wKs1Yd"}),
        ),
        server_fn::<tokens::RevokeAllTokens>(
            c,
            tokens_tag,
            perm(TokensWrite),
            &[404],
            json!({"service_account_id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}),
        ),
        // Access model
        server_fn::<permissions::ListPermissions>(
            c,
            model,
            perm(ServiceAccountsRead),
            &[],
            json!({}),
        ),
        server_fn::<permissions::DeclarePermission>(
            c,
            model,
            perm(RolesWrite),
            &[409],
            json!({"name": "deploy:production", "description": "Deploy to production"}),
        ),
        server_fn::<permissions::RetirePermission>(
            c,
            model,
            perm(RolesWrite),
            &[404],
            json!({"name": "deploy:production"}),
        ),
        server_fn::<roles::ListRoles>(c, model, perm(ServiceAccountsRead), &[], json!({})),
        server_fn::<roles::CreateRole>(
            c,
            model,
            perm(RolesWrite),
            &[404, 409],
            json!({"name": "deployer", "description": "Ships releases", "permissions": ["deploy:production", "service_accounts:read"]}),
        ),
        server_fn::<roles::UpdateRole>(
            c,
            model,
            perm(RolesWrite),
            &[404, 409],
            json!({"id": "rol_5Tn7KpB2xW9qM3vHc8Lf", "permissions": ["deploy:production"]}),
        ),
        server_fn::<roles::DeleteRole>(
            c,
            model,
            perm(RolesWrite),
            &[404, 409],
            json!({"id": "rol_5Tn7KpB2xW9qM3vHc8Lf", "force": false}),
        ),
        server_fn::<bindings::GrantBinding>(
            c,
            model,
            perm(ServiceAccountsWrite),
            &[404, 409],
            json!({"subject": {"type": "service_account", "id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}, "role": "deployer", "workspace": "prod"}),
        ),
        server_fn::<bindings::RevokeBinding>(
            c,
            model,
            SignedIn,
            &[404],
            json!({"id": "bnd_2Lp9XcV4nQ8mT5wRk7Hs"}),
        ),
        server_fn::<bindings::ListBindings>(
            c,
            model,
            perm(ServiceAccountsRead),
            &[404],
            json!({"role": "deployer"}),
        ),
        server_fn::<access::EffectiveAccess>(
            c,
            model,
            perm(ServiceAccountsRead),
            &[404],
            json!({"subject": {"type": "service_account", "id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}}),
        ),
        server_fn::<access::ExplainAccess>(
            c,
            model,
            perm(ServiceAccountsRead),
            &[404],
            json!({"subject": {"type": "service_account", "id": "sa_4Rk2WmX9bQ7nT1vLp0Zc"}, "permission": "deploy:production", "workspace": "prod"}),
        ),
        // Groups and workspaces
        server_fn::<workspaces::ListWorkspaces>(
            c,
            groups_tag,
            perm(ServiceAccountsRead),
            &[],
            json!({}),
        ),
        server_fn::<workspaces::CreateWorkspace>(
            c,
            groups_tag,
            perm(WorkspacesWrite),
            &[409],
            json!({"name": "prod", "description": "Production"}),
        ),
        server_fn::<workspaces::UpdateWorkspace>(
            c,
            groups_tag,
            perm(WorkspacesWrite),
            &[404, 409],
            json!({"id": "wsp_7Vb3NcX8kP2qL6mTz4Rd", "description": "Production, all regions"}),
        ),
        server_fn::<workspaces::DeleteWorkspace>(
            c,
            groups_tag,
            perm(WorkspacesWrite),
            &[404],
            json!({"id": "wsp_7Vb3NcX8kP2qL6mTz4Rd"}),
        ),
        server_fn::<groups::ListGroups>(c, groups_tag, perm(ServiceAccountsRead), &[], json!({})),
        server_fn::<groups::CreateGroup>(
            c,
            groups_tag,
            perm(GroupsWrite),
            &[409],
            json!({"name": "deployers", "description": "Everything that ships"}),
        ),
        server_fn::<groups::UpdateGroup>(
            c,
            groups_tag,
            perm(GroupsWrite),
            &[404, 409],
            json!({"id": "grp_3Kc8VnB5xT1qW7mLp2Zr", "name": "release"}),
        ),
        server_fn::<groups::DeleteGroup>(
            c,
            groups_tag,
            perm(GroupsWrite),
            &[404],
            json!({"id": "grp_3Kc8VnB5xT1qW7mLp2Zr"}),
        ),
        server_fn::<groups::AddGroupMembers>(
            c,
            groups_tag,
            perm(GroupsWrite),
            &[404],
            json!({"id": "grp_3Kc8VnB5xT1qW7mLp2Zr", "service_account_ids": ["sa_4Rk2WmX9bQ7nT1vLp0Zc"]}),
        ),
        server_fn::<groups::RemoveGroupMembers>(
            c,
            groups_tag,
            perm(GroupsWrite),
            &[404],
            json!({"id": "grp_3Kc8VnB5xT1qW7mLp2Zr", "service_account_ids": ["sa_4Rk2WmX9bQ7nT1vLp0Zc"]}),
        ),
        // Members
        server_fn::<members::ListMembers>(
            c,
            people,
            PersonWith(MembersRead),
            &[],
            json!({"page": 1, "per_page": 50}),
        ),
        server_fn::<members::InviteMember>(
            c,
            people,
            PersonWith(MembersWrite),
            &[404, 409],
            json!({"email": "grace@example.com", "name": "Grace Hopper", "role": "editor"}),
        ),
        server_fn::<members::UpdateMember>(
            c,
            people,
            PersonWith(MembersWrite),
            &[404, 409],
            json!({"id": "usr_6Wm2QxC9vN4kT8bLr3Jp", "role": "admin"}),
        ),
        // Audit log
        server_fn::<audit::ListAudit>(
            c,
            audit_tag,
            perm(AuditRead),
            &[],
            json!({"action": "token.created", "since": "2026-11-01T00:00:00Z", "page": 1}),
        ),
        // Settings
        server_fn::<settings::GetSettings>(c, settings_tag, perm(SettingsRead), &[], json!({})),
        server_fn::<settings::UpdateSettings>(
            c,
            settings_tag,
            PersonWith(SettingsWrite),
            &[],
            json!({"max_token_lifetime_days": 365, "webhook_url": "https://hooks.example.com/steward"}),
        ),
        // Expiry notices
        server_fn::<settings::ListDeliveries>(c, notices, perm(SettingsRead), &[], json!({})),
        server_fn::<settings::TestWebhook>(c, notices, PersonWith(SettingsWrite), &[], json!({})),
    ]
}
