//! Branding of the hosted pages: the classic hosted UI's customization (SetUICustomization,
//! GetUICustomization: a CSS file and a logo per pool or per app client) and managed login's
//! branding styles (Create/Describe/DescribeByClient/Update/DeleteManagedLoginBranding: a
//! settings document and image assets per app client), and which of them a page shows.
//!
//! # Safety of what operators upload
//! Custom CSS is served as its own stylesheet from the domain's origin, never inlined, so the
//! pages' Content-Security-Policy needs no `'unsafe-inline'`. It is checked here, as Cognito
//! does, against the classes the pages expose, and anything that could load a resource or run
//! code (`url(`, `@import`, `expression`, escapes) is refused. Colours from a branding style
//! reach a page only as validated hex values; images are served with a sandboxing policy.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;
use crate::{Domain, ids};

/// The `ClientId` of a pool's default customization.
pub const ALL_CLIENTS: &str = "ALL";

/// The classes of the hosted pages that custom CSS may style (Cognito's list for the classic
/// hosted UI), with the pseudo-classes it allows on them.
pub const CUSTOMIZABLE_CLASSES: &[&str] = &[
    ".background-customizable",
    ".banner-customizable",
    ".errorMessage-customizable",
    ".idpButton-customizable",
    ".idpButton-customizable:hover",
    ".idpDescription-customizable",
    ".inputField-customizable",
    ".inputField-customizable:focus",
    ".label-customizable",
    ".legalText-customizable",
    ".logo-customizable",
    ".passwordCheck-notValid-customizable",
    ".passwordCheck-valid-customizable",
    ".redirect-customizable",
    ".socialButton-customizable",
    ".submitButton-customizable",
    ".submitButton-customizable:hover",
    ".textDescription-customizable",
];

/// What could make a stylesheet fetch something, run something, or hide either from the
/// checks (escapes, comments are removed before this).
const FORBIDDEN_CSS: &[&str] = &[
    "url(",
    "@import",
    "expression",
    "image-set(",
    "image(",
    "src(",
    "javascript:",
    "behavior",
    "-moz-binding",
    "@",
    "\\",
    "<",
];

/// A logo as stored, with the media type its bytes were recognised as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    #[serde(with = "crate::b64")]
    pub bytes: Vec<u8>,
    pub media_type: String,
}

/// A classic hosted UI customization, for one app client or (`ALL`) the pool's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiCustomization {
    pub pool_id: String,
    /// An app client id, or [`ALL_CLIENTS`].
    pub client_id: String,
    pub css: Option<String>,
    pub image: Option<Image>,
    /// Bumped on every SetUICustomization; reported as CSSVersion and used to bust caches.
    pub version: i64,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// An image of a managed login branding style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandingAsset {
    /// `AssetCategoryType`: `FORM_LOGO`, `PAGE_BACKGROUND`, ...
    pub category: String,
    /// `LIGHT`, `DARK` or `DYNAMIC`.
    pub color_mode: String,
    /// `ICO`, `JPEG`, `PNG`, `SVG` or `WEBP`.
    pub extension: String,
    #[serde(with = "crate::b64::option", default)]
    pub bytes: Option<Vec<u8>>,
    pub resource_id: Option<String>,
}

/// A managed login branding style; each belongs to one app client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedLoginBranding {
    pub id: String,
    pub pool_id: String,
    pub client_id: String,
    pub use_cognito_provided_values: bool,
    pub settings: Option<Value>,
    pub assets: Vec<BrandingAsset>,
    pub version: i64,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// What CreateManagedLoginBranding and UpdateManagedLoginBranding carry.
#[derive(Debug, Clone, Default)]
pub struct BrandingInput {
    pub use_cognito_provided_values: bool,
    pub settings: Option<Value>,
    pub assets: Option<Vec<BrandingAsset>>,
}

/// What GetUICustomization answers: the customization that applies, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiCustomizationView {
    pub pool_id: String,
    pub client_id: String,
    pub found: Option<UiCustomization>,
    /// Where the logo is served, when there is one.
    pub image_url: Option<String>,
}

