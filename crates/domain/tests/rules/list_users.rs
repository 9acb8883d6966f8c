//! ListUsers: its filter (`attribute = "value"` or `^=` for a prefix, on the attributes
//! Cognito lets it search), usernames matched as the pool compares them, statuses in any
//! case, and paging in username order with opaque tokens. (The grammar alone is tested
//! beside the parser, in `filter.rs`.)

use cognate_domain::Result;
use cognate_domain::paging::PageSize;
use cognate_domain::user::AdminCreateUserInput;
use cognate_testkit::domain::TestDomain;

use crate::support::outcome;

const PARSE_ERROR: &str = "InvalidParameterException: Error while parsing filter.";

/// The usernames of each page, or the error.
type Pages = Result<&'static [&'static [&'static str]], &'static str>;

/// `(filter, page size, what the listing gives)`.
const CASES: &[(Option<&str>, u32, Pages)] = &[
    (
        None,
        60,
        Ok(&[&["alfred", "alice", "bob", "carol", "dave"]]),
    ),
    (
        None,
        2,
        Ok(&[&["alfred", "alice"], &["bob", "carol"], &["dave"]]),
    ),
    (None, 5, Ok(&[&["alfred", "alice", "bob", "carol", "dave"]])),
    (
        Some("  "),
        60,
        Ok(&[&["alfred", "alice", "bob", "carol", "dave"]]),
    ),
    (Some(r#"email ^= "al""#), 60, Ok(&[&["alfred", "alice"]])),
    (Some(r#"email ^= "al""#), 1, Ok(&[&["alfred"], &["alice"]])),
    (Some(r#"email = "bob@example.com""#), 60, Ok(&[&["bob"]])),
    (Some(r#"email = "BOB@example.com""#), 60, Ok(&[&[]])),
    (
        Some(r#"email ^= """#),
        2,
        Ok(&[&["alfred", "alice"], &["bob", "carol"]]),
    ),
    (Some(r#"email ^= "zz""#), 60, Ok(&[&[]])),
    (
        Some(r#"given_name ^= "Al""#),
        60,
        Ok(&[&["alfred", "alice"]]),
    ),
    (Some(r#"username = "ALICE""#), 60, Ok(&[&[]])),
    (Some(r#"username = "alice""#), 60, Ok(&[&["alice"]])),
    (Some(r#"username ^= "a""#), 60, Ok(&[&["alfred", "alice"]])),
    (
        Some(r#"cognito:user_status = "force_change_password""#),
        60,
        Ok(&[&["dave"]]),
    ),
    (
        Some(r#"cognito:user_status = "CONFIRMED""#),
        3,
        Ok(&[&["alfred", "alice", "bob"], &["carol"]]),
    ),
    (Some("email"), 60, Err(PARSE_ERROR)),
    (Some(r#"email = alice"#), 60, Err(PARSE_ERROR)),
    (Some(r#"email > "a""#), 60, Err(PARSE_ERROR)),
    (
        Some(r#"custom:tier = "gold""#),
        60,
        Err("InvalidParameterException: Invalid search attribute: custom:tier"),
    ),
];

fn page_size(limit: u32) -> PageSize {
    PageSize::requested(i32::try_from(limit).ok())
}

/// Every page of a listing, following the tokens.
async fn pages(
    t: &TestDomain,
    pool_id: &str,
    filter: Option<&str>,
    limit: u32,
) -> Result<Vec<Vec<String>>> {
    let mut pages = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = t
            .domain
            .list_users(pool_id, filter, page_size(limit), next.as_deref())
            .await?;
        pages.push(page.items.into_iter().map(|u| u.username).collect());
        next = page.next;
        if next.is_none() {
            return Ok(pages);
        }
    }
}

#[tokio::test]
async fn list_users_filters_and_pages_in_username_order() {
    let t = TestDomain::new().unwrap();
    let pool = t.pool().await.unwrap();
    let people = [
        ("carol", "carol@example.com", "Carol"),
        ("alice", "alice@example.com", "Alice"),
        ("bob", "bob@example.com", "Bob"),
        ("alfred", "alfred@example.org", "Alfred"),
    ];
    for (name, email, given_name) in people {
        let attributes = [("email", email), ("given_name", given_name)];
        t.confirmed_user(&pool.id, name, &attributes).await.unwrap();
    }
    // Invited, not confirmed: FORCE_CHANGE_PASSWORD, and no email to search by.
    t.domain
        .admin_create_user(
            &pool.id,
            AdminCreateUserInput {
                username: "dave".into(),
                attributes: Vec::new(),
                temporary_password: None,
                force_alias_creation: false,
                message_action: Some(cognate_domain::user::MessageAction::Suppress),
                desired_delivery_mediums: None,
                validation_data: Vec::new(),
                client_metadata: Default::default(),
            },
        )
        .await
        .unwrap();
    for (filter, limit, expected) in CASES {
        let got = pages(&t, &pool.id, *filter, *limit).await;
        let case = (filter, limit);
        match expected {
            Ok(expected) => {
                let expected: Vec<Vec<String>> = expected
                    .iter()
                    .map(|page| page.iter().map(|name| (*name).to_owned()).collect())
                    .collect();
                assert_eq!(got.as_ref().ok(), Some(&expected), "case {case:?}: {got:?}");
            }
            Err(expected) => assert_eq!(outcome(&got), *expected, "case {case:?}"),
        }
    }
}

#[tokio::test]
async fn page_tokens_are_opaque_and_bound_to_their_listing() {
    let t = TestDomain::new().unwrap();
    let pool = t.pool().await.unwrap();
    let other = t.pool().await.unwrap();
    for name in ["a", "b", "c"] {
        t.confirmed_user(&pool.id, name, &[]).await.unwrap();
        t.confirmed_user(&other.id, name, &[]).await.unwrap();
    }
    let first = t
        .domain
        .list_users(&pool.id, None, page_size(1), None)
        .await
        .unwrap();
    let token = first.next.unwrap();
    let invalid = "InvalidParameterException: The pagination token is invalid.";
    let elsewhere = t
        .domain
        .list_users(&other.id, None, page_size(1), Some(&token))
        .await;
    assert_eq!(outcome(&elsewhere), invalid);
    let forged = t
        .domain
        .list_users(&pool.id, None, page_size(1), Some("YQ"))
        .await;
    assert_eq!(outcome(&forged), invalid);
    let groups = t
        .domain
        .list_groups(&pool.id, Some(&token), page_size(1))
        .await;
    assert_eq!(outcome(&groups), invalid);
}

/// In a pool whose usernames are case-insensitive, a username filter matches in any case.
#[tokio::test]
async fn username_filters_follow_the_pools_case_rule() {
    let t = TestDomain::new().unwrap();
    let pool = t
        .pool_with(cognate_domain::pool::PoolInput {
            username_case_sensitive: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    t.confirmed_user(&pool.id, "Alice", &[]).await.unwrap();
    t.confirmed_user(&pool.id, "bob", &[]).await.unwrap();
    for filter in [
        r#"username = "Alice""#,
        r#"username = "alice""#,
        r#"username = "ALICE""#,
        r#"username ^= "AL""#,
        r#"username ^= "Al""#,
    ] {
        let got = pages(&t, &pool.id, Some(filter), 60).await.unwrap();
        assert_eq!(got, [["Alice"]], "filter {filter}");
    }
}
