//! What the body types cannot say about their fields: closed sets, ranges, patterns and the
//! rules that tie fields together, written so that a body the document allows is one the
//! server takes and a body it refuses is one the server refuses (Schemathesis checks both
//! directions: `server/tests/integration/conformance.rs`). Each rule mirrors a validator in
//! `app/src/domain` or `app/src/services`, named beside it.
//!
//! Names and descriptions are trimmed before they are checked, so their patterns allow the
//! whitespace Rust's `str::trim` removes (Unicode `White_Space`) around the value.
//!
//! Longer than most files: one rule per request body, kept in one place so that the document's
//! input rules are reviewed against each other; it grows with the API.

use serde_json::{json, Map, Value};

/// Unicode `White_Space`, the characters `str::trim` removes, as a regex class body.
const WS: &str = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// Any text the database can store: everything but NUL (PostgreSQL refuses it in text).
fn text() -> Value {
    json!({"pattern": "^[^\\u0000]*$"})
}

/// `ResourceName`: 1–64 of `a-z 0-9 _ -`, starting with a letter or digit, trimmed first.
fn resource_name() -> Value {
    json!({"pattern": format!("^[{WS}]*[a-z0-9][a-z0-9_-]{{0,63}}[{WS}]*$")})
}

/// `parse_description`: trimmed, then at most 500 characters with no control characters but
/// line breaks and tabs.
fn description() -> Value {
    // Allowed anywhere inside: not a control character (Cc), except \t \n \r.
    let inner = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]";
    // The first and last character of the trimmed text: allowed and not white space.
    let edge = format!(r"[^\u0000-\u0020\u007F-\u009F{WS}]");
    json!({"pattern": format!("^[{WS}]*(?:{edge}(?:{inner}{{0,498}}{edge})?)?[{WS}]*$")})
}

/// Steward's own resources, which an application permission may not use.
const STEWARD_RESOURCES: &str =
    "service_accounts|tokens|members|audit|settings|roles|groups|workspaces";

/// An application permission (`PermissionName`): `resource:action`, each part 1–48 of
/// `a-z 0-9 _ - .` starting with a letter or digit, the resource not one of Steward's.
fn application_permission_core() -> String {
    let part = r"[a-z0-9][a-z0-9_.-]{0,47}";
    format!("(?!(?:{STEWARD_RESOURCES}):){part}:{part}")
}

/// An application permission to declare or retire, trimmed first.
fn application_permission() -> Value {
    let core = application_permission_core();
    json!({"pattern": format!("^[{WS}]*{core}[{WS}]*$")})
}

/// One of Steward's permissions or an application permission, trimmed first
/// (`parse_permission_list`, `explain`).
fn permission_name() -> Value {
    let steward: Vec<&str> = app::domain::Permission::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    let core = application_permission_core();
    json!({"pattern": format!("^[{WS}]*(?:{}|{core})[{WS}]*$", steward.join("|"))})
}

/// Characters that reorder or hide text, refused in names and emails
/// (`is_deceptive_format_char`).
const DECEPTIVE: &str = r"\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF";

/// `DisplayName`: trimmed, 1–100 characters, no control or text-direction characters.
fn display_name() -> Value {
    let inner = format!(r"[^\u0000-\u001F\u007F-\u009F{DECEPTIVE}]");
    let edge = format!(r"[^\u0000-\u0020\u007F-\u009F{DECEPTIVE}{WS}]");
    json!({"pattern": format!("^[{WS}]*{edge}(?:{inner}{{0,98}}{edge})?[{WS}]*$")})
}

/// `EmailAddress`: trimmed, one `@` with something before it, a domain with a dot that does
/// not start or end with one, no white space, control or text-direction characters; at most
/// 254 characters.
fn email() -> Value {
    let c = format!(r"[^@\u0000-\u0020\u007F-\u009F{DECEPTIVE}{WS}]");
    let d = format!(r"[^@.\u0000-\u0020\u007F-\u009F{DECEPTIVE}{WS}]");
    json!({
        "format": "email",
        "maxLength": 254,
        "pattern": format!("^[{WS}]*{c}+@{d}{c}*\\.{c}*{d}[{WS}]*$"),
    })
}

