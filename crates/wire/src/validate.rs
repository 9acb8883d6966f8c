//! Model-driven validation with Amazon's (Coral) message wording.
//!
//! Generated code implements [`Validate`] for every structure by calling `member` once per member with a static rule taken from the model.
//! Everything else here is shared machinery: the rules, the Java-compatible checks, and how each violation is worded.
//!
//! Wording follows what Cognito answers, for example `Value 'x' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+`.
//! Lists and maps of scalars are reported once per collection, the way Coral does (`Member must satisfy constraint: [...]`, `Map keys must satisfy constraint: [...]`, `Map value must satisfy constraint: [...]`), listing every constraint of the element shape.
//! Lists and maps of structures are walked element by element under `<list>.<n>.member` and `<map>.<key>.member`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

use crate::Blob;

/// A wire value that can check itself against the constraints its model shape states.
///
/// `path` is where the value sits in the request, already in Coral's form (`policies.passwordPolicy`); it is empty for the top-level input.
pub trait Validate {
    /// Appends one message per violated constraint, in model member order.
    fn validate(&self, path: &str, errors: &mut ValidationErrors);
}

/// Validates a whole operation input, the way Cognito does before it looks at anything else.
///
/// # Errors
///
/// Returns every violated constraint, formatted by [`ValidationErrors`]'s `Display` as Cognito's `InvalidParameterException` message.
pub fn validate_input<T: Validate>(input: &T) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    input.validate("", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The violations found in one input, in the order they were found.
///
/// `Display` renders the full Cognito message: `2 validation errors detected: <first>; <second>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    messages: Vec<String>,
    /// How many sensitive members enclose the value being checked; while non-zero no value is printed.
    /// It is always zero between calls, so it never makes two error lists compare unequal.
    redact_depth: u32,
}

impl ValidationErrors {
    /// Creates an empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether no violation was found.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// How many violations were found.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Each violation as `Value ... at '<path>' failed to satisfy constraint: <constraint>`.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    fn push(&mut self, path: &dyn fmt::Display, value: Shown, constraint: &str) {
        // Coral omits the value of sensitive members entirely ("Value at 'password' ..."), so passwords never reach a client or a log.
        let value = match value {
            Shown::Null => " null".to_owned(),
            Shown::Text(text) if self.redact_depth == 0 => format!(" '{text}'"),
            Shown::Text(_) | Shown::Hidden => String::new(),
        };
        self.messages.push(format!(
            "Value{value} at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.messages.len();
        let plural = if n == 1 { "" } else { "s" };
        write!(
            f,
            "{n} validation error{plural} detected: {}",
            self.messages.join("; ")
        )
    }
}

impl std::error::Error for ValidationErrors {}

/// How the offending value appears in a message.
enum Shown {
    Null,
    Hidden,
    Text(String),
}

impl Shown {
    fn rendered(rendered: Option<String>) -> Self {
        rendered.map_or(Shown::Hidden, Shown::Text)
    }
}

/// A model pattern: the Java text Amazon prints, and the equivalent full-match Rust regex the generator derived from it.
pub struct Pattern {
    java: &'static str,
    rust: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// Used by generated code only; `rust` must already be anchored (`^(?:...)$`).
    pub(crate) const fn new(java: &'static str, rust: &'static str) -> Self {
        Self {
            java,
            rust,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern exactly as the model writes it, as it appears in messages.
    pub fn java(&self) -> &'static str {
        self.java
    }

    /// The anchored Rust translation that is actually matched.
    pub fn rust(&self) -> &'static str {
        self.rust
    }

    /// Compiles the translation; tests use this to prove every model pattern compiles.
    ///
    /// # Errors
    ///
    /// Returns the `regex` crate's error when the translation is not a valid Rust regex.
    pub fn compile(&self) -> Result<Regex, regex::Error> {
        Regex::new(self.rust)
    }

