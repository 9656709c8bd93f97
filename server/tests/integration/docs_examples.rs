//! The documentation's curl examples, run as written against a real server, so they cannot rot.
//! Every ```sh block of `README.md` and `docs/api.md` that calls curl runs in order, in one bash
//! session per document. A `curl` function stands in for curl: it fills in the ids the examples
//! write as `sa_…`, `tok_…` and `stw_…` from the answers before (the account, token and secret
//! last returned), and checks each answer's status: the one a following `# → 409` comment
//! names, else 2xx.

use crate::common::{Backend, Settings, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(readme_examples_run_as_written, api_examples_run_as_written);

async fn readme_examples_run_as_written(b: Backend) {
    run_examples(b, "README.md").await;
}

async fn api_examples_run_as_written(b: Backend) {
    run_examples(b, "docs/api.md").await;
}

/// The ```sh blocks of `markdown` that call curl, joined in order.
fn curl_blocks(markdown: &str) -> String {
    let mut script = String::new();
    let mut block: Option<String> = None;
    for line in markdown.lines() {
        match (&mut block, line.trim_start()) {
            (None, "```sh") => block = Some(String::new()),
            (Some(b), "```") => {
                if b.contains("curl ") {
                    script.push_str(b);
                }
                block = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    script
}

/// For each curl call of `script`, in order: the status its example shows (`# → 409 …` on the
/// line after the command), or `2xx`.
fn expected_statuses(script: &str) -> Vec<String> {
    let lines: Vec<&str> = script.lines().collect();
    let mut expected = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for _ in line.matches("curl -") {
            let mut end = i;
            while lines[end].trim_end().ends_with('\\') {
                end += 1;
            }
            let shown = lines
                .get(end + 1)
                .and_then(|l| l.trim_start().strip_prefix("# → "))
                .map(|rest| rest.chars().take(3).collect::<String>())
                .filter(|code| code.len() == 3 && code.chars().all(|c| c.is_ascii_digit()));
            expected.push(shown.unwrap_or_else(|| "2xx".into()));
        }
    }
    expected
}

/// The stand-in for curl: placeholders filled in, the answer passed through, its ids kept for
/// the next examples, its status checked. State lives in files because `$(curl …)` runs it in a
/// subshell.
const CURL_FUNCTION: &str = r#"
curl() {
  local n; n=$(cat "$DOC_STATE/calls"); echo $((n + 1)) >"$DOC_STATE/calls"
  local want="${DOC_EXPECT[$n]:-none}" args=() a
  for a in "$@"; do
    a="${a//sa_…/$(cat "$DOC_STATE/sa")}"
    a="${a//tok_…/$(cat "$DOC_STATE/tok")}"
    a="${a//stw_…/$(cat "$DOC_STATE/secret")}"
    args+=("$a")
  done
  command curl -w '%{stderr}%{http_code}' "${args[@]}" >"$DOC_STATE/body" 2>"$DOC_STATE/status"
  local status; status=$(tail -c 3 "$DOC_STATE/status")
  cat "$DOC_STATE/body"
  local v
  for key in sa:.service_account.id tok:.token.id secret:.secret; do
    v=$(jq -r "${key#*:} // empty" "$DOC_STATE/body" 2>/dev/null || true)
    if [ -n "$v" ]; then echo "$v" >"$DOC_STATE/${key%%:*}"; fi
  done
  if [[ "$want" == 2xx && "$status" == 2* ]] || [[ "$want" == "$status" ]]; then return 0; fi
  echo "example call $((n + 1)) (curl $*): expected $want, got $status: $(cat "$DOC_STATE/body")" >&2
  exit 1
}
"#;

async fn run_examples(b: Backend, document: &str) {
    // The expiry-notice examples post to a receiver on this machine.
    let (app, ada) = TestApp::acme_with(b, Settings::loopback_webhooks()).await;
    // A token for the examples that use $STEWARD_TOKEN (and the README's stw_...).
    let admin_sa = ada.create_account("docs-admin", "admin").await;
    let (tok, secret) = ada
        .create_token(&admin_sa, "docs", &["read", "write"])
        .await;
    let receiver = webhook_receiver().await;

    let markdown =
        std::fs::read_to_string(crate::common::repository_root().join(document)).unwrap();
    let examples = curl_blocks(&markdown)
        .replace("http://127.0.0.1:3000", &app.base)
        .replace("stw_...", &secret)
        .replace("https://hooks.example.com/steward", &receiver);
    let expected = expected_statuses(&examples);
    assert!(expected.len() >= 2, "{document}: no curl examples found");

    let state = tempdir();
    for (name, value) in [
        ("calls", "0"),
        ("sa", &admin_sa),
        ("tok", &tok),
        ("secret", &secret),
    ] {
        std::fs::write(state.join(name), value).unwrap();
    }
    let script = format!(
        "set -euo pipefail\ncd {dir}\nDOC_STATE={dir}\nexport STEWARD_TOKEN={secret}\n\
         DOC_EXPECT=({expect})\n{CURL_FUNCTION}\n{examples}",
        dir = state.display(),
        expect = expected.join(" "),
    );
    // The server answers on this runtime: wait for bash off it.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("bash runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{document}: an example failed\n{}\n--- output ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let calls: usize = std::fs::read_to_string(state.join("calls"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(calls, expected.len(), "{document}: every example ran");
    let _ = std::fs::remove_dir_all(&state);

    // The examples ended signed in and acting: the server is still well.
    let r = ada.post("/api/v1/auth/whoami", json!({})).await;
    r.assert_status(StatusCode::OK);
}

fn tempdir() -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("steward-docs-{}", app::auth::random::new_id("run")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A receiver for the expiry-notice examples that accepts every notice.
async fn webhook_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/steward", axum::routing::post(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/steward")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_come_from_the_comment_after_each_command() {
        let script =
            "curl -s $B/a \\\n  -d '{}'\n# → 409 {\"error\": …}\nX=$(curl -s $B/b)\n# → {}\n";
        assert_eq!(expected_statuses(script), ["409", "2xx"]);
    }

    #[test]
    fn only_sh_blocks_that_call_curl_are_taken() {
        let md = "```sh\nbash scripts/run.sh\n```\ntext curl -s\n```sh\ncurl -s $B/x\n```\n```\ncurl -s no\n```\n";
        assert_eq!(curl_blocks(md), "curl -s $B/x\n");
    }
}
