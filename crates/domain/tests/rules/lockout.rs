//! The sign-in lockout, as Cognito documents it: five free failures, then 1 s doubling to
//! 15 minutes between attempts; a success, or 15 minutes without an attempt, starts afresh.
//! A refused attempt is not counted and does not lengthen the wait.

use cognate_domain::client::ClientInput;
use cognate_testkit::domain::PASSWORD;

use crate::support::{INCORRECT, LOCKED, check, pool_and_client, sign_in};

#[derive(Debug, Clone, Copy)]
enum Try {
    Wrong,
    Right,
}

use Try::*;

/// `(seconds waited before, password, answer)`.
type Step = (i64, Try, &'static str);

const FIVE_FREE: [Step; 5] = [(0, Wrong, INCORRECT); 5];

const CASES: &[(&str, &[Step])] = &[
    (
        "five wrong passwords are answered, the sixth waits a second, the seventh two",
        &[
            FIVE_FREE[0],
            FIVE_FREE[1],
            FIVE_FREE[2],
            FIVE_FREE[3],
            FIVE_FREE[4],
            (0, Wrong, LOCKED),
            (0, Right, LOCKED),
            (1, Wrong, INCORRECT),
            (1, Wrong, LOCKED),
            (1, Wrong, INCORRECT),
            (3, Wrong, LOCKED),
            (1, Wrong, INCORRECT),
        ],
    ),
    (
        "a refused attempt does not lengthen the wait",
        &[
            FIVE_FREE[0],
            FIVE_FREE[1],
            FIVE_FREE[2],
            FIVE_FREE[3],
            FIVE_FREE[4],
            (0, Wrong, LOCKED),
            (0, Wrong, LOCKED),
            (0, Wrong, LOCKED),
            (1, Right, "ok"),
        ],
    ),
    (
        "a success starts the count afresh",
        &[
            FIVE_FREE[0],
            FIVE_FREE[1],
            FIVE_FREE[2],
            FIVE_FREE[3],
            (0, Right, "ok"),
            FIVE_FREE[0],
            FIVE_FREE[1],
            FIVE_FREE[2],
            FIVE_FREE[3],
            FIVE_FREE[4],
            (0, Wrong, LOCKED),
        ],
    ),
    (
        "fifteen minutes without an attempt start the count afresh",
        &[
            FIVE_FREE[0],
            FIVE_FREE[1],
            FIVE_FREE[2],
            FIVE_FREE[3],
            FIVE_FREE[4],
            (900, Wrong, INCORRECT),
            FIVE_FREE[1],
            FIVE_FREE[2],
            FIVE_FREE[3],
            FIVE_FREE[4],
            (0, Wrong, LOCKED),
        ],
    ),
    (
        "the wait doubles up to fifteen minutes and no further",
        &[
            FIVE_FREE[0],
            FIVE_FREE[1],
            FIVE_FREE[2],
            FIVE_FREE[3],
            FIVE_FREE[4],
            (1, Wrong, INCORRECT),
            (2, Wrong, INCORRECT),
            (4, Wrong, INCORRECT),
            (8, Wrong, INCORRECT),
            (16, Wrong, INCORRECT),
            (32, Wrong, INCORRECT),
            (64, Wrong, INCORRECT),
            (128, Wrong, INCORRECT),
            (256, Wrong, INCORRECT),
            (511, Wrong, LOCKED),
            (1, Wrong, INCORRECT),
            (899, Wrong, LOCKED),
            (1, Right, "ok"),
        ],
    ),
];

#[tokio::test]
async fn sign_in_failures_lock_out_as_cognito_does() {
    // One pool; each case signs in as a user of its own, so the cases share no counter.
    let (t, client) = pool_and_client(ClientInput::default()).await;
    for (user, (case, steps)) in CASES.iter().enumerate() {
        let username = format!("user{user}");
        t.confirmed_user(&client.pool_id, &username, &[])
            .await
            .unwrap();
        for (n, (wait, attempt, expected)) in steps.iter().enumerate() {
            t.advance_secs(*wait);
            let password = match attempt {
                Wrong => "Wr0ng-password!",
                Right => PASSWORD,
            };
            let result = sign_in(&t, &client, &username, password).await;
            check((case, n, attempt), &result, expected);
        }
    }
}
