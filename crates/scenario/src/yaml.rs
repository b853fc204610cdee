//! Step 2 of the pipeline: YAML text → a tree of [`Node`]s that remember where they came from.
//!
//! The tree is built from `saphyr-parser` events (not its recursive loader) so that deep nesting
//! is refused with an error instead of overflowing the stack, aliases are expanded under a budget,
//! and duplicate keys are reported with both positions. Scalars keep their text and style; they
//! are resolved (YAML 1.2 core schema) only when a typed value asks for them, so `cpu: 1.10`
//! stays `1.10` and `name: 0123` stays a string where a string is wanted.
//!
//! The tree is plain data (`Vec`s, `String`s): a later `--set path=value` can edit it before it
//! is typed.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};
use std::collections::HashMap;
use std::fmt;

/// Deepest nesting of collections accepted (real manifests stay under 20).
const MAX_DEPTH: usize = 100;
/// Most nodes that alias expansion may create in one file ("billion laughs" guard).
const ALIAS_BUDGET: usize = 100_000;

/// A position: 1-based line, 0-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A range of source text (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    fn from_parser(s: saphyr_parser::Span) -> Self {
        Self { start: pos(s.start), end: pos(s.end) }
    }

    /// An empty span at `p`.
    pub fn at(p: Pos) -> Self {
        Self { start: p, end: p }
    }
}

fn pos(m: saphyr_parser::Marker) -> Pos {
    Pos { line: m.line(), col: m.col() }
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Unquoted: subject to type resolution (`3` is an integer, `true` a boolean).
    Plain,
    /// Quoted or block (`|`, `>`): always a string.
    Quoted,
}

/// A core-schema tag that forces the type of a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
}

/// A scalar as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar {
    pub text: String,
    pub style: Style,
    pub tag: Option<CoreTag>,
}

/// A scalar resolved with the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
}

impl Scalar {
    /// The typed value: quoted and block scalars are strings; plain ones are null, booleans,
    /// integers (decimal, `0o` octal, `0x` hex) or floats when they look like one.
    pub fn resolve(&self) -> Resolved<'_> {
        let t = self.text.as_str();
        match self.tag {
            Some(CoreTag::Str) => return Resolved::Str(t),
            Some(CoreTag::Null) => return Resolved::Null,
            Some(CoreTag::Bool) => {
                if let Some(b) = resolve_bool(t) {
                    return Resolved::Bool(b);
                }
                return Resolved::Str(t);
            }
            Some(CoreTag::Int) => return resolve_int(t).unwrap_or(Resolved::Str(t)),
            Some(CoreTag::Float) => {
                return resolve_int(t)
                    .map(|r| match r {
                        Resolved::Int(i) => Resolved::Float(i as f64),
                        Resolved::UInt(u) => Resolved::Float(u as f64),
                        other => other,
                    })
                    .or_else(|| resolve_float(t))
                    .unwrap_or(Resolved::Str(t));
            }
            None => {}
        }
        if self.style == Style::Quoted {
            return Resolved::Str(t);
        }
        if matches!(t, "" | "~" | "null" | "Null" | "NULL") {
            return Resolved::Null;
        }
        if let Some(b) = resolve_bool(t) {
            return Resolved::Bool(b);
        }
        resolve_int(t).or_else(|| resolve_float(t)).unwrap_or(Resolved::Str(t))
    }

    /// Whether the scalar is null (`~`, `null`, or nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), Resolved::Null)
    }
}

fn resolve_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn resolve_int(t: &str) -> Option<Resolved<'static>> {
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(d) = digits.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = digits.strip_prefix("0x") {
        (16, d)
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        let v = i128::try_from(magnitude).ok().map(|m| -m)?;
        i64::try_from(v).ok().map(Resolved::Int)
    } else if let Ok(v) = i64::try_from(magnitude) {
        Some(Resolved::Int(v))
    } else {
        u64::try_from(magnitude).ok().map(Resolved::UInt)
    }
}

fn resolve_float(t: &str) -> Option<Resolved<'static>> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Resolved::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Resolved::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Resolved::Float(f64::NAN)),
        _ => {}
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok().map(Resolved::Float)
}

/// One `key: value` pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// The contents of a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A YAML node and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub span: Span,
    pub value: Value,
}

impl Node {
    /// The value of `key` if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry of `key` if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The text of a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !s.is_null() => Some(&s.text),
            _ => None,
        }
    }

    /// The entries of a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(e) => Some(e),
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is a null scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.is_null())
    }

    /// The node at `path`, if the whole path exists.
    pub fn at(&self, path: &Path) -> Option<&Node> {
        let mut node = self;
        for seg in &path.0 {
            node = match seg {
                Seg::Key(k) => node.get(k)?,
                Seg::Index(i) => node.items()?.get(*i)?,
            };
        }
        Some(node)
    }

    /// Follows `path` as far as it exists. Returns the span to point at: the last node reached
    /// (or, when the whole path exists and ends in a key, the key if `want_key`, or the key when
    /// the value is a collection, whose own span begins on the line after the key).
    pub fn find(&self, path: &Path, want_key: bool) -> Found {
        let mut node = self;
        let mut key_span = None;
        for seg in &path.0 {
            let next = match seg {
                Seg::Key(k) => node.entry(k).map(|e| (&e.value, Some(e.key_span))),
                Seg::Index(i) => node.items().and_then(|items| items.get(*i)).map(|n| (n, None)),
            };
            match next {
                Some((n, ks)) => {
                    node = n;
                    key_span = ks;
                }
                None => {
                    return Found { span: point(node, key_span, false), complete: false };
                }
            }
        }
        Found { span: point(node, key_span, want_key), complete: true }
    }
}

