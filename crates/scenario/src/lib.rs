//! Reads a kubesim scenario file (format v1, see `docs/scenario-format.md`) and the Kubernetes
//! manifests it includes into a checked [`kubesim_model::Scenario`], or one precise
//! [`ScenarioError`].
//!
//! # Pipeline
//!
//! 1. **Text** (`source.rs`): the scenario file, and later each included file, is kept with its
//!    name so any error can quote the offending line.
//! 2. **YAML** (`yaml.rs`): the text becomes a tree of nodes that carry their line and column.
//!    Malformed YAML, duplicate keys, runaway aliases and absurd nesting stop here. The tree is
//!    plain data, so a future `--set path=value` can edit it before step 3.
//! 3. **Typed** (`de.rs`, `format.rs`, `manifest.rs`): a serde `Deserializer` over the tree
//!    reads the scenario's own structs and, for manifests, `k8s-openapi` types in two passes
//!    (`apiVersion`/`kind` first, then the concrete type). Every typing error knows its place and
//!    field path; unknown fields get a "did you mean".
//! 4. **Checked** (`build.rs`): nodes, workloads, pods, PDBs, behaviours and actions are
//!    assembled into a [`kubesim_model::Cluster`], with API-server defaults, ownership, and every
//!    name resolved (or reported with the nearest existing one).
//!
//! Fields that kubesim reads but does not simulate, skipped kinds and synthesized objects are
//! reported in [`kubesim_model::Scenario::notes`].

// `ScenarioError` is a flat public struct (file, position, field, message, expected, hint and
// the quoted line); loading returns at most one, once per run, so its size does not matter.
#![allow(clippy::result_large_err)]

mod actions;
mod build;
mod de;
mod error;
mod format;
mod manifest;
mod refs;
mod source;
mod yaml;

pub use error::ScenarioError;
/// Parses a Go/kubectl-style duration (`90s`, `1m30s`) as scenario files write them.
pub use format::parse_duration;

use error::Problem;
use source::Source;
use std::path::{Path as FsPath, PathBuf};
use yaml::{Node, Path};

/// A loaded scenario.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The checked scenario, ready to run.
    pub scenario: kubesim_model::Scenario,
    /// Every file that was read: the scenario file, then the included files in order.
    pub files: Vec<PathBuf>,
}

/// Reads the scenario file at `path` and the files it includes.
pub fn load(path: &FsPath) -> Result<Loaded, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::bare(path, format!("cannot read the scenario file: {e}")))?;
    load_str(&text, path)
}

/// Reads a scenario from `text`; `path` names it in messages, and `include:`s are read
/// relative to its directory.
pub fn load_str(text: &str, path: &FsPath) -> Result<Loaded, ScenarioError> {
    let main = Source::new(path, text);
    let docs = main.parse()?;
    let root = scenario_root(&main, &docs)?;
    let file: format::ScenarioFile =
        de::from_node(root, Path::root()).map_err(|e| main.de_error(e, None))?;

    let entries = workload_entries(&main, root)?;
    let mut included: Vec<(Source, Vec<Node>)> = Vec::new();
    for entry in &entries {
        if let WorkloadEntry::Include { index, file } = entry {
            included.push(read_include(&main, root, *index, file)?);
        }
    }
    let mut manifests = Vec::new();
    let mut notes = Vec::new();
    let mut next_include = included.iter();
    for entry in &entries {
        match entry {
            WorkloadEntry::Inline { index, node } => {
                let origin = format!("{}: workloads[{index}]", main.path.display());
                manifest::collect(&main, node, &origin, None, &mut manifests, &mut notes)?;
            }
            WorkloadEntry::Include { .. } => {
                let Some((src, docs)) = next_include.next() else { continue };
                for (d, doc) in docs.iter().enumerate() {
                    let origin = if docs.len() > 1 {
                        format!("{}: document {}", src.path.display(), d + 1)
                    } else {
                        src.path.display().to_string()
                    };
                    manifest::collect(src, doc, &origin, None, &mut manifests, &mut notes)?;
                }
            }
        }
    }
    let scenario = build::build(&main, root, file, manifests, notes)?;
    let mut files = vec![main.path.clone()];
    files.extend(included.iter().map(|(s, _)| s.path.clone()));
    Ok(Loaded { scenario, files })
}

