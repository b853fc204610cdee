//! Step 3 of the pipeline: a serde `Deserializer` over the YAML tree, so that every typing error
//! (for the scenario's own structs and for `k8s-openapi` types alike) knows its span and field
//! path.
//!
//! Errors are raised without a place by serde and the visitors; the deserializer of the node
//! being read when the error comes back stamps it with that node's span and path (the innermost
//! one wins). Unknown fields are rejected for every struct (`kubectl`'s strict field
//! validation), except under `status` and `metadata.managedFields`, which a dump from a newer
//! Kubernetes may fill with fields this version does not know.

use crate::error::{did_you_mean, one_of};
use crate::yaml::{Entry, Node, Path, Resolved, Span, Style, Value};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Expected, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use std::fmt;

/// The "expected" text for Kubernetes quantities.
pub(crate) const QUANTITY_EXPECTED: &str =
    "a Kubernetes quantity such as `500m`, `2`, `1.5Gi` or `1e3`";

/// A typing error, with the place of the node it is about once known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeError {
    pub span: Option<Span>,
    pub path: Option<Path>,
    pub message: String,
    pub expected: Option<String>,
    pub hint: Option<String>,
}

impl DeError {
    fn msg(message: String) -> Self {
        Self { span: None, path: None, message, expected: None, hint: None }
    }

    fn with_expected(mut self, e: String) -> Self {
        self.expected = Some(e);
        self
    }

    /// Gives the error a place unless an inner node already did.
    fn locate(mut self, span: Span, path: &Path) -> Self {
        if self.span.is_none() {
            self.span = Some(span);
            self.path = Some(path.clone());
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::msg(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Self::msg(format!("wrong type: found {}", describe(unexp)))
            .with_expected(expected_text(exp))
    }

    /// `Unexpected::Other("quantity `4 cores`")` reads "invalid quantity `4 cores`": the
    /// scenario's own types use that to name what they parse.
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        let message = match unexp {
            Unexpected::Other(what) => format!("invalid {what}"),
            u => format!("invalid value: {}", describe(u)),
        };
        Self::msg(message).with_expected(expected_text(exp))
    }

    fn invalid_length(len: usize, exp: &dyn Expected) -> Self {
        Self::msg(format!("wrong number of items: {len}")).with_expected(expected_text(exp))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let mut e = Self::msg(format!("unknown value `{variant}`")).with_expected(one_of(expected));
        e.hint = did_you_mean(variant, expected.iter().copied());
        e
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let mut e = Self::msg(format!("unknown field `{field}`"));
        if !expected.is_empty() {
            e.expected = Some(one_of(expected));
        }
        e.hint = did_you_mean(field, expected.iter().copied());
        e
    }

    fn missing_field(field: &'static str) -> Self {
        Self::msg(format!("missing field `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::msg(format!("duplicate field `{field}`"))
    }
}

fn describe(u: Unexpected<'_>) -> String {
    match u {
        Unexpected::Bool(b) => format!("boolean `{b}`"),
        Unexpected::Unsigned(n) => format!("integer `{n}`"),
        Unexpected::Signed(n) => format!("integer `{n}`"),
        Unexpected::Float(f) => format!("number `{f}`"),
        Unexpected::Char(c) => format!("character `{c}`"),
        Unexpected::Str(s) => format!("string `{s}`"),
        Unexpected::Unit => "an empty value".to_string(),
        Unexpected::Seq => "a list".to_string(),
        Unexpected::Map => "a mapping".to_string(),
        other => other.to_string(),
    }
}

/// Serde's and k8s-openapi's "expecting" texts, in words a scenario author knows.
fn expected_text(exp: &dyn Expected) -> String {
    let s = exp.to_string();
    let friendly = match s.as_str() {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" => "`true` or `false`",
        "a borrowed string" | "a string" => "a string",
        "a sequence" => "a list",
        "a map" => "a mapping",
        "Quantity" => QUANTITY_EXPECTED,
        "IntOrString" => "an integer or a percentage such as `25%`",
        _ if s.starts_with("struct ") => "a mapping",
        _ if s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && s.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            return format!("a mapping ({s})");
        }
        _ => return s,
    };
    friendly.to_string()
}

/// Deserializes `T` from `node`; errors carry paths starting at `path`.
pub(crate) fn from_node<'de, T: de::Deserialize<'de>>(
    node: &'de Node,
    path: Path,
) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, path, key_span: None, strict: true })
}

/// A deserializer for one node of the tree.
pub(crate) struct NodeDe<'de> {
    node: &'de Node,
    path: Path,
    /// The key this node is the value of: a better place to point at for collections.
    key_span: Option<Span>,
    /// Whether structs reject fields they do not know.
    strict: bool,
}