    /// Java `String.matches` semantics: the whole value must match.
    pub fn is_match(&self, value: &str) -> bool {
        // A translation that fails to compile is caught by the test suite; should one slip through anyway,
        // rejecting the value (fail closed) is safer than silently skipping the constraint.
        self.compiled
            .get_or_init(|| self.compile().ok())
            .as_ref()
            .is_some_and(|re| re.is_match(value))
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pattern")
            .field("java", &self.java)
            .field("rust", &self.rust)
            .finish()
    }
}

/// Constraints of a string shape. Lengths count UTF-16 code units, as Java's `String.length()` does.
#[derive(Debug)]
pub(crate) struct StrRule {
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub pattern: Option<&'static Pattern>,
}

/// Range of an integer or long shape.
#[derive(Debug)]
pub(crate) struct NumRule {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// Size bounds of a blob (in bytes), list or map (in entries).
#[derive(Debug)]
pub(crate) struct LenRule {
    pub min: Option<usize>,
    pub max: Option<usize>,
}

/// A list shape: its own size bounds and the rule of its member shape.
#[derive(Debug)]
pub(crate) struct ListRule<R: 'static> {
    pub len: LenRule,
    pub member: &'static R,
}

/// A map shape: its own size bounds and the rules of its key and value shapes.
#[derive(Debug)]
pub(crate) struct MapRule<R: 'static> {
    pub len: LenRule,
    pub key: &'static StrRule,
    pub value: &'static R,
}

/// Checks one structure member: the null check when it is absent, its shape's constraints when present.
///
/// `sensitive` is set when the member or anything it holds is a sensitive shape; its value is then never printed.
pub(crate) fn member<F: Field>(
    errors: &mut ValidationErrors,
    parent: &str,
    name: &str,
    value: &Option<F>,
    required: bool,
    sensitive: bool,
    rule: &F::Rule,
) {
    let path = Path { parent, name };
    match value {
        // A missing sensitive member still reads `Value null`: there is no value to hide.
        None if required => errors.push(&path, Shown::Null, "Member must not be null"),
        None => {}
        Some(value) => {
            errors.redact_depth += u32::from(sensitive);
            value.check(rule, &path, errors);
            errors.redact_depth -= u32::from(sensitive);
        }
    }
}

/// A member's location, formatted only when a message needs it.
struct Path<'a> {
    parent: &'a str,
    name: &'a str,
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.parent.is_empty() {
            f.write_str(self.name)
        } else {
            write!(f, "{}.{}", self.parent, self.name)
        }
    }
}

/// How each Rust wire type is checked against the rule of its model shape.
pub(crate) trait Field {
    type Rule: 'static;

    /// Structures are validated member by member under a per-element path instead of being summarised.
    const NESTED: bool = false;

    /// Appends a message per violated constraint of a present value.
    fn check(&self, rule: &Self::Rule, path: &dyn fmt::Display, errors: &mut ValidationErrors);

    /// Whether a scalar satisfies its rule; used to summarise list elements and map keys or values.
    fn satisfies(&self, _rule: &Self::Rule) -> bool {
        true
    }

    /// The constraint texts listed inside `[...]` for elements, in the order Coral prints them (maximum first).
    fn describe(_rule: &Self::Rule, _out: &mut Vec<String>) {}

    /// The value as Java's `toString` would print it, or `None` when it is never shown.
    fn render(&self) -> Option<String> {
        None
    }
}

fn length_messages(
    len: usize,
    rule_min: Option<usize>,
    rule_max: Option<usize>,
) -> [Option<String>; 2] {
    [
        rule_min
            .filter(|&min| len < min)
            .map(|min| format!("Member must have length greater than or equal to {min}")),
        rule_max
            .filter(|&max| len > max)
            .map(|max| format!("Member must have length less than or equal to {max}")),
    ]
}

fn describe_lengths(min: Option<usize>, max: Option<usize>, out: &mut Vec<String>) {
    out.extend(max.map(|max| format!("Member must have length less than or equal to {max}")));
    out.extend(min.map(|min| format!("Member must have length greater than or equal to {min}")));
}

impl Field for String {
    type Rule = StrRule;

