//! Real message sinks for the tests: an SMTP server on loopback that the server's SMTP client
//! talks to, and an HTTP endpoint that receives the SMS webhook.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One delivered email.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// The first run of `digits` consecutive digits in the body.
    pub fn code(&self, digits: usize) -> Option<String> {
        let body = self
            .data
            .split("\r\n\r\n")
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n");
        let chars: Vec<char> = body.chars().collect();
        chars
            .windows(digits)
            .enumerate()
            .find(|(i, w)| {
                w.iter().all(char::is_ascii_digit)
                    && (*i == 0 || !chars[i - 1].is_ascii_digit())
                    && chars.get(i + digits).is_none_or(|c| !c.is_ascii_digit())
            })
            .map(|(_, w)| w.iter().collect())
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        head.lines().find_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
        })
    }
}

/// A minimal SMTP server (RFC 5321 without extensions) recording every message.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve_smtp(socket, store.clone()));
            }
        });
        SmtpSink { port, mails }
    }

    /// Waits (up to 5 s) for the n-th mail (1-based) sent to `to`.
    pub async fn nth_mail_to(&self, to: &str, n: usize) -> Mail {
        for _ in 0..100 {
            let found: Vec<Mail> = self
                .mails
                .lock()
                .unwrap()
                .iter()
                .filter(|m| m.to.iter().any(|t| t == to))
                .cloned()
                .collect();
            if found.len() >= n {
                return found[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail number {n} to {to} arrived");
    }

    pub async fn mail_to(&self, to: &str) -> Mail {
        self.nth_mail_to(to, 1).await
    }

    /// How many mails to `to` have arrived so far.
    pub fn count_to(&self, to: &str) -> usize {
        self.mails
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .count()
    }
}

fn angle_address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line.rfind('>').unwrap_or(line.len());
    line[start..end].to_owned()
}

async fn serve_smtp(socket: tokio::net::TcpStream, mails: Arc<Mutex<Vec<Mail>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 cognate-test ESMTP\r\n").await;
    let mut mail = Mail {
        from: String::new(),
        to: Vec::new(),
        data: String::new(),
    };
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 cognate-test\r\n"
        } else if upper.starts_with("MAIL FROM") {
            mail = Mail {
                from: angle_address(&line),
                to: Vec::new(),
                data: String::new(),
            };
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO") {
            mail.to.push(angle_address(&line));
            b"250 OK\r\n"
        } else if upper == "DATA" {
            let _ = write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await;
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push_str(
                    l.strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(&l),
                );
                data.push_str("\r\n");
            }
            mail.data = data;
            mails.lock().unwrap().push(mail.clone());
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 Bye\r\n").await;
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 Command not implemented\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// One SMS the webhook received.
#[derive(Debug, Clone)]
pub struct Sms {
    pub to: String,
    pub body: String,
}

/// An HTTP endpoint receiving the SMS webhook; it can be told to fail.
#[derive(Clone)]
pub struct SmsSink {
    pub url: String,
    messages: Arc<Mutex<Vec<Sms>>>,
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl SmsSink {
    pub async fn start() -> SmsSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        let messages = Arc::new(Mutex::new(Vec::new()));
        let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (store, fail) = (messages.clone(), failing.clone());
        let app = axum::Router::new().route(
            "/sms",
            axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let (store, fail) = (store.clone(), fail.clone());
                async move {
                    if fail.load(std::sync::atomic::Ordering::SeqCst) {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    store.lock().unwrap().push(Sms {
                        to: body["to"].as_str().unwrap_or_default().to_owned(),
                        body: body["body"].as_str().unwrap_or_default().to_owned(),
                    });
                    axum::http::StatusCode::OK
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SmsSink {
            url,
            messages,
            failing,
        }
    }

    pub fn fail(&self, failing: bool) {
        self.failing
            .store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn messages_to(&self, to: &str) -> Vec<Sms> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to == to)
            .cloned()
            .collect()
    }
}

/// What a trigger function answers: an HTTP status and a body.
pub type Behaviour = Arc<dyn Fn(&serde_json::Value) -> (u16, String) + Send + Sync>;

/// One call a trigger function received.
#[derive(Debug, Clone)]
pub struct TriggerCall {
    pub event: serde_json::Value,
    /// Whether the webhook signature matched the shared secret.
    pub signed: bool,
}

/// Trigger functions on loopback: `/<name>` as webhooks (signature checked against
/// [`TRIGGER_SECRET`]) and `/2015-03-31/functions/<name>/invocations` as a Lambda Invoke API.
/// Each function echoes its event unless told otherwise.
#[derive(Clone)]
pub struct TriggerSink {
    pub url: String,
    calls: Arc<Mutex<Vec<(String, TriggerCall)>>>,
    behaviours: Arc<Mutex<std::collections::HashMap<String, Behaviour>>>,
}

pub const TRIGGER_SECRET: &str = "trigger-webhook-secret";

/// The ARN the tests give a function name.
pub fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

impl TriggerSink {
    pub async fn start() -> TriggerSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let sink = TriggerSink {
            url,
            calls: Arc::default(),
            behaviours: Arc::default(),
        };
        let (webhook, lambda) = (sink.clone(), sink.clone());
        let app = axum::Router::new()
            .route(
                "/{name}",
                axum::routing::post(
                    move |axum::extract::Path(name): axum::extract::Path<String>,
                          headers: axum::http::HeaderMap,
                          body: axum::body::Bytes| {
                        let sink = webhook.clone();
                        async move {
                            let timestamp: i64 = headers
                                .get("x-cognate-timestamp")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|t| t.parse().ok())
                                .unwrap_or(0);
                            let expected = cognate_server::outbound::webhook_signature(
                                TRIGGER_SECRET,
                                timestamp,
                                &body,
                            );
                            let signed = headers
                                .get("x-cognate-signature")
                                .is_some_and(|v| v.as_bytes() == expected.as_bytes());
                            sink.answer(&name, &body, signed).await
                        }
                    },
                ),
            )
            .route(
                "/2015-03-31/functions/{name}/invocations",
                axum::routing::post(
                    move |axum::extract::Path(name): axum::extract::Path<String>,
                          body: axum::body::Bytes| {
                        let sink = lambda.clone();
                        async move {
                            let (status, body) = sink.answer(&name, &body, false).await;
                            // The Lambda Invoke API reports a thrown error with 200 and a header.
                            if status == axum::http::StatusCode::BAD_REQUEST {
                                let mut response = axum::response::IntoResponse::into_response((
                                    axum::http::StatusCode::OK,
                                    body,
                                ));
                                response.headers_mut().insert(
                                    "x-amz-function-error",
                                    axum::http::HeaderValue::from_static("Unhandled"),
                                );
                                return response;
                            }
                            axum::response::IntoResponse::into_response((status, body))
                        }
                    },
                ),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        sink
    }

    async fn answer(
        &self,
        name: &str,
        body: &[u8],
        signed: bool,
    ) -> (axum::http::StatusCode, String) {
        let event: serde_json::Value =
            serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        self.calls.lock().unwrap().push((
            name.to_owned(),
            TriggerCall {
                event: event.clone(),
                signed,
            },
        ));
        let behaviour = self.behaviours.lock().unwrap().get(name).cloned();
        let (status, body) = match behaviour {
            Some(behave) => behave(&event),
            None => (200, event.to_string()),
        };
        if status == 599 {
            // A function that hangs: longer than the server's trigger timeout.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        (
            axum::http::StatusCode::from_u16(status.min(599)).unwrap_or(axum::http::StatusCode::OK),
            body,
        )
    }

    /// Makes function `name` answer with `behave(event)`.
    pub fn on(
        &self,
        name: &str,
        behave: impl Fn(&serde_json::Value) -> (u16, String) + Send + Sync + 'static,
    ) {
        self.behaviours
            .lock()
            .unwrap()
            .insert(name.to_owned(), Arc::new(behave));
    }

    /// Makes function `name` set these members of `response` and echo the rest of its event.
    pub fn respond(&self, name: &str, response: serde_json::Value) {
        self.on(name, move |event| {
            let mut event = event.clone();
            for (k, v) in response.as_object().unwrap() {
                event["response"][k] = v.clone();
            }
            (200, event.to_string())
        });
    }

    /// Makes function `name` throw `message`.
    pub fn fail(&self, name: &str, message: &'static str) {
        self.on(name, move |_| {
            (
                400,
                serde_json::json!({ "errorType": "Error", "errorMessage": message }).to_string(),
            )
        });
    }

    /// The names of the functions called so far, in the order they were called.
    pub fn order(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub fn calls(&self, name: &str) -> Vec<TriggerCall> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
            .collect()
    }
}