impl<'de> NodeDe<'de> {
    fn here(&self) -> Span {
        match (&self.node.value, self.key_span) {
            (Value::Map(_) | Value::Seq(_), Some(k)) => k,
            (Value::Scalar(s), Some(k)) if s.text.is_empty() && s.style == Style::Plain => k,
            _ => self.node.span,
        }
    }

    fn unexpected(&self) -> Unexpected<'de> {
        match &self.node.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => Unexpected::Unit,
                Resolved::Bool(b) => Unexpected::Bool(b),
                Resolved::Int(i) => Unexpected::Signed(i),
                Resolved::UInt(u) => Unexpected::Unsigned(u),
                Resolved::Float(f) => Unexpected::Float(f),
                Resolved::Str(t) => Unexpected::Str(t),
            },
            Value::Seq(_) => Unexpected::Seq,
            Value::Map(_) => Unexpected::Map,
        }
    }

    fn finish<T>(&self, r: Result<T, DeError>) -> Result<T, DeError> {
        r.map_err(|e| e.locate(self.here(), &self.path))
    }

    fn wrong_type<T>(&self, exp: &dyn Expected) -> Result<T, DeError> {
        self.finish(Err(de::Error::invalid_type(self.unexpected(), exp)))
    }

    fn text(&self) -> Option<&'de str> {
        match &self.node.value {
            Value::Scalar(s) if !s.is_null() => Some(&s.text),
            _ => None,
        }
    }

    fn number<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Int(i) => v.visit_i64(i),
                Resolved::UInt(u) => v.visit_u64(u),
                Resolved::Float(f) => v.visit_f64(f),
                _ => return self.wrong_type(&v),
            },
            _ => return self.wrong_type(&v),
        };
        self.finish(r)
    }

    fn map<V: Visitor<'de>>(
        self,
        fields: Option<&'static [&'static str]>,
        v: V,
    ) -> Result<V::Value, DeError> {
        let Value::Map(entries) = &self.node.value else {
            return self.wrong_type(&v);
        };
        let access = MapDe {
            entries: entries.iter(),
            parent: &self.path,
            strict: self.strict,
            fields: fields.filter(|_| self.strict),
            value: None,
        };
        let r = v.visit_map(access);
        self.finish(r)
    }

    fn seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let Value::Seq(items) = &self.node.value else {
            return self.wrong_type(&v);
        };
        let access =
            SeqDe { items: items.iter().enumerate(), parent: &self.path, strict: self.strict };
        let r = v.visit_seq(access);
        self.finish(r)
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
            self.number(v)
        })*
    };
}

impl<'de> Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => v.visit_unit(),
                Resolved::Bool(b) => v.visit_bool(b),
                Resolved::Int(i) => v.visit_i64(i),
                Resolved::UInt(u) => v.visit_u64(u),
                Resolved::Float(f) => v.visit_f64(f),
                Resolved::Str(t) => v.visit_borrowed_str(t),
            },
            Value::Seq(_) => return self.seq(v),
            Value::Map(_) => return self.map(None, v),
        };
        self.finish(r)
    }

    numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64);

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s) => match s.resolve() {
                Resolved::Bool(b) => {
                    let r = v.visit_bool(b);
                    self.finish(r)
                }
                _ => self.wrong_type(&v),
            },
            _ => self.wrong_type(&v),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    /// Any non-null scalar reads as a string, as written (`cpu: 1.10` is `"1.10"`).
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.text() {
            Some(t) => {
                let r = v.visit_borrowed_str(t);
                self.finish(r)
            }
            None => self.wrong_type(&v),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            let r = v.visit_none();
            self.finish(r)
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            let r = v.visit_unit();
            self.finish(r)
        } else {
            self.wrong_type(&v)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(v)
    }

    /// k8s-openapi's `Quantity` gets the scalar's text, so `cpu: 1.10` stays exact.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        if name == "Quantity"
            && let Some(t) = self.text()
        {
            let r = v.visit_borrowed_str(t);
            return self.finish(r);
        }
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.seq(v)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        self.seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.map(None, v)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.map(Some(fields), v)
    }

    /// `value` for a unit variant, `{variant: content}` for the others.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(_) if self.text().is_some() => {
                let key = KeyDe {
                    key: self.text().unwrap_or_default(),
                    span: self.here(),
                    path: self.path.clone(),
                };
                let r = v.visit_enum(key);
                self.finish(r)
            }
            Value::Map(entries) if entries.len() == 1 => {
                let access =
                    MapEnum { entry: &entries[0], parent: &self.path, strict: self.strict };
                let r = v.visit_enum(access);
                self.finish(r)
            }
            _ => self.wrong_type(&v),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }
}

struct MapDe<'de, 'p> {
    entries: std::slice::Iter<'de, Entry>,
    parent: &'p Path,
    strict: bool,
    fields: Option<&'static [&'static str]>,
    value: Option<&'de Entry>,
}

