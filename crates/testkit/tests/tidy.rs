//! Tidy checks of the whole workspace, as `DESIGN.md` promises them: every Rust file starts
//! with a `//!` header saying what it owns, no `todo!`/`unimplemented!` is left behind, every
//! dependency a manifest names has a row in `docs/dependencies.md`, and every crate in the
//! build carries a licence from the allow-list.
//!
//! They are plain `#[test]`s over the source tree (ripgrep and rust-analyzer do the same), so
//! `cargo test` catches them on a developer's machine before CI does.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() && name != "target" && name != "node_modules" {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn crate_sources() -> Vec<(PathBuf, String)> {
    rust_files(&workspace_root().join("crates"))
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap_or_default();
            (path, text)
        })
        .collect()
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_rust_file_starts_with_a_module_header() {
    let missing: Vec<String> = crate_sources()
        .iter()
        .filter(|(_, text)| {
            let first = text.lines().map(str::trim).find(|line| !line.is_empty());
            !first.is_some_and(|line| line.starts_with("//!"))
        })
        .map(|(path, _)| relative(path))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` header: {missing:#?}"
    );
}

#[test]
fn no_unfinished_code_is_left_behind() {
    // Spelled in two halves so this file does not find itself.
    let markers = [concat!("todo", "!("), concat!("unimplemented", "!(")];
    let offenders: Vec<String> = crate_sources()
        .iter()
        .flat_map(|(path, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, line)| markers.iter().any(|marker| line.contains(marker)))
                .map(move |(index, _)| format!("{}:{}", relative(path), index + 1))
        })
        .collect();
    assert!(offenders.is_empty(), "unfinished code at {offenders:#?}");
}

/// The dependency names a manifest lists in its `[*dependencies]` tables.
fn dependency_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.trim_matches(['[', ']']).ends_with("dependencies");
            continue;
        }
        if !in_dependencies || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with("cognate-") {
            names.push(name);
        }
    }
    names
}

#[test]
fn every_dependency_has_a_row_in_the_register() {
    let root = workspace_root();
    let register = fs::read_to_string(root.join("docs/dependencies.md")).unwrap_or_default();
    let mut manifests = vec![root.join("Cargo.toml")];
    if let Ok(entries) = fs::read_dir(root.join("crates")) {
        manifests.extend(
            entries
                .flatten()
                .map(|entry| entry.path().join("Cargo.toml")),
        );
    }
    let mut unregistered = Vec::new();
    for manifest in manifests {
        let text = fs::read_to_string(&manifest).unwrap_or_default();
        for name in dependency_names(&text) {
            // The register writes a crate as in Cargo.toml or as in Rust paths.
            let mentioned = [name.clone(), name.replace('-', "_")]
                .iter()
                .any(|spelling| register.contains(&format!("`{spelling}")));
            if !mentioned {
                unregistered.push(format!("{name} ({})", relative(&manifest)));
            }
        }
    }
    assert!(
        unregistered.is_empty(),
        "dependencies without a row in docs/dependencies.md: {unregistered:#?}"
    );
}

/// Licences we ship under (the project is Apache-2.0): permissive ones, and MPL-2.0, whose
/// copyleft stays within the files of the crate that carries it.
const ALLOWED_LICENSES: &[&str] = &[
    "0BSD",
    "Apache-2.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSL-1.0",
    "CC0-1.0",
    "CDLA-Permissive-2.0",
    "ISC",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "Unicode-3.0",
    "Unlicense",
    "Zlib",
];

/// Whether an SPDX expression (with the older `/` for OR) can be satisfied by allowed
/// licences: OR needs one side, AND both, and `X WITH exception` is read as `X`.
fn license_allowed(expression: &str) -> bool {
    let spaced = expression
        .replace('/', " OR ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut position = 0;
    parse_or(&tokens, &mut position) && position == tokens.len()
}

fn parse_or(tokens: &[&str], position: &mut usize) -> bool {
    let mut allowed = parse_and(tokens, position);
    while tokens.get(*position) == Some(&"OR") {
        *position += 1;
        allowed |= parse_and(tokens, position);
    }
    allowed
}

fn parse_and(tokens: &[&str], position: &mut usize) -> bool {
    let mut allowed = parse_term(tokens, position);
    while tokens.get(*position) == Some(&"AND") {
        *position += 1;
        allowed &= parse_term(tokens, position);
    }
    allowed
}

fn parse_term(tokens: &[&str], position: &mut usize) -> bool {
    let Some(token) = tokens.get(*position) else {
        return false;
    };
    *position += 1;
    let allowed = if *token == "(" {
        let inner = parse_or(tokens, position);
        let closed = tokens.get(*position) == Some(&")");
        *position += 1;
        inner && closed
    } else {
        ALLOWED_LICENSES.contains(token)
    };
    if tokens.get(*position) == Some(&"WITH") {
        *position += 2;
    }
    allowed
}

#[test]
fn license_expressions_are_read_as_spdx() {
    let cases = [
        ("MIT OR Apache-2.0", true),
        ("MIT/Apache-2.0", true),
        ("(MIT OR Apache-2.0) AND Unicode-3.0", true),
        ("Apache-2.0 WITH LLVM-exception OR MIT", true),
        ("MIT OR Apache-2.0 OR LGPL-2.1-or-later", true),
        ("GPL-3.0-only", false),
        ("MIT AND GPL-2.0-only", false),
        ("(MIT", false),
    ];
    for (expression, expected) in cases {
        assert_eq!(license_allowed(expression), expected, "{expression}");
    }
}

#[test]
fn every_crate_in_the_build_has_an_allowed_license() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(workspace_root())
        .output();
    assert!(output.is_ok(), "cargo metadata did not run: {output:?}");
    let Ok(output) = output else { return };
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    assert!(!packages.is_empty(), "cargo metadata listed no packages");
    let refused: Vec<String> = packages
        .iter()
        .filter(|package| package["source"].is_string()) // third-party, not our own crates
        .filter(|package| !package["license"].as_str().is_some_and(license_allowed))
        .map(|package| {
            format!(
                "{} {}: {}",
                package["name"], package["version"], package["license"]
            )
        })
        .collect();
    assert!(
        refused.is_empty(),
        "crates whose licence is not on the allow-list: {refused:#?}"
    );
}