/// The colours of a branding style a page applies, each a validated `rrggbb` or `rrggbbaa`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingColors {
    pub button_background: Option<String>,
    pub button_text: Option<String>,
    pub button_hover: Option<String>,
    pub page_background: Option<String>,
    pub form_background: Option<String>,
    pub form_border: Option<String>,
    pub heading: Option<String>,
    pub text: Option<String>,
    pub link: Option<String>,
}

/// How a page is dressed: the default look, a classic customization, or a branding style.
/// The protocol layer turns these into stylesheet and image addresses on the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    Default,
    Classic {
        /// The customization's client id, or [`ALL_CLIENTS`].
        client_key: String,
        version: i64,
        has_css: bool,
        has_logo: bool,
    },
    Managed {
        branding_id: String,
        version: i64,
        has_logo: bool,
    },
}

/// A served image: its bytes and media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub bytes: Vec<u8>,
    pub media_type: String,
}

fn invalid_css(reason: impl std::fmt::Display) -> Error {
    Error::invalid_parameter(format!("Invalid CSS: {reason}"))
}

/// CSS without its comments (which could hide a forbidden token from a naive reader).
fn strip_comments(css: &str) -> Result<String> {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("*/")
            .ok_or_else(|| invalid_css("a comment is not closed."))?;
        out.push(' ');
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks custom CSS: only rules whose selectors are customizable classes, nothing that
/// could load a resource or run code, balanced braces.
pub fn check_css(css: &str) -> Result<()> {
    let css = strip_comments(css)?;
    let lowered = css.to_ascii_lowercase();
    if let Some(token) = FORBIDDEN_CSS.iter().find(|t| lowered.contains(*t)) {
        return Err(invalid_css(format!("\"{token}\" is not allowed.")));
    }
    let mut rest = css.as_str();
    while !rest.trim().is_empty() {
        let open = rest
            .find('{')
            .ok_or_else(|| invalid_css("the rules are not balanced."))?;
        let close = rest[open..]
            .find('}')
            .map(|i| i + open)
            .ok_or_else(|| invalid_css("the rules are not balanced."))?;
        if rest[open + 1..close].contains('{') || rest[..open].contains('}') {
            return Err(invalid_css("the rules are not balanced."));
        }
        for selector in rest[..open].split(',').map(str::trim) {
            if !CUSTOMIZABLE_CLASSES.contains(&selector) {
                return Err(invalid_css(format!(
                    "the selector \"{selector}\" is not one of the customizable classes."
                )));
            }
        }
        rest = &rest[close + 1..];
    }
    Ok(())
}

/// The media type of a logo for SetUICustomization: PNG or JPEG, by their signatures.
fn logo_media_type(bytes: &[u8]) -> Result<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Ok("image/jpeg")
    } else {
        Err(Error::invalid_parameter(
            "The image file must be a PNG or JPEG image.",
        ))
    }
}

/// The media type of a branding asset's extension.
fn asset_media_type(extension: &str) -> &'static str {
    match extension {
        "ICO" => "image/x-icon",
        "JPEG" => "image/jpeg",
        "PNG" => "image/png",
        "SVG" => "image/svg+xml",
        "WEBP" => "image/webp",
        _ => "application/octet-stream",
    }
}

/// A colour of a branding document: hex `rrggbb` or `rrggbbaa`, as the branding editor writes.
fn color(settings: &Value, path: &[&str]) -> Option<String> {
    let mut value = settings;
    for key in path {
        value = value.get(key)?;
    }
    let text = value.as_str()?;
    let hex = matches!(text.len(), 6 | 8) && text.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| text.to_ascii_lowercase())
}

