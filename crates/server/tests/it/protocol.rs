//! The wire protocol: dispatch, parsing, validation wording, SigV4, error shape.

use crate::on_both_backends;
use crate::support::error_of;

on_both_backends!(malformed_json_is_a_serialization_exception, |server| {
    let response = server
        .raw(Some("ListUserPools"), "{\"MaxResults\": ", true)
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json["__type"], "SerializationException");
    assert!(
        response.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed request body")
    );
});

on_both_backends!(
    a_member_of_the_wrong_type_is_a_serialization_exception,
    |server| {
        let response = server
            .raw(Some("ListUserPools"), r#"{"MaxResults": "ten"}"#, true)
            .await;
        assert_eq!(response.json["__type"], "SerializationException");
        assert!(
            response.json["message"]
                .as_str()
                .unwrap()
                .contains("MaxResults"),
            "{:?}",
            response.json
        );
    }
);

on_both_backends!(missing_required_members_use_aws_wording, |server| {
    server.raw(Some("ListUserPools"), "{}", true).await.assert_error(
        400,
        "InvalidParameterException",
        "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null",
    );
});

on_both_backends!(
    pattern_length_range_and_enum_violations_use_aws_wording,
    |server| {
        server.raw(Some("DescribeUserPool"), r#"{"UserPoolId": "not a pool"}"#, true).await.assert_error(
        400,
        "InvalidParameterException",
        r"1 validation error detected: Value 'not a pool' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+",
    );
        server.raw(Some("ListUserPools"), r#"{"MaxResults": 61}"#, true).await.assert_error(
        400,
        "InvalidParameterException",
        "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60",
    );
        server
        .raw(Some("CreateUserPool"), r#"{"PoolName": "p", "MfaConfiguration": "SOMETIMES"}"#, true)
        .await
        .assert_error(
            400,
            "InvalidParameterException",
            "1 validation error detected: Value 'SOMETIMES' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]",
        );
        server
        .raw(Some("CreateUserPool"), r#"{"PoolName": "", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}}"#, true)
        .await
        .assert_error(
            400,
            "InvalidParameterException",
            "3 validation errors detected: Value '' at 'poolName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'poolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+; Value '5' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value greater than or equal to 6",
        );
    }
);

on_both_backends!(
    unknown_and_missing_targets_are_unknown_operations,
    |server| {
        server
            .raw(Some("StealAllUsers"), "{}", true)
            .await
            .assert_error(
                400,
                "UnknownOperationException",
                "Unknown operation StealAllUsers.",
            );
        server.raw(None, "{}", true).await.assert_error(
            400,
            "UnknownOperationException",
            "Missing X-Amz-Target header.",
        );
        let other_service = server
            .raw_with_headers(
                None,
                "{}",
                false,
                &[("x-amz-target", "DynamoDB_20120810.ListTables")],
            )
            .await;
        other_service.assert_error(
            400,
            "UnknownOperationException",
            "Unknown target DynamoDB_20120810.ListTables.",
        );
    }
);

on_both_backends!(operations_not_built_yet_say_so_by_name, |server| {
    server
        .raw(Some("CreateTerms"), "{}", true)
        .await
        .assert_error(
            400,
            "UnsupportedOperationException",
            "Cognate does not implement the operation CreateTerms yet.",
        );
});

on_both_backends!(signed_operations_need_a_valid_signature, |server| {
    server
        .raw(Some("ListUserPools"), r#"{"MaxResults": 1}"#, false)
        .await
        .assert_error(
            400,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
    let (code, message) = error_of(
        server
            .client_with(crate::support::ACCESS_KEY, "wrong-secret")
            .list_user_pools()
            .max_results(1)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidSignatureException");
    assert_eq!(
        message,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );
    let (code, message) = error_of(
        server
            .client_with("AKIDUNKNOWN", "whatever")
            .list_user_pools()
            .max_results(1)
            .send()
            .await,
    );
    assert_eq!(code, "UnrecognizedClientException");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );
});

on_both_backends!(
    unsigned_operations_are_not_asked_for_a_signature,
    |server| {
        // SignUp is unsigned in the model: without a signature it reaches dispatch, never SigV4.
        let response = server.raw(Some("SignUp"), "{}", false).await;
        assert_ne!(
            response.json["__type"], "MissingAuthenticationTokenException",
            "{:?}",
            response.json
        );
    }
);

on_both_backends!(
    dev_mode_accepts_any_well_formed_signature,
    dev = true,
    |server| {
        let pools = server
            .client_with("AKIDANYTHING", "any-secret")
            .list_user_pools()
            .max_results(5)
            .send()
            .await
            .unwrap();
        assert!(pools.user_pools().is_empty());
        server
            .raw(Some("ListUserPools"), r#"{"MaxResults": 1}"#, false)
            .await
            .assert_error(
                400,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            );
    }
);

on_both_backends!(oversized_bodies_are_refused, |server| {
    let huge = format!(r#"{{"PoolName": "{}"}}"#, "x".repeat(5 * 1024 * 1024));
    let response = server.raw(Some("CreateUserPool"), &huge, false).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.json["__type"], "SerializationException");
});

on_both_backends!(unsupported_content_types_are_refused, |server| {
    let response = server
        .raw_with_headers(
            Some("ListUserPools"),
            r#"{"MaxResults": 1}"#,
            true,
            &[("content-type", "text/plain")],
        )
        .await;
    response.assert_error(
        400,
        "SerializationException",
        "Unsupported content type text/plain. Use application/x-amz-json-1.1 or application/json.",
    );
    let json = server
        .raw_with_headers(
            Some("ListUserPools"),
            r#"{"MaxResults": 1}"#,
            true,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(json.status, 200);
});

on_both_backends!(unknown_resources_are_resource_not_found, |server| {
    let client = server.client();
    let (code, message) = error_of(
        client
            .describe_user_pool()
            .user_pool_id("us-east-1_Nope12345")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "User pool us-east-1_Nope12345 does not exist."
        )
    );
    let pool = client
        .create_user_pool()
        .pool_name("p")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (code, message) = error_of(
        client
            .describe_user_pool_client()
            .user_pool_id(&pool)
            .client_id("nope")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "User pool client nope does not exist."
        )
    );
    let (code, message) = error_of(
        client
            .admin_get_user()
            .user_pool_id(&pool)
            .username("ghost")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("UserNotFoundException", "User does not exist.")
    );
    let (code, message) = error_of(
        client
            .get_group()
            .user_pool_id(&pool)
            .group_name("ghosts")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ResourceNotFoundException", "Group not found.")
    );
});

on_both_backends!(
    successful_responses_carry_a_request_id_and_the_json_content_type,
    |server| {
        let response = server
            .raw(Some("ListUserPools"), r#"{"MaxResults": 1}"#, true)
            .await;
        assert_eq!(response.status, 200);
        assert_eq!(
            response.headers["content-type"],
            "application/x-amz-json-1.1"
        );
        assert_eq!(
            response.headers["x-amzn-requestid"].to_str().unwrap().len(),
            36
        );
        assert_eq!(response.json, serde_json::json!({ "UserPools": [] }));
    }
);
