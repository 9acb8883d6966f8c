//! Turning model names into Rust identifiers and Coral paths.

/// Rust keywords a member name could collide with once snake-cased (`Type` becomes `r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

/// Splits a PascalCase or camelCase name into words: `KMSKeyID` is `KMS Key ID`, `CallbackURLs` is `Callback URLs`,
/// `S3Bucket` is `S3 Bucket`.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let after = chars.get(i + 2).copied();
        let boundary = match prev {
            Some(p) if c.is_ascii_uppercase() => {
                // `aB` and `3B` start a word; inside an acronym, the last capital starts the next word (`KMSKey`).
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase())
                        && !plural_s(next, after))
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The `s` of a plural acronym (`URLs`, `ARNs`) belongs to the acronym, not to a new word.
fn plural_s(next: Option<char>, after: Option<char>) -> bool {
    next == Some('s') && after.is_none_or(|a| !a.is_ascii_lowercase())
}

/// `UserPoolId` becomes `user_pool_id`; keywords become raw identifiers.
pub fn snake(name: &str) -> String {
    let snake = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else {
        snake
    }
}

/// `UserPoolIdType` becomes `USER_POOL_ID_TYPE`, for statics.
pub fn upper_snake(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// Coral paths use the member name with only its first character lowercased: `MFAOptions` is `mFAOptions`.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An UpperCamelCase variant name for an enum value: `ADMIN_NO_SRP_AUTH` is `AdminNoSrpAuth`, `verified_email` is
/// `VerifiedEmail`, `userAuthEvents` is `UserAuthEvents`, `V1_0` is `V1_0` (digits on both sides of a separator keep
/// an underscore, so `V1_0` and `V10` stay distinct).
///
/// Collisions (with another value or with the catch-all `Unknown`) are resolved by the caller with [`dedupe`].
pub fn variant(value: &str) -> String {
    let mut out = String::new();
    for part in value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        if out.ends_with(|c: char| c.is_ascii_digit())
            && part.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push('_');
        }
        let single_case = !(part.contains(|c: char| c.is_ascii_uppercase())
            && part.contains(|c: char| c.is_ascii_lowercase()));
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            // `SMS` becomes `Sms`, while an already camel-cased `SignInWithApple` keeps its humps.
            out.extend(chars.map(|c| {
                if single_case {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            }));
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'V');
    }
    out
}

/// Makes `name` unique among `taken` by appending `Value`, then a counter.
pub fn dedupe(name: String, taken: &[String]) -> String {
    if !taken.contains(&name) {
        return name;
    }
    let base = format!("{name}Value");
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    candidate
}