impl<'de> MapAccess<'de> for MapDe<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(e) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(e);
        let path = self.parent.key(&e.key);
        if let Some(fields) = self.fields
            && !fields.contains(&e.key.as_str())
        {
            let err: DeError = de::Error::unknown_field(&e.key, fields);
            return Err(err.locate(e.key_span, &path));
        }
        seed.deserialize(KeyDe { key: &e.key, span: e.key_span, path }).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some(e) = self.value.take() else {
            return Err(de::Error::custom("a value was read before its key"));
        };
        let strict = self.strict && e.key != "status" && e.key != "managedFields";
        seed.deserialize(NodeDe {
            node: &e.value,
            path: self.parent.key(&e.key),
            key_span: Some(e.key_span),
            strict,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct SeqDe<'de, 'p> {
    items: std::iter::Enumerate<std::slice::Iter<'de, Node>>,
    parent: &'p Path,
    strict: bool,
}

impl<'de> SeqAccess<'de> for SeqDe<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((i, node)) = self.items.next() else {
            return Ok(None);
        };
        seed.deserialize(NodeDe {
            node,
            path: self.parent.index(i),
            key_span: None,
            strict: self.strict,
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// A mapping key (or a scalar naming an enum variant): always a string.
struct KeyDe<'de> {
    key: &'de str,
    span: Span,
    path: Path,
}

impl<'de> Deserializer<'de> for KeyDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.key).map_err(|e: DeError| e.locate(self.span, &self.path))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        let (span, path) = (self.span, self.path.clone());
        v.visit_enum(self).map_err(|e| e.locate(span, &path))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de> EnumAccess<'de> for KeyDe<'de> {
    type Error = DeError;
    type Variant = UnitOnly;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, UnitOnly), DeError> {
        seed.deserialize(self).map(|v| (v, UnitOnly))
    }
}

/// The variant access of a variant written as a plain value: only unit variants fit.
struct UnitOnly;

impl<'de> VariantAccess<'de> for UnitOnly {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, DeError> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"a mapping with one key"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _v: V) -> Result<V::Value, DeError> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"a mapping with one key"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, DeError> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"a mapping with one key"))
    }
}

/// `{variant: content}`.
struct MapEnum<'de, 'p> {
    entry: &'de Entry,
    parent: &'p Path,
    strict: bool,
}

impl<'de, 'p> EnumAccess<'de> for MapEnum<'de, 'p> {
    type Error = DeError;
    type Variant = NodeDe<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'de>), DeError> {
        let e = self.entry;
        let path = self.parent.key(&e.key);
        let v = seed.deserialize(KeyDe { key: &e.key, span: e.key_span, path: path.clone() })?;
        Ok((v, NodeDe { node: &e.value, path, key_span: Some(e.key_span), strict: self.strict }))
    }
}

impl<'de> VariantAccess<'de> for NodeDe<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        self.seq(v)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.map(Some(fields), v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Pos, parse};
    use serde::Deserialize;
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

    fn pools(text: &str) -> Result<Vec<Pool>, DeError> {
        let docs = parse(text).unwrap();
        from_node(&docs[0], Path::root().key("nodePools"))
    }

    #[test]
    fn reads_structs() {
        let p = pools("- name: a\n  count: 3\n  labels: {tier: 1}\n  pick: newest\n").unwrap();
        assert_eq!(p[0].count, 3);
        assert_eq!(p[0].labels.as_ref().unwrap()["tier"], "1");
        assert_eq!(p[0].pick, Some(Pick::Newest));
    }

    #[test]
    fn errors_have_places() {
        let e = pools("- name: a\n  count: three\n").unwrap_err();
        assert_eq!(e.message, "wrong type: found string `three`");
        assert_eq!(e.expected.as_deref(), Some("a non-negative integer"));
        assert_eq!(e.path.unwrap().to_string(), "nodePools[0].count");
        assert_eq!(e.span.unwrap().start, Pos { line: 2, col: 9 });

        let e = pools("- name: a\n  count: 1\n  lables: {}\n").unwrap_err();
        assert_eq!(e.message, "unknown field `lables`");
        assert_eq!(e.hint.as_deref(), Some("did you mean `labels`?"));
        assert_eq!(e.span.unwrap().start, Pos { line: 3, col: 2 });

        let e = pools("- name: a\n  count: 1\n  pick: oldset\n").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean `oldest`?"));
        assert_eq!(e.path.unwrap().to_string(), "nodePools[0].pick");

        let e = pools("- name: a\n").unwrap_err();
        assert_eq!(e.message, "missing field `count`");
        assert_eq!(e.path.unwrap().to_string(), "nodePools[0]");

        let e = pools("- name: a\n  count: -1\n").unwrap_err();
        assert!(e.message.contains("integer `-1`"), "{}", e.message);
    }
}
