//! Role bindings, the grants they add up to, and the organization's access version.

use super::changes::Change;
use super::{on_pool, on_tx, Db, StoreResult, Tx};

/// One permission a subject holds through one binding (its own or its group's). Built-in roles
/// have no permission rows: `permission` is NULL and the role is named by its id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub binding_id: String,
    pub role_id: String,
    /// The custom role's name; NULL for a built-in role.
    pub role_name: Option<String>,
    pub workspace_id: Option<String>,
    pub workspace_name: Option<String>,
    pub permission: Option<String>,
    /// The group the binding reaches the subject through, if any.
    pub group_name: Option<String>,
}

/// A binding as listed, with the names of what it ties together.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BindingRow {
    pub id: String,
    pub subject_type: String,
    pub subject_id: String,
    pub subject_name: Option<String>,
    pub role_id: String,
    pub role_name: Option<String>,
    pub workspace_id: Option<String>,
    pub workspace_name: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

/// A binding to insert.
#[derive(Debug, Clone)]
pub struct NewBinding<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub role_id: &'a str,
    pub workspace_id: Option<&'a str>,
    pub created_by: &'a str,
    pub now: i64,
}

/// Which bindings to list; every part optional.
#[derive(Debug, Clone, Default)]
pub struct BindingFilter {
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub workspace_id: Option<String>,
    pub role_id: Option<String>,
}

const GRANTS: &str = "SELECT b.id AS binding_id, b.role_id, r.name AS role_name, b.workspace_id, \
     w.name AS workspace_name, rp.permission, g.name AS group_name \
     FROM role_bindings b \
     LEFT JOIN roles r ON r.id = b.role_id \
     LEFT JOIN role_permissions rp ON rp.role_id = b.role_id \
     LEFT JOIN workspaces w ON w.id = b.workspace_id \
     LEFT JOIN groups g ON b.subject_type = 'group' AND g.id = b.subject_id \
     WHERE b.organization_id = $1 AND ((b.subject_type = $2 AND b.subject_id = $3) \
        OR (b.subject_type = 'group' AND b.subject_id IN \
            (SELECT gm.group_id FROM group_members gm WHERE gm.subject_type = $2 AND gm.subject_id = $3))) \
     ORDER BY b.created_at, b.id";

const BINDINGS: &str = "SELECT b.id, b.subject_type, b.subject_id, \
     COALESCE(sa.name, u.email, g.name) AS subject_name, b.role_id, r.name AS role_name, \
     b.workspace_id, w.name AS workspace_name, b.created_by, b.created_at \
     FROM role_bindings b \
     LEFT JOIN service_accounts sa ON b.subject_type = 'service_account' AND sa.id = b.subject_id \
     LEFT JOIN users u ON b.subject_type = 'member' AND u.id = b.subject_id \
     LEFT JOIN groups g ON b.subject_type = 'group' AND g.id = b.subject_id \
     LEFT JOIN roles r ON r.id = b.role_id \
     LEFT JOIN workspaces w ON w.id = b.workspace_id";

impl Db {
    /// Everything a subject holds through bindings, its groups' included: one query.
    pub async fn grant_rows(
        &self,
        organization_id: &str,
        subject_type: &str,
        subject_id: &str,
    ) -> StoreResult<Vec<GrantRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(GRANTS)
            .bind(organization_id)
            .bind(subject_type)
            .bind(subject_id)
            .fetch_all(p)
            .await)?)
    }

    /// The organization's access version: bumped by every change to roles, bindings, groups,
    /// workspaces and declared permissions.
    pub async fn access_version(&self, organization_id: &str) -> StoreResult<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT access_version FROM organizations WHERE id = $1"
        )
        .bind(organization_id)
        .fetch_one(p)
        .await)?)
    }

    /// A binding of this organization.
    pub async fn binding(
        &self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<BindingRow>> {
        let sql = format!("{BINDINGS} WHERE b.organization_id = $1 AND b.id = $2");
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Bindings of the organization matching `f`, oldest first.
    pub async fn list_bindings(
        &self,
        organization_id: &str,
        f: &BindingFilter,
    ) -> StoreResult<Vec<BindingRow>> {
        let sql = format!(
            "{BINDINGS} WHERE b.organization_id = $1 AND ($2 IS NULL OR b.subject_type = $2) \
             AND ($3 IS NULL OR b.subject_id = $3) AND ($4 IS NULL OR b.workspace_id = $4) \
             AND ($5 IS NULL OR b.role_id = $5) ORDER BY b.created_at, b.id LIMIT 5000"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(&f.subject_type)
            .bind(&f.subject_id)
            .bind(&f.workspace_id)
            .bind(&f.role_id)
            .fetch_all(p)
            .await)?)
    }
}

