//! `--set PATH=VALUE`: one field of a scenario changed before it is read, as `kubesim sweep`
//! does for each variant of a study.
//!
//! The change is made in the *text*, before step 2 of the pipeline: the node `PATH` leads to is
//! found with the position index (`yaml.rs`) and its bytes are replaced by `VALUE`, written as
//! YAML, so the value keeps its YAML type (`2` is an integer, `30s` a string, `"2"` a string,
//! `{min: 1m, max: 2m}` a mapping) and is then read, checked and reported on exactly like a
//! value written in the file. Comments, anchors and every other line are left as they are.
//!
//! # Path syntax
//! - `a.b.c`: mapping keys; `a[2]`: the third item of a list; `a["x.y"]`: a key holding dots.
//! - `list[NAME]`: the item of a list whose `name` is `NAME`, or whose `metadata.name` is
//!   `NAME` (a manifest); `workloads[deployment/web]` also checks the kind. Under
//!   `workloads`, this also finds the manifests of included files, and the change is made in
//!   that file's text (`workloads[web].spec.replicas`).
//! - An action's fields can be named without the action's kind: `actions[0].maxSurge` is
//!   `actions[0].upgrade-pool.maxSurge` when `actions[0]` is an `upgrade-pool`.
//! - A key that is not written yet is added (with the keys before it):
//!   `params.nodeMonitorGracePeriod=50s` adds `nodeMonitorGracePeriod: 50s` to `params`, or
//!   `params: {nodeMonitorGracePeriod: 50s}` to the file if it has no `params`. List items
//!   are never added.
//! - A path through an alias (`*name`) is refused: the change would apply to every use of the
//!   anchor.

use crate::error::ScenarioError;
use crate::source::Source;
use crate::yaml::{Index, Node, Path as FieldPath, Written};
use crate::{LoadOptions, Loaded, load_texts, read_scenario_file};
use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};

/// One `--set PATH=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    /// The field, e.g. `actions[0].maxSurge` (syntax: see the module docs).
    pub path: String,
    /// The value, as YAML (`3`, `50s`, `"2"`, `{min: 1m, max: 2m}`).
    pub value: String,
}

impl std::fmt::Display for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--set {}={}", self.path, self.value)
    }
}

/// One step of a `--set` path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Name(String),
}

/// Parses `a.b[2].c[web]["x.y"]`.
fn parse_path(p: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = p;
    let mut after_dot = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let Some(close) = r.find(']') else {
                return Err(format!("unclosed `[` in `{p}`"));
            };
            let inner = &r[..close];
            let step = if let Some(q) = inner.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
                Step::Key(q.to_string())
            } else if let Ok(i) = inner.parse::<usize>() {
                Step::Index(i)
            } else if inner.is_empty() {
                return Err(format!("empty `[]` in `{p}`"));
            } else {
                Step::Name(inner.to_string())
            };
            steps.push(step);
            rest = &r[close + 1..];
            after_dot = false;
        } else if let Some(r) = rest.strip_prefix('.') {
            if after_dot {
                return Err(format!("empty field name in `{p}`"));
            }
            rest = r;
            after_dot = true;
        } else {
            if !after_dot {
                return Err(format!("expected `.` or `[` after `]` in `{p}`"));
            }
            let end = rest.find(['.', '[', ']']).unwrap_or(rest.len());
            if rest[end..].starts_with(']') {
                return Err(format!("unmatched `]` in `{p}`"));
            }
            steps.push(Step::Key(rest[..end].to_string()));
            rest = &rest[end..];
            after_dot = false;
        }
    }
    if steps.is_empty() || after_dot {
        return Err(format!("`{p}` is not a field path (e.g. `actions[0].maxSurge`)"));
    }
    Ok(steps)
}

/// Where a `--set` was applied: the file (`None`: the scenario file) and the field path from
/// the root of that file's document.
struct Target {
    file: Option<PathBuf>,
    field: String,
}