fn point(node: &Node, key_span: Option<Span>, want_key: bool) -> Span {
    match (key_span, &node.value) {
        (Some(k), _) if want_key => k,
        (Some(k), Value::Map(_) | Value::Seq(_)) => k,
        // An empty value (`key:`) has an empty span after the colon; the key reads better.
        (Some(k), Value::Scalar(s)) if s.text.is_empty() && s.style == Style::Plain => k,
        _ => node.span,
    }
}

/// What [`Node::find`] reached.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub span: Span,
    /// Whether the whole path exists.
    pub complete: bool,
}

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A field path such as `cluster.nodePools[0].allocatable.cpu`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(pub Vec<Seg>);

impl Path {
    /// The empty path (the document root).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Parses `a.b[2].c` (keys must not contain `.` or `[`; use [`Path::key`] for those).
    pub fn parse(s: &str) -> Self {
        let mut p = Self::root();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let (name, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !name.is_empty() {
                p.0.push(Seg::Key(name.to_string()));
            }
            while let Some(close) = rest.find(']') {
                if let Ok(i) = rest[1..close].parse() {
                    p.0.push(Seg::Index(i));
                }
                rest = &rest[close + 1..];
            }
        }
        p
    }

    /// This path followed by `key`.
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_string()));
        p
    }

    /// This path followed by `[index]`.
    pub fn index(&self, index: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(index));
        p
    }

    /// This path followed by `other`.
    pub fn join(&self, other: &Path) -> Self {
        let mut p = self.clone();
        p.0.extend(other.0.iter().cloned());
        p
    }

    /// This path followed by the path `s` (see [`Path::parse`]).
    pub fn then(&self, s: &str) -> Self {
        self.join(&Path::parse(s))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Why a text is not YAML.
#[derive(Debug, Clone)]
pub(crate) struct ParseError {
    pub span: Span,
    pub path: Path,
    pub message: String,
    pub hint: Option<String>,
}

/// Parses every document of `text`. Empty documents (only comments, or a stray `---`) are
/// returned as null scalars.
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder::default();
    while let Some(item) = parser.next_event() {
        match item {
            Ok((ev, span)) => b.event(ev, Span::from_parser(span))?,
            Err(e) => return Err(b.scan_error(&e)),
        }
    }
    Ok(b.docs)
}

enum FrameKind {
    Seq(Vec<Node>),
    Map { entries: Vec<Entry>, pending: Option<(String, Span)>, seen: HashMap<String, Span> },
}

struct Frame {
    kind: FrameKind,
    start: Span,
    anchor: usize,
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
}

impl Builder {
    /// The path of the node being built, from the open collections.
    fn path(&self) -> Path {
        let mut p = Path::root();
        for f in &self.stack {
            match &f.kind {
                FrameKind::Seq(items) => p.0.push(Seg::Index(items.len())),
                FrameKind::Map { pending: Some((k, _)), .. } => p.0.push(Seg::Key(k.clone())),
                FrameKind::Map { .. } => {}
            }
        }
        p
    }

    fn error(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError { span, path: self.path(), message: message.into(), hint: None }
    }

