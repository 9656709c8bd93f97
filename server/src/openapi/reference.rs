//! The browsable API reference at `/api/reference`: the OpenAPI document drawn as one HTML page
//! (operations by tag, their bodies, answers, errors, the permission each needs, and every
//! schema), with its own small stylesheet. Nothing is fetched from anywhere else, and there is
//! no script: the page works offline and under the strictest content security policy.

use serde_json::Value;
use std::fmt::Write;
use std::sync::OnceLock;

/// The page's stylesheet, served at `/api/reference.css`.
pub const STYLESHEET: &str = include_str!("reference.css");

/// The page, drawn once per process.
pub fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| render(super::document()))
}

/// Escapes text for HTML.
fn text_plain(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes text for HTML, then shows `code` spans as code.
fn text(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in text_plain(s).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn anchor(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// A schema's type in words, with links to named schemas.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{}\">{}</a>", anchor(name), text(name));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            return options.iter().map(type_of).collect::<Vec<_>>().join(" or ");
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        return all.iter().map(type_of).collect::<Vec<_>>().join(" and ");
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", text(&v.to_string())))
            .collect();
        return format!("one of {}", values.join(", "));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let words: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "array" => format!(
                "array of {}",
                schema.get("items").map(type_of).unwrap_or_default()
            ),
            "object" => match schema.get("additionalProperties") {
                Some(v) if v.is_object() => format!("map of {}", type_of(v)),
                _ => "object".to_string(),
            },
            other => other.to_string(),
        })
        .collect();
    if words.is_empty() {
        "any".to_string()
    } else {
        words.join(" or ")
    }
}

/// The fields of an object schema as a table.
fn fields(out: &mut String, schema: &Value) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                fields(out, part);
            }
        } else {
            let _ = write!(out, "<p>{}</p>", type_of(schema));
        }
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.push_str("<table><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead><tbody>");
    for (name, p) in properties {
        let flag = if required.contains(&name.as_str()) {
            " <span class=\"required\">required</span>"
        } else {
            ""
        };
        let description = p.get("description").and_then(Value::as_str).unwrap_or("");
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{flag}</td><td>{}</td><td>{}</td></tr>",
            text(name),
            type_of(p),
            text(description)
        );
    }
    out.push_str("</tbody></table>");
}

/// Follows a `$ref` to its component, for showing a body's fields in place.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or(r);
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn operation(out: &mut String, doc: &Value, path: &str, method: &str, op: &Value) {
    let id = anchor(&format!("{method}-{path}"));
    let _ = write!(
        out,
        "<section class=\"operation\" aria-labelledby=\"{id}\"><h3 id=\"{id}\"><span class=\"method\">{}</span> <code>{}</code></h3>",
        method.to_uppercase(),
        text(path)
    );
    for paragraph in op["description"].as_str().unwrap_or("").split("\n\n") {
        let _ = write!(out, "<p>{}</p>", text(&paragraph.replace('\n', " ")));
    }
    if let Some(parameters) = op.get("parameters").and_then(Value::as_array) {
        out.push_str("<h4>Query parameters</h4><table><thead><tr><th scope=\"col\">Parameter</th><th scope=\"col\">Description</th></tr></thead><tbody>");
        for p in parameters {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                text(p["name"].as_str().unwrap_or("")),
                text(p["description"].as_str().unwrap_or(""))
            );
        }
        out.push_str("</tbody></table>");
    }
    if let Some(json) = op.pointer("/requestBody/content/application~1json") {
        out.push_str("<h4>Body</h4>");
        fields(out, resolve(doc, &json["schema"]));
        if let Some(example) = json.get("example") {
            let pretty = serde_json::to_string_pretty(example).unwrap_or_default();
            let _ = write!(
                out,
                "<h4>Example body</h4><pre><code>{}</code></pre>",
                text_plain(&pretty)
            );
        }
    }
    out.push_str("<h4>Answers</h4><dl>");
    if let Some(responses) = op["responses"].as_object() {
        for (status, r) in responses {
            let (description, schema) = match r.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let name = reference.rsplit('/').next().unwrap_or(reference);
                    let shared = &doc["components"]["responses"][name];
                    (shared["description"].as_str().unwrap_or(""), None)
                }
                None => (
                    r["description"].as_str().unwrap_or(""),
                    r.pointer("/content/application~1json/schema"),
                ),
            };
            let _ = write!(out, "<dt>{}</dt><dd>{}", text(status), text(description));
            if let Some(schema) = schema {
                let _ = write!(out, " {}", type_of(schema));
            }
            out.push_str("</dd>");
        }
    }
    out.push_str("</dl></section>");
}

/// One operation as the page lists it: path, method, and its part of the document.
type Listed<'a> = (String, String, &'a Value);

fn render(doc: &Value) -> String {
    let mut by_tag: Vec<(String, Vec<Listed>)> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .map(|t| (t.to_string(), Vec::new()))
        .collect();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let tag = op["tags"][0].as_str().unwrap_or("");
            if let Some((_, ops)) = by_tag.iter_mut().find(|(t, _)| t == tag) {
                ops.push((path.clone(), method.clone(), op));
            }
        }
    }
    let mut nav = String::new();
    let mut main = String::new();
    for (tag, ops) in &by_tag {
        let tag_id = anchor(tag);
        let _ = write!(nav, "<li><a href=\"#{tag_id}\">{}</a><ul>", text(tag));
        let _ = write!(main, "<h2 id=\"{tag_id}\">{}</h2>", text(tag));
        for (path, method, op) in ops {
            let id = anchor(&format!("{method}-{path}"));
            let _ = write!(
                nav,
                "<li><a href=\"#{id}\">{} {}</a></li>",
                method.to_uppercase(),
                text(path.trim_start_matches("/api/v1/"))
            );
            operation(&mut main, doc, path, method, op);
        }
        nav.push_str("</ul></li>");
    }
    main.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let _ = write!(
            main,
            "<section class=\"schema\" aria-labelledby=\"schema-{id}\"><h3 id=\"schema-{id}\">{}</h3>",
            text(name),
            id = anchor(name)
        );
        if let Some(d) = schema.get("description").and_then(Value::as_str) {
            let _ = write!(main, "<p>{}</p>", text(d));
        }
        fields(&mut main, schema);
        main.push_str("</section>");
    }
    let info = &doc["info"];
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Steward API reference</title><link rel=\"stylesheet\" href=\"/api/reference.css\"></head>\
         <body><header><h1>Steward API reference</h1><p>Version {} · <a href=\"/api/v1/openapi.json\">OpenAPI document</a> · <a href=\"/\">Back to Steward</a></p></header>\
         <div class=\"layout\"><nav aria-label=\"Operations\"><ul>{nav}<li><a href=\"#schemas\">Schemas</a></li></ul></nav>\
         <main><p>{}</p>{main}</main></div></body></html>",
        text(info["version"].as_str().unwrap_or("")),
        text(info["description"].as_str().unwrap_or("")),
    )
}
