//! Labels and the two selector languages of Kubernetes: label selectors (`matchLabels` +
//! `matchExpressions` with `In`, `NotIn`, `Exists`, `DoesNotExist`) and node selector terms
//! (which add `Gt` and `Lt`).
//!
//! Source: `k8s.io/apimachinery/pkg/labels/selector.go` and
//! `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`.

use std::collections::BTreeMap;
use std::fmt;

/// Labels of an object, ordered by key so that every listing is deterministic.
pub type Labels = BTreeMap<String, String>;

/// A set-based operator of a selector requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// The key's value is one of the values.
    In,
    /// The key is absent or its value is none of the values.
    NotIn,
    /// The key is present.
    Exists,
    /// The key is absent.
    DoesNotExist,
    /// Node selectors only: the value, as an integer, is greater than the single value.
    Gt,
    /// Node selectors only: the value, as an integer, is less than the single value.
    Lt,
}

impl Operator {
    /// Parses the operator as the API spells it.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "In" => Self::In,
            "NotIn" => Self::NotIn,
            "Exists" => Self::Exists,
            "DoesNotExist" => Self::DoesNotExist,
            "Gt" => Self::Gt,
            "Lt" => Self::Lt,
            _ => return None,
        })
    }

    /// The operator as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::In => "In",
            Self::NotIn => "NotIn",
            Self::Exists => "Exists",
            Self::DoesNotExist => "DoesNotExist",
            Self::Gt => "Gt",
            Self::Lt => "Lt",
        }
    }
}

/// One requirement: `key operator values`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// How the key's value is tested.
    pub operator: Operator,
    /// The values the operator compares against.
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matches_value(labels.get(&self.key).map(String::as_str))
    }

    /// Whether a key with this value (None: the key is absent) satisfies the requirement.
    pub fn matches_value(&self, v: Option<&str>) -> bool {
        match self.operator {
            Operator::In => v.is_some_and(|v| self.values.iter().any(|x| x == v)),
            Operator::NotIn => v.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            Operator::Exists => v.is_some(),
            Operator::DoesNotExist => v.is_none(),
            Operator::Gt | Operator::Lt => {
                let (Some(v), Some(bound)) = (v, self.values.first()) else {
                    return false;
                };
                let (Ok(v), Ok(bound)) = (v.parse::<i64>(), bound.parse::<i64>()) else {
                    return false;
                };
                if self.operator == Operator::Gt { v > bound } else { v < bound }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operator {
            Operator::Exists => write!(f, "{}", self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
            Operator::In if self.values.len() == 1 => write!(f, "{}={}", self.key, self.values[0]),
            Operator::NotIn if self.values.len() == 1 => {
                write!(f, "{}!={}", self.key, self.values[0])
            }
            Operator::In | Operator::NotIn => {
                let op = if self.operator == Operator::In { "in" } else { "notin" };
                write!(f, "{} {} ({})", self.key, op, self.values.join(","))
            }
            Operator::Gt => write!(f, "{}>{}", self.key, self.values.join(",")),
            Operator::Lt => write!(f, "{}<{}", self.key, self.values.join(",")),
        }
    }
}

/// A label selector (`metav1.LabelSelector`): every `matchLabels` pair and every expression must hold.
///
/// Upstream distinguishes a *nil* selector (matches nothing) from an *empty* one (matches
/// everything); callers keep `Option<LabelSelector>` where that matters (PDBs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    /// Exact key/value pairs.
    pub match_labels: Labels,
    /// Set-based requirements (only `In`, `NotIn`, `Exists`, `DoesNotExist` are valid here).
    pub match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// A selector of exact pairs.
    pub fn from_labels<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            match_labels: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            match_expressions: Vec::new(),
        }
    }

    /// Whether the selector has no requirement at all (and so matches every object).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in &self.match_labels {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{k}={v}")?;
        }
        for r in &self.match_expressions {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
        Requirement {
            key: key.into(),
            operator: op,
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn operators() {
        let l = labels(&[("app", "web"), ("tier", "3")]);
        assert!(req("app", Operator::In, &["web", "api"]).matches(&l));
        assert!(!req("app", Operator::In, &["api"]).matches(&l));
        assert!(req("app", Operator::NotIn, &["api"]).matches(&l));
        // NotIn is satisfied by an absent key.
        assert!(req("zone", Operator::NotIn, &["a"]).matches(&l));
        assert!(req("app", Operator::Exists, &[]).matches(&l));
        assert!(req("zone", Operator::DoesNotExist, &[]).matches(&l));
        assert!(req("tier", Operator::Gt, &["2"]).matches(&l));
        assert!(!req("tier", Operator::Lt, &["2"]).matches(&l));
        // Gt on a non-integer value never matches.
        assert!(!req("app", Operator::Gt, &["1"]).matches(&l));
    }

    #[test]
    fn selector_and_display() {
        let mut s = LabelSelector::from_labels([("app", "web")]);
        s.match_expressions.push(req("tier", Operator::In, &["1", "3"]));
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "3")])));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert_eq!(s.to_string(), "app=web,tier in (1,3)");
        assert!(LabelSelector::default().matches(&labels(&[])));
    }
}
