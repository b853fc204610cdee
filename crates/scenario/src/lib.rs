//! Reads a kubesim scenario file (format v1, see `docs/scenario-format.md`) and the Kubernetes
//! manifests it includes into a checked [`kubesim_model::Scenario`], or one precise
//! [`ScenarioError`].
//!
//! # Pipeline
//!
//! 1. **Text** (`source.rs`): the scenario file, and later each included file, is kept with its
//!    name so any error can quote the offending line.
//! 2. **Positions** (`yaml.rs`): a read-only index of where each YAML node is, built from the
//!    events of the parser serde-saphyr runs on. Syntax errors stop here, before any typing
//!    error. The index never reads values; it places the errors found in steps 3 and 4.
//! 3. **Typed** (`read.rs`, `format.rs`, `objects.rs`): serde-saphyr reads the scenario's own
//!    structs and, for manifests, `k8s-openapi` types in two passes (`apiVersion`/`kind` first,
//!    then the concrete type, in a second read of each file). Its budget refuses absurd nesting
//!    and runaway aliases; duplicate keys are errors. `serde_path_to_error` gives every typing
//!    error its field path, and `serde_ignored` the fields of a manifest that its type does not
//!    know; unknown fields get a "did you mean".
//! 4. **Checked** (`manifest.rs`, `build.rs`): manifests are converted with the API server's
//!    defaults, and nodes, workloads, pods, PDBs, behaviours and actions are assembled into a
//!    [`kubesim_model::Cluster`], with ownership and every name resolved (or reported with the
//!    nearest existing one).
//!
//! Fields that kubesim reads but does not simulate, skipped kinds and synthesized objects are
//! reported in [`kubesim_model::Scenario::notes`].

// `ScenarioError` is a flat public struct (file, position, field, message, expected, hint and
// the quoted line); loading returns at most one, once per run, so its size does not matter.
#![allow(clippy::result_large_err)]

mod actions;
mod budget;
mod build;
mod error;
mod expect;
mod format;
mod include;
mod manifest;
mod objects;
mod read;
mod refs;
mod set;
mod source;
mod warnings;
mod yaml;

pub use error::ScenarioError;
/// Parses a Go/kubectl-style duration (`90s`, `1m30s`) as scenario files write them.
pub use format::parse_duration;
pub use include::{
    DEFAULT_MAX_INCLUDE_BYTES, DEFAULT_MAX_NODES, DEFAULT_MAX_PODS, LoadOptions, read_scenario,
};
pub use set::{Set, load_str_with, load_with, load_with_options};
pub use warnings::warnings;

use error::Problem;
use objects::{Loose, Plan, TypedDoc};
use source::Source;
use std::collections::BTreeMap;
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

/// Reads the scenario file at `path` and the files it includes, with the default
/// [`LoadOptions`].
pub fn load(path: &FsPath) -> Result<Loaded, ScenarioError> {
    load_options(path, &LoadOptions::default())
}

/// Reads the scenario file at `path` and the files it includes, within `opts`.
pub fn load_options(path: &FsPath, opts: &LoadOptions) -> Result<Loaded, ScenarioError> {
    let text = read_scenario_file(path, opts)?;
    load_texts(&text, path, &BTreeMap::new(), opts)
}

/// The scenario file's text, bounded by `opts.max_include_bytes`.
pub(crate) fn read_scenario_file(
    path: &FsPath,
    opts: &LoadOptions,
) -> Result<String, ScenarioError> {
    include::read_scenario(path, opts)
        .map_err(|e| ScenarioError::bare(path, format!("cannot read the scenario file: {e}")))
}

/// Whether `text` is a kubesim scenario rather than a file of Kubernetes manifests (which
/// `kubesim check` skips when it walks a directory): one YAML document, a mapping with a
/// `name` and without the `apiVersion` and `kind` every Kubernetes object has. A file that is
/// not even YAML is an error (it may be a broken scenario).
pub fn is_scenario(text: &str, path: &FsPath) -> Result<bool, ScenarioError> {
    let src = Source::new(path, text)?;
    let [doc] = src.docs() else { return Ok(false) };
    let Some(root) = doc.root else { return Ok(false) };
    let keys: Vec<&str> = src.index().keys(root).collect();
    Ok(keys.contains(&"name") && !keys.contains(&"apiVersion") && !keys.contains(&"kind"))
}