/// `check_password`: 12–256 characters, any.
fn new_password() -> Value {
    json!({"minLength": 12, "maxLength": 256})
}

fn range(min: i64, max: i64) -> Value {
    json!({"minimum": min, "maximum": max})
}

fn one_of_values(values: &[&str]) -> Value {
    json!({"enum": values})
}

/// The rule for `field` of operation `operation` (its id, e.g. `tokens/create`), if any.
fn rule(operation: &str, field: &str) -> Option<Value> {
    let built_in_role = || one_of_values(&["viewer", "editor", "admin"]);
    Some(match (operation, field) {
        // Paging (`parse_paging`), and the other bounded numbers.
        (_, "page") => range(1, 1_000_000),
        (_, "per_page") => range(1, 200),
        ("service-accounts/usage", "days") => range(1, 90),
        ("service-accounts/stale", "unused_days") => range(1, 365),
        (_, "expires_in_days") => range(1, 3650),
        ("tokens/refresh", "grace_seconds") => range(0, 604_800),
        // Closed sets.
        (_, "scopes") => json!({"items": {"enum": ["read", "write"]}, "minItems": 1}),
        ("service-accounts/list", "status") => one_of_values(&["active", "disabled", "all"]),
        ("service-accounts/list", "sort") => one_of_values(&[
            "name",
            "-name",
            "created",
            "-created",
            "-requests",
            "-last_used",
        ]),
        (
            "service-accounts/list" | "service-accounts/create" | "service-accounts/update",
            "role",
        ) => built_in_role(),
        ("members/invite" | "members/update", "role") => built_in_role(),
        ("audit/export" | "audit/export (GET)", "format") => one_of_values(&["csv", "jsonl"]),
        ("audit/export" | "audit/export (GET)" | "audit/list", "since" | "until") => {
            json!({"format": "date-time"})
        }
        ("auth/verify", "scope") => one_of_values(&["read", "write"]),
        // An organization's slug; any other value matches no organization (403).
        ("auth/verify", "organization") => resource_name(),
        // Blank means none, as for `workspace`.
        ("auth/verify", "workspace_id") => {
            json!({"pattern": format!("^[{WS}]*(?:wsp_[A-Za-z0-9]{{1,64}})?[{WS}]*$")})
        }
        ("auth/verify", "permission") => permission_name(),
        // Blank means none: the workspace is looked up only when named.
        ("auth/verify", "workspace") => {
            json!({"pattern": format!("^[{WS}]*(?:[a-z0-9][a-z0-9_-]{{0,63}})?[{WS}]*$")})
        }
        ("service-accounts/list", "query") => json!({"maxLength": 100, "pattern": "^[^\\u0000]*$"}),
        // Names and descriptions.
        (
            "service-accounts/create"
            | "service-accounts/update"
            | "tokens/create"
            | "roles/create"
            | "roles/update"
            | "workspaces/create"
            | "workspaces/update"
            | "groups/create"
            | "groups/update",
            "name",
        ) => resource_name(),
        ("auth/login" | "setup/complete", "organization" | "org_slug") => resource_name(),
        (_, "description") => description(),
        ("permissions/declare" | "permissions/retire", "name") => application_permission(),
        ("access/explain", "permission") => permission_name(),
        ("roles/create" | "roles/update" | "tokens/create", "permissions") => {
            json!({"items": permission_name(), "minItems": 1})
        }
        ("tokens/create" | "service-accounts/trust/add", "workspaces") => json!({"minItems": 1}),
        ("service-accounts/trust/add", "permissions") => {
            json!({"items": permission_name(), "minItems": 1})
        }
        // `parse_issuer`: trimmed, https, a host, no query, fragment, user name, blank or
        // control character, at most 255 characters.
        ("service-accounts/trust/add", "issuer") => {
            let c = r"[^\u0000-\u0020\u007F-\u009F?#@\\]";
            let first = r"[^\u0000-\u0020\u007F-\u009F?#@\\/:]";
            json!({"pattern": format!("^[{WS}]*https://{first}{c}{{0,246}}[{WS}]*$")})
        }
        // `parse_audience`: trimmed, 1–255 characters, no control character.
        ("service-accounts/trust/add", "audience") => {
            let inner = r"[^\u0000-\u001F\u007F-\u009F]";
            let edge = format!(r"[^\u0000-\u001F\u007F-\u009F{WS}]");
            json!({"pattern": format!("^[{WS}]*{edge}(?:{inner}{{0,253}}{edge})?[{WS}]*$")})
        }
        // `parse_conditions`: 1–16 (each item's shape is `ClaimCondition`'s, below).
        ("service-accounts/trust/add", "conditions") => json!({"minItems": 1, "maxItems": 16}),
        // `parse_lifetime`.
        ("service-accounts/trust/add", "lifetime_seconds") => range(60, 43_200),
        ("auth/login" | "setup/complete" | "members/invite", "email") => email(),
        ("setup/complete" | "members/invite", "name") => display_name(),
        ("setup/complete", "org_name") => display_name(),
        ("setup/complete" | "setup/accept-invite", "password") => new_password(),
        ("auth/change-password", "new_password") => new_password(),
        _ => return None,
    })
}

