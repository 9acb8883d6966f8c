//! A user's attributes: checking and collecting them on creation, applying updates (with the
//! verified flags), deleting them.

use std::collections::BTreeMap;

use super::User;
use crate::error::{Error, Result};
use crate::pool::UserPool;
use crate::schema::{self, Writer};

/// Checks and collects the attributes of a new user. Later duplicates win, as in Cognito.
pub(crate) fn collect_attributes(
    pool: &UserPool,
    given: &[(String, String)],
    writer: Writer,
) -> Result<BTreeMap<String, String>> {
    let mut attributes = BTreeMap::new();
    for (name, value) in given {
        let value = schema::canonical_value(&pool.schema, name, value);
        schema::check_attribute(&pool.schema, name, &value, writer)?;
        attributes.insert(name.clone(), value.into_owned());
    }
    Ok(attributes)
}

/// Applies attribute updates: checks each value, refuses immutable ones, and resets the
/// verified flag of a changed email or phone number unless the same call sets it.
pub(crate) fn apply_attribute_changes(
    pool: &UserPool,
    user: &mut User,
    changes: &[(String, String)],
    writer: Writer,
) -> Result<()> {
    let changes: Vec<(String, String)> = changes
        .iter()
        .map(|(name, value)| {
            let value = schema::canonical_value(&pool.schema, name, value).into_owned();
            (name.clone(), value)
        })
        .collect();
    for (name, value) in &changes {
        schema::check_attribute(&pool.schema, name, value, writer)?;
        if let Some(attr) = pool.attribute(name)
            && !attr.mutable
            && user.attribute(name).is_some_and(|current| current != value)
        {
            return Err(Error::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
    }
    let sets_flag = |flag: &str| changes.iter().any(|(n, _)| n == flag);
    for (name, value) in &changes {
        let changed = user.attribute(name) != Some(value.as_str());
        user.attributes.insert(name.clone(), value.clone());
        if changed
            && (name == "email" || name == "phone_number")
            && !sets_flag(&format!("{name}_verified"))
        {
            user.set_verified(name, false);
        }
    }
    Ok(())
}

pub(crate) fn delete_attributes(pool: &UserPool, user: &mut User, names: &[String]) -> Result<()> {
    for name in names {
        if schema::SYSTEM_ATTRIBUTES.contains(&name.as_str()) {
            return Err(Error::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
        let Some(attr) = pool.attribute(name).or_else(|| {
            (name == "email_verified" || name == "phone_number_verified")
                .then(|| pool.attribute("email"))
                .flatten()
        }) else {
            return Err(Error::invalid_parameter(format!(
                "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
            )));
        };
        if attr.required && attr.name == *name {
            return Err(Error::invalid_parameter(format!(
                "Cannot delete the required attribute {name}"
            )));
        }
        if !attr.mutable {
            return Err(Error::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
        if pool
            .sign_in
            .username_attributes
            .iter()
            .any(|a| a.as_str() == name)
        {
            return Err(Error::invalid_parameter(format!(
                "Cannot delete {name} because it is the username of the user"
            )));
        }
    }
    for name in names {
        user.attributes.remove(name);
        if name == "email" || name == "phone_number" {
            user.attributes.remove(&format!("{name}_verified"));
        }
    }
    Ok(())
}
