//! Groups: named sets of members and service accounts, and who is in them. Adding someone to a
//! group gives them the group's roles, so only a caller who holds everything the group gives
//! may change its members.

use crate::domain::{ApiError, Group, GroupMember, SubjectType};
use crate::services::access::workspace_group_rules::{self as rules, find, GROUPS};
use crate::services::access::{self};
use crate::services::audit::{event, AuditAction, Target};
use crate::services::clock::rfc3339;
use crate::services::Caller;
use crate::state::AppState;
use crate::store::NamedRow;
use std::collections::HashMap;

/// The organization's groups with their members, by name.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<Group>, ApiError> {
    let org = &caller.principal.organization.id;
    let rows = state.db.list_named(GROUPS.table, org).await?;
    let mut members: HashMap<String, Vec<GroupMember>> = HashMap::new();
    let sees_people = caller.sees_people();
    for m in state.db.group_members(org).await? {
        let kind = SubjectType::parse(&m.subject_type).unwrap_or(SubjectType::ServiceAccount);
        // People's emails are for those who may see members.
        let name = match (&kind, sees_people) {
            (SubjectType::Member, false) => m.subject_id.clone(),
            _ => m.subject_name.unwrap_or_else(|| m.subject_id.clone()),
        };
        members.entry(m.group_id).or_default().push(GroupMember {
            kind,
            name,
            id: m.subject_id,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let people = members.remove(&r.id).unwrap_or_default();
            to_api(r, people)
        })
        .collect())
}

/// One group with its members, as `list` shows it.
async fn one(state: &AppState, caller: &Caller, id: &str) -> Result<Group, ApiError> {
    list(state, caller)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(ApiError::internal)
}

/// Creates a group: roles bound to it apply to everyone in it. It starts empty.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    description: Option<&str>,
) -> Result<Group, ApiError> {
    let row = rules::create(state, caller, GROUPS, name, description).await?;
    Ok(to_api(row, Vec::new()))
}

/// Renames a group or changes its description; what is left out stays.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    name: Option<&str>,
    description: Option<&str>,
) -> Result<Group, ApiError> {
    let row = rules::update(state, caller, GROUPS, id, name, description).await?;
    // Its members as they are now; none if it was deleted meanwhile.
    let current = list(state, caller)
        .await?
        .into_iter()
        .find(|g| g.id == row.id);
    Ok(current.unwrap_or_else(|| to_api(row, Vec::new())))
}

/// Deletes a group; its memberships and bindings go with it.
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    rules::delete(state, caller, GROUPS, id).await
}

fn to_api(row: NamedRow, members: Vec<GroupMember>) -> Group {
    Group {
        members,
        id: row.id,
        name: row.name,
        description: row.description,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    }
}

/// Who to add to or remove from a group.
#[derive(Debug, Clone, Default)]
pub struct Members {
    pub service_account_ids: Vec<String>,
    pub member_ids: Vec<String>,
}

/// Adds (`add`) or removes members; the caller must hold everything the group gives. Unknown
/// ids are refused naming the field; adding someone twice or removing a non-member is harmless.
pub async fn change_members(
    state: &AppState,
    caller: &Caller,
    id: &str,
    who: Members,
    add: bool,
) -> Result<Group, ApiError> {
    let org = &caller.principal.organization.id;
    if who.service_account_ids.is_empty() && who.member_ids.is_empty() {
        return Err(ApiError::invalid(
            "service_account_ids",
            "Name at least one service account or member.",
        ));
    }
    if !who.member_ids.is_empty() {
        // A group's roles reach its members: giving a person roles is for people.
        crate::services::access::ceiling::ensure_person_manages_people(
            caller,
            "Adding or removing people",
        )?;
    }
    let mut tx = state.db.begin().await?;
    tx.bump_access_version(org).await?;
    let group = find(&mut tx, GROUPS, org, id).await?;
    let version = state.db.access_version(org).await?;
    let gives = access::grants(state, org, SubjectType::Group, &group.id, version).await?;
    if !caller.access.covers_grants(&gives) {
        return Err(ApiError::forbidden(
            "This group's roles hold permissions you do not have, so you cannot change its members.",
        ));
    }
    // Who changes, with the role each holds (taking someone out is acting on them).
    let mut changed = Vec::new();
    for sa in &who.service_account_ids {
        let account = tx.account(org, sa).await?.ok_or_else(|| {
            ApiError::unknown(
                "service_account_ids",
                format!("There is no service account '{sa}'."),
            )
        })?;
        let role = account.role;
        changed.push((SubjectType::ServiceAccount, account.id, account.name, role));
    }
    for m in &who.member_ids {
        let person = tx
            .member(org, m)
            .await?
            .ok_or_else(|| ApiError::unknown("member_ids", format!("There is no member '{m}'.")))?;
        let role = person.role;
        changed.push((SubjectType::Member, person.id, person.email, role));
    }
    if !add {
        // Taking someone out of a group is acting on them: only over those one holds all of.
        for (kind, subject_id, _, role) in &changed {
            crate::services::access::ceiling::ensure_caller_covers(
                state, caller, *kind, subject_id, *role,
            )
            .await?;
        }
    }
    for (kind, subject_id, _, _) in &changed {
        if add {
            tx.add_group_member(&group.id, kind.as_str(), subject_id)
                .await?;
        } else {
            tx.remove_group_member(&group.id, kind.as_str(), subject_id)
                .await?;
        }
    }
    let action = if add {
        AuditAction::GroupAddMembers
    } else {
        AuditAction::GroupRemoveMembers
    };
    let mut record = event(
        caller,
        action,
        Some(Target::of("group", &group.id, &group.name)),
    );
    let names: Vec<&str> = changed.iter().map(|(_, _, n, _)| n.as_str()).collect();
    record.details = Some(serde_json::json!({ "members": names }).to_string());
    tx.insert_audit(&record).await?;
    tx.commit().await?;
    one(state, caller, &group.id).await
}