/// Cross-field rules, as `allOf` parts of the body's schema.
fn body_rules(operation: &str) -> Vec<Value> {
    let present =
        |field: &str, schema: Value| json!({"required": [field], "properties": {field: schema}});
    let absent = |field: &str| json!({"properties": {field: {"type": "null"}}});
    match operation {
        // `explain`: a subject or a token, not both (422 on `subject`).
        "access/explain" => vec![json!({"oneOf": [
            {"allOf": [present("subject", json!({"type": "object"})), absent("token_id")]},
            {"allOf": [present("token_id", json!({"type": "string"})), absent("subject")]},
        ]})],
        // At least one account or member to add or remove (422 on `service_account_ids`).
        "groups/add-members" | "groups/remove-members" => vec![json!({"anyOf": [
            present("service_account_ids", json!({"type": "array", "minItems": 1})),
            present("member_ids", json!({"type": "array", "minItems": 1})),
        ]})],
        // An organization role, or roles to hold (`organization_role`: 422 "Choose a role").
        "service-accounts/create" => vec![json!({"anyOf": [
            present("role", json!({"type": "string"})),
            present("roles", json!({"type": "array", "minItems": 1})),
        ]})],
        // A number of days or never, not both (422 on `expires_in_days`).
        "tokens/create" | "tokens/refresh" => vec![json!({"not": {"allOf": [
            present("expires_in_days", json!({"type": "integer"})),
            present("never_expires", json!({"const": true})),
        ]}})],
        _ => Vec::new(),
    }
}

/// Fields an operation needs although its type has them optional (so that a missing one is
/// a clear 422 rather than a bad request).
fn required(operation: &str) -> &'static [&'static str] {
    match operation {
        "audit/export" | "audit/export (GET)" => &["format"],
        _ => &[],
    }
}

/// The schema of query parameter `name` of `operation`: its type's, with the rule applied.
pub fn parameter(operation: &str, name: &str, property: &Value) -> (Value, bool) {
    let mut schema = property.clone();
    if let Some(map) = schema.as_object_mut() {
        map.remove("description");
        // A query parameter is text or absent; never `null`.
        if let Some(Value::Array(types)) = map.get("type").cloned() {
            let types: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
            map.insert(
                "type".into(),
                types.first().cloned().unwrap_or(json!("string")),
            );
        }
    }
    match rule(operation, name) {
        Some(extra) => merge(&mut schema, extra),
        None => protect_text(&mut schema),
    }
    (schema, required(operation).contains(&name))
}