/// The colours of a branding document a page applies (light mode).
pub fn branding_colors(settings: &Value) -> BrandingColors {
    let c = |path: &[&str]| color(settings, path);
    BrandingColors {
        button_background: c(&[
            "components",
            "primaryButton",
            "lightMode",
            "defaults",
            "backgroundColor",
        ]),
        button_text: c(&[
            "components",
            "primaryButton",
            "lightMode",
            "defaults",
            "textColor",
        ]),
        button_hover: c(&[
            "components",
            "primaryButton",
            "lightMode",
            "hover",
            "backgroundColor",
        ]),
        page_background: c(&["components", "pageBackground", "lightMode", "color"]),
        form_background: c(&["components", "form", "lightMode", "backgroundColor"]),
        form_border: c(&["components", "form", "lightMode", "borderColor"]),
        heading: c(&["components", "pageText", "lightMode", "headingColor"]),
        text: c(&["components", "pageText", "lightMode", "bodyColor"]),
        link: c(&["components", "link", "lightMode", "defaults", "textColor"]),
    }
}

/// The logo of a branding style: a form or page-header logo for light (or any) mode.
fn branding_logo(branding: &ManagedLoginBranding) -> Option<&BrandingAsset> {
    ["FORM_LOGO", "PAGE_HEADER_LOGO"]
        .iter()
        .find_map(|category| {
            branding.assets.iter().find(|a| {
                a.category == *category
                    && matches!(a.color_mode.as_str(), "LIGHT" | "DYNAMIC")
                    && a.bytes.is_some()
            })
        })
}

/// RFC 7396-style merge without deletion: objects merge member by member, anything else
/// replaces. UpdateManagedLoginBranding keeps the settings a request does not name.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                match into.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        into.insert(key, value);
                    }
                }
            }
        }
        (into, from) => *into = from,
    }
}

/// Checks a branding request: the settings are a JSON object, the defaults flag comes alone,
/// and no two assets share a category and colour mode.
fn check_branding_input(input: &BrandingInput) -> Result<()> {
    if input.use_cognito_provided_values && (input.settings.is_some() || input.assets.is_some()) {
        return Err(Error::invalid_parameter(
            "Settings and Assets must not be given when UseCognitoProvidedValues is true.",
        ));
    }
    if input.settings.as_ref().is_some_and(|s| !s.is_object()) {
        return Err(Error::invalid_parameter("Settings must be a JSON object."));
    }
    let assets = input.assets.as_deref().unwrap_or_default();
    for (i, asset) in assets.iter().enumerate() {
        if assets[..i]
            .iter()
            .any(|a| a.category == asset.category && a.color_mode == asset.color_mode)
        {
            return Err(Error::invalid_parameter(format!(
                "Assets contain more than one {} asset for color mode {}.",
                asset.category, asset.color_mode
            )));
        }
    }
    Ok(())
}

fn branding_not_found() -> Error {
    Error::resource_not_found("Managed login branding style does not exist.")
}

impl Domain {
    /// The pool's client, or the pool alone for `ALL`.
    async fn customization_target(&self, pool_id: &str, client_id: &str) -> Result<()> {
        self.user_pool(pool_id).await?;
        if client_id != ALL_CLIENTS {
            self.user_pool_client(pool_id, client_id).await?;
        }
        Ok(())
    }

