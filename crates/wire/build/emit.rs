//! Writing the Rust source of one service module from its model.
//!
//! The output leans on the hand-written runtime (`wire_enum!`, `validate::member`, the rule types) so each shape
//! costs a few lines: compile time matters with ~700 shapes.
//! The fixed parts of the output are the templates at the end of this file; `@name@` marks where generated text goes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use crate::java_regex;
use crate::model::{Model, Shape, ShapeRef};
use crate::names;

/// Names the generated module uses unqualified; a shape with one of these names would shadow them.
const RESERVED: &[&str] = &[
    "Option",
    "Some",
    "None",
    "String",
    "Vec",
    "BTreeMap",
    "Box",
    "Result",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "PartialEq",
    "Deserialize",
    "Serialize",
    "fmt",
    "member",
    "ListRule",
    "MapRule",
    "LenRule",
    "NumRule",
    "StrRule",
    "Pattern",
    "Redacted",
    "Validate",
    "ValidationErrors",
    "Blob",
    "Empty",
    "Operation",
    "wire_enum",
    "serde_json",
];

/// One service model and what to call its generated items.
pub struct Service {
    /// The model file, relative to the crate's manifest directory.
    pub model: &'static str,
    /// The file written to `OUT_DIR` and `include!`d by the service's module.
    pub out: &'static str,
    /// The name of the exported `for_each_*` callback macro.
    pub op_macro: &'static str,
}

pub fn generate(model: &Model, service: &Service) -> Result<String, String> {
    let mut generator = Generator {
        shapes: model.shapes.iter().collect(),
        rules: BTreeMap::new(),
        patterns: Vec::new(),
        out: String::new(),
    };
    generator.header(model, service)?;
    generator.patterns(model)?;
    for (name, shape) in model.shapes.iter() {
        if shape.kind == "string" && shape.values.is_some() {
            generator.enumeration(name, shape)?;
        } else if shape.kind == "structure" && !shape.exception && !shape.document {
            generator.structure(name, shape)?;
        }
    }
    let rules = std::mem::take(&mut generator.rules);
    generator.out.extend(rules.into_values());
    generator.exceptions(model)?;
    generator.operations(model, service)?;
    Ok(generator.out)
}

struct Generator<'m> {
    shapes: HashMap<&'m str, &'m Shape>,
    /// Rule statics by name, created on first use so only shapes some member reaches get one.
    rules: BTreeMap<String, String>,
    /// Distinct model patterns, in first-seen order; `P<index>` is the static holding each.
    patterns: Vec<String>,
    out: String,
}