/// Applies the rules to the body schema of `operation` (an object schema with `properties`).
pub fn refine(operation: &str, schema: &mut Value) {
    let needed = required(operation);
    if !needed.is_empty() {
        let list = schema
            .as_object_mut()
            .map(|m| m.entry("required").or_insert_with(|| json!([])));
        if let Some(Value::Array(list)) = list {
            list.extend(needed.iter().map(|f| json!(f)));
        }
        // Required means present and not null.
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for field in needed {
                if let Some(Value::Array(types)) =
                    props.get_mut(*field).and_then(|p| p.get_mut("type"))
                {
                    types.retain(|t| t != "null");
                }
            }
        }
    }
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (field, property) in properties.iter_mut() {
        match rule(operation, field) {
            Some(extra) => merge(property, extra),
            None => protect_text(property),
        }
    }
    let parts = body_rules(operation);
    if !parts.is_empty() {
        schema["allOf"] = Value::Array(parts);
    }
}

/// Adds `extra`'s keywords to `property`; an `enum` also admits `null` when the property does.
fn merge(property: &mut Value, extra: Value) {
    let nullable = is_nullable(property);
    let Value::Object(target) = property else {
        return;
    };
    let Value::Object(extra) = extra else { return };
    for (key, value) in extra {
        match (key.as_str(), value) {
            ("enum", Value::Array(mut values)) => {
                if nullable {
                    values.push(Value::Null);
                }
                target.insert(key, Value::Array(values));
            }
            ("items", Value::Object(items)) => {
                let slot = target
                    .entry("items")
                    .or_insert_with(|| Value::Object(Map::new()));
                merge(slot, Value::Object(items));
            }
            (_, value) => {
                target.insert(key, value);
            }
        }
    }
}

fn is_nullable(property: &Value) -> bool {
    match &property["type"] {
        Value::Array(types) => types.iter().any(|t| t == "null"),
        Value::String(t) => t == "null",
        _ => false,
    }
}

/// Every other text field (ids, free text): whatever it holds, but not NUL, which the server
/// refuses as a bad request; the same for the text items of a list.
fn protect_text(property: &mut Value) {
    let is_text = |v: &Value| match &v["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_text(property) && property.get("pattern").is_none() {
        merge(property, text());
    }
    if let Some(items) = property.get_mut("items") {
        if is_text(items) && items.get("pattern").is_none() {
            merge(items, text());
        }
    }
}

/// What the server holds every JSON body to (`server/src/middleware/json_body.rs`), written
/// into the document: each object a body can hold names all the fields it takes
/// (`additionalProperties: false`), and no text holds NUL. Applied to the request bodies'
/// own schemas and to every component they reach.
pub fn close_request_bodies(doc: &mut Value) {
    let mut reached = Vec::new();
    let mut inline = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, i)| i)
    {
        for op in item.as_object().into_iter().flatten().map(|(_, o)| o) {
            if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                collect_refs(schema, &doc["components"]["schemas"], &mut reached);
                if schema.get("$ref").is_none() {
                    inline.push(op["operationId"].clone());
                }
            }
        }
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for name in &reached {
            if let Some(schema) = schemas.get_mut(name) {
                close(schema);
            }
        }
    }
    for item in doc["paths"]
        .as_object_mut()
        .into_iter()
        .flatten()
        .map(|(_, i)| i)
    {
        for op in item.as_object_mut().into_iter().flatten().map(|(_, o)| o) {
            if !inline.contains(&op["operationId"]) {
                continue;
            }
            if let Some(schema) = op.pointer_mut("/requestBody/content/application~1json/schema") {
                close(schema);
            }
        }
    }
}

/// The components `schema` refers to, and those they refer to, once each.
fn collect_refs(schema: &Value, components: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                let name = target.rsplit('/').next().unwrap_or_default().to_string();
                if !out.contains(&name) {
                    out.push(name.clone());
                    collect_refs(&components[&name], components, out);
                }
            }
            map.values().for_each(|v| collect_refs(v, components, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, components, out)),
        _ => {}
    }
}

/// One schema: refuses fields it does not name, and NUL in its text fields.
fn close(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let is_object = map.contains_key("properties") || map.get("type") == Some(&json!("object"));
    if is_object && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for property in props.values_mut() {
            protect_text(property);
        }
    }
}