    /// SetUICustomization: replaces the CSS and logo of a client, or of the pool (`ALL`).
    pub async fn set_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
        css: Option<String>,
        image: Option<Vec<u8>>,
    ) -> Result<UiCustomizationView> {
        let client_id = client_id.unwrap_or(ALL_CLIENTS);
        self.customization_target(pool_id, client_id).await?;
        if self.pool_site_url(pool_id).await?.is_none() {
            return Err(Error::invalid_parameter(
                "There has to be an existing domain associated with this user pool",
            ));
        }
        if let Some(css) = &css {
            check_css(css)?;
        }
        let image = match image.filter(|i| !i.is_empty()) {
            Some(bytes) => Some(Image {
                media_type: logo_media_type(&bytes)?.to_owned(),
                bytes,
            }),
            None => None,
        };
        let now = self.now();
        let existing = self
            .store
            .get_ui_customization(pool_id, client_id)
            .await
            .map_err(Error::from)?;
        let customization = UiCustomization {
            pool_id: pool_id.to_owned(),
            client_id: client_id.to_owned(),
            css: css.filter(|c| !c.trim().is_empty()),
            image,
            version: existing.as_ref().map_or(1, |e| e.version + 1),
            created: existing.as_ref().map_or(now, |e| e.created),
            modified: now,
        };
        self.store
            .put_ui_customization(&customization)
            .await
            .map_err(Error::from)?;
        self.customization_view(pool_id, client_id, Some(customization))
            .await
    }

    /// GetUICustomization: the client's customization, else the pool's default.
    pub async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
    ) -> Result<UiCustomizationView> {
        let client_id = client_id.unwrap_or(ALL_CLIENTS);
        self.customization_target(pool_id, client_id).await?;
        let found = self.applicable_customization(pool_id, client_id).await?;
        self.customization_view(pool_id, client_id, found).await
    }

    async fn applicable_customization(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Option<UiCustomization>> {
        let own = self
            .store
            .get_ui_customization(pool_id, client_id)
            .await
            .map_err(Error::from)?;
        if own.is_some() || client_id == ALL_CLIENTS {
            return Ok(own);
        }
        self.store
            .get_ui_customization(pool_id, ALL_CLIENTS)
            .await
            .map_err(Error::from)
    }

    async fn customization_view(
        &self,
        pool_id: &str,
        client_id: &str,
        found: Option<UiCustomization>,
    ) -> Result<UiCustomizationView> {
        let image_url = match found.as_ref().filter(|c| c.image.is_some()) {
            Some(c) => self
                .pool_site_url(pool_id)
                .await?
                .map(|base| format!("{base}/ui/logo?client_id={}&v={}", c.client_id, c.version)),
            None => None,
        };
        Ok(UiCustomizationView {
            pool_id: pool_id.to_owned(),
            client_id: found
                .as_ref()
                .map_or_else(|| client_id.to_owned(), |c| c.client_id.clone()),
            found,
            image_url,
        })
    }

    /// CreateManagedLoginBranding: one style per app client.
    pub async fn create_managed_login_branding(
        &self,
        pool_id: &str,
        client_id: &str,
        input: BrandingInput,
    ) -> Result<ManagedLoginBranding> {
        self.user_pool(pool_id).await?;
        self.user_pool_client(pool_id, client_id).await?;
        check_branding_input(&input)?;
        let now = self.now();
        let branding = ManagedLoginBranding {
            id: ids::new_uuid(self.random()),
            pool_id: pool_id.to_owned(),
            client_id: client_id.to_owned(),
            use_cognito_provided_values: input.use_cognito_provided_values,
            settings: input.settings,
            assets: input.assets.unwrap_or_default(),
            version: 1,
            created: now,
            modified: now,
        };
        match self.store.insert_branding(&branding).await {
            Ok(()) => Ok(branding),
            Err(StoreError::Conflict(Conflict::Exists)) => Err(Error::new(
                ErrorKind::ManagedLoginBrandingExists,
                "A managed login branding style already exists for this app client.",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// DescribeManagedLoginBranding.
    pub async fn describe_managed_login_branding(
        &self,
        pool_id: &str,
        branding_id: &str,
    ) -> Result<ManagedLoginBranding> {
        self.user_pool(pool_id).await?;
        self.store
            .get_branding(pool_id, branding_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(branding_not_found)
    }

    /// DescribeManagedLoginBrandingByClient.
    pub async fn describe_managed_login_branding_by_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<ManagedLoginBranding> {
        self.user_pool(pool_id).await?;
        self.user_pool_client(pool_id, client_id).await?;
        self.store
            .get_branding_by_client(pool_id, client_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(branding_not_found)
    }

    /// UpdateManagedLoginBranding: settings merge into the stored ones, assets replace those
    /// of the same category and colour mode; `UseCognitoProvidedValues` resets both.
    pub async fn update_managed_login_branding(
        &self,
        pool_id: &str,
        branding_id: &str,
        input: BrandingInput,
    ) -> Result<ManagedLoginBranding> {
        let mut branding = self
            .describe_managed_login_branding(pool_id, branding_id)
            .await?;
        check_branding_input(&input)?;
        if input.use_cognito_provided_values {
            branding.use_cognito_provided_values = true;
            branding.settings = None;
            branding.assets.clear();
        } else {
            if let Some(settings) = input.settings {
                branding.use_cognito_provided_values = false;
                match &mut branding.settings {
                    Some(existing) => merge(existing, settings),
                    None => branding.settings = Some(settings),
                }
            }
            for asset in input.assets.unwrap_or_default() {
                branding.use_cognito_provided_values = false;
                branding
                    .assets
                    .retain(|a| a.category != asset.category || a.color_mode != asset.color_mode);
                branding.assets.push(asset);
            }
        }
        branding.version += 1;
        branding.modified = self.now();
        match self.store.update_branding(&branding).await {
            Ok(()) => Ok(branding),
            Err(StoreError::Conflict(Conflict::Missing)) => Err(branding_not_found()),
            Err(e) => Err(e.into()),
        }
    }

    /// DeleteManagedLoginBranding.
    pub async fn delete_managed_login_branding(
        &self,
        pool_id: &str,
        branding_id: &str,
    ) -> Result<()> {
        self.user_pool(pool_id).await?;
        if self
            .store
            .delete_branding(pool_id, branding_id)
            .await
            .map_err(Error::from)?
        {
            Ok(())
        } else {
            Err(branding_not_found())
        }
    }

    /// How the pages of a client look: a branding style on a managed login (version 2)
    /// domain, else the classic customization of the client or of the pool.
    pub(crate) async fn look(&self, pool_id: &str, domain: &str, client_id: &str) -> Result<Look> {
        let version = self
            .pool_domains_of(pool_id)
            .await?
            .iter()
            .find(|d| d.domain == domain)
            .map_or(1, |d| d.managed_login_version);
        if version >= 2
            && let Some(branding) = self
                .store
                .get_branding_by_client(pool_id, client_id)
                .await
                .map_err(Error::from)?
        {
            return Ok(Look::Managed {
                has_logo: branding_logo(&branding).is_some(),
                branding_id: branding.id,
                version: branding.version,
            });
        }
        Ok(
            match self.applicable_customization(pool_id, client_id).await? {
                Some(c) => Look::Classic {
                    client_key: c.client_id,
                    version: c.version,
                    has_css: c.css.is_some(),
                    has_logo: c.image.is_some(),
                },
                None => Look::Default,
            },
        )
    }

    /// The custom CSS of a customization of this domain's pool (`/ui/custom.css`).
    pub async fn hosted_custom_css(
        &self,
        site: &crate::domains::HostedSite,
        client_key: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .store
            .get_ui_customization(&site.pool_id, client_key)
            .await
            .map_err(Error::from)?
            .and_then(|c| c.css))
    }

    /// The logo of a customization of this domain's pool (`/ui/logo`).
    pub async fn hosted_logo(
        &self,
        site: &crate::domains::HostedSite,
        client_key: &str,
    ) -> Result<Option<Served>> {
        Ok(self
            .store
            .get_ui_customization(&site.pool_id, client_key)
            .await
            .map_err(Error::from)?
            .and_then(|c| c.image)
            .map(|i| Served {
                bytes: i.bytes,
                media_type: i.media_type,
            }))
    }

    /// The colours of a branding style of this domain's pool (`/ui/branding/<id>.css`).
    pub async fn hosted_branding_colors(
        &self,
        site: &crate::domains::HostedSite,
        branding_id: &str,
    ) -> Result<Option<BrandingColors>> {
        Ok(self
            .store
            .get_branding(&site.pool_id, branding_id)
            .await
            .map_err(Error::from)?
            .map(|b| b.settings.as_ref().map(branding_colors).unwrap_or_default()))
    }

    /// The logo of a branding style of this domain's pool (`/ui/branding/<id>/logo`).
    pub async fn hosted_branding_logo(
        &self,
        site: &crate::domains::HostedSite,
        branding_id: &str,
    ) -> Result<Option<Served>> {
        let branding = self
            .store
            .get_branding(&site.pool_id, branding_id)
            .await
            .map_err(Error::from)?;
        Ok(branding.as_ref().and_then(branding_logo).and_then(|asset| {
            asset.bytes.clone().map(|bytes| Served {
                bytes,
                media_type: asset_media_type(&asset.extension).to_owned(),
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn css_error(css: &str) -> String {
        match check_css(css) {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.message,
        }
    }

    #[test]
    fn css_is_checked_against_the_customizable_classes() {
        let cases = [
            (
                ".submitButton-customizable { background-color: #0a5; }\n/* note */ .label-customizable, .logo-customizable { color: red }",
                "ok",
            ),
            ("", "ok"),
            (
                ".submitButton-customizable { background: url(https://evil/x.png) }",
                "Invalid CSS: \"url(\" is not allowed.",
            ),
            (
                "@import 'https://evil/x.css';",
                "Invalid CSS: \"@import\" is not allowed.",
            ),
            (
                ".label-customizable { width: expression(alert(1)) }",
                "Invalid CSS: \"expression\" is not allowed.",
            ),
            (
                ".label-customizable { background: u\\72l(x) }",
                "Invalid CSS: \"\\\" is not allowed.",
            ),
            (
                ".label-customizable { background: U/* hidden */RL(x) }",
                "ok",
            ),
            (
                "body { color: red }",
                "Invalid CSS: the selector \"body\" is not one of the customizable classes.",
            ),
            (
                ".label-customizable { color: red",
                "Invalid CSS: the rules are not balanced.",
            ),
            (
                ".label-customizable { color: red } }",
                "Invalid CSS: the rules are not balanced.",
            ),
            ("/* open", "Invalid CSS: a comment is not closed."),
        ];
        for (css, expected) in cases {
            assert_eq!(css_error(css), expected, "{css}");
        }
    }

    #[test]
    fn logos_must_be_png_or_jpeg() {
        assert_eq!(
            logo_media_type(b"\x89PNG\r\n\x1a\nrest").ok(),
            Some("image/png")
        );
        assert_eq!(
            logo_media_type(&[0xff, 0xd8, 0xff, 0xe0]).ok(),
            Some("image/jpeg")
        );
        assert_eq!(
            logo_media_type(b"<svg onload=alert(1)>")
                .err()
                .map(|e| e.message),
            Some("The image file must be a PNG or JPEG image.".to_owned())
        );
    }

    #[test]
    fn branding_colors_take_only_hex_values() {
        let settings = json!({"components": {
            "primaryButton": {"lightMode": {"defaults": {"backgroundColor": "0972D3FF", "textColor": "red;}"}}},
            "pageBackground": {"lightMode": {"color": "f2f3f3"}}
        }});
        let colors = branding_colors(&settings);
        assert_eq!(colors.button_background.as_deref(), Some("0972d3ff"));
        assert_eq!(colors.button_text, None);
        assert_eq!(colors.page_background.as_deref(), Some("f2f3f3"));
    }

    #[test]
    fn settings_merge_member_by_member() {
        let mut stored = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge(&mut stored, json!({"a": {"c": 3}, "d": [2], "e": true}));
        assert_eq!(stored, json!({"a": {"b": 1, "c": 3}, "d": [2], "e": true}));
    }

    #[test]
    fn branding_input_rules() {
        let both = BrandingInput {
            use_cognito_provided_values: true,
            settings: Some(json!({})),
            assets: None,
        };
        assert_eq!(
            check_branding_input(&both).err().map(|e| e.message),
            Some(
                "Settings and Assets must not be given when UseCognitoProvidedValues is true."
                    .to_owned()
            )
        );
        let asset = BrandingAsset {
            category: "FORM_LOGO".to_owned(),
            color_mode: "LIGHT".to_owned(),
            extension: "PNG".to_owned(),
            bytes: None,
            resource_id: None,
        };
        let twice = BrandingInput {
            assets: Some(vec![asset.clone(), asset]),
            ..BrandingInput::default()
        };
        assert_eq!(
            check_branding_input(&twice).err().map(|e| e.message),
            Some("Assets contain more than one FORM_LOGO asset for color mode LIGHT.".to_owned())
        );
        let array = BrandingInput {
            settings: Some(json!([1])),
            ..BrandingInput::default()
        };
        assert_eq!(
            check_branding_input(&array).err().map(|e| e.message),
            Some("Settings must be a JSON object.".to_owned())
        );
    }
}
