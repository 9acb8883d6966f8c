//! Issue 10, finding 6 and the protocol-level smaller findings: the HTTP front door's limits
//! (request-head and body deadlines, idle connections, the connection cap, the early 413),
//! what errors repeat of a request, SigV4's signed target and payload, and the permissions of
//! the SQLite files. Driven with raw TCP sockets where a well-behaved client cannot misbehave
//! enough. None of it touches storage beyond starting a server, so SQLite suffices.

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{ACCESS_KEY, Backend, Options, REGION, SECRET_KEY, TestServer};

/// A server with tight limits: a one-second head and body deadline, four connections.
async fn limited_server() -> TestServer {
    TestServer::start_configured(Backend::Sqlite, Options { dev: false }, |raw| {
        raw.header_timeout_seconds = Some(1);
        raw.body_timeout_seconds = Some(1);
        raw.max_connections = Some(4);
    })
    .await
    .unwrap()
}

/// Reads what the server sends until it closes the connection, for at most `within`; returns
/// the text and whether the connection was closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into_owned(), true),
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
            Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_a_request_head_that_never_ends_is_cut_off() {
    let server = limited_server().await;
    let mut stream = TcpStream::connect(server.server.addr).await.unwrap();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    // A byte of the head every 200 ms: never complete, never quite silent.
    let started = Instant::now();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(5) {
        if stream.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        let (_, ended) = read_until_closed(&mut stream, Duration::from_millis(200)).await;
        if ended {
            closed = true;
            break;
        }
    }
    assert!(closed, "the connection is still open after 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_a_trickled_body_is_cut_off() {
    let server = limited_server().await;
    let mut stream = TcpStream::connect(server.server.addr).await.unwrap();
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\n\
              Content-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    while started.elapsed() < Duration::from_secs(5) {
        let _ = stream.write_all(b" ").await;
        let (text, ended) = read_until_closed(&mut stream, Duration::from_millis(200)).await;
        answer.push_str(&text);
        if ended {
            break;
        }
    }
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        answer.contains(r#""__type":"RequestTimeoutException""#),
        "{answer}"
    );
    assert!(
        answer.contains("The request body did not arrive within 1 seconds."),
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_idle_connections_end_and_health_answers_beyond_the_cap() {
    let server = limited_server().await;
    // Twice the cap of connections that never send a byte.
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(server.server.addr).await.unwrap());
    }
    let mut health = TcpStream::connect(server.server.addr).await.unwrap();
    let started = Instant::now();
    health
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut health, Duration::from_secs(8)).await;
    let waited = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // It waited for idle connections to time out (the cap held), but not for long.
    assert!(
        waited >= Duration::from_millis(800),
        "served at once: {waited:?}"
    );
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // Every idle connection was closed by the server.
    for mut connection in idle {
        let (_, closed) = read_until_closed(&mut connection, Duration::from_secs(4)).await;
        assert!(closed, "an idle connection is still open");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_a_declared_oversized_body_is_refused_before_it_arrives() {
    let server = limited_server().await;
    let mut stream = TcpStream::connect(server.server.addr).await.unwrap();
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\n\
              Content-Type: application/x-amz-json-1.1\r\nContent-Length: 104857600\r\n\r\n",
        )
        .await
        .unwrap();
    // The answer comes before any of the body is sent; the connection closes at the body
    // deadline (what is sent until then is read and thrown away, so that a client writing
    // its body first still gets the answer rather than a reset).
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_millis(600)).await;
    assert!(!closed, "closed before the body deadline");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(
        answer.contains(r#""__type":"SerializationException""#),
        "{answer}"
    );
    assert!(
        answer.contains("The request body is larger than the limit of 4194304 bytes."),
        "{answer}"
    );
    assert!(
        answer.to_ascii_lowercase().contains("x-amzn-requestid"),
        "{answer}"
    );
    assert!(closed, "the connection stays open past the body deadline");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_errors_repeat_little_of_an_oversized_header() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let huge = "A".repeat(60_000);
    let response = server.raw(Some(&huge), "{}", false).await;
    assert_eq!(response.json["__type"], "UnknownOperationException");
    let message = response.json["message"].as_str().unwrap();
    assert!(message.len() < 1100, "{} bytes echoed", message.len());
    assert!(message.starts_with("Unknown operation AAAA"), "{message}");
    let content_type = format!("application/{huge}");
    let response = server
        .raw_with_headers(
            Some("SignUp"),
            "{}",
            false,
            &[("content-type", &content_type)],
        )
        .await;
    assert_eq!(response.json["__type"], "SerializationException");
    let message = response.json["message"].as_str().unwrap();
    assert!(message.len() < 1200, "{} bytes echoed", message.len());
    server.stop().await;
}

/// An AdminGetUser request signed by the SDK's own signer, with the signature computed over
/// `signed` headers only and `late` headers added after signing, as a replay would.
async fn send_signed(
    server: &TestServer,
    signed: &[(&str, &str)],
    late: &[(&str, &str)],
    body: &str,
    unsigned_payload: bool,
) -> crate::support::RawResponse {
    let identity = Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "tests").into();
    let mut settings = SigningSettings::default();
    if unsigned_payload {
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("cognito-idp")
        .time(std::time::SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let host = server.server.addr.to_string();
    let mut headers: Vec<(&str, &str)> = vec![("host", &host)];
    headers.extend_from_slice(signed);
    let signable = SignableRequest::new(
        "POST",
        format!("{}/", server.url()),
        headers.iter().copied(),
        if unsigned_payload {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(body.as_bytes())
        },
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut extra: Vec<(String, String)> = signed
        .iter()
        .chain(late)
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    extra.extend(
        instructions
            .headers()
            .map(|(n, v)| (n.to_owned(), v.to_owned())),
    );
    let extra: Vec<(&str, &str)> = extra
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    server.raw_with_headers(None, body, false, &extra).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_sigv4_needs_the_target_and_the_body_signed() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let body = r#"{"UserPoolId":"us-east-1_nothing1","Username":"x"}"#;
    let content_type = ("content-type", "application/x-amz-json-1.1");
    let target = (
        "x-amz-target",
        "AWSCognitoIdentityProviderService.AdminGetUser",
    );
    // Properly signed: the request reaches the operation.
    let response = send_signed(&server, &[content_type, target], &[], body, false).await;
    assert_eq!(
        response.json["__type"], "ResourceNotFoundException",
        "{:?}",
        response.json
    );
    // The target added after signing: another operation could be swapped in.
    let response = send_signed(&server, &[content_type], &[target], body, false).await;
    response.assert_error(
        400,
        "InvalidSignatureException",
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
    );
    // UNSIGNED-PAYLOAD: another body could be swapped in.
    let response = send_signed(&server, &[content_type, target], &[], body, true).await;
    response.assert_error(
        400,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
    server.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_sqlite_files_and_the_data_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let base = std::env::temp_dir().join(format!("cognate-perm-{}", uuid::Uuid::new_v4().simple()));
    let data_dir = base.join("data");
    let args = cognate_server::config::ServeArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: Some(data_dir.clone()),
        dev: true,
        ..Default::default()
    };
    let config = cognate_server::config::Config::resolve(
        &args,
        cognate_server::config::RawConfig::default(),
    )
    .unwrap();
    let server = cognate_server::spawn(config).await.unwrap();
    // A write, so that the WAL and the shared-memory index exist.
    let client = crate::support::sdk_client(&server.url(), "AKIDANY", "any-secret");
    client
        .create_user_pool()
        .pool_name("perm")
        .send()
        .await
        .unwrap();
    let mode = |name: &str| {
        std::fs::metadata(data_dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(
        std::fs::metadata(&data_dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for file in [
        "cognate.db",
        "cognate.db-wal",
        "cognate.db-shm",
        "key-encryption-key",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    server.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(base);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_import_uploads_stream_past_the_body_limit_but_not_when_stalled() {
    use crate::import_jobs::{csv_header, curl_upload, new_job, row};
    use crate::support::flows::{AppOptions, app};
    // A body limit far below the file's size: the upload route streams instead.
    let server = TestServer::start_configured(Backend::Sqlite, Options { dev: false }, |raw| {
        raw.max_body_bytes = Some(1024);
        raw.body_timeout_seconds = Some(1);
    })
    .await
    .unwrap();
    let client = server.client();
    let pool = app(&client, AppOptions::default()).await.pool;
    let header = csv_header(&client, &pool).await;
    let mut csv = header.join(",") + "\n";
    for i in 0..200 {
        let name = format!("user{i}");
        let email = format!("user{i}@example.com");
        csv += &row(
            &header,
            &[
                ("cognito:username", &name),
                ("email", &email),
                ("email_verified", "true"),
                ("cognito:mfa_enabled", "false"),
            ],
        );
        csv += "\n";
    }
    assert!(csv.len() > 8 * 1024);
    let url = new_job(&client, &pool, None).await.pre_signed_url.unwrap();
    let (status, body) = tokio::task::spawn_blocking(move || curl_upload(&url, &csv))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");

    // An upload that stops halfway is cut off a body deadline after its last byte.
    let url = new_job(&client, &pool, None).await.pre_signed_url.unwrap();
    let path = url.strip_prefix(&server.url()).unwrap().to_owned();
    let mut stream = TcpStream::connect(server.server.addr).await.unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{}",
        header.join(",")
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    assert!(answer.contains("InvalidArgument"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}
