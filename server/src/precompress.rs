//! `server precompress`: writes a brotli (`.br`) and a gzip (`.gz`) copy beside each wasm, JS
//! and CSS file of the built site, once, at the strongest settings. The site's file handler
//! (leptos_axum's, a tower-http `ServeDir`) sends those copies to browsers that accept them, so
//! no request pays for compression and the wasm goes out brotli-compressed at quality 11
//! (on-the-fly compression would cost seconds of CPU per request at that level).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file kinds a page loads from `/pkg`; everything else there is left as it is.
const COMPRESSED_KINDS: [&str; 3] = ["wasm", "js", "css"];

/// brotli's strongest quality and its largest usual window (4 MiB).
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW_BITS: u32 = 22;

/// What one run did, for the command to print.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Files compressed in this run (up-to-date copies are kept, not redone).
    pub compressed: usize,
    /// Files whose copies were already newer than the file.
    pub up_to_date: usize,
    /// Leftover `.br`/`.gz` copies of files that no longer exist, removed.
    pub removed: usize,
    /// Bytes of the files considered, and of their brotli and gzip copies.
    pub raw_bytes: u64,
    pub brotli_bytes: u64,
    pub gzip_bytes: u64,
}

/// Compresses every wasm, JS and CSS file directly in `dir` (the site's `pkg` folder) whose
/// copies are missing or older than it, and removes copies whose file is gone (a rebuild
/// renames chunks). Copies are written to a temporary name and renamed into place, so a
/// running server never sends half a file.
pub fn precompress_dir(dir: &Path) -> io::Result<Report> {
    let mut sources = Vec::new();
    let mut copies = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        match extension(&path) {
            "br" | "gz" => copies.push(path),
            kind if COMPRESSED_KINDS.contains(&kind) => sources.push(path),
            _ => {}
        }
    }
    let mut report = Report::default();
    for copy in copies {
        if !copy.with_extension("").exists() {
            fs::remove_file(&copy)?;
            report.removed += 1;
        }
    }
    let results = compress_in_parallel(&sources)?;
    for (source, fresh) in sources.iter().zip(results) {
        report.raw_bytes += fs::metadata(source)?.len();
        report.brotli_bytes += fs::metadata(copy_path(source, "br"))?.len();
        report.gzip_bytes += fs::metadata(copy_path(source, "gz"))?.len();
        if fresh {
            report.compressed += 1;
        } else {
            report.up_to_date += 1;
        }
    }
    Ok(report)
}

/// Brotli at quality 11 takes seconds for a large wasm; spread the files over the cores.
/// Returns, per source, whether it was compressed now (false: its copies were up to date).
fn compress_in_parallel(sources: &[PathBuf]) -> io::Result<Vec<bool>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, sources.len().max(1));
    std::thread::scope(|scope| {
        let shares: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    (worker..sources.len())
                        .step_by(workers)
                        .map(|i| compress_if_stale(&sources[i]).map(|fresh| (i, fresh)))
                        .collect::<io::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut compressed = vec![false; sources.len()];
        for share in shares {
            let done = share
                .join()
                .map_err(|_| io::Error::other("a compression worker panicked"))??;
            for (i, fresh) in done {
                compressed[i] = fresh;
            }
        }
        Ok(compressed)
    })
}

fn compress_if_stale(source: &Path) -> io::Result<bool> {
    let modified = fs::metadata(source)?.modified()?;
    let fresh = |kind: &str| {
        fs::metadata(copy_path(source, kind))
            .and_then(|m| m.modified())
            .is_ok_and(|copy| copy >= modified)
    };
    if fresh("br") && fresh("gz") {
        return Ok(false);
    }
    let data = fs::read(source)?;
    write_atomically(&copy_path(source, "br"), |out| {
        let mut encoder =
            brotli::CompressorWriter::new(out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW_BITS);
        encoder.write_all(&data)?;
        encoder.flush()
    })?;
    write_atomically(&copy_path(source, "gz"), |out| {
        let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::best());
        encoder.write_all(&data)?;
        encoder.finish().map(drop)
    })?;
    Ok(true)
}

fn write_atomically(
    target: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<()> {
    let partial = target.with_extension(format!("{}.partial", extension(target)));
    let mut file = fs::File::create(&partial)?;
    write(&mut file)?;
    file.sync_all()?;
    fs::rename(&partial, target)
}

/// `steward.wasm` → `steward.wasm.br`: the name `ServeDir` looks for.
fn copy_path(source: &Path, kind: &str) -> PathBuf {
    let mut name = source.as_os_str().to_owned();
    name.push(".");
    name.push(kind);
    PathBuf::from(name)
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn site() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "steward-precompress-{}-{}",
            std::process::id(),
            unique_suffix()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn unique_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    }

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn ungzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn copies_decompress_to_the_files_and_only_page_files_get_them() {
        let dir = site();
        let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(dir.join("steward.wasm"), &wasm).unwrap();
        fs::write(
            dir.join("steward.js"),
            "export function hydrate() {}\n".repeat(50),
        )
        .unwrap();
        fs::write(dir.join("steward.css"), "body { margin: 0 }\n".repeat(50)).unwrap();
        fs::write(dir.join("manifest.json"), "{}").unwrap();

        let report = precompress_dir(&dir).unwrap();

        assert_eq!(report.compressed, 3);
        assert!(report.brotli_bytes < report.raw_bytes / 10, "{report:?}");
        let br = fs::read(dir.join("steward.wasm.br")).unwrap();
        assert_eq!(unbrotli(&br), wasm);
        assert_eq!(
            ungzip(&fs::read(dir.join("steward.wasm.gz")).unwrap()),
            wasm
        );
        assert_eq!(
            unbrotli(&fs::read(dir.join("steward.css.br")).unwrap()),
            fs::read(dir.join("steward.css")).unwrap()
        );
        assert!(!dir.join("manifest.json.br").exists());
        assert!(!dir.join("steward.wasm.br.partial").exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_second_run_keeps_fresh_copies_redoes_stale_ones_and_drops_orphans() {
        let dir = site();
        fs::write(dir.join("a.wasm"), b"first version of a".repeat(100)).unwrap();
        fs::write(dir.join("b.js"), b"b".repeat(100)).unwrap();
        precompress_dir(&dir).unwrap();

        // A rebuild changes a.wasm and removes b.js.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let changed = b"second version of a".repeat(100);
        fs::write(dir.join("a.wasm"), &changed).unwrap();
        fs::remove_file(dir.join("b.js")).unwrap();
        let report = precompress_dir(&dir).unwrap();

        assert_eq!((report.compressed, report.removed), (1, 2), "{report:?}");
        assert_eq!(unbrotli(&fs::read(dir.join("a.wasm.br")).unwrap()), changed);
        assert!(!dir.join("b.js.br").exists() && !dir.join("b.js.gz").exists());
        let again = precompress_dir(&dir).unwrap();
        assert_eq!((again.compressed, again.up_to_date), (0, 1), "{again:?}");
        fs::remove_dir_all(dir).unwrap();
    }
}