/// Reads the scenario file at `path` with each of `sets` applied, in order (a later set of the
/// same field wins). Errors in a path name the `--set`; errors the changed value causes when
/// the scenario is read name it too.
pub fn load_with(path: &FsPath, sets: &[Set]) -> Result<Loaded, ScenarioError> {
    load_with_options(path, sets, &LoadOptions::default())
}

/// [`load_with`] within `opts` (confinement of includes, size limits, budgets).
pub fn load_with_options(
    path: &FsPath,
    sets: &[Set],
    opts: &LoadOptions,
) -> Result<Loaded, ScenarioError> {
    let text = read_scenario_file(path, opts)?;
    load_str_with_options(&text, path, sets, opts)
}

/// Like [`load_with`], for a scenario whose text is `text` (`path` names it and locates its
/// includes).
pub fn load_str_with(text: &str, path: &FsPath, sets: &[Set]) -> Result<Loaded, ScenarioError> {
    load_str_with_options(text, path, sets, &LoadOptions::default())
}

fn load_str_with_options(
    text: &str,
    path: &FsPath,
    sets: &[Set],
    opts: &LoadOptions,
) -> Result<Loaded, ScenarioError> {
    let mut main = text.to_string();
    let mut includes: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut targets = Vec::with_capacity(sets.len());
    for set in sets {
        targets.push(apply(path, &mut main, &mut includes, set, opts)?);
    }
    load_texts(&main, path, &includes, opts).map_err(|mut e| {
        let culprit = sets.iter().zip(&targets).find(|(_, t)| {
            let same_file = match &t.file {
                None => e.file == path,
                Some(f) => &e.file == f,
            };
            same_file && (e.field.starts_with(&t.field) || t.field.starts_with(&e.field))
        });
        match culprit {
            Some((set, _)) => e.message = format!("{set}: {}", e.message),
            None if !sets.is_empty() => {
                let all: Vec<String> = sets.iter().map(Set::to_string).collect();
                let note = format!("the scenario was read with {}", all.join(" "));
                e.hint = Some(match e.hint.take() {
                    Some(h) => format!("{h}; {note}"),
                    None => note,
                });
            }
            None => {}
        }
        e
    })
}

/// The byte offset of a position (1-based line, 0-based character column) in `text`.
fn offset(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    text[start..].char_indices().nth(col).map_or(text.len(), |(i, _)| start + i)
}

/// The scalar text at `n`, if it is one.
fn scalar<'t>(index: &Index, n: Node, text: &'t str) -> Option<&'t str> {
    match index.written(n, text) {
        Written::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

/// Whether list item `item` is the one `name` picks (see the module docs).
fn named(index: &Index, item: Node, text: &str, name: &str) -> bool {
    let (kind, name) = match name.split_once('/') {
        Some((k, n)) => (Some(k), n),
        None => (None, name),
    };
    let field = |p: &str| index.at(item, &FieldPath::parse(p)).and_then(|n| scalar(index, n, text));
    let kind_ok = kind.is_none_or(|k| field("kind").is_some_and(|w| w.eq_ignore_ascii_case(k)));
    kind_ok
        && (field("metadata.name") == Some(name) || (kind.is_none() && field("name") == Some(name)))
}

/// The names list items can be picked by, for a "no item named" message.
fn names(index: &Index, items: &[Node], text: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|&i| {
            let f =
                |p: &str| index.at(i, &FieldPath::parse(p)).and_then(|n| scalar(index, n, text));
            match (f("kind"), f("metadata.name"), f("name")) {
                (Some(k), Some(n), _) => Some(format!("{}/{n}", k.to_ascii_lowercase())),
                (_, Some(n), _) | (_, None, Some(n)) => Some(n.to_string()),
                _ => None,
            }
        })
        .collect()
}

