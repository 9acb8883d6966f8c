//! The attribute schema of a user pool: Cognito's standard attributes, custom attributes,
//! and the checks every attribute value goes through before it is stored.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::enums::AttributeDataType;
use crate::error::{Error, Result};

/// Longest value any attribute may hold.
pub const MAX_ATTRIBUTE_LENGTH: usize = 2048;
/// Most custom attributes a pool may define.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// One attribute of a pool's schema, as DescribeUserPool reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaAttribute {
    /// Full name: `email`, `custom:tier`, `dev:custom:note`.
    pub name: String,
    pub data_type: AttributeDataType,
    pub developer_only: bool,
    pub mutable: bool,
    pub required: bool,
    pub number_constraints: Option<NumberConstraints>,
    pub string_constraints: Option<StringConstraints>,
}

/// Bounds of a Number attribute; Cognito keeps them as strings holding integers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberConstraints {
    pub min_value: Option<String>,
    pub max_value: Option<String>,
}

/// Length bounds of a String attribute; Cognito keeps them as strings holding integers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StringConstraints {
    pub min_length: Option<String>,
    pub max_length: Option<String>,
}

/// A schema entry as a caller submits it (CreateUserPool `Schema`, AddCustomAttributes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaAttributeInput {
    pub name: String,
    pub data_type: Option<AttributeDataType>,
    pub developer_only: Option<bool>,
    pub mutable: Option<bool>,
    pub required: Option<bool>,
    pub number_constraints: Option<NumberConstraints>,
    pub string_constraints: Option<StringConstraints>,
}

/// Attributes that belong to Cognito, readable but never written by callers.
pub const SYSTEM_ATTRIBUTES: &[&str] = &[
    "sub",
    "identities",
    "cognito:user_status",
    "cognito:mfa_enabled",
];

/// Attributes whose values are the strings "true" or "false".
pub const VERIFIED_FLAGS: &[&str] = &["email_verified", "phone_number_verified"];

fn string_attr(name: &str, min: &str, max: &str) -> SchemaAttribute {
    SchemaAttribute {
        name: name.to_owned(),
        data_type: AttributeDataType::String,
        developer_only: false,
        mutable: true,
        required: false,
        number_constraints: None,
        string_constraints: Some(StringConstraints {
            min_length: Some(min.to_owned()),
            max_length: Some(max.to_owned()),
        }),
    }
}

fn boolean_attr(name: &str) -> SchemaAttribute {
    SchemaAttribute {
        name: name.to_owned(),
        data_type: AttributeDataType::Boolean,
        developer_only: false,
        mutable: true,
        required: false,
        number_constraints: None,
        string_constraints: None,
    }
}

/// The standard attributes every pool has, in the order DescribeUserPool lists them.
pub fn standard_schema() -> Vec<SchemaAttribute> {
    let mut sub = string_attr("sub", "1", "2048");
    sub.mutable = false;
    sub.required = true;
    let mut schema = vec![sub];
    for name in [
        "name",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "email",
    ] {
        schema.push(string_attr(name, "0", "2048"));
    }
    schema.push(boolean_attr("email_verified"));
    schema.push(string_attr("gender", "0", "2048"));
    schema.push(string_attr("birthdate", "10", "10"));
    schema.push(string_attr("zoneinfo", "0", "2048"));
    schema.push(string_attr("locale", "0", "2048"));
    schema.push(string_attr("phone_number", "0", "2048"));
    schema.push(boolean_attr("phone_number_verified"));
    schema.push(string_attr("address", "0", "2048"));
    schema.push(SchemaAttribute {
        name: "updated_at".to_owned(),
        data_type: AttributeDataType::Number,
        developer_only: false,
        mutable: true,
        required: false,
        number_constraints: Some(NumberConstraints {
            min_value: Some("0".to_owned()),
            max_value: None,
        }),
        string_constraints: None,
    });
    schema
}

pub fn is_standard(name: &str) -> bool {
    standard_schema().iter().any(|a| a.name == name)
}

