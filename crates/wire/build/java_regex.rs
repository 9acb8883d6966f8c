//! Translating the model's Java regular expressions into equivalent `regex`-crate syntax.
//!
//! Amazon applies model patterns with `java.util.regex` and `String.matches` (the whole value must match).
//! The differences that matter, and what the translation does about them:
//!
//! - Java's `\w`, `\d`, `\s` and `\b` are ASCII-only; the `regex` crate's are Unicode. They are spelled out as ASCII classes.
//! - Java's `.` does not match `\n`, `\r`, U+0085, U+2028 or U+2029; `regex`'s only excludes `\n`. It is spelled out too.
//! - Java reads `-` after a range (`[0-9-_]`) as a literal; `regex` rejects it, so such dashes are escaped.
//! - Java has look-around, possessive quantifiers, `\Q..\E` and more, which `regex` lacks. Patterns using them must
//!   have an entry in [`SUBSTITUTES`] giving an equivalent Java pattern without them; any other occurrence is a build error,
//!   so a model update with an untranslatable pattern fails loudly instead of silently validating differently.
//!
//! The result is anchored as `^(?:...)$` for full-match semantics.

/// Patterns the translator cannot handle, each with an equivalent written without the unsupported construct.
///
/// The original stays in messages; only matching uses the substitute.
const SUBSTITUTES: &[(&str, &str)] = &[(
    // "Does not end with a dot" via a negative lookbehind. Equivalent: empty, or ending with an allowed non-dot character.
    r"^[0-9A-Za-z\.\-_]*(?<!\.)$",
    r"^(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?$",
)];

/// Java's ASCII whitespace (`[ \t\n\x0B\f\r]`), as class contents.
const SPACE: &str = r"\t\n\x0B\x0C\r ";
const WORD: &str = "0-9A-Za-z_";
const DIGIT: &str = "0-9";

/// Unicode general categories, which Java's and `regex`'s `\p{..}` agree on.
const CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
    "Cc", "Cf", "Cs", "Co", "Cn",
];

/// Returns the anchored Rust regex equivalent to the Java `pattern` under `String.matches`.
pub fn translate(pattern: &str) -> Result<String, String> {
    let source = SUBSTITUTES
        .iter()
        .find(|(java, _)| *java == pattern)
        .map_or(pattern, |(_, substitute)| substitute);
    let body = Translator {
        chars: source.chars().collect(),
        pos: 0,
        out: String::new(),
        dot_all: false,
    }
    .run()
    .map_err(|e| {
        format!("pattern {pattern:?}: {e}; add an equivalent to SUBSTITUTES in build/java_regex.rs")
    })?;
    Ok(format!("^(?:{body})$"))
}

/// What the previous item inside a character class was, which decides how a following `-` reads.
#[derive(Clone, Copy, PartialEq)]
enum Prev {
    /// Just after `[`, `[^` or `&&`.
    Open,
    /// A single character, which may start a range.
    Char,
    /// A `-` that was emitted as a range operator.
    Dash,
    /// A completed range, a class escape or a nested class: a following `-` is literal.
    Done,
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    dot_all: bool,
}

impl Translator {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn next(&mut self) -> Result<char, String> {
        let c = self.peek(0).ok_or("unexpected end")?;
        self.pos += 1;
        Ok(c)
    }

