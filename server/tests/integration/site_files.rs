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
