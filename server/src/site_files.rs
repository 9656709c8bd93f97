//! The server knows its own site files: before it serves, it checks that the JS, the wasm and
//! the stylesheet its pages load exist under `LEPTOS_SITE_ROOT`, and refuses to start, naming
//! the missing file and how to build it, rather than serve pages that never come to life.
//!
//! Why: the file names are decided when the server is compiled. cargo-leptos sets
//! `LEPTOS_OUTPUT_NAME` for its builds, and Leptos reads it at compile time, both for the name
//! (`steward.js`) and for the wasm's (`steward.wasm`; without the variable,
//! `<name>_bg.wasm`). A server built otherwise, or against a site built for another name, sent
//! pages that loaded `/pkg/.js` and never hydrated, and whose forms then went out as the
//! browser's default (`docs/development.md`, "Traps"). The workspace's `.cargo/config.toml` now
//! sets the name for every cargo build; this check catches whatever still does not match.
//!
//! The names are read from what the pages really reference: the hydration scripts are rendered
//! once here, exactly as in a page's `<head>`, and each `/pkg/…` file they name is looked for.

use leptos::prelude::*;
use std::path::{Path, PathBuf};

/// The site files the pages load, as URL paths (`/pkg/steward.js`, …).
pub fn referenced_files(options: &LeptosOptions) -> Vec<String> {
    let head = Owner::new().with(|| {
        let options = options.clone();
        view! { <HydrationScripts options/> }.to_html()
    });
    let mut files: Vec<String> = head
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect();
    // The stylesheet (`App`'s `<Stylesheet>`): cargo-leptos names it after the output, too.
    files.push(format!(
        "/{}/{}.css",
        options.site_pkg_dir.trim_matches('/'),
        options.output_name
    ));
    files
}

/// Where the file a page loads as `url` lies under the site root.
fn on_disk(site_root: &Path, url: &str) -> PathBuf {
    site_root.join(url.trim_start_matches('/'))
}

/// `Ok` when every file the pages load is there; otherwise what is missing and how to build it.
pub fn check(options: &LeptosOptions) -> Result<(), String> {
    let root = PathBuf::from(options.site_root.as_ref());
    let missing: Vec<String> = referenced_files(options)
        .into_iter()
        .filter(|url| !on_disk(&root, url).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing
        .iter()
        .map(|url| format!("{} (the pages load {url})", on_disk(&root, url).display()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut message = format!(
        "the site files this server's pages load are missing: {list}. LEPTOS_SITE_ROOT is '{}'. \
         Build the site together with this server: `cargo leptos build --split` (add --release \
         for a release server; `bash scripts/run.sh` builds and starts it), then start the \
         server with LEPTOS_SITE_ROOT pointing at the built site (target/site in the checkout)",
        root.display()
    );
    if options.output_name.is_empty() {
        message.push_str(
            ". This server has no output name (it was compiled without LEPTOS_OUTPUT_NAME and \
             none is set now): build it in this workspace, whose .cargo/config.toml sets it, or \
             set LEPTOS_OUTPUT_NAME=steward",
        );
    }
    Err(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(root: &Path, name: &str) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(name)
            .site_root(root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .build()
    }

    #[test]
    fn the_pages_load_the_js_the_wasm_and_the_stylesheet_of_the_output_name() {
        let files = referenced_files(&options(Path::new("site"), "steward"));
        assert_eq!(files.len(), 3, "{files:?}");
        assert_eq!(files[0], "/pkg/steward.js");
        assert!(
            files[1].starts_with("/pkg/steward") && files[1].ends_with(".wasm"),
            "{files:?}"
        );
        assert_eq!(files[2], "/pkg/steward.css");
    }

    #[test]
    fn a_missing_file_is_named_with_how_to_build_it() {
        let root = std::env::temp_dir().join(format!(
            "steward-site-check-{}",
            app::auth::random::base62(8)
        ));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        let opts = options(&root, "steward");
        let files = referenced_files(&opts);
        for url in &files {
            std::fs::write(on_disk(&root, url), "x").unwrap();
        }
        assert_eq!(check(&opts), Ok(()));
        std::fs::remove_file(on_disk(&root, &files[1])).unwrap();
        let refused = check(&opts).unwrap_err();
        assert!(refused.contains(&files[1]), "{refused}");
        assert!(refused.contains("cargo leptos build --split"), "{refused}");
        assert!(!refused.contains(&files[0]), "{refused}");
        let unnamed = check(&options(&root, "")).unwrap_err();
        assert!(unnamed.contains("/pkg/.js"), "{unnamed}");
        assert!(unnamed.contains("LEPTOS_OUTPUT_NAME"), "{unnamed}");
        std::fs::remove_dir_all(root).unwrap();
    }
}

#[cfg(test)]
mod built_in {
    /// The output name every cargo build of this workspace compiles in (`.cargo/config.toml`)
    /// is the site's name in `[[workspace.metadata.leptos]]`, so this test binary, built by a
    /// plain `cargo test`, names the same files a cargo-leptos build writes.
    #[test]
    fn a_plain_cargo_build_knows_the_sites_output_name() {
        let manifest =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
        let site = manifest
            .split("[[workspace.metadata.leptos]]")
            .nth(1)
            .expect("the workspace describes its site");
        let name = site
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = "))
            .expect("the site has a name")
            .trim_matches('"');
        assert_eq!(option_env!("LEPTOS_OUTPUT_NAME"), Some(name));
    }
}
