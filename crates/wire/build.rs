//! Generates the wire modules (`cognate_wire::idp`, ...) from the botocore service models under `models/`.
//!
//! The generator is split by concern: `build/model.rs` reads the model JSON, `build/names.rs` derives Rust names and
//! Coral paths, `build/java_regex.rs` translates Java patterns, and `build/emit.rs` writes the code.
//! Anything the generator does not understand is a build error, so a model update can never silently drop a constraint.

#[path = "build/emit.rs"]
mod emit;
#[path = "build/java_regex.rs"]
mod java_regex;
#[path = "build/model.rs"]
mod model;
#[path = "build/names.rs"]
mod names;

use std::path::Path;

use emit::Service;

/// One entry per generated module, each `include!`d by its `src/` module.
const SERVICES: &[Service] = &[
    Service {
        model: "../../models/cognito-idp/2016-04-18/service-2.json",
        out: "cognito_idp.rs",
        op_macro: "for_each_operation",
    },
    Service {
        model: "../../models/cognito-identity/2014-06-30/service-2.json",
        out: "cognito_identity.rs",
        op_macro: "for_each_identity_operation",
    },
];

fn main() {
    if let Err(error) = run() {
        eprintln!("cognate-wire code generation failed: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir =
        std::env::var("CARGO_MANIFEST_DIR").map_err(|e| format!("CARGO_MANIFEST_DIR: {e}"))?;
    let out_dir = std::env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?;
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    for service in SERVICES {
        let path = Path::new(&manifest_dir).join(service.model);
        println!("cargo:rerun-if-changed={}", path.display());
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let model: model::Model =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let code =
            emit::generate(&model, service).map_err(|e| format!("{}: {e}", service.model))?;
        let out = Path::new(&out_dir).join(service.out);
        std::fs::write(&out, code).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    Ok(())
}
