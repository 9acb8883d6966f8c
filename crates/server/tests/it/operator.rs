//! Health, metrics, the dev-mode endpoints, and persistence across restarts.

use crate::on_both_backends;

on_both_backends!(health_reports_ready_when_the_store_answers, |server| {
    let response = reqwest::get(format!("{}/health", server.url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
});

on_both_backends!(metrics_count_requests_and_errors_per_operation, |server| {
    let client = server.client();
    client
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .unwrap();
    let _ = client
        .describe_user_pool()
        .user_pool_id("us-east-1_Missing00")
        .send()
        .await;
    let text = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("cognate_requests_total{operation=\"ListUserPools\"}"),
        "{text}"
    );
    assert!(
        text.contains("cognate_errors_total{operation=\"DescribeUserPool\",type=\"ResourceNotFoundException\"}"),
        "{text}"
    );
    assert!(text.contains("cognate_request_duration_seconds"), "{text}");
});

on_both_backends!(dev_endpoints_exist_only_in_dev_mode, |server| {
    let outbox = reqwest::get(format!("{}/_dev/outbox", server.url()))
        .await
        .unwrap();
    assert_eq!(outbox.status(), 404);
    let reset = reqwest::Client::new()
        .post(format!("{}/_dev/reset", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 404);
});

on_both_backends!(dev_reset_wipes_all_state, dev = true, |server| {
    let client = server.client();
    client
        .create_user_pool()
        .pool_name("doomed")
        .send()
        .await
        .unwrap();
    let reset = reqwest::Client::new()
        .post(format!("{}/_dev/reset", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert!(
        client
            .list_user_pools()
            .max_results(10)
            .send()
            .await
            .unwrap()
            .user_pools()
            .is_empty()
    );
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_keeps_everything() {
    use cognate_server::config::{AccessKey, Config, RawConfig, ServeArgs};
    let dir =
        std::env::temp_dir().join(format!("cognate-restart-{}", uuid::Uuid::new_v4().simple()));
    let config = || {
        let args = ServeArgs {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            data_dir: Some(dir.clone()),
            ..ServeArgs::default()
        };
        let raw = RawConfig {
            access_keys: vec![AccessKey {
                id: crate::support::ACCESS_KEY.to_owned(),
                secret: crate::support::SECRET_KEY.to_owned(),
            }],
            ..RawConfig::default()
        };
        Config::resolve(&args, raw).unwrap()
    };
    let sdk = |url: String| {
        let conf = aws_sdk_cognitoidentityprovider::Config::builder()
            .endpoint_url(url)
            .region(aws_sdk_cognitoidentityprovider::config::Region::new(
                "us-east-1",
            ))
            .credentials_provider(aws_credential_types::Credentials::new(
                crate::support::ACCESS_KEY,
                crate::support::SECRET_KEY,
                None,
                None,
                "t",
            ))
            .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
            .build();
        aws_sdk_cognitoidentityprovider::Client::from_conf(conf)
    };
    let first = cognate_server::spawn(config()).await.unwrap();
    let pool = sdk(first.url())
        .create_user_pool()
        .pool_name("durable")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let app = sdk(first.url())
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("c")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    first.stop().await.unwrap();
    let key_mode = std::fs::metadata(dir.join("key-encryption-key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key_mode.permissions().mode() & 0o777, 0o600);
    }
    let second = cognate_server::spawn(config()).await.unwrap();
    let described = sdk(second.url())
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(app.client_id().unwrap())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(
        described.client_secret(),
        app.client_secret(),
        "the sealed secret opens after a restart"
    );
    second.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