    fn scan_error(&self, e: &ScanError) -> ParseError {
        let p = pos(*e.marker());
        let info = e.info();
        let mut err = self.error(Span::at(p), format!("invalid YAML: {info}"));
        if info.contains("tab") {
            err.hint = Some("YAML indentation must use spaces, not tabs".into());
        } else if info.contains("mapping values are not allowed") {
            err.hint = Some(
                "a value containing `: ` must be quoted, or the line is indented too far".into(),
            );
        }
        err
    }

    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), ParseError> {
        match ev {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                let root = self.root.take().unwrap_or(Node {
                    span: Span::at(span.start),
                    value: Value::Scalar(Scalar {
                        text: String::new(),
                        style: Style::Plain,
                        tag: None,
                    }),
                });
                self.docs.push(root);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(
                        self.error(span, format!("YAML nested more than {MAX_DEPTH} levels deep"))
                    );
                }
                let kind = if matches!(ev, Event::SequenceStart(..)) {
                    FrameKind::Seq(Vec::new())
                } else {
                    FrameKind::Map { entries: Vec::new(), pending: None, seen: HashMap::new() }
                };
                self.stack.push(Frame { kind, start: span, anchor });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(self.error(span, "unbalanced YAML collection"));
                };
                let value = match frame.kind {
                    FrameKind::Seq(items) => Value::Seq(items),
                    FrameKind::Map { entries, .. } => Value::Map(entries),
                };
                let node = Node { span: Span { start: frame.start.start, end: span.end }, value };
                self.insert(node, frame.anchor)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                let tag = tag.as_deref().and_then(core_tag);
                let node = Node {
                    span,
                    value: Value::Scalar(Scalar { text: text.into_owned(), style, tag }),
                };
                self.insert(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(self.error(span, "alias to an unknown anchor"));
                };
                self.alias_nodes += count_nodes(target);
                if self.alias_nodes > ALIAS_BUDGET {
                    return Err(self.error(
                        span,
                        format!("YAML aliases expand to more than {ALIAS_BUDGET} nodes"),
                    ));
                }
                let mut node = target.clone();
                node.span = span;
                self.insert(node, 0)?;
            }
        }
        Ok(())
    }

    fn insert(&mut self, node: Node, anchor: usize) -> Result<(), ParseError> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let path_for_errors = self.path();
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map { entries, pending, seen } => match pending.take() {
                None => {
                    let Value::Scalar(s) = &node.value else {
                        return Err(ParseError {
                            span: node.span,
                            path: path_for_errors,
                            message: "a mapping key must be a plain value, not a list or mapping"
                                .into(),
                            hint: None,
                        });
                    };
                    if let Some(first) = seen.get(&s.text) {
                        return Err(ParseError {
                            span: node.span,
                            path: path_for_errors.key(&s.text),
                            message: format!(
                                "duplicate key `{}` (first given at line {})",
                                s.text, first.start.line
                            ),
                            hint: None,
                        });
                    }
                    seen.insert(s.text.clone(), node.span);
                    *pending = Some((s.text.clone(), node.span));
                }
                Some((key, key_span)) => entries.push(Entry { key, key_span, value: node }),
            },
        }
        Ok(())
    }
}

fn core_tag(tag: &Tag) -> Option<CoreTag> {
    if tag.handle != "!!" && tag.handle != "tag:yaml.org,2002:" {
        return None;
    }
    Some(match tag.suffix.as_str() {
        "str" => CoreTag::Str,
        "int" => CoreTag::Int,
        "float" => CoreTag::Float,
        "bool" => CoreTag::Bool,
        "null" => CoreTag::Null,
        _ => return None,
    })
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn resolution() {
        let n = one(
            "a: 3\nb: '3'\nc: 1.10\nd: true\ne:\nf: ~\ng: 0x1f\nh: 4 cores\ni: -2\nj: !!str 5\n",
        );
        let r = |k: &str| match &n.get(k).unwrap().value {
            Value::Scalar(s) => s.resolve(),
            _ => panic!(),
        };
        assert_eq!(r("a"), Resolved::Int(3));
        assert_eq!(r("b"), Resolved::Str("3"));
        assert_eq!(r("c"), Resolved::Float(1.1));
        assert_eq!(r("d"), Resolved::Bool(true));
        assert_eq!(r("e"), Resolved::Null);
        assert_eq!(r("f"), Resolved::Null);
        assert_eq!(r("g"), Resolved::Int(31));
        assert_eq!(r("h"), Resolved::Str("4 cores"));
        assert_eq!(r("i"), Resolved::Int(-2));
        assert_eq!(r("j"), Resolved::Str("5"));
        // The text is kept as written.
        assert_eq!(n.get("c").unwrap().as_str(), Some("1.10"));
    }

    #[test]
    fn spans_and_paths() {
        let n = one("cluster:\n  nodePools:\n    - name: a\n      count: 3\n");
        let f = n.find(&Path::parse("cluster.nodePools[0].count"), false);
        assert!(f.complete);
        assert_eq!(f.span.start, Pos { line: 4, col: 13 });
        assert_eq!(f.span.end, Pos { line: 4, col: 14 });
        let f = n.find(&Path::parse("cluster.nodePools[0].zones"), false);
        assert!(!f.complete);
        let f = n.find(&Path::parse("cluster.nodePools"), false);
        assert_eq!(f.span.start, Pos { line: 2, col: 2 });
        assert_eq!(Path::parse("a.b[0].c").key("x/y").index(2).to_string(), "a.b[0].c[\"x/y\"][2]");
    }

    #[test]
    fn errors() {
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.span.start.line, 2);
        assert!(e.message.contains("duplicate key `a` (first given at line 1)"));
        let e = parse("a:\n  b: [1, 2\n").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        let deep = "[".repeat(500);
        assert!(parse(&deep).is_err());
        let deep = "- ".repeat(5000) + "x";
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        assert!(parse(bomb).unwrap_err().message.contains("aliases"));
    }

    #[test]
    fn documents() {
        let docs = parse("a: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[2].is_null());
        let docs = parse("x: &v {k: 1}\ny: *v\n").unwrap();
        assert_eq!(docs[0].get("y").unwrap().get("k").unwrap().as_str(), Some("1"));
    }
}
