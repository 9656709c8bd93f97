//! Who belongs to which group.

use super::{on_pool, on_tx, Db, StoreResult, Tx};

/// A member of a group, with a name to show.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GroupMemberRow {
    pub group_id: String,
    pub subject_type: String,
    pub subject_id: String,
    pub subject_name: Option<String>,
}

const MEMBERS: &str = "SELECT gm.group_id, gm.subject_type, gm.subject_id, COALESCE(sa.name, u.email) AS subject_name \
     FROM group_members gm \
     LEFT JOIN service_accounts sa ON gm.subject_type = 'service_account' AND sa.id = gm.subject_id \
     LEFT JOIN users u ON gm.subject_type = 'member' AND u.id = gm.subject_id";

impl Db {
    /// The members of every group of the organization.
    pub async fn group_members(&self, organization_id: &str) -> StoreResult<Vec<GroupMemberRow>> {
        let sql = format!(
            "{MEMBERS} JOIN groups g ON g.id = gm.group_id WHERE g.organization_id = $1 \
             ORDER BY gm.group_id, subject_name"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .fetch_all(p)
            .await)?)
    }

    /// The groups a subject belongs to, as `(group_id, group_name)`.
    pub async fn groups_of(
        &self,
        subject_type: &str,
        subject_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT g.id, g.name FROM group_members gm JOIN groups g ON g.id = gm.group_id \
             WHERE gm.subject_type = $1 AND gm.subject_id = $2 ORDER BY g.name"
        )
        .bind(subject_type)
        .bind(subject_id)
        .fetch_all(p)
        .await)?)
    }
}

impl Tx {
    /// Adds a member; adding one twice is not an error. Returns whether it was new.
    pub async fn add_group_member(
        &mut self,
        group_id: &str,
        subject_type: &str,
        subject_id: &str,
    ) -> StoreResult<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO group_members (group_id, subject_type, subject_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING"
        )
        .bind(group_id)
        .bind(subject_type)
        .bind(subject_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Removes a member; returns whether it was one.
    pub async fn remove_group_member(
        &mut self,
        group_id: &str,
        subject_type: &str,
        subject_id: &str,
    ) -> StoreResult<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "DELETE FROM group_members WHERE group_id = $1 AND subject_type = $2 AND subject_id = $3"
        )
        .bind(group_id)
        .bind(subject_type)
        .bind(subject_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}
