//! The built site's files: the brotli and gzip copies `server precompress` writes are what a
//! browser that accepts them receives, byte for byte; anyone else gets the file as it is.

use crate::common::{Backend, Settings, TestApp};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use std::path::Path;

async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.base));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path} with {accept:?}");
    response
}

fn encoding(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn precompressed_copies_go_to_browsers_that_accept_them() {
    let site = std::env::temp_dir().join(format!("steward-site-{}", app::auth::random::base62(8)));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
    std::fs::write(pkg.join("steward.wasm"), &wasm).unwrap();
    std::fs::write(
        pkg.join("steward.js"),
        "export default function init() {}\n".repeat(100),
    )
    .unwrap();
    let report = server::precompress::precompress_dir(&pkg).unwrap();
    assert_eq!(report.compressed, 2);
    let settings = Settings {
        site_root: Some(site.to_string_lossy().into_owned()),
        ..Settings::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, settings).await;
    let copy = |name: &str| std::fs::read(pkg.join(name)).unwrap();

    let brotli = fetch(&app, "/pkg/steward.wasm", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(encoding(&brotli).as_deref(), Some("br"));
    assert_eq!(brotli.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(brotli.bytes().await.unwrap(), copy("steward.wasm.br"));

    let gzip = fetch(&app, "/pkg/steward.js", Some("gzip")).await;
    assert_eq!(encoding(&gzip).as_deref(), Some("gzip"));
    assert_eq!(gzip.bytes().await.unwrap(), copy("steward.js.gz"));

    let plain = fetch(&app, "/pkg/steward.wasm", None).await;
    assert_eq!(encoding(&plain), None);
    assert_eq!(plain.bytes().await.unwrap(), wasm);
    assert!(Path::new(&pkg.join("steward.wasm.br")).exists());
    std::fs::remove_dir_all(site).unwrap();
}

/// The server binary, started on a fresh SQLite file with `site` as its site root, without
/// `LEPTOS_OUTPUT_NAME` in its environment: the names it checks are the ones compiled in.
fn start_server(site: &Path) -> std::process::Child {
    let db = std::env::temp_dir().join(format!("steward-site-{}.db", app::auth::random::base62(8)));
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env_remove("LEPTOS_OUTPUT_NAME")
        .env("LEPTOS_SITE_ROOT", site)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("STEWARD_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env(
            "STEWARD_SECRET_KEY",
            "the site test's own server key, not a real one",
        )
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the server binary")
}

/// Waits up to 60 s for the server to exit by itself; kills it (and fails) otherwise.
fn exit_of(mut child: std::process::Child) -> (bool, String) {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
            return (status.success(), text);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("the server started without the files its pages load");
}

#[test]
fn a_server_whose_site_lacks_its_wasm_refuses_to_start() {
    let site = std::env::temp_dir().join(format!("steward-site-{}", app::auth::random::base62(8)));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    // What a cargo-leptos build writes, but its wasm.
    std::fs::write(
        pkg.join("steward.js"),
        "export default function init() {}\n",
    )
    .unwrap();
    std::fs::write(pkg.join("steward.css"), "body {}\n").unwrap();
    let (ok, said) = exit_of(start_server(&site));
    assert!(!ok, "{said}");
    let wasm = pkg.join("steward.wasm");
    assert!(
        said.contains(&format!(
            "{} (the pages load /pkg/steward.wasm)",
            wasm.display()
        )),
        "names the missing file: {said}"
    );
    assert!(
        said.contains("cargo leptos build --split"),
        "says how to build it: {said}"
    );
    assert!(
        !said.contains("steward.js "),
        "only what is missing: {said}"
    );

    // With the wasm there, the same binary serves.
    std::fs::write(&wasm, b"\0asm").unwrap();
    let mut child = start_server(&site);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut running = false;
    while std::io::BufRead::read_line(&mut stdout, &mut line).unwrap_or(0) > 0 {
        if line.contains("Steward is running at") {
            running = true;
            break;
        }
        line.clear();
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        running,
        "the server started once its files were there: {line}"
    );
    std::fs::remove_dir_all(site).unwrap();
}