    fn run(mut self) -> Result<String, String> {
        // A leading `(?s)` is the only inline flag in use; elsewhere flags would need per-group `.` tracking.
        if self.chars.starts_with(&['(', '?', 's', ')']) {
            self.pos = 4;
            self.dot_all = true;
        }
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\\' => self.escape_outside()?,
                '[' => self.class()?,
                '.' if self.dot_all => self.out.push_str("(?s:.)"),
                '.' => self.out.push_str(r"[^\n\r\x{85}\x{2028}\x{2029}]"),
                '(' => self.group()?,
                '*' | '+' | '?' => {
                    self.out.push(c);
                    self.quantifier_suffix()?;
                }
                '{' => self.counted()?,
                _ => self.out.push(c),
            }
        }
        Ok(self.out)
    }

    /// Lazy quantifiers exist in both dialects; possessive ones only in Java.
    fn quantifier_suffix(&mut self) -> Result<(), String> {
        match self.peek(0) {
            Some('+') => Err("possessive quantifier".into()),
            Some('?') => {
                self.pos += 1;
                self.out.push('?');
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn counted(&mut self) -> Result<(), String> {
        let mut body = String::new();
        loop {
            match self.next()? {
                '}' => break,
                c @ ('0'..='9' | ',') => body.push(c),
                c => return Err(format!("unexpected {c:?} in a counted repetition")),
            }
        }
        self.out.push_str(&format!("{{{body}}}"));
        self.quantifier_suffix()
    }

    fn group(&mut self) -> Result<(), String> {
        if self.peek(0) != Some('?') {
            self.out.push('(');
            return Ok(());
        }
        match (self.peek(1), self.peek(2)) {
            (Some(':'), _) => {
                self.pos += 2;
                self.out.push_str("(?:");
                Ok(())
            }
            (Some('<'), Some(c)) if c.is_ascii_alphabetic() => {
                self.pos += 2;
                self.out.push_str("(?P<");
                Ok(())
            }
            _ => Err("look-around, atomic group or inline flags".into()),
        }
    }

    /// An escape outside a class.
    fn escape_outside(&mut self) -> Result<(), String> {
        let c = self.next()?;
        let text = match c {
            'w' => format!("[{WORD}]"),
            'W' => format!("[^{WORD}]"),
            'd' => format!("[{DIGIT}]"),
            'D' => format!("[^{DIGIT}]"),
            's' => format!("[{SPACE}]"),
            'S' => format!("[^{SPACE}]"),
            // Java 19+ defines word boundaries by its ASCII `\w`.
            'b' => r"(?-u:\b)".to_owned(),
            'B' => r"(?-u:\B)".to_owned(),
            'A' | 'z' => format!("\\{c}"),
            'p' | 'P' => self.property(c)?,
            _ => self.char_escape(c)?,
        };
        self.out.push_str(&text);
        Ok(())
    }

    /// `\p{Cat}`: only general categories are accepted, since Java's other names (`\p{Alpha}`, `\p{javaLowerCase}`) differ.
    fn property(&mut self, c: char) -> Result<String, String> {
        if self.next()? != '{' {
            return Err("single-letter \\p form".into());
        }
        let mut name = String::new();
        loop {
            match self.next()? {
                '}' => break,
                ch => name.push(ch),
            }
        }
        if CATEGORIES.contains(&name.as_str()) {
            Ok(format!("\\{c}{{{name}}}"))
        } else {
            Err(format!("property {name:?}"))
        }
    }

    /// An escape that stands for one character, rendered as `regex` syntax for that character.
    fn char_escape(&mut self, c: char) -> Result<String, String> {
        let text = match c {
            't' | 'n' | 'r' | 'f' => format!("\\{c}"),
            'e' => r"\x1B".to_owned(),
            'a' => r"\x07".to_owned(),
            'x' if self.peek(0) == Some('{') => {
                let mut hex = String::new();
                self.pos += 1;
                loop {
                    match self.next()? {
                        '}' => break,
                        h if h.is_ascii_hexdigit() => hex.push(h),
                        h => return Err(format!("bad hex digit {h:?}")),
                    }
                }
                format!("\\x{{{hex}}}")
            }
            'x' | 'u' => {
                let len = if c == 'x' { 2 } else { 4 };
                let mut hex = String::new();
                for _ in 0..len {
                    let h = self.next()?;
                    if !h.is_ascii_hexdigit() {
                        return Err(format!("bad hex digit {h:?}"));
                    }
                    hex.push(h);
                }
                format!("\\x{{{hex}}}")
            }
            // Any other escaped punctuation is that literal character in Java; escaping it is always valid in `regex`.
            c if c.is_ascii_punctuation() => format!("\\{c}"),
            c => return Err(format!("unsupported escape \\{c}")),
        };
        Ok(text)
    }

    /// A character class, from just after its `[` to its `]`, including nested classes (Java unions).
    fn class(&mut self) -> Result<(), String> {
        self.out.push('[');
        if self.peek(0) == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut prev = Prev::Open;
        loop {
            let c = self.next().map_err(|_| "unterminated class")?;
            prev = match c {
                ']' if prev == Prev::Open => return Err("empty class or leading ']'".into()),
                ']' if prev == Prev::Dash => return Err("dangling range".into()),
                ']' => {
                    self.out.push(']');
                    return Ok(());
                }
                '[' => {
                    self.class()?;
                    Prev::Done
                }
                '&' if self.peek(0) == Some('&') => {
                    self.pos += 1;
                    self.out.push_str("&&");
                    Prev::Open
                }
                '-' if prev == Prev::Char && self.peek(0).is_some_and(|n| n != ']') => {
                    self.out.push('-');
                    Prev::Dash
                }
                '\\' => self.escape_inside(prev)?,
                c => {
                    // `-`, `&`, `~` and `^` are operators or special positions in `regex` classes; here they are literals.
                    if matches!(c, '-' | '&' | '~' | '^') {
                        self.out.push('\\');
                    }
                    self.out.push(c);
                    if c == '-' || prev == Prev::Dash {
                        Prev::Done
                    } else {
                        Prev::Char
                    }
                }
            };
        }
    }

    fn escape_inside(&mut self, prev: Prev) -> Result<Prev, String> {
        let c = self.next()?;
        // Class escapes become nested classes, so their ranges cannot run into a neighbouring `-` or character.
        let set = match c {
            'w' => Some(format!("[{WORD}]")),
            'W' => Some(format!("[^{WORD}]")),
            'd' => Some(format!("[{DIGIT}]")),
            'D' => Some(format!("[^{DIGIT}]")),
            's' => Some(format!("[{SPACE}]")),
            'S' => Some(format!("[^{SPACE}]")),
            'p' | 'P' => Some(self.property(c)?),
            _ => None,
        };
        if let Some(set) = set {
            if prev == Prev::Dash {
                return Err("range ending in a class escape".into());
            }
            self.out.push_str(&set);
            return Ok(Prev::Done);
        }
        let text = self.char_escape(c)?;
        self.out.push_str(&text);
        Ok(if prev == Prev::Dash {
            Prev::Done
        } else {
            Prev::Char
        })
    }
}