/// Applies `set` to the text of the scenario file or of one of its includes.
fn apply(
    main_path: &FsPath,
    main_text: &mut String,
    includes: &mut BTreeMap<PathBuf, String>,
    set: &Set,
    opts: &LoadOptions,
) -> Result<Target, ScenarioError> {
    let err = |msg: String| ScenarioError::bare(main_path, format!("{set}: {msg}"));
    if set.value.trim().is_empty() {
        return Err(err("the value is empty".into()));
    }
    if set.value.contains('\n') {
        return Err(err("the value must be one line of YAML".into()));
    }
    let steps = parse_path(&set.path).map_err(err)?;

    let mut file: Option<PathBuf> = None;
    let mut text = main_text.clone();
    let src = Source::new(main_path, text.clone())?;
    let mut index = src.into_index();
    let Some(mut node) = index.docs.first().and_then(|d| d.root) else {
        return Err(err("the scenario file is empty".into()));
    };
    let mut walked = FieldPath::root();
    let mut i = 0;
    let edit: (std::ops::Range<usize>, String) = loop {
        let view = index.edit_view(node, &text);
        if view.alias {
            return Err(err(format!(
                "`{walked}` is an alias (`*…`): changing it would change every use of its anchor; set the anchored field instead"
            )));
        }
        let Some(step) = steps.get(i) else {
            if view.empty {
                return Err(err(format!(
                    "`{walked}` is written with no value; give it one in the file first"
                )));
            }
            let Some(bytes) = view.bytes else {
                return Err(err(format!("cannot locate `{walked}` in the file")));
            };
            break (bytes, set.value.clone());
        };
        let here =
            if walked.0.is_empty() { "the scenario".to_string() } else { format!("`{walked}`") };
        match step {
            Step::Key(k) => {
                let Some(entries) = view.entries else {
                    return Err(err(format!("{here} is not a mapping, so it has no field `{k}`")));
                };
                if let Some(&(_, _, v)) = entries.iter().find(|e| e.0 == *k) {
                    node = v;
                    walked = walked.key(k);
                    i += 1;
                    continue;
                }
                // `actions[i].maxSurge`: the field of the action's kind.
                let in_action = file.is_none()
                    && i == 2
                    && steps[0] == Step::Key("actions".into())
                    && matches!(steps[1], Step::Index(_) | Step::Name(_));
                if in_action && k != "at" {
                    let bodies: Vec<_> = entries.iter().filter(|e| e.0 != "at").collect();
                    if let [(kind, _, body)] = bodies.as_slice()
                        && index.edit_view(*body, &text).entries.is_some()
                    {
                        node = *body;
                        walked = walked.key(kind);
                        continue;
                    }
                }
                // Not written: add it (and the keys after it) to this mapping.
                let mut keys = Vec::new();
                for s in &steps[i..] {
                    match s {
                        Step::Key(k) => keys.push(k.as_str()),
                        _ => {
                            return Err(err(format!(
                                "{here} has no field `{k}`, and a list item cannot be added"
                            )));
                        }
                    }
                }
                let value = keys[1..]
                    .iter()
                    .rev()
                    .fold(set.value.clone(), |acc, k| format!("{{{k}: {acc}}}"));
                let entry = format!("{}: {value}", keys[0]);
                for k in &keys {
                    walked = walked.key(k);
                }
                let Some(bytes) = view.bytes else {
                    return Err(err(format!("cannot locate {here} in the file")));
                };
                if view.flow {
                    // `{a: 1}` -> `{k: v, a: 1}`.
                    let at = bytes.start + text[bytes.clone()].find('{').unwrap_or(0) + 1;
                    let sep = if entries.is_empty() { "" } else { ", " };
                    break (at..at, format!("{entry}{sep}"));
                }
                let Some((_, first, _)) = entries.first() else {
                    return Err(err(format!("cannot add `{}` to {here}", keys[0])));
                };
                // A new first line of the block mapping, indented like its first key.
                let at = offset(&text, first.start.line, first.start.col);
                break (at..at, format!("{entry}\n{}", " ".repeat(first.start.col)));
            }
            Step::Index(n) => {
                let Some(items) = view.items else {
                    return Err(err(format!("{here} is not a list, so it has no item [{n}]")));
                };
                let Some(&item) = items.get(*n) else {
                    return Err(err(format!(
                        "{here} has {} item(s), so [{n}] is out of range (items count from 0)",
                        items.len()
                    )));
                };
                node = item;
                walked = walked.index(*n);
                i += 1;
            }
            Step::Name(name) => {
                let Some(items) = view.items else {
                    return Err(err(format!("{here} is not a list, so it has no item [{name}]")));
                };
                if let Some(n) = items.iter().position(|&it| named(&index, it, &text, name)) {
                    node = items[n];
                    walked = walked.index(n);
                    i += 1;
                    continue;
                }
                let mut known = names(&index, &items, &text);
                // `workloads[web]`: the manifests of included files.
                if file.is_none() && i == 1 && steps[0] == Step::Key("workloads".into()) {
                    let mut found = None;
                    for &it in &items {
                        let Some(inc) = index
                            .at(it, &FieldPath::parse("include"))
                            .and_then(|n| scalar(&index, n, &text))
                        else {
                            continue;
                        };
                        let dir = main_path.parent().unwrap_or(FsPath::new(""));
                        let resolved = dir.join(inc);
                        let inc_text = match includes.get(&resolved) {
                            Some(t) => t.clone(),
                            None => {
                                crate::include::read(main_path, inc, opts)
                                    .map_err(|r| {
                                        err(format!(
                                            "cannot read included file `{}`: {}",
                                            resolved.display(),
                                            r.message
                                        ))
                                    })?
                                    .1
                            }
                        };
                        if !crate::include::may_hold_manifests(&inc_text) {
                            return Err(err(format!(
                                "included file `{}` holds no Kubernetes manifest",
                                resolved.display()
                            )));
                        }
                        let inc_src = Source::new(&resolved, inc_text.clone())?;
                        let roots: Vec<Node> =
                            inc_src.docs().iter().filter_map(|d| d.root).collect();
                        if let Some(&r) =
                            roots.iter().find(|&&r| named(inc_src.index(), r, &inc_text, name))
                        {
                            found = Some((resolved, inc_text, inc_src.into_index(), r));
                            break;
                        }
                        known.extend(names(inc_src.index(), &roots, &inc_text));
                    }
                    if let Some((f, t, ix, r)) = found {
                        file = Some(f);
                        text = t;
                        index = ix;
                        node = r;
                        walked = FieldPath::root();
                        i += 1;
                        continue;
                    }
                }
                let list = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                return Err(err(format!("{here} has no item named `{name}` (names: {list})")));
            }
        }
    };
    let (range, replacement) = edit;
    text.replace_range(range, &replacement);
    match &file {
        None => *main_text = text,
        Some(f) => {
            includes.insert(f.clone(), text);
        }
    }
    Ok(Target { file, field: walked.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let k = |s: &str| Step::Key(s.into());
        assert_eq!(
            parse_path("actions[2].maxSurge").unwrap(),
            vec![k("actions"), Step::Index(2), k("maxSurge")]
        );
        assert_eq!(
            parse_path("workloads[deployment/web].spec.replicas").unwrap(),
            vec![k("workloads"), Step::Name("deployment/web".into()), k("spec"), k("replicas")]
        );
        assert_eq!(parse_path(r#"a["x.y"]"#).unwrap(), vec![k("a"), k("x.y")]);
        for bad in ["", "a.", ".a", "a..b", "a[1", "a[]", "a[0]b", "a]"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn offsets_count_characters() {
        let t = "ab\nç: 1\n";
        assert_eq!(offset(t, 2, 0), 3);
        assert_eq!(offset(t, 2, 1), 5);
    }
}