impl<'m> Generator<'m> {
    fn shape(&self, name: &str) -> Result<&'m Shape, String> {
        self.shapes
            .get(name)
            .copied()
            .ok_or_else(|| format!("unknown shape {name}"))
    }

    fn inner(&self, name: &str, inner: &Option<ShapeRef>) -> Result<String, String> {
        inner
            .as_ref()
            .map(|r| r.shape.clone())
            .ok_or_else(|| format!("collection {name} lacks its member, key or value"))
    }

    fn header(&mut self, model: &Model, service: &Service) -> Result<(), String> {
        let meta = &model.metadata;
        let text = fill(
            HEADER,
            &[
                // `@` delimits placeholders, so the conventional `@generated` marker is inserted as a value.
                ("generated", "@generated"),
                ("model", service.model.trim_start_matches("../../")),
                ("api", &format!("{:?}", meta.api_version)),
                (
                    "target",
                    &format!("{:?}", meta.target_prefix.as_deref().unwrap_or_default()),
                ),
                (
                    "json",
                    &format!("{:?}", meta.json_version.as_deref().unwrap_or("1.1")),
                ),
                (
                    "id",
                    &format!("{:?}", meta.service_id.as_deref().unwrap_or_default()),
                ),
            ],
        )?;
        self.out.push_str(&text);
        Ok(())
    }

    /// Every model pattern becomes a static, used or not, so `PATTERNS` lets a test compile all of them.
    fn patterns(&mut self, model: &Model) -> Result<(), String> {
        for (_, shape) in model.shapes.iter() {
            if let Some(pattern) = &shape.pattern
                && !self.patterns.contains(pattern)
            {
                let rust = java_regex::translate(pattern)?;
                let _ = writeln!(
                    self.out,
                    "static P{}: Pattern = Pattern::new({pattern:?}, {rust:?});",
                    self.patterns.len()
                );
                self.patterns.push(pattern.clone());
            }
        }
        let all = (0..self.patterns.len())
            .map(|i| format!("&P{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            self.out,
            "\n/// Every distinct pattern in the model.\npub static PATTERNS: &[&Pattern] = &[{all}];\n"
        );
        Ok(())
    }

    fn enumeration(&mut self, name: &str, shape: &Shape) -> Result<(), String> {
        check_name(name)?;
        if shape.min.is_some() || shape.max.is_some() || shape.pattern.is_some() {
            return Err(format!(
                "enum {name} also has length or pattern constraints"
            ));
        }
        let mut taken = vec!["Unknown".to_owned()];
        let mut variants = String::new();
        for value in shape.values.iter().flatten() {
            let variant = names::dedupe(names::variant(value), &taken);
            let _ = writeln!(variants, "    {variant} = {value:?},");
            taken.push(variant);
        }
        let _ = writeln!(self.out, "wire_enum!({name} {{\n{variants}}});\n");
        Ok(())
    }

    fn structure(&mut self, name: &str, shape: &Shape) -> Result<(), String> {
        check_name(name)?;
        let (mut fields, mut debug, mut checks) = (String::new(), String::new(), String::new());
        let mut seen = HashSet::new();
        for (member_name, member) in shape.members.iter() {
            let field = names::snake(member_name);
            if !seen.insert(field.clone()) {
                return Err(format!("{name}: two members map to field {field}"));
            }
            let ty = self.rust_type(&member.shape)?;
            // serde reads a null member as `None` already; inside a collection a null must be
            // dropped too, which `crate::nulls` does (AWS reads every null as absent).
            let nulls = if ty.contains("Vec<") || ty.contains("BTreeMap<") {
                ", deserialize_with = \"crate::nulls::option\""
            } else {
                ""
            };
            let _ = writeln!(
                fields,
                "    #[serde(rename = {member_name:?}, skip_serializing_if = \"Option::is_none\"{nulls})]"
            );
            let _ = writeln!(fields, "    pub {field}: Option<{ty}>,");

            let sensitive = member.sensitive || self.sensitive(&member.shape)?;
            let value = if sensitive {
                format!("&Redacted(&self.{field})")
            } else {
                format!("&self.{field}")
            };
            let _ = write!(
                debug,
                "\n            .field({:?}, {value})",
                field.trim_start_matches("r#")
            );

            // Members that can never fail (an optional boolean, say) get no call at all.
            let required = shape.required.iter().any(|r| r == member_name);
            let target = self.shape(&member.shape)?;
            let unconstrained = matches!(
                target.kind.as_str(),
                "boolean" | "timestamp" | "float" | "double"
            ) || target.document;
            if required || !unconstrained {
                let rule = self.rule(&member.shape)?;
                let path = names::lower_first(member_name);
                let _ = write!(
                    checks,
                    "\n        member(e, p, {path:?}, &self.{field}, {required}, {sensitive}, {rule});"
                );
            }
        }
        let (p, e) = if checks.is_empty() {
            ("_p", "_e")
        } else {
            ("p", "e")
        };
        let text = fill(
            STRUCTURE,
            &[
                ("name", name),
                ("fields", &fields),
                ("debug", &debug),
                ("checks", &checks),
                ("p", p),
                ("e", e),
            ],
        )?;
        self.out.push_str(&text);
        Ok(())
    }

    /// Whether values of this shape must be hidden: the shape is sensitive, or it is a collection holding sensitive values.
    fn sensitive(&self, name: &str) -> Result<bool, String> {
        let shape = self.shape(name)?;
        let mut sensitive = shape.sensitive;
        for inner in [&shape.member, &shape.key, &shape.value]
            .into_iter()
            .flatten()
        {
            sensitive |= self.sensitive(&inner.shape)?;
        }
        Ok(sensitive)
    }

    fn rust_type(&self, name: &str) -> Result<String, String> {
        let shape = self.shape(name)?;
        Ok(match shape.kind.as_str() {
            "string" if shape.values.is_some() => name.to_owned(),
            "string" => "String".to_owned(),
            "integer" => "i32".to_owned(),
            "long" => "i64".to_owned(),
            "boolean" => "bool".to_owned(),
            // awsJson sends timestamps as epoch seconds, possibly with a fraction.
            "timestamp" | "float" | "double" => "f64".to_owned(),
            "blob" => "Blob".to_owned(),
            "structure" if shape.document => "serde_json::Value".to_owned(),
            "structure" if shape.exception => {
                return Err(format!("exception {name} used as a member"));
            }
            "structure" => name.to_owned(),
            "list" => format!(
                "Vec<{}>",
                self.rust_type(&self.inner(name, &shape.member)?)?
            ),
            "map" => {
                let key = self.shape(&self.inner(name, &shape.key)?)?;
                if key.kind != "string" || key.values.is_some() {
                    return Err(format!("map {name} has a key that is not a plain string"));
                }
                format!(
                    "BTreeMap<String, {}>",
                    self.rust_type(&self.inner(name, &shape.value)?)?
                )
            }
            other => return Err(format!("shape {name} has unsupported type {other}")),
        })
    }

    /// The Rust type of the rule for values of this shape (the `Field::Rule` of its Rust type).
    fn rule_type(&self, name: &str) -> Result<String, String> {
        let shape = self.shape(name)?;
        Ok(match shape.kind.as_str() {
            "string" if shape.values.is_none() => "StrRule".to_owned(),
            "integer" | "long" => "NumRule".to_owned(),
            "blob" => "LenRule".to_owned(),
            "list" => format!(
                "ListRule<{}>",
                self.rule_type(&self.inner(name, &shape.member)?)?
            ),
            "map" => format!(
                "MapRule<{}>",
                self.rule_type(&self.inner(name, &shape.value)?)?
            ),
            _ => "()".to_owned(),
        })
    }

    /// An expression for the rule of this shape, creating its static (and those of its members) on first use.
    fn rule(&mut self, name: &str) -> Result<String, String> {
        let shape = self.shape(name)?;
        let value = match shape.kind.as_str() {
            "string" if shape.values.is_none() => {
                let pattern = match &shape.pattern {
                    Some(p) => {
                        let index = self
                            .patterns
                            .iter()
                            .position(|q| q == p)
                            .ok_or("pattern not indexed")?;
                        format!("Some(&P{index})")
                    }
                    None => "None".to_owned(),
                };
                format!(
                    "StrRule {{ min: {}, max: {}, pattern: {pattern} }}",
                    bound(name, shape.min)?,
                    bound(name, shape.max)?
                )
            }
            "integer" | "long" => {
                format!("NumRule {{ min: {:?}, max: {:?} }}", shape.min, shape.max)
            }
            "blob" => len_rule(name, shape)?,
            "list" => {
                let member = self.rule(&self.inner(name, &shape.member)?)?;
                format!(
                    "ListRule {{ len: {}, member: {member} }}",
                    len_rule(name, shape)?
                )
            }
            "map" => {
                let key = self.rule(&self.inner(name, &shape.key)?)?;
                let value = self.rule(&self.inner(name, &shape.value)?)?;
                format!(
                    "MapRule {{ len: {}, key: {key}, value: {value} }}",
                    len_rule(name, shape)?
                )
            }
            _ => return Ok("&()".to_owned()),
        };
        let static_name = format!("R_{}", names::upper_snake(name));
        if !self.rules.contains_key(&static_name) {
            let definition = format!(
                "static {static_name}: {} = {value};\n",
                self.rule_type(name)?
            );
            self.rules.insert(static_name.clone(), definition);
        }
        Ok(format!("&{static_name}"))
    }

    fn exceptions(&mut self, model: &Model) -> Result<(), String> {
        let mut list = String::new();
        for (name, shape) in model.shapes.iter().filter(|(_, s)| s.exception) {
            let _ = writeln!(list, "    ({name:?}, {}),", shape.fault);
        }
        let text = fill(EXCEPTIONS, &[("list", &list)])?;
        self.out.push_str(&text);
        Ok(())
    }

    fn operations(&mut self, model: &Model, service: &Service) -> Result<(), String> {
        let (mut variants, mut all, mut from_name, mut names, mut errors) = (
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        );
        let mut unsigned = Vec::new();
        let mut callbacks = Vec::new();
        for (name, op) in model.operations.iter() {
            if op.name != name {
                return Err(format!("operation {name} is named {} inside", op.name));
            }
            let _ = writeln!(variants, "    {name},");
            let _ = writeln!(all, "        Self::{name},");
            let _ = writeln!(from_name, "            {name:?} => Some(Self::{name}),");
            let _ = writeln!(names, "            Self::{name} => {name:?},");
            if !op.requires_sigv4() {
                unsigned.push(format!("Self::{name}"));
            }
            let list = op
                .errors
                .iter()
                .map(|e| format!("{:?}", e.shape))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(errors, "            Self::{name} => &[{list}],");
            let input = op.input.as_ref().map_or("Empty", |r| r.shape.as_str());
            let output = op.output.as_ref().map_or("Empty", |r| r.shape.as_str());
            callbacks.push(format!("            ({name}, {input}, {output})"));
        }
        let signed = if unsigned.is_empty() {
            "true".to_owned()
        } else {
            format!("!matches!(self, {})", unsigned.join(" | "))
        };
        let text = fill(
            OPERATIONS,
            &[
                ("variants", &variants),
                ("all", &all),
                ("from_name", &from_name),
                ("names", &names),
                ("signed", &signed),
                ("errors", &errors),
                ("macro", service.op_macro),
                ("callbacks", &callbacks.join(",\n")),
            ],
        )?;
        self.out.push_str(&text);
        Ok(())
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if RESERVED.contains(&name) {
        return Err(format!(
            "shape {name} collides with a name the generated code uses"
        ));
    }
    Ok(())
}

/// A string length bound, which Java compares with `String.length()`.
fn bound(name: &str, value: Option<i64>) -> Result<String, String> {
    match value {
        None => Ok("None".to_owned()),
        Some(v) => usize::try_from(v)
            .map(|v| format!("Some({v})"))
            .map_err(|_| format!("{name}: negative length bound")),
    }
}

fn len_rule(name: &str, shape: &Shape) -> Result<String, String> {
    Ok(format!(
        "LenRule {{ min: {}, max: {} }}",
        bound(name, shape.min)?,
        bound(name, shape.max)?
    ))
}

/// Replaces each `@key@` in `template` with its value, in one pass so inserted text is never rescanned.
fn fill(template: &str, values: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('@') {
        let (key, after) = after
            .split_once('@')
            .ok_or("unclosed placeholder in a template")?;
        let value = values
            .iter()
            .find(|(k, _)| *k == key)
            .ok_or_else(|| format!("template needs @{key}@"))?;
        out.push_str(before);
        out.push_str(value.1);
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

const HEADER: &str = "// @generated@ by crates/wire/build.rs from @model@. Do not edit.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::enums::wire_enum;
use crate::validate::{LenRule, ListRule, MapRule, NumRule, Pattern, StrRule, member};
use crate::{Redacted, Validate, ValidationErrors};

/// The model's API version.
pub const API_VERSION: &str = @api@;
/// The `X-Amz-Target` prefix: targets are `<prefix>.<operation>`.
pub const TARGET_PREFIX: &str = @target@;
/// The awsJson protocol version: bodies are `application/x-amz-json-<version>`.
pub const JSON_VERSION: &str = @json@;
/// The service id the SDKs use.
pub const SERVICE_ID: &str = @id@;

";

const STRUCTURE: &str = "#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct @name@ {
@fields@}

impl fmt::Debug for @name@ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(\"@name@\")@debug@
            .finish()
    }
}

crate::nulls::leaf!(@name@);

impl Validate for @name@ {
    fn validate(&self, @p@: &str, @e@: &mut ValidationErrors) {@checks@
    }
}

";

const EXCEPTIONS: &str = "
/// Every exception the model declares, with its `fault` flag (true: a server fault, answered with a 5xx).
pub const EXCEPTIONS: &[(&str, bool)] = &[
@list@];

";

const OPERATIONS: &str = "/// Every operation of the service, in model order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
@variants@}

impl Operation {
    /// All operations, in model order.
    pub const ALL: &'static [Operation] = &[
@all@    ];

    /// The operation an `X-Amz-Target` suffix names, if any (names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Operation> {
        match name {
@from_name@            _ => None,
        }
    }

    /// The model's name, as used in `X-Amz-Target`.
    pub fn name(&self) -> &'static str {
        match self {
@names@        }
    }

    /// False exactly for the operations the model marks unsigned (`authtype: none` or `smithy.api#noAuth`).
    pub fn requires_sigv4(&self) -> bool {
        @signed@
    }

    /// The exceptions the model lists for this operation, in model order.
    pub fn errors(&self) -> &'static [&'static str] {
        match self {
@errors@        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Calls the macro `$m` once with every operation, in model order:
/// `$m! { (AddCustomAttributes, AddCustomAttributesRequest, AddCustomAttributesResponse), ... }`.
///
/// Each triple is an `Operation` variant and the input and output type names, all relative to the module that
/// defines `Operation`; operations without an input or output shape name `Empty`, which that module re-exports.
#[macro_export]
macro_rules! @macro@ {
    ($m:ident) => {
        $m! {
@callbacks@
        }
    };
}
";