/// Builds a pool's schema from CreateUserPool's `Schema`: standard entries adjust the
/// standard attributes, every other entry becomes a custom attribute.
pub fn schema_for_new_pool(inputs: &[SchemaAttributeInput]) -> Result<Vec<SchemaAttribute>> {
    let mut schema = standard_schema();
    for input in inputs {
        if let Some(existing) = schema.iter_mut().find(|a| a.name == input.name) {
            customise_standard(existing, input)?;
        } else {
            add_custom(&mut schema, input)?;
        }
    }
    Ok(schema)
}

fn customise_standard(attr: &mut SchemaAttribute, input: &SchemaAttributeInput) -> Result<()> {
    if attr.name == "sub" {
        return Err(Error::invalid_parameter(
            "Cannot modify the standard attribute sub.",
        ));
    }
    if let Some(data_type) = input.data_type
        && data_type != attr.data_type
    {
        return Err(Error::invalid_parameter(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {}",
            attr.name
        )));
    }
    if input.developer_only == Some(true) {
        return Err(Error::invalid_parameter(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {}",
            attr.name
        )));
    }
    if let Some(required) = input.required {
        attr.required = required;
    }
    if let Some(mutable) = input.mutable {
        attr.mutable = mutable;
    }
    if let Some(constraints) = &input.string_constraints {
        check_string_constraints(constraints)?;
        attr.string_constraints = Some(merge_string_constraints(
            attr.string_constraints.take(),
            constraints,
        ));
    }
    if input.number_constraints.is_some() && attr.data_type == AttributeDataType::Number {
        attr.number_constraints = input.number_constraints.clone();
    }
    Ok(())
}

fn merge_string_constraints(
    old: Option<StringConstraints>,
    new: &StringConstraints,
) -> StringConstraints {
    let old = old.unwrap_or_default();
    StringConstraints {
        min_length: new.min_length.clone().or(old.min_length),
        max_length: new.max_length.clone().or(old.max_length),
    }
}

/// Adds custom attributes to an existing schema (AddCustomAttributes, and CreateUserPool).
pub fn add_custom_attributes(
    schema: &mut Vec<SchemaAttribute>,
    inputs: &[SchemaAttributeInput],
) -> Result<()> {
    for input in inputs {
        add_custom(schema, input)?;
    }
    Ok(())
}

fn add_custom(schema: &mut Vec<SchemaAttribute>, input: &SchemaAttributeInput) -> Result<()> {
    let bare = input.name.strip_prefix("custom:").unwrap_or(&input.name);
    if bare.is_empty() {
        return Err(Error::invalid_parameter(
            "Custom attribute name must not be empty.",
        ));
    }
    if input.required == Some(true) {
        return Err(Error::invalid_parameter(
            "Required custom attributes are not supported currently.",
        ));
    }
    let developer_only = input.developer_only.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    };
    if schema.iter().any(|a| {
        a.name == name || a.name.trim_start_matches("dev:") == name.trim_start_matches("dev:")
    }) {
        return Err(Error::invalid_parameter(format!(
            "Existing attribute already has name {name}."
        )));
    }
    if custom_count(schema) >= MAX_CUSTOM_ATTRIBUTES {
        return Err(Error::new(
            crate::error::ErrorKind::LimitExceeded,
            format!("The user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."),
        ));
    }
    let data_type = input.data_type.unwrap_or(AttributeDataType::String);
    let (string_constraints, number_constraints) = match data_type {
        AttributeDataType::String => {
            let constraints = input.string_constraints.clone().unwrap_or_default();
            check_string_constraints(&constraints)?;
            (Some(constraints), None)
        }
        AttributeDataType::Number => {
            let constraints = input.number_constraints.clone().unwrap_or_default();
            check_number_constraints(&constraints)?;
            (None, Some(constraints))
        }
        AttributeDataType::DateTime | AttributeDataType::Boolean => (None, None),
    };
    schema.push(SchemaAttribute {
        name,
        data_type,
        developer_only,
        mutable: input.mutable.unwrap_or(true),
        required: false,
        number_constraints,
        string_constraints,
    });
    Ok(())
}

fn custom_count(schema: &[SchemaAttribute]) -> usize {
    schema.iter().filter(|a| a.name.contains("custom:")).count()
}

fn parse_bound(text: &Option<String>, what: &str) -> Result<Option<i64>> {
    match text {
        None => Ok(None),
        Some(t) => t.parse::<i64>().map(Some).map_err(|_| {
            Error::invalid_parameter(format!("{what} must be an integer, got '{t}'."))
        }),
    }
}