    fn check(&self, rule: &StrRule, path: &dyn fmt::Display, errors: &mut ValidationErrors) {
        let len = self.encode_utf16().count();
        for message in length_messages(len, rule.min, rule.max)
            .into_iter()
            .flatten()
        {
            errors.push(path, Shown::Text(self.clone()), &message);
        }
        if let Some(pattern) = rule.pattern
            && !pattern.is_match(self)
        {
            let message = format!(
                "Member must satisfy regular expression pattern: {}",
                pattern.java
            );
            errors.push(path, Shown::Text(self.clone()), &message);
        }
    }

    fn satisfies(&self, rule: &StrRule) -> bool {
        let len = self.encode_utf16().count();
        rule.min.is_none_or(|min| len >= min)
            && rule.max.is_none_or(|max| len <= max)
            && rule.pattern.is_none_or(|pattern| pattern.is_match(self))
    }

    fn describe(rule: &StrRule, out: &mut Vec<String>) {
        describe_lengths(rule.min, rule.max, out);
        out.extend(
            rule.pattern
                .map(|p| format!("Member must satisfy regular expression pattern: {}", p.java)),
        );
    }

    fn render(&self) -> Option<String> {
        Some(self.clone())
    }
}

macro_rules! number_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            type Rule = NumRule;

            fn check(&self, rule: &NumRule, path: &dyn fmt::Display, errors: &mut ValidationErrors) {
                let value = i64::from(*self);
                if let Some(min) = rule.min && value < min {
                    errors.push(path, Shown::Text(value.to_string()), &format!("Member must have value greater than or equal to {min}"));
                }
                if let Some(max) = rule.max && value > max {
                    errors.push(path, Shown::Text(value.to_string()), &format!("Member must have value less than or equal to {max}"));
                }
            }

            fn satisfies(&self, rule: &NumRule) -> bool {
                let value = i64::from(*self);
                rule.min.is_none_or(|min| value >= min) && rule.max.is_none_or(|max| value <= max)
            }

            fn describe(rule: &NumRule, out: &mut Vec<String>) {
                out.extend(rule.max.map(|max| format!("Member must have value less than or equal to {max}")));
                out.extend(rule.min.map(|min| format!("Member must have value greater than or equal to {min}")));
            }

            fn render(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}

number_field!(i32, i64);

// Shapes the model never constrains (booleans, timestamps, documents) still need to sit in lists and maps.

impl Field for bool {
    type Rule = ();

    fn check(&self, _rule: &(), _path: &dyn fmt::Display, _errors: &mut ValidationErrors) {}

