//! Every API operation's request body decoder: the first byte picks the operation, the rest is
//! the body. Any bytes decode or are refused without a panic, and a body that decodes encodes
//! and decodes again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Decodes `body` as operation `$ty`'s input, and checks the round trip when it decodes.
macro_rules! decoders {
    ($($module:ident :: $ty:ident),* $(,)?) => {
        const DECODERS: &[fn(&[u8])] = &[$(
            |body| {
                if let Ok(input) = serde_json::from_slice::<app::api::$module::$ty>(body) {
                    let encoded = serde_json::to_vec(&input).expect("a decoded body encodes");
                    let again: app::api::$module::$ty =
                        serde_json::from_slice(&encoded).expect("an encoded body decodes");
                    assert_eq!(
                        serde_json::to_value(&again).unwrap(),
                        serde_json::to_value(&input).unwrap()
                    );
                }
            }
        ),*];
    };
}

decoders!(
    access::ListPermissions, access::DeclarePermission, access::RetirePermission,
    access::ListRoles, access::CreateRole, access::UpdateRole, access::DeleteRole,
    access::EffectiveAccess, access::ExplainAccess, audit::ListAudit, auth::Login, auth::Logout,
    auth::Whoami, auth::CheckSetupLink, auth::CompleteSetup, bindings::GrantBinding,
    bindings::RevokeBinding, bindings::ListBindings, directory::ListWorkspaces,
    directory::CreateWorkspace, directory::UpdateWorkspace, directory::DeleteWorkspace,
    directory::ListGroups, directory::CreateGroup, directory::UpdateGroup,
    directory::DeleteGroup, directory::AddGroupMembers, directory::RemoveGroupMembers,
    members::ListMembers, members::InviteMember, members::UpdateMember, members::ChangePassword,
    members::CheckInvitation, members::AcceptInvitation, service_accounts::ListServiceAccounts,
    service_accounts::CreateServiceAccount, service_accounts::GetServiceAccount,
    service_accounts::UpdateServiceAccount, service_accounts::DisableServiceAccount,
    service_accounts::EnableServiceAccount, service_accounts::ServiceAccountUsage,
    service_accounts::DeleteServiceAccount, service_accounts::StaleCredentials,
    settings::GetSettings, settings::UpdateSettings, settings::ListDeliveries,
    settings::TestWebhook, tokens::CreateToken, tokens::ListTokens, tokens::RevokeToken,
    tokens::RefreshToken, tokens::RevokeAllTokens,
);

fuzz_target!(|data: &[u8]| {
    if let Some((&which, body)) = data.split_first() {
        DECODERS[which as usize % DECODERS.len()](body);
    }
});
