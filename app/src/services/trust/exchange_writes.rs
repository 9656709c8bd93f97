//! How exchanged tokens are written: the exchanges made at the same moment share one
//! transaction ([`GroupCommit`](crate::store::GroupCommit)), and each kind of row they add is
//! one statement for the whole group, so CI jobs that exchange together do not queue behind
//! each other's commits. What the checks of one exchange decided stays its own: a replay or a
//! disabled account refuses that exchange only.

use crate::store::{
    AccountBasics, ExchangeMark, GroupWrite, NewAuditEvent, NewToken, StoreResult, TrustPolicyRow,
    Tx, POLICY_USE_RESOLUTION_MS,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// An exchanged token's rows, as the exchange's checks decided them: the claim on the identity
/// token, the token with the policy's cap and narrowing and its marks, the policy's last use
/// and the `token.exchange` record.
pub struct ExchangeWrite {
    pub(super) account: AccountBasics,
    pub(super) policy: TrustPolicyRow,
    /// What identifies the identity token for replay, and until when it must be remembered.
    pub(super) replay_key: String,
    pub(super) replay_until: i64,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) created_by: String,
    pub(super) scopes: String,
    pub(super) secret_hash: String,
    pub(super) hint: String,
    /// JSON object of the claims that matched.
    pub(super) matched: String,
    pub(super) now: i64,
    pub(super) audit: NewAuditEvent,
}

/// What became of an [`ExchangeWrite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Issued,
    /// The identity token was already exchanged: nothing written.
    Replayed,
    /// The account was disabled (or deleted) since the exchange first read it: nothing written.
    AccountDisabled,
}

impl ExchangeWrite {
    fn new_token(&self) -> NewToken<'_> {
        let (account, policy) = (&self.account, &self.policy);
        NewToken {
            id: &self.id,
            organization_id: &account.organization_id,
            service_account_id: &account.id,
            name: &self.name,
            description: &self.description,
            scopes: &self.scopes,
            secret_hash: &self.secret_hash,
            hint: &self.hint,
            created_by: &self.created_by,
            created_at: self.now,
            expires_at: Some(self.now + policy.lifetime_seconds * 1000),
            role_cap: policy.role_cap.as_str(),
            cap_permissions: policy.cap_permissions.as_deref(),
            narrow_permissions: policy.narrow_permissions.as_deref(),
            narrow_workspaces: policy.narrow_workspaces.as_deref(),
            // An exchanged token is guarded like any new token of its account.
            guards: &account.default_guards,
            exchanged: Some(ExchangeMark {
                policy_id: &policy.id,
                issuer: &policy.issuer,
                claims: &self.matched,
            }),
        }
    }

    /// Whether the policy's row, as this exchange read it, already says it was used lately.
    fn policy_used_lately(&self) -> bool {
        self.policy
            .last_exchange_at
            .is_some_and(|t| t >= self.now - POLICY_USE_RESOLUTION_MS)
    }
}

impl GroupWrite for ExchangeWrite {
    type Outcome = Written;

    async fn write_group(writes: &[Self], tx: &mut Tx) -> StoreResult<Vec<Written>> {
        // Each account again, in order, held unchanged until commit (a disable waits; other
        // exchanges do not): disabled since the exchange's first read means no token.
        let accounts: BTreeMap<&str, &str> = writes
            .iter()
            .map(|w| (w.account.id.as_str(), w.account.organization_id.as_str()))
            .collect();
        let mut live = HashSet::new();
        for (id, organization) in accounts {
            let current = tx.account_unchanged(organization, id).await?;
            if current.is_some_and(|a| !a.disabled) {
                live.insert(id);
            }
        }
        let mut outcomes: Vec<Option<Written>> = vec![None; writes.len()];
        let mut keys = HashSet::new();
        let mut claims = Vec::new();
        for (w, outcome) in writes.iter().zip(&mut outcomes) {
            if !live.contains(w.account.id.as_str()) {
                *outcome = Some(Written::AccountDisabled);
            } else if !keys.insert(w.replay_key.as_str()) {
                // The same identity token twice in one group: the first one has it.
                *outcome = Some(Written::Replayed);
            } else {
                claims.push((w.replay_key.as_str(), w.replay_until));
            }
        }
        let claimed: HashSet<String> = tx
            .claim_identity_tokens(&claims)
            .await?
            .into_iter()
            .collect();
        let (mut tokens, mut audits, mut policies) = (Vec::new(), Vec::new(), BTreeSet::new());
        for (w, outcome) in writes.iter().zip(&mut outcomes) {
            if outcome.is_some() {
                continue;
            }
            if !claimed.contains(&w.replay_key) {
                *outcome = Some(Written::Replayed);
                continue;
            }
            tokens.push(w.new_token());
            audits.push(w.audit.clone());
            if !w.policy_used_lately() {
                policies.insert((w.policy.id.as_str(), w.now));
            }
            *outcome = Some(Written::Issued);
        }
        tx.insert_tokens(&tokens).await?;
        for (policy, now) in policies {
            tx.note_policy_used(policy, now).await?;
        }
        tx.insert_audits(&audits).await?;
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or(Written::Replayed))
            .collect())
    }
}