/// Reads a scenario from `text`; `path` names it in messages, and `include:`s are read
/// relative to its directory.
pub fn load_str(text: &str, path: &FsPath) -> Result<Loaded, ScenarioError> {
    load_texts(text, path, &BTreeMap::new(), &LoadOptions::default())
}

/// [`load_str`], reading an included file from `includes` when it holds its (resolved) path:
/// the text `--set` changed (see `set.rs`).
fn load_texts(
    text: &str,
    path: &FsPath,
    includes: &BTreeMap<PathBuf, String>,
    opts: &LoadOptions,
) -> Result<Loaded, ScenarioError> {
    let main = Source::new(path, text)?;
    let root = scenario_root(&main)?;
    let mut file: format::ScenarioFile =
        read::read(&main.text).map_err(|f| read::error(&main, root, f, 0, None))?;

    let listed = file.workloads.take();
    let entries = workload_entries(&main, root, listed.as_ref())?;
    let mut included: Vec<(Source, Vec<Loose>)> = Vec::new();
    for entry in &entries {
        if let WorkloadEntry::Include { index, file } = entry {
            included.push(read_include(&main, root, *index, file, includes, opts)?);
        }
    }
    let mut manifests = Vec::new();
    let mut notes = Vec::new();
    let mut docs = Vec::new();
    let mut plans = Vec::new();
    let mut next_include = included.iter();
    for entry in &entries {
        match entry {
            WorkloadEntry::Inline { index, node, entry } => {
                let origin = format!("{}: workloads[{index}]", main.path.display());
                let plan = objects::collect(
                    &main,
                    *node,
                    entry,
                    &origin,
                    None,
                    &mut manifests,
                    &mut notes,
                )?;
                plans.push(plan);
            }
            WorkloadEntry::Include { .. } => {
                plans.push(Plan::Skip);
                let Some((src, entries)) = next_include.next() else { continue };
                for (d, (doc, entry)) in src.docs().iter().zip(entries).enumerate() {
                    let origin = if entries.len() > 1 {
                        format!("{}: document {}", src.path.display(), d + 1)
                    } else {
                        src.path.display().to_string()
                    };
                    let Some(node) = doc.root else { continue };
                    let plan = objects::collect(
                        src,
                        node,
                        entry,
                        &origin,
                        None,
                        &mut manifests,
                        &mut notes,
                    )?;
                    if matches!(plan, Plan::Skip) {
                        continue;
                    }
                    docs.push(TypedDoc {
                        src,
                        bytes: doc.bytes.clone(),
                        line_shift: doc.first_line - 1,
                        root: node,
                        plan,
                    });
                }
            }
        }
    }
    if plans.iter().any(|p| !matches!(p, Plan::Skip)) {
        let plan = Plan::Under("workloads", plans);
        let whole = 0..main.text.len();
        docs.insert(0, TypedDoc { src: &main, bytes: whole, line_shift: 0, root, plan });
    }
    let scenario = build::build(&main, root, file, &docs, manifests, notes, opts)?;
    let mut files = vec![main.path.clone()];
    files.extend(included.iter().map(|(s, _)| s.path.clone()));
    Ok(Loaded { scenario, files })
}

/// The root of the scenario file's one document.
fn scenario_root(main: &Source) -> Result<Node, ScenarioError> {
    let expected = "a mapping with at least `name` (see docs/scenario-format.md)";
    match main.docs() {
        [] => Err(ScenarioError::bare(&main.path, "the scenario file is empty")),
        [doc] => doc.root.filter(|&r| !read::is_null(main, r)).ok_or_else(|| {
            main.error(
                yaml::Span::at(doc.start),
                &Path::root(),
                None,
                Problem::new("the scenario file is empty").expected(expected),
            )
        }),
        [_, second, ..] => Err(main.error(
            yaml::Span::at(second.start),
            &Path::root(),
            None,
            Problem::new("a scenario file holds one YAML document, this is a second one")
                .hint(Some("put manifests in their own file and `include:` it".into())),
        )),
    }
}

