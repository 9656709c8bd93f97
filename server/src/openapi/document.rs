//! Assembling the document: one operation per server function from its types, the plain routes,
//! the shared error answers, the security schemes and every schema they reference.

use super::Needs;
use serde_json::{json, Map, Value};
use server_fn::ServerFn;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::ToSchema;

/// The schemas named under `components.schemas`.
pub type Components = BTreeMap<String, Value>;

/// One operation of the API, ready to be placed in `paths`.
pub struct Operation {
    pub path: String,
    pub method: &'static str,
    pub body: Value,
}

/// Statuses every operation can answer, besides 200: a malformed body, a broken rule, a limit,
/// an internal error, a database that did not answer.
const COMMON_ERRORS: [u16; 5] = [400, 422, 429, 500, 503];

/// The operation of server function `F`: its path, its body's schema (the generated input
/// struct, described by the function's doc comment) and its answer's schema (`F::Output`).
pub fn server_fn<F>(
    components: &mut Components,
    tag: &str,
    needs: Needs,
    errors: &[u16],
    example: Value,
) -> Operation
where
    F: ServerFn + ToSchema,
    F::Output: ToSchema,
{
    let input = schema_of::<F>(components);
    let output = schema_of::<F::Output>(components);
    // The input struct carries the function's doc comment, after a line Leptos adds.
    let description = components
        .get(F::name().as_ref())
        .and_then(|s| s.get("description"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with("Serialized arguments for"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let id = F::PATH.trim_start_matches("/api/v1/");
    if let Some(schema) = components.get_mut(F::name().as_ref()) {
        schema["description"] = json!(format!("The body of `{}`.", F::PATH));
        super::inputs::refine(id, schema);
    }
    let mut body = operation(id, tag, &description, needs, errors);
    body["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {"schema": input, "example": example}},
    });
    body["responses"]["200"] = json!({
        "description": "Done.",
        "content": {"application/json": {"schema": output}},
    });
    Operation {
        path: F::PATH.to_string(),
        method: "post",
        body,
    }
}

/// The parts every operation has: id, tag, texts, what it needs, its error answers.
pub fn operation(id: &str, tag: &str, description: &str, needs: Needs, errors: &[u16]) -> Value {
    // The first sentence; "e.g." does not end one.
    let guarded = description.replace("e.g. ", "e.g.\u{a0}");
    let summary = guarded
        .split_once(". ")
        .map_or(description.trim_end_matches('.'), |(first, _)| first)
        .lines()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\u{a0}', " ");
    let security = match needs {
        Needs::Nothing => json!([]),
        Needs::Person | Needs::PersonWith(_) => json!([{"session": []}]),
        _ => json!([{"bearer": []}, {"session": []}]),
    };
    let mut statuses: Vec<u16> = COMMON_ERRORS.iter().chain(errors).copied().collect();
    if !matches!(needs, Needs::Nothing) {
        statuses.extend([401, 403]);
    }
    statuses.sort_unstable();
    statuses.dedup();
    let mut responses = Map::new();
    for status in statuses {
        responses.insert(
            status.to_string(),
            json!({"$ref": format!("#/components/responses/{}", error_name(status))}),
        );
    }
    json!({
        "operationId": id,
        "tags": [tag],
        "summary": summary,
        "description": format!("{}\n\n{}", description.trim(), needs.sentence()),
        "security": security,
        "x-steward-permission": needs.permission().map(|p| p.as_str()),
        "x-steward-people-only": needs.people_only(),
        "responses": responses,
    })
}

/// A `$ref` to `T`'s schema, registering it and every schema it references; types without a
/// name of their own (`bool`, `Option<T>`, generic wrappers) are written out in place.
pub fn schema_of<T: ToSchema>(components: &mut Components) -> Value {
    let mut nested = Vec::new();
    T::schemas(&mut nested);
    for (name, schema) in nested {
        components.insert(name, to_json(&schema));
    }
    let schema = to_json(&T::schema());
    let name = T::name();
    let named = name.starts_with(|c: char| c.is_ascii_uppercase())
        && !std::any::type_name::<T>().contains('<');
    if named {
        components.insert(name.to_string(), schema);
        json!({"$ref": format!("#/components/schemas/{name}")})
    } else {
        schema
    }
}

fn to_json<S: serde::Serialize>(schema: &S) -> Value {
    serde_json::to_value(schema).expect("a schema is JSON")
}

/// The name of the shared answer for an error status.
fn error_name(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthenticated",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        422 => "Invalid",
        429 => "RateLimited",
        503 => "Unavailable",
        _ => "Internal",
    }
}

fn error_responses() -> Value {
    let texts = [
        (400, "The body is not JSON, a value has the wrong type, or the body is over 64 KiB."),
        (401, "No credential, or one that is unknown, expired, revoked, suspended or replaced (one answer for all)."),
        (403, "A permission or token scope is missing, or the operation is for people only; or one of the token's guards refused it: `network_not_allowed` (the address is outside its allowed networks) or `uses_exhausted`."),
        (404, "No such object in the caller's organization."),
        (409, "A name or email is taken, or the change would leave the organization without an admin; `field` names it."),
        (422, "A value breaks a rule or a required field is missing; `field` names it."),
        (429, "Too many attempts, or the token's rate limit is reached for this minute (`rate_limited`); `retry_after` (and the `Retry-After` header) says when to try again."),
        (500, "An internal error; never with details."),
        (503, "The database did not answer or the server is busy; retry after `retry_after` seconds."),
    ];
    let mut responses = Map::new();
    for (status, text) in texts {
        responses.insert(
            error_name(status).to_string(),
            json!({
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
            }),
        );
    }
    Value::Object(responses)
}

fn build() -> Value {
    let mut components = Components::new();
    schema_of::<app::domain::ApiError>(&mut components);
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let operations = super::operations::all(&mut components)
        .into_iter()
        .chain(super::plain::all(&mut components))
        .chain(super::leak_reports::all(&mut components));
    for op in operations {
        paths
            .entry(op.path)
            .or_default()
            .insert(op.method.to_string(), op.body);
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Steward API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Service accounts and their API tokens. Every operation is a POST with a \
                JSON body under /api/v1/. Authenticate with `Authorization: Bearer <token>` or the \
                session cookie; a cookie request that changes something must be same-origin \
                (`Sec-Fetch-Site: same-origin` or a matching `Origin`). Errors are \
                `{\"error\": {\"code\", \"message\", \"field\"?, \"retry_after\"?}}`. \
                `x-steward-permission` names the permission each operation needs.",
        },
        "tags": super::operations::TAGS.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": error_responses(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A service account's API token, `stw_…`."},
                "basic": {"type": "http", "scheme": "basic", "description": "For `tokens/introspect` only, as RFC 7662 clients send it (`client_secret_basic`): any user name, and a service account's API token as the password."},
                "session": {"type": "apiKey", "in": "cookie", "name": "steward_session", "description": "The browser session (`__Host-steward_session` over https)."},
                "metrics": {"type": "http", "scheme": "bearer", "description": "For `/metrics` only: the token set in `STEWARD_METRICS_TOKEN`, not an API token."},
            },
        },
    });
    super::inputs::close_request_bodies(&mut doc);
    doc
}

/// The document, built once per process.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// The document as served.
pub fn document_json() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| serde_json::to_string_pretty(document()).expect("JSON"))
}
