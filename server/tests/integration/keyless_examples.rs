//! docs/keyless.md run as written: the admin's curl that adds the GitHub Actions trust, the
//! workflow step (GitHub hands the job its identity token, here the test issuer does), the
//! GitLab CI job's script and the Kubernetes pod's commands, each against a real server. Only
//! the documented host names, the account id and the token file's path are put in.

use crate::common::{repository_root, Backend, Settings, TestApp};
use crate::test_issuer::TestIssuer;
use serde_json::{json, Value};

on_both_databases!(keyless_examples_run_as_written);

/// The server and the issuer the document names.
const DOCUMENTED_STEWARD: &str = "https://steward.example.com";
const DOCUMENTED_GITHUB: &str = "https://token.actions.githubusercontent.com";

async fn keyless_examples_run_as_written(b: Backend) {
    let issuer = TestIssuer::start().await;
    let (app, ada) = TestApp::acme_with(b, Settings::loopback_issuer(&issuer.ca_pem)).await;
    // The admin's token never expires, as the document asks.
    let admin = ada.create_account("keyless-admin", "admin").await;
    let r = ada
        .post(
            "/api/v1/tokens/create",
            json!({"service_account_id": admin, "name": "docs", "never_expires": true}),
        )
        .await;
    r.assert_status(reqwest::StatusCode::OK);
    let admin_token = r.body["secret"].as_str().unwrap().to_string();
    let deployer = ada.create_account("deployer", "editor").await;
    let ca_file = std::env::temp_dir().join(format!(
        "steward-keyless-ca-{}.pem",
        app::auth::random::new_id("run")
    ));
    std::fs::write(&ca_file, &issuer.ca_pem).unwrap();
    let markdown = std::fs::read_to_string(repository_root().join("docs/keyless.md")).unwrap();
    let blocks = fenced_blocks(&markdown);
    let fill = |script: &str| {
        script
            .replace("sa_…", &deployer)
            .replace(DOCUMENTED_GITHUB, &issuer.url)
            .replace(&format!("{DOCUMENTED_STEWARD}/"), &format!("{}/", app.base))
    };
    let block = |needle: &str| {
        blocks
            .iter()
            .find(|b| b.contains(needle))
            .unwrap_or_else(|| panic!("docs/keyless.md has no block with {needle}"))
            .clone()
    };

    // GitHub Actions: the admin adds the trust with curl...
    let added = run(
        &fill(&block("service-accounts/trust/add")),
        &[
            ("STEWARD", app.base.as_str()),
            ("ADMIN_TOKEN", &admin_token),
        ],
    )
    .await;
    let added: Value = serde_json::from_str(&added).expect("the trust/add answer");
    assert_eq!(
        added["trust_policy"]["issuer"],
        issuer.url.as_str(),
        "{added}"
    );

    // ...and the workflow's step asks GitHub for its identity token and exchanges it.
    issuer.hand_out_job_tokens(
        "the-job-request-token",
        json!({"sub": "repo:acme/api:environment:production", "repository": "acme/api",
               "ref": "refs/heads/main", "environment": "production", "run_id": "4242"}),
    );
    let request_url = format!("{}/actions-token?api-version=2.0", issuer.url);
    let ca = ca_file.to_str().unwrap();
    let whoami = run(
        &fill(&yaml_run_step(&block("ACTIONS_ID_TOKEN_REQUEST_URL"))),
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "the-job-request-token"),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url),
            ("CURL_CA_BUNDLE", ca),
        ],
    )
    .await;
    assert_acts_as_deployer(&whoami, "GitHub Actions");

    // GitLab CI: the policy the prose describes, then the job's script with its ID token.
    trust(
        &ada,
        &deployer,
        &issuer.url,
        json!([
        {"claim": "project_path", "value": "acme/api"},
        {"claim": "ref", "value": "main"},
        {"claim": "ref_protected", "value": "true"}]),
    )
    .await;
    let gitlab_token = TestIssuer::sign(
        &issuer.ec,
        &issuer.claims(
            DOCUMENTED_STEWARD,
            json!({"sub": "project_path:acme/api:ref_type:branch:ref:main",
                   "project_path": "acme/api", "ref": "main", "ref_protected": "true",
                   "pipeline_id": "99"}),
        ),
    );
    let whoami = run(
        &fill(&yaml_script(&block("id_tokens:"))),
        &[("STEWARD_ID_TOKEN", &gitlab_token)],
    )
    .await;
    assert_acts_as_deployer(&whoami, "GitLab CI");

    // Kubernetes: the pod reads its projected token from the file the kubelet keeps.
    trust(
        &ada,
        &deployer,
        &issuer.url,
        json!([
        {"claim": "sub", "value": "system:serviceaccount:ci:deployer"}]),
    )
    .await;
    let projected = ca_file.with_extension("token");
    std::fs::write(
        &projected,
        TestIssuer::sign(
            &issuer.rsa,
            &issuer.claims(
                DOCUMENTED_STEWARD,
                json!({"sub": "system:serviceaccount:ci:deployer"}),
            ),
        ),
    )
    .unwrap();
    let pod = fill(&block("/var/run/secrets/steward-token/token")).replace(
        "/var/run/secrets/steward-token/token",
        projected.to_str().unwrap(),
    );
    let whoami = run(&pod, &[]).await;
    assert_acts_as_deployer(&whoami, "Kubernetes");

    let _ = std::fs::remove_file(&ca_file);
    let _ = std::fs::remove_file(&projected);
}

