//! The UserMigration trigger: a user who is not in the pool yet is looked up in the legacy
//! system by a function, on a password sign-in (with the password typed) or on ForgotPassword,
//! and created here with what the function returns.

use serde_json::{Value, json};

use super::Caller;
use crate::enums::UserStatus;
use crate::error::{Error, ErrorKind, Result};
use crate::triggers::{EventBase, Trigger, flag, text, unrecognizable};
use crate::user::{CreatedBy, User, collect_attributes};
use crate::{Domain, ids, schema};

impl Domain {
    /// UserMigration_Authentication / UserMigration_ForgotPassword. `Ok(None)` when the pool has
    /// no migration function; a function that throws means "no such user".
    pub(crate) async fn migrate_user(
        &self,
        caller: &Caller,
        source: &str,
        username: &str,
        password: Option<&str>,
    ) -> Result<Option<User>> {
        if Trigger::UserMigration
            .configured(&caller.pool.settings.lambda_config)
            .is_none()
        {
            return Ok(None);
        }
        let base = EventBase {
            pool: &caller.pool,
            trigger_source: source,
            username,
            client_id: Some(&caller.client.client_id),
        };
        let mut request = json!({ "validationData": {}, "clientMetadata": caller.client_metadata });
        if let Some(password) = password {
            request["password"] = json!(password);
        }
        let response = json!({
            "userAttributes": null, "finalUserStatus": null, "messageAction": null,
            "desiredDeliveryMediums": null, "forceAliasCreation": null, "enableSMSMFA": null,
        });
        let answer = match self
            .run_trigger(Trigger::UserMigration, base, request, response)
            .await
        {
            Ok(answer) => answer.ok_or_else(unrecognizable)?,
            Err(e) if e.kind == ErrorKind::UserLambdaValidation => {
                return Err(if caller.client.prevents_user_existence_errors() {
                    Error::incorrect_credentials()
                } else {
                    Error::new(
                        ErrorKind::UserNotFound,
                        format!(
                            "Exception migrating user in app client {}",
                            caller.client.client_id
                        ),
                    )
                });
            }
            Err(e) => return Err(e),
        };
        let given: Vec<(String, String)> = match answer.get("userAttributes") {
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.as_str().ok_or_else(unrecognizable)?.to_owned())))
                .collect::<Result<_>>()?,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(unrecognizable()),
        };
        let status = match (text(&answer, "finalUserStatus")?, password) {
            (Some("RESET_REQUIRED"), _) | (_, None) => UserStatus::ResetRequired,
            (Some("CONFIRMED") | None, Some(_)) => UserStatus::Confirmed,
            (Some(_), Some(_)) => return Err(unrecognizable()),
        };
        let given: Vec<(String, String)> = given
            .into_iter()
            .filter(|(n, _)| n != "sub" && n != "username")
            .collect();
        let pool = &caller.pool;
        let mut attributes = collect_attributes(pool, &given, schema::Writer::Admin)?;
        let name = crate::user::username_for_new_user(pool, username, &mut attributes)?;
        let now = self.now();
        let sub = ids::new_uuid(self.random());
        let name = name.unwrap_or_else(|| sub.clone());
        attributes.insert("sub".to_owned(), sub.clone());
        let user = User {
            pool_id: pool.id.clone(),
            sub: sub.clone(),
            // The legacy system vouched for the password: the pool's policy does not apply.
            password: password
                .map(|p| self.seal_password(pool, &sub, &name, p, false))
                .transpose()?,
            username: name,
            status,
            enabled: true,
            created: now,
            modified: now,
            version: 1,
            attributes,
            mfa_options: Vec::new(),
            preferred_mfa: None,
            mfa_methods: Vec::new(),
            software_token: Default::default(),
            pending_attributes: Default::default(),
        };
        self.insert_user(
            pool,
            &user,
            flag(&answer, "forceAliasCreation")?,
            CreatedBy::Admin,
        )
        .await?;
        Ok(Some(user))
    }
}
