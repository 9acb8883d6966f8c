//! Wire-level tests of the generated `cognito-idp` module: serde round trips, Cognito's validation messages verbatim,
//! the operation table, and every model pattern.
//!
//! One integration binary on purpose: each extra test file is another binary to link.

// Tests fail by panicking; the workspace's no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "wire/nulls.rs"]
mod nulls;

use cognate_wire::idp::{self, Operation};
use cognate_wire::{Blob, Empty, Validate, validate_input};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Parses `body` as `T` and returns Cognito's validation message for it, or "" when it is valid.
fn messages<T: Validate + DeserializeOwned>(body: &str) -> String {
    let input: T = serde_json::from_str(body).unwrap();
    validate_input(&input)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// Parses `body` as `T`, serializes it back, and checks nothing was lost or added.
fn round_trip<T: Serialize + DeserializeOwned>(body: Value) -> T {
    let parsed: T = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
    parsed
}

type Case = (fn(&str) -> String, &'static str, &'static str);

#[test]
fn validation_messages_match_cognito() {
    let cases: &[Case] = &[
        (
            messages::<idp::ListUserPoolClientsRequest>,
            r#"{"UserPoolId":"us-east-1_AbC09","MaxResults":60}"#,
            "",
        ),
        (
            messages::<idp::ListUserPoolClientsRequest>,
            r#"{"UserPoolId":"x"}"#,
            r"1 validation error detected: Value 'x' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+",
        ),
        (
            messages::<idp::ListUserPoolClientsRequest>,
            r#"{"MaxResults":0}"#,
            "2 validation errors detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
        (
            messages::<idp::ListUserPoolClientsRequest>,
            r#"{"UserPoolId":""}"#,
            r"2 validation errors detected: Value '' at 'userPoolId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+",
        ),
        (
            messages::<idp::ListUsersRequest>,
            r#"{"UserPoolId":"us-east-1_abc","Limit":61}"#,
            "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
        ),
        (
            messages::<idp::InitiateAuthRequest>,
            r#"{"AuthFlow":"MAGIC","ClientId":"abc"}"#,
            "1 validation error detected: Value 'MAGIC' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]",
        ),
        (
            messages::<idp::AdminCreateUserRequest>,
            r#"{"UserPoolId":"us-east-1_abc","Username":"bob","UserAttributes":[{"Value":"x"},{"Name":"email","Value":"a@b.c"}]}"#,
            "1 validation error detected: Value null at 'userAttributes.1.member.name' failed to satisfy constraint: Member must not be null",
        ),
        // Sensitive shapes (PasswordType, ClientIdType) never have their value echoed.
        (
            messages::<idp::SignUpRequest>,
            r#"{"ClientId":"a-b","Username":"bob","Password":"has space"}"#,
            r"2 validation errors detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+]+; Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+",
        ),
        (
            messages::<idp::SignUpRequest>,
            r#"{"Password":"hunter2 "}"#,
            r"3 validation errors detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null; Value null at 'username' failed to satisfy constraint: Member must not be null; Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+",
        ),
        (
            messages::<idp::CreateUserPoolRequest>,
            r#"{"PoolName":"p","Policies":{"PasswordPolicy":{"MinimumLength":5}}}"#,
            "1 validation error detected: Value '5' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value greater than or equal to 6",
        ),
        // Lists and maps of scalars are summarised once, listing every constraint of the element shape.
        (
            messages::<idp::CreateUserPoolRequest>,
            r#"{"PoolName":"p","AutoVerifiedAttributes":["email","bogus","worse"]}"#,
            "1 validation error detected: Value '[email, bogus, worse]' at 'autoVerifiedAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]",
        ),
        (
            messages::<idp::CreateUserPoolRequest>,
            r#"{"PoolName":"p","UserPoolTags":{"":"v","ok":"w"}}"#,
            "1 validation error detected: Value '{=v, ok=w}' at 'userPoolTags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]",
        ),
        (
            messages::<idp::CreateUserPoolRequest>,
            r#"{"PoolName":"p","Schema":[]}"#,
            "1 validation error detected: Value '[]' at 'schema' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
        // Maps of structures: keys are summarised, values walked under `<map>.<key>.member`.
        (
            messages::<idp::CreateUserPoolRequest>,
            r#"{"PoolName":"p","AcrConfiguration":{"Level9":{}}}"#,
            "2 validation errors detected: Value at 'acrConfiguration' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: Level[1-4]]; Value null at 'acrConfiguration.Level9.member.acrValue' failed to satisfy constraint: Member must not be null",
        ),
        (
            messages::<idp::SetUserSettingsRequest>,
            r#"{"AccessToken":"t","MFAOptions":[{"DeliveryMedium":"SMS"},{"DeliveryMedium":"FAX"}]}"#,
            "1 validation error detected: Value 'FAX' at 'mFAOptions.2.member.deliveryMedium' failed to satisfy constraint: Member must satisfy enum value set: [SMS, EMAIL]",
        ),
        (messages::<Empty>, r#"{"anything":[1,2,3]}"#, ""),
    ];
    for (run, body, expected) in cases {
        assert_eq!(run(body), *expected, "body: {body}");
    }
}

#[test]
fn lengths_count_utf16_code_units() {
    // U+1F600 is one char but two UTF-16 code units, as Java's String.length() counts it.
    let body = |n: usize| {
        json!({ "UserPoolId": "us-east-1_abc", "GroupName": "😀".repeat(n) }).to_string()
    };
    assert_eq!(messages::<idp::GetGroupRequest>(&body(64)), "");
    let too_long = "😀".repeat(65);
    assert_eq!(
        messages::<idp::GetGroupRequest>(&body(65)),
        format!(
            "1 validation error detected: Value '{too_long}' at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128"
        )
    );
}

#[test]
fn create_user_pool_round_trips() {
    let body = json!({
        "PoolName": "my pool",
        "Policies": { "PasswordPolicy": {
            "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
            "RequireNumbers": true, "RequireSymbols": false, "TemporaryPasswordValidityDays": 7
        }},
        "LambdaConfig": {
            "PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre",
            "CustomSMSSender": { "LambdaVersion": "V1_0", "LambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:sms" }
        },
        "Schema": [{
            "Name": "email", "AttributeDataType": "String", "Mutable": true, "Required": true,
            "StringAttributeConstraints": { "MinLength": "0", "MaxLength": "2048" }
        }],
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
        "MfaConfiguration": "OFF",
        "UserPoolTags": { "env": "dev" }
    });
    let request: idp::CreateUserPoolRequest = round_trip(body);
    let policy = request
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.as_ref())
        .unwrap();
    assert_eq!(policy.minimum_length, Some(8));
    let sender = request
        .lambda_config
        .as_ref()
        .and_then(|l| l.custom_sms_sender.as_ref())
        .unwrap();
    assert_eq!(
        sender.lambda_version,
        Some(idp::CustomSMSSenderLambdaVersionType::V1_0)
    );
    let schema = &request.schema.as_ref().unwrap()[0];
    assert_eq!(
        schema.attribute_data_type,
        Some(idp::AttributeDataType::String)
    );
    assert_eq!(
        request.auto_verified_attributes,
        Some(vec![idp::VerifiedAttributeType::Email])
    );
    assert_eq!(validate_input(&request), Ok(()));
}

#[test]
fn admin_create_user_and_initiate_auth_round_trip() {
    let request: idp::AdminCreateUserRequest = round_trip(json!({
        "UserPoolId": "us-east-1_abc",
        "Username": "alice",
        "TemporaryPassword": "Tmp-pass1!",
        "UserAttributes": [{ "Name": "email", "Value": "alice@example.com" }, { "Name": "email_verified", "Value": "true" }],
        "DesiredDeliveryMediums": ["EMAIL"],
        "MessageAction": "SUPPRESS",
        "ClientMetadata": { "source": "test" }
    }));
    assert_eq!(request.user_attributes.as_ref().map(Vec::len), Some(2));
    assert_eq!(
        request.message_action,
        Some(idp::MessageActionType::Suppress)
    );

    let auth: idp::InitiateAuthRequest = round_trip(json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "3n4b5urk1ft4fl3mg5e62d9ado",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Secret-pass1!", "SECRET_HASH": "abc=" },
        "UserContextData": { "EncodedData": "fingerprint" }
    }));
    assert_eq!(auth.auth_flow, Some(idp::AuthFlowType::UserPasswordAuth));
    assert_eq!(
        auth.auth_parameters
            .as_ref()
            .and_then(|p| p.get("USERNAME"))
            .map(String::as_str),
        Some("alice")
    );
    assert_eq!(validate_input(&auth), Ok(()));
}

#[test]
fn unknown_members_are_ignored_and_absent_ones_not_serialized() {
    let request: idp::ListUsersRequest = serde_json::from_str(
        r#"{"UserPoolId":"us-east-1_abc","Bogus":1,"Nested":{"x":[null]},"Limit":10}"#,
    )
    .unwrap();
    assert_eq!(request.limit, Some(10));
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"UserPoolId":"us-east-1_abc","Limit":10}"#
    );
    // A JSON null is an absent member, reported by validation rather than rejected by the parser.
    let request: idp::ListUsersRequest = serde_json::from_str(r#"{"UserPoolId":null}"#).unwrap();
    assert_eq!(request.user_pool_id, None);
}

