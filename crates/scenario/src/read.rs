//! Step 3 of the pipeline: YAML text → typed values, read by serde-saphyr.
//!
//! `serde_path_to_error` tracks the field path of every typing error; serde-saphyr's budget
//! bounds nesting and alias expansion, and duplicate keys are errors. An error is then worded
//! for a scenario author and placed with the position index (`yaml.rs`): a bad value is pointed
//! at, a bad collection at its key, as for every later error; serde-saphyr's own location is
//! used where the index cannot follow the path.

use crate::error::{Problem, ScenarioError, did_you_mean, one_of};
use crate::source::Source;
use crate::yaml::{Node, Path, Pos, Seg, Span, Written};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error as YamlError, MessageFormatter, Options};
use std::fmt;

/// The "expected" text for Kubernetes quantities.
pub(crate) const QUANTITY_EXPECTED: &str =
    "a Kubernetes quantity such as `500m`, `2`, `1.5Gi` or `1e3`";

/// How serde-saphyr reads every file: its default budget (nesting, nodes, aliases), duplicate
/// keys refused, no source snippets (errors are shown by [`ScenarioError`]).
pub(crate) fn options() -> Options {
    let mut o = Options::default();
    o.with_snippet = false;
    o.emit_comments = false;
    // Only `true` and `false` are booleans (not YAML 1.1's `yes`, `no`, `on`, `off`).
    o.strict_booleans = true;
    o
}

/// The least of each size budget (serde-saphyr's defaults), which [`options_for`] raises in
/// proportion to the input.
const MIN_NODES: usize = 250_000;
const MIN_EVENTS: usize = 1_000_000;
const MIN_SCALAR_BYTES: usize = 64 * 1024 * 1024;
const MIN_DOCUMENTS: usize = 1024;

/// [`options`] with the size budget measured against the input (`len` bytes): at least
/// serde-saphyr's defaults, and up to one node and four parser events per input byte (a real
/// `kubectl get -o yaml` dump has one node per 15-20 bytes, so a dump of any size fits), as
/// many scalar bytes as the input has and one document per 64 bytes. What the guard is for,
/// alias expansion (a "billion laughs" bomb), stays bounded: expanded aliases count against
/// the same node and event budgets, so a file can expand to at most about one node per byte
/// of itself, and serde-saphyr's own caps on aliases, anchors, replayed anchor events (1M)
/// and their bytes (64 MiB) still apply whatever the size.
pub(crate) fn options_for(len: usize) -> Options {
    let mut o = options();
    if let Some(b) = o.budget.as_mut() {
        b.max_nodes = MIN_NODES.max(len);
        b.max_events = MIN_EVENTS.max(len.saturating_mul(4));
        b.max_total_scalar_bytes = MIN_SCALAR_BYTES.max(len);
        b.max_documents = MIN_DOCUMENTS.max(len / 64);
    }
    o
}

/// Deepest nesting serde-saphyr's default budget accepts.
pub(crate) fn max_depth() -> usize {
    options().budget.map_or(0, |b| b.max_depth)
}

/// A failed read, before it is given a place: serde-saphyr's error and the field path.
#[derive(Debug)]
pub(crate) struct Failure {
    pub error: YamlError,
    pub path: Path,
    /// Whether serde was reading a key after `path` (whose name only the error knows).
    pub in_key: bool,
}