fn check_string_constraints(c: &StringConstraints) -> Result<()> {
    let min = parse_bound(&c.min_length, "MinLength")?;
    let max = parse_bound(&c.max_length, "MaxLength")?;
    for v in [min, max].into_iter().flatten() {
        if !(0..=MAX_ATTRIBUTE_LENGTH as i64).contains(&v) {
            return Err(Error::invalid_parameter(format!(
                "String attribute length constraints must be between 0 and {MAX_ATTRIBUTE_LENGTH}."
            )));
        }
    }
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(Error::invalid_parameter(
            "MinLength must not be greater than MaxLength.",
        ));
    }
    Ok(())
}

fn check_number_constraints(c: &NumberConstraints) -> Result<()> {
    let min = parse_bound(&c.min_value, "MinValue")?;
    let max = parse_bound(&c.max_value, "MaxValue")?;
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(Error::invalid_parameter(
            "MinValue must not be greater than MaxValue.",
        ));
    }
    Ok(())
}

/// Why an attribute value was refused, in Cognito's wording after the attribute name.
fn schema_error(name: &str, reason: &str) -> Error {
    Error::invalid_parameter(format!(
        "Attributes did not conform to the schema: {name}: {reason}"
    ))
}

/// Who is writing an attribute: admins may write developer-only attributes, users may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Admin,
    User,
}

/// The spelling a value is stored in: Cognito reads a boolean attribute case-insensitively
/// (`"True"` for `email_verified` is accepted) and keeps `"true"` or `"false"`, so verified
/// checks, tokens and userInfo see one spelling. Every other value is kept as given.
pub fn canonical_value<'v>(schema: &[SchemaAttribute], name: &str, value: &'v str) -> Cow<'v, str> {
    let boolean = schema
        .iter()
        .any(|a| a.name == name && a.data_type == AttributeDataType::Boolean);
    if boolean && (value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")) {
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    }
}

/// Checks one attribute value against the schema before it is stored.
pub fn check_attribute(
    schema: &[SchemaAttribute],
    name: &str,
    value: &str,
    writer: Writer,
) -> Result<()> {
    if SYSTEM_ATTRIBUTES.contains(&name) {
        return Err(Error::invalid_parameter(format!(
            "Cannot modify the non-mutable attribute {name}"
        )));
    }
    let Some(attr) = schema.iter().find(|a| a.name == name) else {
        return Err(schema_error(
            name,
            "Attribute does not exist in the schema.",
        ));
    };
    if attr.developer_only && writer == Writer::User {
        return Err(schema_error(
            name,
            "Attribute does not exist in the schema.",
        ));
    }
    if value.chars().count() > MAX_ATTRIBUTE_LENGTH {
        return Err(schema_error(
            name,
            "String must be no longer than 2048 characters",
        ));
    }
    match attr.data_type {
        AttributeDataType::Boolean => {
            if value != "true" && value != "false" {
                return Err(schema_error(name, "Value must be either true or false"));
            }
        }
        AttributeDataType::Number => check_number_value(attr, value)?,
        AttributeDataType::String => check_string_value(attr, value)?,
        AttributeDataType::DateTime => {}
    }
    match name {
        "email" if !is_valid_email(value) => Err(Error::invalid_email_format()),
        "phone_number" if !is_valid_phone(value) => Err(Error::invalid_phone_number_format()),
        "birthdate" if !is_valid_birthdate(value) => {
            Err(schema_error(name, "Value must be in YYYY-MM-DD format"))
        }
        _ => Ok(()),
    }
}

fn check_string_value(attr: &SchemaAttribute, value: &str) -> Result<()> {
    let Some(c) = &attr.string_constraints else {
        return Ok(());
    };
    let len = value.chars().count() as i64;
    let min = c.min_length.as_deref().and_then(|m| m.parse::<i64>().ok());
    let max = c.max_length.as_deref().and_then(|m| m.parse::<i64>().ok());
    if let Some(min) = min
        && len < min
        && !(value.is_empty() && min == 0)
    {
        return Err(schema_error(
            &attr.name,
            &format!("String must be no shorter than {min} characters"),
        ));
    }
    if let Some(max) = max
        && len > max
    {
        return Err(schema_error(
            &attr.name,
            &format!("String must be no longer than {max} characters"),
        ));
    }
    Ok(())
}