fn scenario_root<'a>(main: &Source, docs: &'a [Node]) -> Result<&'a Node, ScenarioError> {
    let expected = "a mapping with at least `name` (see docs/scenario-format.md)";
    match docs {
        [] => Err(ScenarioError::bare(&main.path, "the scenario file is empty")),
        [root] if root.is_null() => Err(main.error(
            root.span,
            &Path::root(),
            None,
            Problem::new("the scenario file is empty").expected(expected),
        )),
        [root] => Ok(root),
        [_, second, ..] => Err(main.error(
            second.span,
            &Path::root(),
            None,
            Problem::new("a scenario file holds one YAML document, this is a second one")
                .hint(Some("put manifests in their own file and `include:` it".into())),
        )),
    }
}

enum WorkloadEntry<'a> {
    Inline { index: usize, node: &'a Node },
    Include { index: usize, file: String },
}

/// The entries of `workloads`: `include: <file>` or an inline manifest.
fn workload_entries<'a>(
    main: &Source,
    root: &'a Node,
) -> Result<Vec<WorkloadEntry<'a>>, ScenarioError> {
    let Some(list) = root.get("workloads") else { return Ok(Vec::new()) };
    if list.is_null() {
        return Ok(Vec::new());
    }
    let base = Path::root().key("workloads");
    let Some(items) = list.items() else {
        return Err(main.at(
            root,
            &base,
            None,
            Problem::new("`workloads` must be a list")
                .expected("a list of manifests and `include: <file>` entries"),
        ));
    };
    let mut out = Vec::new();
    for (index, node) in items.iter().enumerate() {
        let path = base.index(index);
        let Some(entries) = node.entries() else {
            return Err(main.at(
                root,
                &path,
                None,
                Problem::new("a `workloads` entry must be a mapping")
                    .expected("a Kubernetes manifest or `include: <file>`"),
            ));
        };
        if node.get("include").is_none() {
            out.push(WorkloadEntry::Inline { index, node });
            continue;
        }
        if let Some(other) = entries.iter().find(|e| e.key != "include") {
            return Err(main.at_key(
                root,
                &path.key(&other.key),
                None,
                Problem::new(format!("unknown field `{}` in an include entry", other.key))
                    .expected("only `include`")
                    .hint(Some("put each include in its own list entry, and manifests in their own entries".into())),
            ));
        }
        let Some(file) = node.get("include").and_then(Node::as_str).filter(|f| !f.is_empty())
        else {
            return Err(main.at(
                root,
                &path.key("include"),
                None,
                Problem::new("`include` must name a file")
                    .expected("a path relative to the scenario file"),
            ));
        };
        out.push(WorkloadEntry::Include { index, file: file.to_string() });
    }
    Ok(out)
}

fn read_include(
    main: &Source,
    root: &Node,
    index: usize,
    file: &str,
) -> Result<(Source, Vec<Node>), ScenarioError> {
    let dir = main.path.parent().unwrap_or(FsPath::new(""));
    let resolved = dir.join(file);
    let text = std::fs::read_to_string(&resolved).map_err(|e| {
        let resolved_note = if resolved == FsPath::new(file) {
            String::new()
        } else {
            format!(" (resolved to `{}`)", resolved.display())
        };
        main.at(
            root,
            &Path::root().key("workloads").index(index).key("include"),
            None,
            Problem::new(format!("cannot read included file `{file}`{resolved_note}: {e}"))
                .expected("a file of Kubernetes manifests, relative to the scenario file"),
        )
    })?;
    let src = Source::new(&resolved, text);
    let docs = src.parse()?;
    Ok((src, docs))
}
