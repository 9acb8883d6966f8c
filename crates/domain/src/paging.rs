//! Page sizes: how many items a listing returns when the caller asks for none, as Cognito
//! answers each operation. Handlers pass the caller's [`PageSize`] through unread; the
//! operation that lists applies its own default, so no handler carries a Cognito number.

/// The page size a caller asked for: absent, zero and negative values ask for the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageSize(Option<u32>);

impl PageSize {
    pub fn requested(value: Option<i32>) -> PageSize {
        PageSize(value.and_then(|n| u32::try_from(n).ok()).filter(|&n| n > 0))
    }

    /// The size asked for, or `default` when none was.
    pub(crate) fn or(self, default: u32) -> u32 {
        self.0.unwrap_or(default)
    }
}

/// ListUsers, ListGroups, AdminListGroupsForUser, ListUsersInGroup, ListUserPools,
/// ListUserPoolClients and ListIdentityProviders: 60.
pub(crate) const DIRECTORY: u32 = 60;
/// ListResourceServers: 50.
pub(crate) const RESOURCE_SERVERS: u32 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_zero_and_negative_sizes_ask_for_the_default() {
        for (given, expected) in [(None, 60), (Some(0), 60), (Some(-5), 60), (Some(7), 7)] {
            assert_eq!(PageSize::requested(given).or(60), expected, "{given:?}");
        }
    }
}
