//! The routes that are plain axum handlers (a file, headers for a proxy, health checks): their
//! query parameters come from the handlers' own parameter types.

use super::document::{operation, schema_of, Components, Operation};
use super::Needs;
use crate::routes::audit_export::ExportParams;
use crate::routes::verify::VerifyParams;
use app::domain::{Introspection, IntrospectionRequest, Permission};
use serde_json::{json, Value};
use utoipa::ToSchema;

/// `T`'s fields as query parameters of `operation`, each with its doc comment and the schema
/// its rule gives it (`inputs::parameter`).
fn query_parameters<T: ToSchema>(operation: &str) -> Value {
    let schema = serde_json::to_value(T::schema()).expect("a schema is JSON");
    let properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    properties
        .iter()
        .map(|(name, p)| {
            let (schema, needed) = super::inputs::parameter(operation, name, p);
            json!({
                "name": name,
                "in": "query",
                "required": needed || required.contains(&name.as_str()),
                "description": p.get("description"),
                "schema": schema,
            })
        })
        .collect()
}

fn text_answer(text: &str) -> Value {
    json!({"description": text, "content": {"text/plain": {"schema": {"type": "string"}}}})
}

/// Every plain route.
pub fn all(components: &mut Components) -> Vec<Operation> {
    let export_file = json!({
        "description": "The file, streamed as it is read: CSV with a header row, or one JSON \
            audit event per line. `Content-Disposition` names it.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    });
    let export_needs = Needs::Permission(Permission::AuditRead);
    let export_text = "Exports the audit log as a file (CSV or JSON Lines), with the same filters \
        as `audit/list`. `GET` takes them as query parameters, so a browser link downloads the \
        file; `POST` takes them as a JSON body, like every other operation.";
    let mut export_get = operation(
        "audit/export (GET)",
        "Audit log",
        export_text,
        export_needs,
        &[],
    );
    export_get["parameters"] = query_parameters::<ExportParams>("audit/export (GET)");
    export_get["responses"]["200"] = export_file.clone();
    let mut export_post = operation("audit/export", "Audit log", export_text, export_needs, &[]);
    let mut export_body = schema_of::<ExportParams>(components);
    if let Some(schema) = components.get_mut("ExportParams") {
        super::inputs::refine("audit/export", schema);
        export_body = json!({"$ref": "#/components/schemas/ExportParams"});
    }
    export_post["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {
            "schema": export_body,
            "example": {"format": "csv", "action": "token.revoked"},
        }},
    });
    export_post["responses"]["200"] = export_file;

    let mut verify = operation(
        "auth/verify",
        "Verification",
        "The check a reverse proxy (nginx `auth_request`, Traefik ForwardAuth, Caddy \
         `forward_auth`) makes before forwarding a request: 200 with who the Bearer token is in \
         `X-Steward-*` headers, 401 for anything that does not authenticate, 403 when the token \
         lacks what the query requires or belongs to another organization than `organization`, \
         400 for a parameter it does not know or one given twice, and, on a server that holds \
         several organizations, for a query without `organization`. A token one of its guards \
         refuses is 403 `network_not_allowed` or `uses_exhausted`, or 429 `rate_limited` with \
         `Retry-After` (the client address is the one a trusted proxy reports in \
         `X-Forwarded-For`). Counts as a use of the token. API tokens only.",
        Needs::SignedIn,
        &[],
    );
    verify["security"] = json!([{"bearer": []}]);
    verify["parameters"] = query_parameters::<VerifyParams>("auth/verify");
    let header = |text: &str| json!({"description": text, "schema": {"type": "string"}});
    verify["responses"]["200"] = json!({
        "description": "The token is good and holds what the query requires.",
        "headers": {
            "X-Steward-Service-Account": header("The service account's name."),
            "X-Steward-Service-Account-Id": header("The service account's id."),
            "X-Steward-Organization": header("The organization's slug."),
            "X-Steward-Role": header("The token's effective built-in role."),
            "X-Steward-Scopes": header("The token's scopes, comma-separated."),
            "X-Steward-Token-Id": header("The token's id."),
        },
    });

    let mut introspect = operation(
        "tokens/introspect",
        "Verification",
        "Whether a token is good and whose it is: OAuth 2.0 token introspection (RFC 7662), for \
         services that accept Steward's tokens. The body is RFC 7662's form \
         (`token=…&token_type_hint=…`, `application/x-www-form-urlencoded`) or the same as JSON; \
         the caller authenticates with `Authorization: Bearer <its token>` or HTTP Basic with \
         any user name and its token as the password (`client_secret_basic`). The answer is \
         `{\"active\": false}` and nothing else for any token that must not be accepted \
         (unknown, malformed, expired, revoked, suspended, replaced, another organization's, or \
         refused by one of its guards for the client address the caller reports in \
         `X-Forwarded-For` when the caller is a trusted proxy), never saying why; an active token's answer has RFC 7662's members (`scope`, \
         `client_id`, `username`, `token_type`, `exp`, `iat`, `sub`, `iss`, `jti`) and \
         Steward's own. Like any use, it records the token's last use. The caller's own token \
         and the one it asks about are read with one lookup. A 401 carries `WWW-Authenticate` \
         naming the scheme the caller used.",
        Needs::Permission(Permission::TokensIntrospect),
        &[],
    );
    introspect["security"] = json!([{"bearer": []}, {"basic": []}, {"session": []}]);
    let request = schema_of::<IntrospectionRequest>(components);
    introspect["requestBody"] = json!({
        "required": true,
        "content": {
            "application/json": {
                "schema": request,
                "example": {"token": "stw_…"},
            },
            // The form refuses parameters it does not know (400 naming them) and an empty token.
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["token"],
                    "properties": {
                        "token": {"type": "string", "minLength": 1, "description": "The token to ask about, `stw_…`."},
                        "token_type_hint": {"type": "string", "description": "Any value; none changes the answer."},
                    },
                    "additionalProperties": false,
                },
                "example": {"token": "stw_…", "token_type_hint": "access_token"},
            },
        },
    });
    introspect["responses"]["200"] = json!({
        "description": "Done.",
        "content": {"application/json": {"schema": schema_of::<Introspection>(components)}},
    });

    let mut exchange = operation(
        "oauth/token",
        "Tokens",
        "Keyless automation: exchanges the identity token a CI job or workload got from its \
         platform (GitHub Actions, GitLab CI, a Kubernetes projected service-account token, any \
         OpenID Connect issuer) for a short-lived token of a service account, as OAuth 2.0 Token \
         Exchange (RFC 8693) describes. The body is form-encoded (RFC 6749); `audience` names \
         the service account by id. A trust policy of the account (`service-accounts/trust/add`) \
         must name the token's issuer and audience and its claims must meet the policy's \
         conditions; the signature (RS256 or ES256, with the issuer's published keys), `exp`, \
         `nbf` and `iat` are checked, and each identity token is accepted once. The answer's \
         `access_token` is an ordinary `stw_` token with the policy's lifetime, scopes and \
         narrowing. Errors are RFC 6749 5.2's (`invalid_request`, `invalid_grant`, \
         `invalid_scope`, `unsupported_grant_type`; `temporarily_unavailable` with 503 when \
         the issuer cannot be reached; with 429 when too many identity tokens naming a service \
         account were refused from the address) and never say which check failed: the audit \
         log (`token.exchange`) does. Parameters it does not know are ignored (RFC 6749 3.2); one \
         given twice is refused.",
        Needs::Nothing,
        &[],
    );
    let oauth_error = json!({
        "type": "object",
        "required": ["error", "error_description"],
        "properties": {
            "error": {"type": "string", "enum": [
                "invalid_request", "invalid_grant", "invalid_scope", "unsupported_grant_type",
                "temporarily_unavailable", "server_error",
            ]},
            "error_description": {"type": "string"},
        },
        "additionalProperties": false,
    });
    let oauth_answer = |text: &str| json!({"description": text, "content": {"application/json": {"schema": oauth_error.clone()}}});
    exchange["requestBody"] = json!({
        "required": true,
        "content": {"application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["grant_type", "subject_token", "subject_token_type", "audience"],
                "properties": {
                    "grant_type": {"type": "string", "enum": [crate::routes::oauth_token::TOKEN_EXCHANGE]},
                    "subject_token": {"type": "string", "minLength": 1, "description": "The identity token (a JWT)."},
                    "subject_token_type": {"type": "string", "enum": crate::routes::oauth_token::SUBJECT_TYPES},
                    "audience": {"type": "string", "minLength": 1, "description": "The service account's id (`sa_…`)."},
                    "scope": {"type": "string", "pattern": "^(read|write)( (read|write))?$", "description": "Space-separated, at most the policy's scopes; default the policy's."},
                    "requested_token_type": {"type": "string", "enum": [crate::routes::oauth_token::ACCESS_TOKEN_TYPE]},
                },
            },
            "example": {
                "grant_type": crate::routes::oauth_token::TOKEN_EXCHANGE,
                "subject_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6…",
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                "audience": "sa_4Rk2WmX9bQ7nT1vLp0Zc",
            },
        }},
    });
    exchange["responses"] = json!({
        "200": {
            "description": "The token (RFC 8693 2.2.1).",
            "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["access_token", "issued_token_type", "token_type", "expires_in", "scope"],
                "properties": {
                    "access_token": {"type": "string", "description": "A `stw_` token."},
                    "issued_token_type": {"type": "string", "enum": [crate::routes::oauth_token::ACCESS_TOKEN_TYPE]},
                    "token_type": {"type": "string", "enum": ["Bearer"]},
                    "expires_in": {"type": "integer", "minimum": 60, "maximum": 43200},
                    "scope": {"type": "string"},
                },
                "additionalProperties": false,
            }}},
        },
        "400": oauth_answer("The request or the identity token is refused (RFC 6749 5.2)."),
        "429": {
            "description": "Too many identity tokens naming a service account were refused from this address (30 at once, then one every 2 seconds): RFC 6749's `temporarily_unavailable`. A request that also carries a Bearer token, from an address that has sent too many bad ones, gets the API's `rate_limited` instead. `Retry-After` says when to try again.",
            "content": {"application/json": {"schema": {"oneOf": [
                oauth_error.clone(),
                {"$ref": "#/components/schemas/ApiError"},
            ]}}},
        },
        "500": oauth_answer("`server_error`: nothing was issued."),
        "503": oauth_answer("`temporarily_unavailable`: the issuer or the database cannot be reached; `Retry-After` says when to try again."),
    });

    let mut healthz = operation(
        "healthz",
        "Health",
        "Whether the process is up.",
        Needs::Nothing,
        &[],
    );
    healthz["responses"] = json!({"200": text_answer("`ok`.")});
    let mut readyz = operation(
        "readyz",
        "Health",
        "Whether the process can reach its database.",
        Needs::Nothing,
        &[],
    );
    readyz["responses"] = json!({
        "200": text_answer("`ready`."),
        "503": text_answer("`database unavailable`."),
    });
    let mut openapi = operation(
        "openapi.json",
        "Health",
        "This document.",
        Needs::Nothing,
        &[],
    );
    openapi["responses"] = json!({"200": {
        "description": "The OpenAPI 3.1 document.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }});

    let mut metrics = operation(
        "metrics",
        "Health",
        "Prometheus metrics in the OpenMetrics text format: verification latency per endpoint, \
         refusals by reason, credential-cache lookups and invalidations, change-notification lag, \
         webhook deliveries by outcome, tokens expiring within 7 days per organization. Answers \
         only the bearer token set in `STEWARD_METRICS_TOKEN`; 404 when none is set.",
        Needs::Nothing,
        &[401, 404],
    );
    metrics["security"] = json!([{"metrics": []}]);
    metrics["responses"]["200"] = json!({
        "description": "The metrics, ending with `# EOF`.",
        "content": {"application/openmetrics-text": {"schema": {"type": "string"}}},
    });

    let at = |path: &str, method, body| Operation {
        path: path.to_string(),
        method,
        body,
    };
    vec![
        at("/api/v1/audit/export", "get", export_get),
        at("/api/v1/audit/export", "post", export_post),
        at("/api/v1/tokens/introspect", "post", introspect),
        at("/auth/verify", "get", verify),
        at(crate::routes::oauth_token::PATH, "post", exchange),
        at("/healthz", "get", healthz),
        at("/readyz", "get", readyz),
        at("/metrics", "get", metrics),
        at("/api/v1/openapi.json", "get", openapi),
    ]
}
