//! The shape of every generated string enum, written once as a macro so the generated file stays small.

/// Declares a model string enum: one variant per model value plus `Unknown(String)`.
///
/// Unknown strings deserialize to `Unknown` rather than failing, so the caller gets Cognito's
/// `Member must satisfy enum value set` validation message and not a serialization error.
macro_rules! wire_enum {
    ($name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value outside the model's set, kept verbatim so validation can report it.
            Unknown(String),
        }

        impl $name {
            /// The model's values, in model order.
            pub const VALUES: &'static [&'static str] = &[$($value),+];

            /// The exact wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)+
                    Self::Unknown(value) => value,
                }
            }

            /// Maps a wire string to its variant; strings outside the model become `Unknown`.
            pub fn parse(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// Whether the value is one of the model's.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }

            fn from_string(value: String) -> Self {
                match value.as_str() {
                    $($value => Self::$variant,)+
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(value))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from_string)
            }
        }

        $crate::nulls::leaf!($name);

        impl $crate::validate::Field for $name {
            type Rule = ();

            fn check(
                &self,
                _rule: &(),
                path: &dyn ::std::fmt::Display,
                errors: &mut $crate::ValidationErrors,
            ) {
                $crate::validate::check_enum(self.is_known(), self.as_str(), Self::VALUES, path, errors);
            }

            fn satisfies(&self, _rule: &()) -> bool {
                self.is_known()
            }

            fn describe(_rule: &(), out: &mut Vec<String>) {
                out.push($crate::validate::enum_message(Self::VALUES));
            }

            fn render(&self) -> Option<String> {
                Some(self.as_str().to_owned())
            }
        }
    };
}

pub(crate) use wire_enum;
