//! In-process stand-ins for identity providers: an OpenID Connect provider that really
//! issues codes, checks `client_secret_post` and PKCE, signs ID tokens with rotating keys and
//! serves discovery, JWKS and userInfo; plus helpers for the social providers' endpoints.
//! Everything listens on `127.0.0.1:0`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cognate_crypto::jwt::RsaSigningKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

/// Serves `router` on a free loopback port and returns its base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{address}")
}

/// A signing key and the JWK a provider publishes for it.
#[derive(Clone)]
pub struct TestKey {
    pub kid: String,
    pub alg: Algorithm,
    pub encoding: EncodingKey,
    pub jwk: Value,
}

impl TestKey {
    pub fn rsa(kid: &str) -> TestKey {
        let key = RsaSigningKey::generate().unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let mut jwk = key.public_jwk();
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        TestKey {
            kid: kid.to_owned(),
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(pem.expose().as_bytes()).unwrap(),
            jwk,
        }
    }

    pub fn es256(kid: &str) -> TestKey {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let pkcs8 = pair.to_pkcs8v1().unwrap();
        let point = pair.public_key().as_ref().to_vec();
        let b64 = |b: &[u8]| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
        };
        TestKey {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({"kty":"EC","crv":"P-256","kid":kid,"x":b64(&point[1..33]),"y":b64(&point[33..65])}),
        }
    }

    /// Signs `claims` with this key under its `alg` (or `alg` when given).
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(self.alg, claims)
    }

    pub fn sign_as(&self, alg: Algorithm, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

/// A token signed with an HMAC key (the client secret, or anything an attacker picks).
pub fn sign_hmac(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// A token with `alg: none` and no signature.
pub fn unsigned_token(kid: &str, claims: &Value) -> String {
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    format!("{}.{}.", b64(&json!({"alg":"none","kid":kid})), b64(claims))
}

/// What one authorization at the stand-in OP was bound to.
#[derive(Clone, Debug)]
pub struct Grant {
    pub subject: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub redirect_uri: String,
}

/// A recorded request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub method: String,
    pub params: HashMap<String, String>,
    pub authorization: Option<String>,
}

pub struct OpState {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The key that signs new ID tokens.
    pub signing: TestKey,
    /// The keys the JWKS publishes.
    pub published: Vec<Value>,
    pub codes: HashMap<String, Grant>,
    pub seen: Vec<Seen>,
    pub jwks_fetches: usize,
    /// Extra or overriding ID-token claims.
    pub claim_overrides: Map<String, Value>,
    pub userinfo: Map<String, Value>,
    pub token_delay: Option<Duration>,
    pub jwks_delay: Option<Duration>,
    pub jwks_padding: usize,
    pub now_secs: i64,
    pub pkce_supported: bool,
    /// Where `/moved` redirects to.
    pub moved_to: String,
    /// A token endpoint the discovery document names instead of its own.
    pub advertised_token_endpoint: Option<String>,
    /// Sign in with Apple: the client secret is an ES256 JWT checked with this key.
    pub client_secret_jwt_key: Option<jsonwebtoken::DecodingKey>,
}

/// An OpenID Connect provider.
#[derive(Clone)]
pub struct Op {
    pub base: String,
    pub state: Arc<Mutex<OpState>>,
}

impl Op {
    pub async fn start(now_secs: i64) -> Op {
        Self::start_at("127.0.0.1", now_secs).await
    }

    /// Starts the OP and names it by `host` (e.g. `idp.localhost`) in its issuer and URLs.
    pub async fn start_at(host: &str, now_secs: i64) -> Op {
        let key = TestKey::rsa("key-1");
        let state = Arc::new(Mutex::new(OpState {
            issuer: String::new(),
            client_id: "upstream-client".to_owned(),
            client_secret: "upstream-secret".to_owned(),
            published: vec![key.jwk.clone()],
            signing: key,
            codes: HashMap::new(),
            seen: Vec::new(),
            jwks_fetches: 0,
            claim_overrides: Map::new(),
            userinfo: Map::new(),
            token_delay: None,
            jwks_delay: None,
            jwks_padding: 0,
            now_secs,
            pkce_supported: true,
            client_secret_jwt_key: None,
            moved_to: String::new(),
            advertised_token_endpoint: None,
        }));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/moved", get(moved))
            .route("/token", axum::routing::post(token))
            .route("/userinfo", get(userinfo).post(userinfo_post))
            .with_state(state.clone());
        let base = serve(router).await;
        let port = base.rsplit(':').next().unwrap().to_owned();
        let base = format!("http://{host}:{port}");
        state.lock().unwrap().issuer = base.clone();
        Op { base, state }
    }

    pub fn issuer(&self) -> String {
        self.base.clone()
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut OpState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// What the user's browser would bring back after signing in at the OP, for an
    /// authorization request whose URL is `authorize_url`.
    pub fn sign_in(&self, authorize_url: &str, subject: &str) -> String {
        let url = reqwest::Url::parse(authorize_url).unwrap();
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        let code = format!("code-{}", self.with(|s| s.codes.len() + 1));
        self.with(|s| {
            s.codes.insert(
                code.clone(),
                Grant {
                    subject: subject.to_owned(),
                    nonce: query.get("nonce").cloned(),
                    code_challenge: query.get("code_challenge").cloned(),
                    redirect_uri: query["redirect_uri"].clone(),
                },
            )
        });
        code
    }

    /// Standard claims for a token from this OP at its `now`.
    pub fn claims(&self, subject: &str) -> Value {
        self.with(|s| {
            json!({
                "iss": s.issuer,
                "aud": s.client_id,
                "sub": subject,
                "iat": s.now_secs,
                "exp": s.now_secs + 3600,
                "email": format!("{subject}@example.com"),
                "email_verified": true,
            })
        })
    }

    /// Rotates the signing key: the JWKS publishes only the new one.
    pub fn rotate(&self, key: TestKey) {
        self.with(|s| {
            s.published = vec![key.jwk.clone()];
            s.signing = key;
        });
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.with(|s| s.seen.iter().filter(|r| r.path == path).cloned().collect())
    }
}

type Shared = State<Arc<Mutex<OpState>>>;

fn record(
    state: &Mutex<OpState>,
    path: &str,
    method: &str,
    params: HashMap<String, String>,
    headers: &HeaderMap,
) {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state.lock().unwrap().seen.push(Seen {
        path: path.to_owned(),
        method: method.to_owned(),
        params,
        authorization,
    });
}

async fn discovery(State(state): Shared) -> Response {
    let s = state.lock().unwrap();
    let mut doc = json!({
        "issuer": s.issuer,
        "authorization_endpoint": format!("{}/authorize", s.issuer),
        "token_endpoint": s.advertised_token_endpoint.clone().unwrap_or(format!("{}/token", s.issuer)),
        "userinfo_endpoint": format!("{}/userinfo", s.issuer),
        "jwks_uri": format!("{}/jwks", s.issuer),
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
    });
    if s.pkce_supported {
        doc["code_challenge_methods_supported"] = json!(["S256"]);
    }
    axum::Json(doc).into_response()
}

async fn moved(State(state): Shared) -> Response {
    let target = state.lock().unwrap().moved_to.clone();
    (StatusCode::FOUND, [("location", target)]).into_response()
}

async fn jwks(State(state): Shared) -> Response {
    let (delay, body) = {
        let mut s = state.lock().unwrap();
        s.jwks_fetches += 1;
        let mut body = json!({ "keys": s.published }).to_string();
        if s.jwks_padding > 0 {
            body.push_str(&" ".repeat(s.jwks_padding));
        }
        (s.jwks_delay, body)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    ([("content-type", "application/json")], body).into_response()
}

async fn token(
    State(state): Shared,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    record(&state, "/token", "POST", form.clone(), &headers);
    let delay = state.lock().unwrap().token_delay;
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let error = |code: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": code })),
        )
            .into_response()
    };
    let mut s = state.lock().unwrap();
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return error("unsupported_grant_type");
    }
    let secret_ok = match &s.client_secret_jwt_key {
        Some(key) => {
            let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
            validation.validate_aud = false;
            validation.validate_exp = false;
            let secret = form.get("client_secret").cloned().unwrap_or_default();
            jsonwebtoken::decode::<Value>(&secret, key, &validation).is_ok()
        }
        None => form.get("client_secret") == Some(&s.client_secret),
    };
    if form.get("client_id") != Some(&s.client_id) || !secret_ok {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let Some(grant) = form.get("code").and_then(|c| s.codes.remove(c)) else {
        return error("invalid_grant");
    };
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return error("invalid_grant");
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier = form.get("code_verifier").cloned().unwrap_or_default();
        if &cognate_crypto::oauth::s256_challenge(&verifier) != challenge {
            return error("invalid_grant");
        }
    }
    let mut claims = json!({
        "iss": s.issuer,
        "aud": s.client_id,
        "sub": grant.subject,
        "iat": s.now_secs,
        "exp": s.now_secs + 3600,
        "email": format!("{}@example.com", grant.subject),
        "email_verified": true,
    });
    if let Some(nonce) = grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    for (k, v) in &s.claim_overrides {
        claims[k] = v.clone();
    }
    let id_token = s.signing.sign(&claims);
    let access_token = format!("at-{}", grant.subject);
    s.userinfo.insert("sub".to_owned(), json!(grant.subject));
    axum::Json(json!({
        "access_token": access_token,
        "id_token": id_token,
        "refresh_token": "rt-1",
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "openid email",
    }))
    .into_response()
}

async fn userinfo(
    State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    record(&state, "/userinfo", "GET", query, &headers);
    userinfo_answer(&state, &headers)
}

async fn userinfo_post(State(state): Shared, headers: HeaderMap, body: String) -> Response {
    let params = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    record(&state, "/userinfo", "POST", params, &headers);
    userinfo_answer(&state, &headers)
}

fn userinfo_answer(state: &Mutex<OpState>, headers: &HeaderMap) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer.is_none_or(|t| !t.starts_with("at-")) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(Value::Object(state.lock().unwrap().userinfo.clone())).into_response()
}
