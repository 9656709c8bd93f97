//! The permissions of custom roles, and the application permissions an organization declares.

use super::{on_pool, on_tx, Db, StoreResult, Tx};

/// A declared application permission.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeclaredPermission {
    pub name: String,
    pub description: String,
}

impl Db {
    /// `(role_id, permission)` for every custom role of the organization.
    pub async fn role_permissions(
        &self,
        organization_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT rp.role_id, rp.permission FROM role_permissions rp JOIN roles r ON r.id = rp.role_id \
             WHERE r.organization_id = $1 ORDER BY rp.role_id, rp.permission"
        )
        .bind(organization_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// The organization's application permissions, by name.
    pub async fn declared_permissions(
        &self,
        organization_id: &str,
    ) -> StoreResult<Vec<DeclaredPermission>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT name, description FROM permissions WHERE organization_id = $1 ORDER BY name"
        )
        .bind(organization_id)
        .fetch_all(p)
        .await)?)
    }
}

impl Tx {
    /// The permissions of one custom role.
    pub async fn permissions_of_role(&mut self, role_id: &str) -> StoreResult<Vec<String>> {
        Ok(on_tx!(self, |c| sqlx::query_scalar(
            "SELECT permission FROM role_permissions WHERE role_id = $1 ORDER BY permission"
        )
        .bind(role_id)
        .fetch_all(c)
        .await)?)
    }

    /// Replaces a custom role's permissions.
    pub async fn set_role_permissions(
        &mut self,
        role_id: &str,
        permissions: &[String],
    ) -> StoreResult<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM role_permissions WHERE role_id = $1"
        )
        .bind(role_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        for p in permissions {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)"
            )
            .bind(role_id)
            .bind(p)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Which of `names` the organization has declared.
    pub async fn declared_among(
        &mut self,
        organization_id: &str,
        names: &[String],
    ) -> StoreResult<Vec<String>> {
        let declared: Vec<String> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT name FROM permissions WHERE organization_id = $1"
        )
        .bind(organization_id)
        .fetch_all(c)
        .await)?;
        Ok(names
            .iter()
            .filter(|n| declared.contains(n))
            .cloned()
            .collect())
    }

    /// Fails with `UniqueViolation` when the name is declared already.
    pub async fn declare_permission(
        &mut self,
        organization_id: &str,
        name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO permissions (organization_id, name, description, created_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(organization_id)
        .bind(name)
        .bind(description)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Removes a declared permission and takes it out of every role; false when it was not
    /// declared.
    pub async fn retire_permission(
        &mut self,
        organization_id: &str,
        name: &str,
    ) -> StoreResult<bool> {
        let removed = on_tx!(self, |c| sqlx::query(
            "DELETE FROM permissions WHERE organization_id = $1 AND name = $2"
        )
        .bind(organization_id)
        .bind(name)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM role_permissions WHERE permission = $2 \
             AND role_id IN (SELECT id FROM roles WHERE organization_id = $1)"
        )
        .bind(organization_id)
        .bind(name)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(removed == 1)
    }
}
