//! The Node `oidc-provider` package as a second real upstream OpenID provider
//! (`interop/oidc-provider.mjs`): started per test on `127.0.0.1:0`, stopped on drop.
//! CI installs it and sets COGNATE_REQUIRE_INTEROP=1, so there a missing install fails.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::interop::interop_dir;

pub struct NodeProvider {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub issuer: String,
}

/// Whether node and `oidc-provider` are installed; when they are required and missing, the
/// test fails.
pub fn available() -> bool {
    let installed = interop_dir().join("node_modules/oidc-provider").exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !installed && std::env::var("COGNATE_REQUIRE_INTEROP").is_ok_and(|v| v == "1") {
        panic!(
            "COGNATE_REQUIRE_INTEROP=1 but node or interop/node_modules/oidc-provider is missing (run `npm ci` in interop/)"
        );
    }
    if !installed {
        eprintln!("node or interop/node_modules/oidc-provider is missing: skipping");
    }
    installed
}

impl NodeProvider {
    /// Starts a provider with one confidential client for `redirect_uri`.
    pub fn start(client_id: &str, client_secret: &str, redirect_uri: &str) -> NodeProvider {
        let mut child = Command::new("node")
            .arg("oidc-provider.mjs")
            .args([client_id, client_secret, redirect_uri])
            .current_dir(interop_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the provider prints its issuer");
        let started: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("not the issuer line: {line}"));
        NodeProvider {
            child,
            issuer: started["issuer"].as_str().unwrap().to_owned(),
        }
    }

    /// Merges `claims` into an account's claims (what the next sign-in sees).
    pub async fn set_claims(&self, account: &str, claims: serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/test/accounts/{account}", self.issuer))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
}

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
