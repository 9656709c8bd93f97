//! Custom roles, workspaces and groups: three tables of the same shape (an id, a name unique in
//! the organization, a description), read and written by the same queries.

use super::{on_pool, on_tx, Db, StoreResult, Tx};

/// Which of the three tables; a closed set, so table names are never built from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedTable {
    Roles,
    Workspaces,
    Groups,
}

impl NamedTable {
    fn table(self) -> &'static str {
        match self {
            NamedTable::Roles => "roles",
            NamedTable::Workspaces => "workspaces",
            NamedTable::Groups => "groups",
        }
    }
}

/// A role, workspace or group as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NamedRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A role, workspace or group to insert.
#[derive(Debug, Clone)]
pub struct NewNamed<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub now: i64,
}

const COLUMNS: &str = "id, name, description, created_at, updated_at";

impl Db {
    /// Every row of the organization, by name.
    pub async fn list_named(
        &self,
        table: NamedTable,
        organization_id: &str,
    ) -> StoreResult<Vec<NamedRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE organization_id = $1 ORDER BY name",
            table.table()
        );
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .fetch_all(p)
            .await)?)
    }

    /// A row of the organization, found by id or by name.
    pub async fn named(
        &self,
        table: NamedTable,
        organization_id: &str,
        id_or_name: &str,
    ) -> StoreResult<Option<NamedRow>> {
        let sql = by_id_or_name_sql(table);
        Ok(on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id_or_name)
            .fetch_optional(p)
            .await)?)
    }
}

impl Tx {
    /// A row of the organization, found by id or by name, inside the transaction.
    pub async fn named(
        &mut self,
        table: NamedTable,
        organization_id: &str,
        id_or_name: &str,
    ) -> StoreResult<Option<NamedRow>> {
        let sql = by_id_or_name_sql(table);
        Ok(on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(id_or_name)
            .fetch_optional(c)
            .await)?)
    }

    /// Fails with `UniqueViolation` when the organization already has that name.
    pub async fn insert_named(&mut self, table: NamedTable, n: &NewNamed<'_>) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO {} (id, organization_id, name, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
            table.table()
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(n.id)
            .bind(n.organization_id)
            .bind(n.name)
            .bind(n.description)
            .bind(n.now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn update_named(
        &mut self,
        table: NamedTable,
        id: &str,
        name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()> {
        let sql = format!(
            "UPDATE {} SET name = $2, description = $3, updated_at = $4 WHERE id = $1",
            table.table()
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(id)
            .bind(name)
            .bind(description)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes a row; rows that reference it by foreign key go with it.
    pub async fn delete_named(&mut self, table: NamedTable, id: &str) -> StoreResult<()> {
        let sql = format!("DELETE FROM {} WHERE id = $1", table.table());
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// The one query that finds a row by id or by name (an id wins over a name that looks like
/// one), in or out of a transaction.
fn by_id_or_name_sql(table: NamedTable) -> String {
    format!(
        "SELECT {COLUMNS} FROM {} WHERE organization_id = $1 AND (id = $2 OR name = $2) \
         ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END LIMIT 1",
        table.table()
    )
}