impl Tx {
    /// Starts a change to the access model: bumps the version (so every replica's cached
    /// permissions expire) and, on PostgreSQL, holds the organization row until commit, so
    /// concurrent changes to one organization's access model happen one after the other.
    pub async fn bump_access_version(&mut self, organization_id: &str) -> StoreResult<()> {
        self.changed(Change::Organization(organization_id.to_string()));
        on_tx!(self, |c| sqlx::query(
            "UPDATE organizations SET access_version = access_version + 1 WHERE id = $1"
        )
        .bind(organization_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn insert_binding(&mut self, b: &NewBinding<'_>) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO role_bindings (id, organization_id, subject_type, subject_id, role_id, workspace_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(b.id)
        .bind(b.organization_id)
        .bind(b.subject_type)
        .bind(b.subject_id)
        .bind(b.role_id)
        .bind(b.workspace_id)
        .bind(b.created_by)
        .bind(b.now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// A binding of this organization.
    pub async fn binding(
        &mut self,
        organization_id: &str,
        id: &str,
    ) -> StoreResult<Option<BindingRow>> {
        let sql = format!("{BINDINGS} WHERE b.organization_id = $1 AND b.id = $2");
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    /// Whether the subject already holds the role there.
    pub async fn binding_exists(
        &mut self,
        subject_type: &str,
        subject_id: &str,
        role_id: &str,
        workspace_id: Option<&str>,
    ) -> StoreResult<bool> {
        let n: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM role_bindings WHERE subject_type = $1 AND subject_id = $2 AND role_id = $3 \
             AND (workspace_id = $4 OR (workspace_id IS NULL AND $4 IS NULL))"
        )
        .bind(subject_type)
        .bind(subject_id)
        .bind(role_id)
        .bind(workspace_id)
        .fetch_one(c)
        .await
        })?;
        Ok(n > 0)
    }

    /// The bindings of a subject (without those of its groups), for a ceiling check.
    pub async fn bindings_of_subject(
        &mut self,
        organization_id: &str,
        subject_type: &str,
        subject_id: &str,
    ) -> StoreResult<Vec<BindingRow>> {
        let sql = format!(
            "{BINDINGS} WHERE b.organization_id = $1 AND b.subject_type = $2 AND b.subject_id = $3 ORDER BY b.created_at"
        );
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(subject_type)
            .bind(subject_id)
            .fetch_all(c)
            .await)?)
    }

    /// The bindings of a role, to name them when it cannot be deleted.
    pub async fn bindings_of_role(
        &mut self,
        organization_id: &str,
        role_id: &str,
    ) -> StoreResult<Vec<BindingRow>> {
        let sql = format!(
            "{BINDINGS} WHERE b.organization_id = $1 AND b.role_id = $2 ORDER BY b.created_at"
        );
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(role_id)
            .fetch_all(c)
            .await)?)
    }

    pub async fn delete_binding(&mut self, id: &str) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM role_bindings WHERE id = $1"
        )
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes every binding of a subject (when it is deleted) and its group memberships.
    pub async fn forget_subject(
        &mut self,
        subject_type: &str,
        subject_id: &str,
    ) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM role_bindings WHERE subject_type = $1 AND subject_id = $2"
        )
        .bind(subject_type)
        .bind(subject_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM group_members WHERE subject_type = $1 AND subject_id = $2"
        )
        .bind(subject_type)
        .bind(subject_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The distinct roles bound in a workspace (however many bindings name them): what a caller
    /// must be able to grant there to rename or delete it.
    pub async fn roles_bound_in_workspace(
        &mut self,
        organization_id: &str,
        workspace_id: &str,
    ) -> StoreResult<Vec<String>> {
        Ok(on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT DISTINCT role_id FROM role_bindings WHERE organization_id = $1 AND workspace_id = $2 ORDER BY role_id"
        )
        .bind(organization_id)
        .bind(workspace_id)
        .fetch_all(c)
        .await
        })?)
    }

    /// Whether any person is in the group.
    pub async fn group_has_people(&mut self, group_id: &str) -> StoreResult<bool> {
        let n: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND subject_type = 'member'"
        )
        .bind(group_id)
        .fetch_one(c)
        .await
        })?;
        Ok(n > 0)
    }

    /// Whether a role is bound to a person, directly or through a group with people in it.
    pub async fn role_reaches_people(
        &mut self,
        organization_id: &str,
        role_id: &str,
    ) -> StoreResult<bool> {
        let n: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM role_bindings b WHERE b.organization_id = $1 AND b.role_id = $2 \
             AND (b.subject_type = 'member' OR (b.subject_type = 'group' AND EXISTS \
               (SELECT 1 FROM group_members gm WHERE gm.group_id = b.subject_id AND gm.subject_type = 'member')))"
        )
        .bind(organization_id)
        .bind(role_id)
        .fetch_one(c)
        .await
        })?;
        Ok(n > 0)
    }

    /// Removes every binding of a role (forced role deletion).
    pub async fn delete_bindings_of_role(&mut self, role_id: &str) -> StoreResult<u64> {
        Ok(on_tx!(self, |c| sqlx::query(
            "DELETE FROM role_bindings WHERE role_id = $1"
        )
        .bind(role_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
