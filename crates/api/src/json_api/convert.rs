//! Small conversions shared by the handlers: members the model requires, enums by their
//! Cognito spelling, attribute lists, timestamps and limits.

use cognate_domain::Timestamp;
use cognate_wire::idp::AttributeType;

use crate::error::ApiError;

/// A member the model marks as required; validation has already refused requests without it.
pub fn required<T>(value: Option<T>, member: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| {
        ApiError::invalid_parameter(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// A wire enum to the domain's enum of the same spelling.
pub fn enum_in<W: std::fmt::Display, D>(
    wire: &W,
    parse: fn(&str) -> Option<D>,
) -> Result<D, ApiError> {
    let text = wire.to_string();
    parse(&text).ok_or_else(|| ApiError::invalid_parameter(format!("Unsupported value {text}.")))
}

pub fn enums_in<W: std::fmt::Display, D>(
    wire: Option<Vec<W>>,
    parse: fn(&str) -> Option<D>,
) -> Result<Option<Vec<D>>, ApiError> {
    wire.map(|items| items.iter().map(|w| enum_in(w, parse)).collect())
        .transpose()
}

/// A domain value to the wire enum of the same spelling.
pub fn enum_out<W: std::str::FromStr, D: std::fmt::Display>(domain: D) -> Option<W> {
    domain.to_string().parse().ok()
}

pub fn enums_out<W: std::str::FromStr, D: std::fmt::Display + Copy>(domain: &[D]) -> Vec<W> {
    domain.iter().filter_map(|d| enum_out(*d)).collect()
}

pub fn attributes_in(list: Option<Vec<AttributeType>>) -> Vec<(String, String)> {
    list.unwrap_or_default()
        .into_iter()
        .map(|a| (a.name.unwrap_or_default(), a.value.unwrap_or_default()))
        .collect()
}

pub fn attributes_out<'a>(
    attributes: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Vec<AttributeType> {
    attributes
        .into_iter()
        .map(|(name, value)| AttributeType {
            name: Some(name.clone()),
            value: Some(value.clone()),
        })
        .collect()
}

pub fn time(ts: Timestamp) -> Option<f64> {
    Some(ts.as_secs_f64())
}

pub fn non_negative(value: Option<i32>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}