/// Adds a policy for the documented audience.
async fn trust(ada: &crate::common::Client, account: &str, issuer: &str, conditions: Value) {
    ada.post(
        "/api/v1/service-accounts/trust/add",
        json!({"service_account_id": account, "issuer": issuer,
               "audience": DOCUMENTED_STEWARD, "conditions": conditions}),
    )
    .await
    .assert_status(reqwest::StatusCode::OK);
}

/// What the examples' last command printed is `auth/whoami`'s answer for the account.
fn assert_acts_as_deployer(output: &str, example: &str) {
    let answer: Value = serde_json::from_str(output.trim())
        .unwrap_or_else(|_| panic!("{example}: whoami printed {output}"));
    assert_eq!(
        answer["principal"]["name"], "deployer",
        "{example}: {answer}"
    );
}

/// Runs `script` in bash (stopping at the first failure) with `env`; its standard output.
async fn run(script: &str, env: &[(&str, &str)]) -> String {
    let script = format!("set -euo pipefail\n{script}");
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // The server answers on this runtime: wait for bash off it.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .envs(env)
            .output()
            .expect("bash runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "an example failed\n{}\n--- output ---\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Every fenced block of `markdown`, without its fences.
fn fenced_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut block: Option<String> = None;
    for line in markdown.lines() {
        match (&mut block, line.trim_start().starts_with("```")) {
            (None, true) => block = Some(String::new()),
            (Some(_), true) => blocks.push(block.take().unwrap()),
            (Some(b), false) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, false) => {}
        }
    }
    blocks
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The commands of a GitHub Actions step's `run: |` literal block.
fn yaml_run_step(yaml: &str) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("- run: |"))
        .expect("a run: | step");
    let step = indent(lines[start]);
    let body: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > step)
        .copied()
        .collect();
    let margin = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    body.iter()
        .map(|l| l.get(margin..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The commands of a GitLab CI job's `script:` list: plain items, and folded (`- >`) ones
/// whose lines YAML joins with spaces.
fn yaml_script(yaml: &str) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "script:")
        .expect("a script: list");
    let mut commands = Vec::new();
    let mut i = start + 1;
    while i < lines.len() && indent(lines[i]) > indent(lines[start]) {
        let item = lines[i]
            .trim_start()
            .strip_prefix("- ")
            .expect("a list item");
        if item.trim() == ">" {
            let dash = indent(lines[i]);
            let mut folded = Vec::new();
            i += 1;
            while i < lines.len() && indent(lines[i]) > dash {
                folded.push(lines[i].trim());
                i += 1;
            }
            commands.push(folded.join(" "));
        } else {
            commands.push(item.to_string());
            i += 1;
        }
    }
    commands.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_steps_and_scripts_are_read_as_yaml_reads_them() {
        let github = "jobs:\n  x:\n    steps:\n      - run: |\n          A=1\n            B=2\n      - uses: x\n";
        assert_eq!(yaml_run_step(github), "A=1\n  B=2");
        let gitlab = "deploy:\n  script:\n    - >\n      X=$(one\n      two)\n    - echo $X\n";
        assert_eq!(yaml_script(gitlab), "X=$(one two)\necho $X");
    }
}
