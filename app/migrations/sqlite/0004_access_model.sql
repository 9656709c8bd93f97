-- The access model (keep the SQLite and PostgreSQL files identical in effect): application
-- permissions an organization declares, custom roles, workspaces, groups and role bindings.
-- The built-in roles viewer, editor and admin are not rows: their permissions are defined in
-- code, and bindings name them by those ids. Each person's and service account's `role` column
-- stays their organization-wide built-in role, so every existing account keeps exactly the power
-- it had.

CREATE TABLE permissions (
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (organization_id, name)
);

CREATE TABLE roles (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX roles_org_name ON roles(organization_id, name);

CREATE TABLE role_permissions (
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX workspaces_org_name ON workspaces(organization_id, name);

CREATE TABLE groups (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_org_name ON groups(organization_id, name);

-- subject_type is 'member' or 'service_account'.
CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    PRIMARY KEY (group_id, subject_type, subject_id)
);
CREATE INDEX group_members_subject ON group_members(subject_type, subject_id);

-- subject_type is 'member', 'service_account' or 'group'; role_id is a custom role's id or a
-- built-in role's name; workspace_id NULL means organization-wide.
CREATE TABLE role_bindings (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX role_bindings_subject ON role_bindings(subject_type, subject_id);
CREATE INDEX role_bindings_role ON role_bindings(role_id);
CREATE INDEX role_bindings_workspace ON role_bindings(workspace_id);

-- Bumped in the same transaction as every change to the tables above, and read together with
-- each credential: a replica's cached permissions are valid exactly while it matches.
ALTER TABLE organizations ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

-- Beyond its role cap, a token minted by someone holding custom roles may hold those extra
-- permissions (cap_permissions); a token may be narrowed at creation to some permissions and to
-- some workspaces (comma-separated; NULL = not narrowed).
ALTER TABLE tokens ADD COLUMN cap_permissions TEXT;
ALTER TABLE tokens ADD COLUMN narrow_permissions TEXT;
ALTER TABLE tokens ADD COLUMN narrow_workspaces TEXT;