fn check_number_value(attr: &SchemaAttribute, value: &str) -> Result<()> {
    let Ok(number) = value.parse::<i64>() else {
        return Err(schema_error(&attr.name, "Number must be a valid integer"));
    };
    let Some(c) = &attr.number_constraints else {
        return Ok(());
    };
    if let Some(min) = c.min_value.as_deref().and_then(|m| m.parse::<i64>().ok())
        && number < min
    {
        return Err(schema_error(
            &attr.name,
            &format!("Number must be no less than {min}"),
        ));
    }
    if let Some(max) = c.max_value.as_deref().and_then(|m| m.parse::<i64>().ok())
        && number > max
    {
        return Err(schema_error(
            &attr.name,
            &format!("Number must be no greater than {max}"),
        ));
    }
    Ok(())
}

/// A deliberately simple check: one `@`, something on both sides, no spaces.
pub fn is_valid_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// E.164: a `+`, then 2 to 15 digits (country code and number).
pub fn is_valid_phone(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_valid_birthdate(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(name: &str) -> SchemaAttributeInput {
        SchemaAttributeInput {
            name: name.to_owned(),
            ..Default::default()
        }
    }

    #[test]
    fn standard_schema_has_cognitos_twenty_attributes_in_order() {
        let names: Vec<_> = standard_schema().into_iter().map(|a| a.name).collect();
        assert_eq!(names.len(), 20);
        assert_eq!(names[0], "sub");
        assert_eq!(names[19], "updated_at");
    }

    #[test]
    fn custom_attributes_get_their_prefix_and_cannot_repeat() {
        let mut schema = standard_schema();
        add_custom_attributes(&mut schema, &[custom("tier")]).unwrap();
        assert!(schema.iter().any(|a| a.name == "custom:tier"));
        let err = add_custom_attributes(&mut schema, &[custom("custom:tier")]).unwrap_err();
        assert_eq!(
            err.message,
            "Existing attribute already has name custom:tier."
        );
    }

    #[test]
    fn required_custom_attributes_are_refused() {
        let mut schema = standard_schema();
        let input = SchemaAttributeInput {
            required: Some(true),
            ..custom("x")
        };
        let err = add_custom_attributes(&mut schema, &[input]).unwrap_err();
        assert_eq!(
            err.message,
            "Required custom attributes are not supported currently."
        );
    }

    #[test]
    fn values_are_checked_against_the_schema() {
        let mut schema = standard_schema();
        let input = SchemaAttributeInput {
            data_type: Some(AttributeDataType::Number),
            number_constraints: Some(NumberConstraints {
                min_value: Some("1".into()),
                max_value: Some("9".into()),
            }),
            ..custom("level")
        };
        add_custom_attributes(&mut schema, &[input]).unwrap();
        let check = |name: &str, value: &str| {
            check_attribute(&schema, name, value, Writer::Admin).map_err(|e| e.message)
        };
        assert_eq!(check("custom:level", "5"), Ok(()));
        assert_eq!(
            check("custom:level", "10"),
            Err("Attributes did not conform to the schema: custom:level: Number must be no greater than 9".into())
        );
        assert_eq!(
            check("email", "not-an-email"),
            Err("Invalid email address format.".into())
        );
        assert_eq!(
            check("phone_number", "555-1234"),
            Err("Invalid phone number format.".into())
        );
        assert_eq!(canonical_value(&schema, "email_verified", "True"), "true");
        assert_eq!(
            canonical_value(&schema, "phone_number_verified", "FALSE"),
            "false"
        );
        assert_eq!(canonical_value(&schema, "email_verified", "yes"), "yes");
        assert_eq!(canonical_value(&schema, "name", "True"), "True");
        assert_eq!(check("email_verified", "yes"), Err("Attributes did not conform to the schema: email_verified: Value must be either true or false".into()));
        assert_eq!(check("custom:nope", "x"), Err("Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.".into()));
        assert_eq!(
            check("sub", "x"),
            Err("Cannot modify the non-mutable attribute sub".into())
        );
        assert_eq!(check("birthdate", "1990-01-02"), Ok(()));
    }
}