    fn render(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl Field for f64 {
    type Rule = ();

    fn check(&self, _rule: &(), _path: &dyn fmt::Display, _errors: &mut ValidationErrors) {}

    fn render(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl Field for serde_json::Value {
    type Rule = ();

    // Documents are free-form and may hold anything the caller sent, so `render` keeps its default and they are never echoed back.
    fn check(&self, _rule: &(), _path: &dyn fmt::Display, _errors: &mut ValidationErrors) {}
}

impl Field for Blob {
    type Rule = LenRule;

    fn check(&self, rule: &LenRule, path: &dyn fmt::Display, errors: &mut ValidationErrors) {
        // Raw bytes are never echoed: Java would print an opaque ByteBuffer description anyway.
        for message in length_messages(self.0.len(), rule.min, rule.max)
            .into_iter()
            .flatten()
        {
            errors.push(path, Shown::Hidden, &message);
        }
    }

    fn satisfies(&self, rule: &LenRule) -> bool {
        rule.min.is_none_or(|min| self.0.len() >= min)
            && rule.max.is_none_or(|max| self.0.len() <= max)
    }

    fn describe(rule: &LenRule, out: &mut Vec<String>) {
        describe_lengths(rule.min, rule.max, out);
    }
}

impl<T: Validate> Field for T {
    type Rule = ();

    const NESTED: bool = true;

    fn check(&self, _rule: &(), path: &dyn fmt::Display, errors: &mut ValidationErrors) {
        self.validate(&path.to_string(), errors);
    }
}

/// The enum check shared by every generated enum: only values outside the model's set fail.
pub(crate) fn check_enum(
    known: bool,
    value: &str,
    values: &[&str],
    path: &dyn fmt::Display,
    errors: &mut ValidationErrors,
) {
    if !known {
        errors.push(path, Shown::Text(value.to_owned()), &enum_message(values));
    }
}

pub(crate) fn enum_message(values: &[&str]) -> String {
    format!(
        "Member must satisfy enum value set: [{}]",
        values.join(", ")
    )
}

fn summary<F: Field>(rule: &F::Rule) -> String {
    let mut parts = Vec::new();
    F::describe(rule, &mut parts);
    parts.join(", ")
}

impl<T: Field> Field for Vec<T> {
    type Rule = ListRule<T::Rule>;

    fn check(&self, rule: &Self::Rule, path: &dyn fmt::Display, errors: &mut ValidationErrors) {
        for message in length_messages(self.len(), rule.len.min, rule.len.max)
            .into_iter()
            .flatten()
        {
            errors.push(path, Shown::rendered(self.render()), &message);
        }
        if T::NESTED {
            let path = path.to_string();
            for (index, element) in self.iter().enumerate() {
                let name = format!("{}.member", index + 1);
                element.check(
                    rule.member,
                    &Path {
                        parent: &path,
                        name: &name,
                    },
                    errors,
                );
            }
        } else if !self.iter().all(|element| element.satisfies(rule.member)) {
            let message = format!(
                "Member must satisfy constraint: [{}]",
                summary::<T>(rule.member)
            );
            errors.push(path, Shown::rendered(self.render()), &message);
        }
    }

    fn satisfies(&self, rule: &Self::Rule) -> bool {
        rule.len.min.is_none_or(|min| self.len() >= min)
            && rule.len.max.is_none_or(|max| self.len() <= max)
            && self.iter().all(|element| element.satisfies(rule.member))
    }

    fn describe(rule: &Self::Rule, out: &mut Vec<String>) {
        describe_lengths(rule.len.min, rule.len.max, out);
    }

    fn render(&self) -> Option<String> {
        let items = self.iter().map(Field::render).collect::<Option<Vec<_>>>()?;
        Some(format!("[{}]", items.join(", ")))
    }
}

impl<V: Field> Field for BTreeMap<String, V> {
    type Rule = MapRule<V::Rule>;

    fn check(&self, rule: &Self::Rule, path: &dyn fmt::Display, errors: &mut ValidationErrors) {
        for message in length_messages(self.len(), rule.len.min, rule.len.max)
            .into_iter()
            .flatten()
        {
            errors.push(path, Shown::rendered(self.render()), &message);
        }
        // Coral reports keys before values, once per map however many entries fail.
        if !self.keys().all(|key| key.satisfies(rule.key)) {
            let message = format!(
                "Map keys must satisfy constraint: [{}]",
                summary::<String>(rule.key)
            );
            errors.push(path, Shown::rendered(self.render()), &message);
        }
        if V::NESTED {
            let path = path.to_string();
            for (key, value) in self {
                let name = format!("{key}.member");
                value.check(
                    rule.value,
                    &Path {
                        parent: &path,
                        name: &name,
                    },
                    errors,
                );
            }
        } else if !self.values().all(|value| value.satisfies(rule.value)) {
            let message = format!(
                "Map value must satisfy constraint: [{}]",
                summary::<V>(rule.value)
            );
            errors.push(path, Shown::rendered(self.render()), &message);
        }
    }

    fn satisfies(&self, rule: &Self::Rule) -> bool {
        rule.len.min.is_none_or(|min| self.len() >= min)
            && rule.len.max.is_none_or(|max| self.len() <= max)
            && self
                .iter()
                .all(|(k, v)| k.satisfies(rule.key) && v.satisfies(rule.value))
    }

    fn describe(rule: &Self::Rule, out: &mut Vec<String>) {
        describe_lengths(rule.len.min, rule.len.max, out);
    }

    fn render(&self) -> Option<String> {
        let entries = self
            .iter()
            .map(|(key, value)| value.render().map(|value| format!("{key}={value}")))
            .collect::<Option<Vec<_>>>()?;
        Some(format!("{{{}}}", entries.join(", ")))
    }
}