enum WorkloadEntry<'e> {
    Inline { index: usize, node: Node, entry: &'e Loose },
    Include { index: usize, file: String },
}

/// The entries of `workloads`: `include: <file>` or an inline manifest.
fn workload_entries<'e>(
    main: &Source,
    root: Node,
    listed: Option<&'e Loose>,
) -> Result<Vec<WorkloadEntry<'e>>, ScenarioError> {
    let Some(listed) = listed else { return Ok(Vec::new()) };
    let base = Path::root().key("workloads");
    let Loose::List(items) = listed else {
        return Err(main.at(
            root,
            &base,
            None,
            Problem::new("`workloads` must be a list")
                .expected("a list of manifests and `include: <file>` entries"),
        ));
    };
    let mut out = Vec::new();
    for (index, entry) in items.iter().enumerate() {
        let path = base.index(index);
        let Loose::Map(head) = entry else {
            return Err(main.at(
                root,
                &path,
                None,
                Problem::new("a `workloads` entry must be a mapping")
                    .expected("a Kubernetes manifest or `include: <file>`"),
            ));
        };
        let Some(include) = &head.include else {
            let node = main.index().at(root, &path).unwrap_or(root);
            out.push(WorkloadEntry::Inline { index, node, entry });
            continue;
        };
        if let Some(other) = &head.other_key {
            return Err(main.at_key(
                root,
                &path.key(other),
                None,
                Problem::new(format!("unknown field `{other}` in an include entry"))
                    .expected("only `include`")
                    .hint(Some("put each include in its own list entry, and manifests in their own entries".into())),
            ));
        }
        let Some(file) = include.text().filter(|f| !f.is_empty()).map(str::to_string) else {
            return Err(main.at(
                root,
                &path.key("include"),
                None,
                Problem::new("`include` must name a file")
                    .expected("a path relative to the scenario file"),
            ));
        };
        out.push(WorkloadEntry::Include { index, file });
    }
    Ok(out)
}

/// Reads an included file (confined and bounded, see `include.rs`) and pass 1 of each of its
/// documents.
fn read_include(
    main: &Source,
    root: Node,
    index: usize,
    file: &str,
    includes: &BTreeMap<PathBuf, String>,
    opts: &LoadOptions,
) -> Result<(Source, Vec<Loose>), ScenarioError> {
    let dir = main.path.parent().unwrap_or(FsPath::new(""));
    let resolved = dir.join(file);
    let resolved_note = if resolved == FsPath::new(file) {
        String::new()
    } else {
        format!(" (resolved to `{}`)", resolved.display())
    };
    let at = Path::root().key("workloads").index(index).key("include");
    let text = match includes.get(&resolved) {
        Some(text) => text.clone(),
        None => {
            include::read(&main.path, file, opts)
                .map_err(|r| {
                    main.at(
                        root,
                        &at,
                        None,
                        Problem::new(format!(
                            "cannot read included file `{file}`{resolved_note}: {}",
                            r.message
                        ))
                        .expected(r.expected),
                    )
                })?
                .1
        }
    };
    if !include::may_hold_manifests(&text) {
        // Said without quoting a line of it: it may be any file at all.
        return Err(main.at(
            root,
            &at,
            None,
            Problem::new(format!(
                "included file `{file}`{resolved_note} holds no Kubernetes manifest: no line has a `kind:` or `apiVersion:` key"
            ))
            .expected("a file of Kubernetes manifests (YAML), relative to the scenario file"),
        ));
    }
    // Only scanned: the index of a large dump is built only if an error must be placed. The
    // scan reads pass 1 of the plain documents along; serde-saphyr reads the others.
    let mut src = Source::scanned(&resolved, text)?;
    let heads = src.take_heads();
    let mut entries = Vec::with_capacity(src.docs().len());
    for (doc, head) in src.docs().iter().zip(heads) {
        let Some(node) = doc.root else {
            entries.push(Loose::Null);
            continue;
        };
        if let Some(head) = head {
            entries.push(head);
            continue;
        }
        let text = src.text.get(doc.bytes.clone()).unwrap_or_default();
        let shift = doc.first_line - 1;
        entries.push(read::read(text).map_err(|f| read::error(&src, node, f, shift, None))?);
    }
    Ok((src, entries))
}