#[test]
fn enums_keep_unknown_values() {
    use idp::AuthFlowType;
    assert_eq!(
        AuthFlowType::parse("ADMIN_NO_SRP_AUTH"),
        AuthFlowType::AdminNoSrpAuth
    );
    assert_eq!(
        "USER_SRP_AUTH".parse::<AuthFlowType>(),
        Ok(AuthFlowType::UserSrpAuth)
    );
    let unknown: AuthFlowType = serde_json::from_str(r#""magic""#).unwrap();
    assert_eq!(unknown, AuthFlowType::Unknown("magic".into()));
    assert!(!unknown.is_known());
    assert_eq!(unknown.to_string(), "magic");
    assert_eq!(serde_json::to_string(&unknown).unwrap(), r#""magic""#);
    assert_eq!(AuthFlowType::VALUES[0], "USER_SRP_AUTH");
    assert_eq!(AuthFlowType::VALUES.len(), 8);
    for value in AuthFlowType::VALUES {
        assert_eq!(AuthFlowType::parse(value).as_str(), *value);
    }
    // Variant names: value casing and separators, digits, and the collision with the catch-all.
    assert_eq!(
        idp::VerifiedAttributeType::parse("phone_number"),
        idp::VerifiedAttributeType::PhoneNumber
    );
    assert_eq!(
        idp::SecurityPolicyType::parse("TLS_V1_2_2021"),
        idp::SecurityPolicyType::TlsV1_2_2021
    );
    assert_eq!(
        idp::UserStatusType::parse("UNKNOWN"),
        idp::UserStatusType::UnknownValue
    );
    assert_eq!(
        idp::UserStatusType::parse("unknown"),
        idp::UserStatusType::Unknown("unknown".into())
    );
}

#[test]
fn debug_redacts_sensitive_members() {
    let request: idp::InitiateAuthRequest = serde_json::from_value(json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "client-secret-id",
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": "hunter2" },
        "UserContextData": { "EncodedData": "fingerprint" },
        "ClientMetadata": { "visible": "yes" }
    }))
    .unwrap();
    let debug = format!("{request:?}");
    for secret in ["client-secret-id", "alice", "hunter2", "fingerprint"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains(r#"auth_parameters: "***""#), "{debug}");
    assert!(debug.contains("visible"), "{debug}");
    assert!(debug.contains("session: None"), "{debug}");
}

#[test]
fn operations_come_from_the_model() {
    assert_eq!(Operation::ALL.len(), 153);
    assert_eq!(
        Operation::ALL
            .iter()
            .filter(|op| !op.requires_sigv4())
            .count(),
        34
    );
    let cases = [
        ("SignUp", false),
        ("InitiateAuth", false),
        ("AdminCreateUser", true),
        ("ListUserPools", true),
    ];
    for (name, signed) in cases {
        let op = Operation::from_name(name).unwrap();
        assert_eq!(op.name(), name);
        assert_eq!(op.requires_sigv4(), signed, "{name}");
    }
    assert_eq!(Operation::from_name("signUp"), None);
    for op in Operation::ALL {
        assert_eq!(Operation::from_name(op.name()), Some(*op));
        for error in op.errors() {
            assert!(
                idp::EXCEPTIONS.iter().any(|(name, _)| name == error),
                "{op}: {error}"
            );
        }
    }
    assert!(
        Operation::SignUp
            .errors()
            .contains(&"UsernameExistsException")
    );
    assert!(idp::EXCEPTIONS.contains(&("InternalErrorException", true)));
    assert!(idp::EXCEPTIONS.contains(&("InvalidParameterException", false)));
    assert_eq!(idp::TARGET_PREFIX, "AWSCognitoIdentityProviderService");
}

/// Proves every (operation, input, output) triple names real types that can be parsed, validated and answered.
fn triple<I: Validate + DeserializeOwned + Default, O: Serialize + DeserializeOwned + Default>(
    op: Operation,
) -> Operation {
    let input = I::default();
    let _ = validate_input(&input);
    assert_eq!(serde_json::to_string(&O::default()).unwrap(), "{}");
    op
}

macro_rules! collect_operations {
    ($(($op:ident, $input:ident, $output:ident)),* $(,)?) => {
        vec![$(triple::<idp::$input, idp::$output>(Operation::$op)),*]
    };
}

#[test]
fn callback_macro_lists_every_operation() {
    let listed: Vec<Operation> = cognate_wire::for_each_operation!(collect_operations);
    assert_eq!(listed, Operation::ALL);
}

#[test]
fn every_model_pattern_compiles() {
    assert!(idp::PATTERNS.len() > 40);
    for pattern in idp::PATTERNS {
        if let Err(e) = pattern.compile() {
            panic!("{} (from {}): {e}", pattern.rust(), pattern.java());
        }
    }
}

#[test]
fn patterns_keep_java_semantics() {
    let pattern = |java: &str| *idp::PATTERNS.iter().find(|p| p.java() == java).unwrap();
    // (Java pattern, value, whether String.matches accepts it)
    let cases = [
        // `\w` is ASCII in Java, and patterns must match the whole value.
        (r"[\w-]+_[0-9a-zA-Z]+", "us-east-1_AbC09", true),
        (r"[\w-]+_[0-9a-zA-Z]+", "é_abc", false),
        (r"[\w-]+_[0-9a-zA-Z]+", "us-east-1_abc!", false),
        // The lookbehind "must not end with a dot", rewritten without lookbehind.
        (r"^[0-9A-Za-z\.\-_]*(?<!\.)$", "", true),
        (r"^[0-9A-Za-z\.\-_]*(?<!\.)$", "a.b-c_d", true),
        (r"^[0-9A-Za-z\.\-_]*(?<!\.)$", "a.", false),
        (r"^[0-9A-Za-z\.\-_]*(?<!\.)$", ".", false),
        // A `-` after a range is a literal in Java.
        (r"[A-Za-z0-9-_+/=.]+", "a-b_c+/=.", true),
        (r"[A-Za-z0-9-_+/=.]+", "a b", false),
        // `\S` excludes only ASCII whitespace in Java, so an em space is a non-space.
        (r"[\S]+", "p\u{2003}w", true),
        (r"[\S]+", "p w", false),
        (r"[\S]+", "p\u{0B}w", false),
        // Java's `.` stops at `\r` as well as `\n`; `(?s)` lifts that.
        (r".*\{####\}.*", "code {####} here", true),
        (r".*\{####\}.*", "code\r{####}", false),
        (r"(?s).*", "any\r\nthing", true),
        (
            r"^[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}$",
            "01234567-89ab-cdef-0123-456789abcdef",
            true,
        ),
        // Ranges written with escapes and a literal `~`, which `regex` would otherwise read as an operator.
        (
            r"^https://[!$-;=@-\[\]_a-z~]+$",
            "https://Example.com/a~b[]",
            true,
        ),
        (
            r"^https://[!$-;=@-\[\]_a-z~]+$",
            "https://example.com/a^b",
            false,
        ),
    ];
    for (java, value, accepted) in cases {
        assert_eq!(
            pattern(java).is_match(value),
            accepted,
            "{java} on {value:?}"
        );
    }
}

#[test]
fn blobs_are_base64_and_empty_is_an_object() {
    let blob: Blob = serde_json::from_str(r#""aGVsbG8=""#).unwrap();
    assert_eq!(blob.0, b"hello");
    assert_eq!(serde_json::to_string(&blob).unwrap(), r#""aGVsbG8=""#);
    assert_eq!(format!("{blob:?}"), "Blob(5 bytes)");
    assert!(serde_json::from_str::<Blob>(r#""not base64!""#).is_err());

    let asset: idp::AssetType = round_trip(
        json!({ "Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": "iVBORw0K" }),
    );
    assert_eq!(asset.bytes.map(|b| b.0.len()), Some(6));

    assert_eq!(serde_json::to_string(&Empty {}).unwrap(), "{}");
    assert_eq!(
        serde_json::from_str::<Empty>(r#"{"x":1}"#).unwrap(),
        Empty {}
    );
}

// The generator's naming and pattern translation, compiled straight from `build/` (a build script has no test target).
#[allow(dead_code)]
#[path = "../build/names.rs"]
mod names;

#[allow(dead_code)]
#[path = "../build/java_regex.rs"]
mod java_regex;

mod generator {
    use super::{java_regex, names};

    #[test]
    fn member_names_become_snake_case_fields_and_coral_paths() {
        let cases = [
            ("UserPoolId", "user_pool_id", "userPoolId"),
            ("MFAOptions", "mfa_options", "mFAOptions"),
            ("KMSKeyID", "kms_key_id", "kMSKeyID"),
            ("CallbackURLs", "callback_urls", "callbackURLs"),
            (
                "OpenIdConnectProviderARNs",
                "open_id_connect_provider_arns",
                "openIdConnectProviderARNs",
            ),
            ("SMSMfaSettings", "sms_mfa_settings", "sMSMfaSettings"),
            ("S3Bucket", "s3_bucket", "s3Bucket"),
            ("AWSAccountId", "aws_account_id", "aWSAccountId"),
            ("Type", "r#type", "type"),
            ("message", "message", "message"),
        ];
        for (member, field, path) in cases {
            assert_eq!(names::snake(member), field, "{member}");
            assert_eq!(names::lower_first(member), path, "{member}");
        }
    }

    #[test]
    fn enum_values_become_distinct_variants() {
        let cases = [
            ("ADMIN_NO_SRP_AUTH", "AdminNoSrpAuth"),
            ("verified_email", "VerifiedEmail"),
            ("V1_0", "V1_0"),
            ("V10", "V10"),
            ("TLS_V1_2_2021", "TlsV1_2_2021"),
            ("email", "Email"),
            ("SMS_MFA", "SmsMfa"),
            ("userAuthEvents", "UserAuthEvents"),
            ("SignInWithApple", "SignInWithApple"),
            ("N_A", "NA"),
            ("2fa", "V2fa"),
            ("a.b-c d", "ABCD"),
        ];
        for (value, variant) in cases {
            assert_eq!(names::variant(value), variant, "{value}");
        }
        let taken = vec![
            "Unknown".to_owned(),
            "Enabled".to_owned(),
            "EnabledValue".to_owned(),
        ];
        assert_eq!(names::dedupe("Unknown".to_owned(), &taken), "UnknownValue");
        assert_eq!(names::dedupe("Enabled".to_owned(), &taken), "EnabledValue2");
        assert_eq!(names::dedupe("Disabled".to_owned(), &taken), "Disabled");
    }

    #[test]
    fn untranslatable_java_patterns_fail_the_build() {
        for java in [
            r"(?=a)b",
            r"a(?!b)",
            r"(?<=a)b",
            r"a*+",
            r"(a)\1",
            r"\p{Alpha}+",
            r"\Qa\E",
            r"(?i)a",
            r"\Z",
        ] {
            assert!(
                java_regex::translate(java).is_err(),
                "{java} should be rejected"
            );
        }
        assert_eq!(
            java_regex::translate(r"[\w-]+").unwrap(),
            r"^(?:[[0-9A-Za-z_]\-]+)$"
        );
        assert_eq!(
            java_regex::translate(r"a.b").unwrap(),
            r"^(?:a[^\n\r\x{85}\x{2028}\x{2029}]b)$"
        );
    }
}

/// The `cognito-identity` module: the same generator on the identity-pool model.
mod identity {
    use cognate_wire::identity::{self, Operation};

    use super::messages;

    #[test]
    fn every_operation_is_listed_with_its_auth_type() {
        assert_eq!(Operation::ALL.len(), 23);
        assert_eq!(identity::TARGET_PREFIX, "AWSCognitoIdentityService");
        let unsigned: Vec<&str> = Operation::ALL
            .iter()
            .filter(|op| !op.requires_sigv4())
            .map(|op| op.name())
            .collect();
        assert_eq!(
            unsigned,
            [
                "GetCredentialsForIdentity",
                "GetId",
                "GetOpenIdToken",
                "UnlinkIdentity"
            ]
        );
        assert_eq!(
            Operation::from_name("GetId").map(|op| op.errors().len()),
            Some(8)
        );
    }

    #[test]
    fn validation_messages_match_cognito() {
        let cases: &[super::Case] = &[
            (
                messages::<identity::GetIdInput>,
                r#"{"IdentityPoolId":"us-east-1:1234abcd-0000-4000-8000-000000000000"}"#,
                "",
            ),
            (
                messages::<identity::GetIdInput>,
                r#"{"IdentityPoolId":"us-east-1_abc"}"#,
                r"1 validation error detected: Value 'us-east-1_abc' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+",
            ),
            (
                messages::<identity::ListIdentitiesInput>,
                r#"{"IdentityPoolId":"us-east-1:ab","MaxResults":61}"#,
                "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60",
            ),
            (
                messages::<identity::GetOpenIdTokenForDeveloperIdentityInput>,
                r#"{"IdentityPoolId":"us-east-1:ab","Logins":{"dev":"u"},"TokenDuration":0}"#,
                "1 validation error detected: Value '0' at 'tokenDuration' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ),
        ];
        for (check, body, expected) in cases {
            assert_eq!(check(body), *expected, "{body}");
        }
        // Tokens in Logins are sensitive: their values stay out of Debug.
        let input: identity::GetIdInput = serde_json::from_str(
            r#"{"IdentityPoolId":"us-east-1:ab","Logins":{"k":"secret-token"}}"#,
        )
        .unwrap();
        assert!(!format!("{input:?}").contains("secret-token"));
    }
}