/// The path `serde_path_to_error` tracked, as far as it is known.
pub(crate) fn tracked(p: &serde_path_to_error::Path) -> (Path, bool) {
    let mut path = Path::root();
    for seg in p {
        match seg {
            serde_path_to_error::Segment::Seq { index } => path.0.push(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => path.0.push(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => {
                path.0.push(Seg::Key(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => return (path, true),
        }
    }
    (path, false)
}

/// Reads the one document `text` as `T`.
pub(crate) fn read<T: DeserializeOwned>(text: &str) -> Result<T, Failure> {
    let mut at = (Path::root(), false);
    serde_saphyr::with_deserializer_from_str_with_options(text, options_for(text.len()), |d| {
        let mut track = serde_path_to_error::Track::new();
        T::deserialize(serde_path_to_error::Deserializer::new(d, &mut track)).inspect_err(|_| {
            at = tracked(&track.path());
        })
    })
    .map_err(|error| Failure { error, path: at.0, in_key: at.1 })
}

/// Runs `seed` over the one document `text` (the seed tracks paths itself).
pub(crate) fn read_seed<S, V>(text: &str, seed: S) -> Result<V, YamlError>
where
    S: for<'de> DeserializeSeed<'de, Value = V>,
{
    serde_saphyr::with_deserializer_from_str_with_options(text, options_for(text.len()), |d| {
        seed.deserialize(d)
    })
}

/// Turns a failed read of the node `root` of `src` into a [`ScenarioError`]. `line_shift` is
/// the number of lines before the text that was read (a document read alone).
pub(crate) fn error(
    src: &Source,
    root: Node,
    f: Failure,
    line_shift: usize,
    object: Option<&str>,
) -> ScenarioError {
    let Failure { error, mut path, in_key } = f;
    let loc = error.location().filter(|l| l.line() > 0).map(|l| {
        let start = Pos {
            line: l.line() as usize + line_shift,
            col: (l.column() as usize).saturating_sub(1),
        };
        Span { start, end: Pos { col: start.col + l.span().len() as usize, ..start } }
    });
    let mut root = root;
    let mut at_key = false;
    // Where to point when the path cannot say (the second of two equal keys).
    let mut exact = None;
    let mut via_alias = false;
    let mut e = error.without_snippet();
    while let YamlError::AliasError { error, .. } = e {
        via_alias = true;
        e = error.without_snippet();
    }
    let written =
        |path: &Path| src.index().at(root, path).map(|n| src.index().written(n, &src.text));
    let problem = match e {
        YamlError::SerdeUnknownField { field, expected, .. } => {
            if in_key || path.0.last() != Some(&Seg::Key(field.clone())) {
                path = path.key(field);
            }
            at_key = true;
            let mut p = Problem::new(format!("unknown field `{field}`"))
                .hint(did_you_mean(field, expected.iter().copied()));
            if !expected.is_empty() {
                p = p.expected(one_of(expected));
            }
            p
        }
        YamlError::SerdeUnknownVariant { variant, expected, .. } => {
            // A variant written as a key (`{unifrom: ...}`) is pointed at.
            let is_key = || {
                let keys =
                    src.index().at(root, &path).map(|n| src.index().keys(n).any(|k| k == variant));
                keys.unwrap_or(false)
            };
            if in_key || is_key() {
                path = path.key(variant);
                at_key = true;
            }
            Problem::new(format!("unknown value `{variant}`"))
                .expected(one_of(expected))
                .hint(did_you_mean(variant, expected.iter().copied()))
        }
        YamlError::SerdeMissingField { field, .. } => {
            Problem::new(format!("missing field `{field}`"))
        }
        YamlError::SerdeInvalidType { unexpected, expected, .. } => Problem::new(format!(
            "wrong type: found {}",
            describe(unexpected).unwrap_or(unexpected.clone())
        ))
        .expected(expected_text(expected)),
        YamlError::SerdeInvalidValue { unexpected, expected, .. } => {
            // `Unexpected::Other("quantity `4 cores`")` reads "invalid quantity `4 cores`": the
            // scenario's own types use it to name what they parse.
            let message = match describe(unexpected) {
                Some(d) => format!("invalid value: {d}"),
                None => format!("invalid {unexpected}"),
            };
            Problem::new(message).expected(expected_text(expected))
        }
        YamlError::SerdeInvalidLength { len, expected, .. } => {
            Problem::new(format!("wrong number of items: {len}")).expected(expected_text(expected))
        }
        YamlError::InvalidScalar { ty, .. } => {
            let integer = ty.starts_with(['u', 'i']);
            let message = match written(&path) {
                Some(Written::Scalar { text, plain: true })
                    if integer && resolved(text) == Some("integer") =>
                {
                    format!("invalid value: integer `{text}`")
                }
                Some(w) => format!("wrong type: found {}", found(w)),
                None => format!("invalid {}", expected_text(ty)),
            };
            Problem::new(message).expected(expected_text(ty))
        }
        YamlError::Unexpected { expected: "string scalar", .. } if in_key => {
            exact = loc;
            Problem::new("a mapping key must be a plain value, not a list or mapping")
        }
        YamlError::Unexpected { expected, .. } => {
            let what = written(&path).map_or("something else".to_string(), found);
            Problem::new(format!("wrong type: found {what}")).expected(expected_text(expected))
        }
        YamlError::InvalidBooleanStrict { .. } => {
            let what = written(&path).map_or("something else".to_string(), found);
            Problem::new(format!("wrong type: found {what}")).expected(expected_text("bool"))
        }
        YamlError::NullIntoString { .. } => {
            Problem::new("wrong type: found an empty value").expected("a string")
        }
        YamlError::DuplicateMappingKey { key, .. } => {
            let key = key.as_deref().unwrap_or("?");
            match loc.and_then(|l| src.index().key_at(l.start)) {
                Some((p, first)) => {
                    // The path the index gives starts at the document root.
                    root = src.docs().iter().find_map(|d| d.root).unwrap_or(root);
                    path = p;
                    exact = loc;
                    Problem::new(format!("duplicate key `{key}` (first given at line {first})"))
                }
                None => Problem::new(format!("duplicate key `{key}`")),
            }
        }
        YamlError::Budget { breach, .. } => Problem::new(budget(breach, via_alias)),
        YamlError::AliasReplayLimitExceeded { max_total_replayed_events, .. } => Problem::new(
            format!("YAML aliases expand to more than {max_total_replayed_events} events"),
        ),
        YamlError::Message { msg, .. } => Problem::new(msg.clone()),
        other => Problem::new(serde_saphyr::DefaultMessageFormatter.format_message(other)),
    };
    let found = src.index().find(root, &path, at_key);
    let span = match (exact, loc) {
        (Some(e), _) => e,
        (None, Some(l)) if !found.complete => l,
        _ => found.span,
    };
    src.error(span, &path, object, problem)
}

fn budget(breach: &BudgetBreach, via_alias: bool) -> String {
    let b = options().budget.unwrap_or_default();
    let what = match breach {
        BudgetBreach::Depth { .. } => {
            return format!("YAML nested more than {} levels deep", max_depth());
        }
        BudgetBreach::Nodes { nodes } => {
            format!("{nodes} nodes, more than its size allows (one per byte, at least {MIN_NODES})")
        }
        BudgetBreach::Events { events } => format!(
            "{events} parser events, more than its size allows (four per byte, at least {MIN_EVENTS})"
        ),
        BudgetBreach::Aliases { .. } => format!("more than {} aliases", b.max_aliases),
        BudgetBreach::Anchors { .. } => format!("more than {} anchors", b.max_anchors),
        BudgetBreach::AliasAnchorRatio { aliases, anchors } => {
            format!("{aliases} aliases of only {anchors} anchors")
        }
        other => format!("{other:?}"),
    };
    if via_alias {
        format!("YAML aliases expand to {what}")
    } else {
        format!("the YAML is too large: {what}")
    }
}

/// Serde's description of an unexpected value (`string "x"`, `sequence`), in the words of
/// kubesim's messages; `None` for a description serde did not write (`Unexpected::Other`).
fn describe(u: &str) -> Option<String> {
    let plain = match u {
        "unit value" => "an empty value",
        "sequence" => "a list",
        "map" => "a mapping",
        "Option value" | "newtype struct" | "enum" | "byte array" => u,
        _ => {
            if let Some(s) = u.strip_prefix("string \"").and_then(|s| s.strip_suffix('"')) {
                return Some(format!("string `{}`", s.replace("\\\"", "\"").replace("\\\\", "\\")));
            }
            if let Some(n) = u.strip_prefix("floating point ") {
                return Some(format!("number {n}"));
            }
            if ["boolean `", "integer `", "character `"].iter().any(|p| u.starts_with(p)) {
                return Some(u.to_string());
            }
            return None;
        }
    };
    Some(plain.to_string())
}

/// ``string `x` `` for what is written at a node.
fn found(w: Written<'_>) -> String {
    match w {
        Written::List => "a list".into(),
        Written::Mapping => "a mapping".into(),
        Written::Empty => "an empty value".into(),
        Written::Scalar { text, plain: false } => format!("string `{text}`"),
        Written::Scalar { text, plain: true } => match resolved(text) {
            Some("an empty value") => "an empty value".into(),
            Some(kind) => format!("{kind} `{text}`"),
            None => format!("`{text}`"),
        },
    }
}

/// Whether the node `n` of `src` is empty or null (`~`, `null`), as serde-saphyr reads it.
pub(crate) fn is_null(src: &Source, n: Node) -> bool {
    match src.index().written(n, &src.text) {
        Written::Empty => true,
        Written::Scalar { text, plain: true } => resolved(text) == Some("an empty value"),
        _ => false,
    }
}

/// What serde-saphyr reads a plain scalar as: `string`, `integer`, `number`, `boolean`.
fn resolved(text: &str) -> Option<&'static str> {
    struct Kind;
    impl Visitor<'_> for Kind {
        type Value = &'static str;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a scalar")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok("boolean")
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok("integer")
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok("integer")
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok("number")
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok("string")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok("an empty value")
        }
    }
    struct Seed;
    impl<'de> DeserializeSeed<'de> for Seed {
        type Value = &'static str;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<&'static str, D::Error> {
            d.deserialize_any(Kind)
        }
    }
    read_seed(text, Seed).ok()
}

/// Serde's, serde-saphyr's and k8s-openapi's "expecting" texts, in words a scenario author
/// knows.
pub(crate) fn expected_text(s: &str) -> String {
    let friendly = match s {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" | "floating point" => "a number",
        "a boolean" | "bool" | "boolean" => "`true` or `false`",
        "a borrowed string" | "a string" | "string scalar" | "char" => "a string",
        "a sequence" | "sequence start" => "a list",
        "a map" | "mapping start" => "a mapping",
        "scalar" => "a single value",
        "Quantity" => QUANTITY_EXPECTED,
        "IntOrString" => "an integer or a percentage such as `25%`",
        _ if s.starts_with("struct ") => "a mapping",
        _ if s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && s.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            return format!("a mapping ({s})");
        }
        _ => return s.to_string(),
    };
    friendly.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::IgnoredAny;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Pool {
        name: String,
        count: u32,
        labels: Option<BTreeMap<String, String>>,
        pick: Option<Pick>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Pick {
        Oldest,
        Newest,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Pools {
        #[allow(dead_code)]
        node_pools: Vec<Pool>,
    }

    fn pools(text: &str) -> Result<Pools, ScenarioError> {
        let src = Source::new(std::path::Path::new("t.yaml"), text)?;
        let root = src.docs()[0].root.unwrap();
        read(text).map_err(|f| error(&src, root, f, 0, None))
    }

    #[test]
    fn reads_structs() {
        let p = pools("nodePools:\n- name: a\n  count: 3\n  labels: {tier: 1}\n  pick: newest\n")
            .unwrap();
        assert_eq!(p.node_pools[0].count, 3);
        assert_eq!(p.node_pools[0].labels.as_ref().unwrap()["tier"], "1");
        assert_eq!(p.node_pools[0].pick, Some(Pick::Newest));
    }

    #[test]
    fn errors_have_places() {
        let e = pools("nodePools:\n- name: a\n  count: three\n").unwrap_err();
        assert_eq!(e.message, "wrong type: found string `three`");
        assert_eq!(e.expected.as_deref(), Some("a non-negative integer"));
        assert_eq!((e.field.as_str(), e.line, e.column), ("nodePools[0].count", 3, 10));

        let e = pools("nodePools:\n- name: a\n  count: 1\n  lables: {}\n").unwrap_err();
        assert_eq!(e.message, "unknown field `lables`");
        assert_eq!(e.hint.as_deref(), Some("did you mean `labels`?"));
        assert_eq!((e.line, e.column), (4, 3));

        let e = pools("nodePools:\n- name: a\n  count: 1\n  pick: oldset\n").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean `oldest`?"));
        assert_eq!(e.field, "nodePools[0].pick");

        let e = pools("nodePools:\n- name: a\n").unwrap_err();
        assert_eq!(e.message, "missing field `count`");
        assert_eq!(e.field, "nodePools[0]");

        let e = pools("nodePools:\n- name: a\n  count: -1\n").unwrap_err();
        assert_eq!(e.message, "invalid value: integer `-1`");

        let e = pools("nodePools: {a: 1}\n").unwrap_err();
        assert_eq!(e.message, "wrong type: found a mapping");
        assert_eq!(e.expected.as_deref(), Some("a list"));

        let e = pools("nodePools:\n- name: [a]\n  count: 1\n").unwrap_err();
        assert_eq!(e.message, "wrong type: found a list");
        assert_eq!(e.expected.as_deref(), Some("a string"));
    }

    #[test]
    fn yaml_safety() {
        let e = pools("nodePools:\n- name: a\n  count: 1\n  name: b\n").unwrap_err();
        assert_eq!(e.message, "duplicate key `name` (first given at line 2)");
        assert_eq!((e.field.as_str(), e.line, e.column), ("nodePools[0].name", 4, 3));

        let deep = format!("nodePools:\n{}x\n", "- ".repeat(5000));
        let e = pools(&deep).unwrap_err();
        assert_eq!(e.message, "YAML nested more than 64 levels deep");

        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        let src = Source::new(std::path::Path::new("t.yaml"), bomb).unwrap();
        let root = src.docs()[0].root.unwrap();
        let e = read::<IgnoredAny>(bomb).map_err(|f| error(&src, root, f, 0, None)).unwrap_err();
        assert!(e.message.starts_with("YAML aliases expand to"), "{e}");
    }
}
