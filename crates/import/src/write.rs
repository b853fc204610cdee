//! The scenario text, and writing it to a file without clobbering anyone's.

use crate::pools::Pool;
use crate::{KEPT, Summary, str_at};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The first line of every scenario `kubesim import` writes: `--out` replaces an existing file
/// only if it opens with this (or with `--force`).
pub const MARKER: &str = "# Imported by `kubesim import`";

fn yaml<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_saphyr::to_string(v).map_err(|e| format!("error: writing the scenario: {e}"))
}

fn count_kinds(m: &std::collections::BTreeMap<String, u64>) -> String {
    let mut parts: Vec<(u64, &String)> = m.iter().map(|(k, n)| (*n, k)).collect();
    parts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    parts.iter().map(|(n, k)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
}

/// Writes `# ` + `text` wrapped at about 100 columns.
fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.len() + 1 + word.len() > 100 && line.len() > 2 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// The pool with the most nodes (the first of equals).
fn largest(pools: &[Pool]) -> Option<&Pool> {
    let mut best: Option<&Pool> = None;
    for p in pools {
        if best.is_none_or(|b| p.count > b.count) {
            best = Some(p);
        }
    }
    best
}

/// A workload reference for the commented `expect:` example: the first Deployment, else the
/// first StatefulSet.
fn example_workload(objects: &[Vec<Value>]) -> Option<String> {
    for kind in ["Deployment", "StatefulSet"] {
        let slot = KEPT.iter().position(|(k, _)| *k == kind)?;
        if let Some(o) = objects[slot].first() {
            let ns = str_at(o, &["metadata", "namespace"]).unwrap_or("default");
            let name = str_at(o, &["metadata", "name"])?;
            return Some(format!("{}/{ns}/{name}", kind.to_lowercase()));
        }
    }
    None
}

/// The scenario's text.
pub fn scenario(
    s: &Summary,
    region: Option<&str>,
    pools: &[Pool],
    objects: &[Vec<Value>],
    anonymized: bool,
) -> Result<String, String> {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push_str(" from a snapshot of a cluster.\n");
    for src in &s.source {
        comment(&mut out, &format!("Source: {src}"));
    }
    if anonymized {
        comment(
            &mut out,
            "Anonymized: namespaces, workloads, pods, nodes, images and label values renamed; annotations, environment, commands, volumes and addresses dropped.",
        );
    }
    comment(&mut out, &format!("Read {} objects; kept {}.", s.objects_read, count_kinds(&s.kept)));
    if !s.left_out.is_empty() {
        comment(&mut out, &format!("Left out (not simulated): {}.", count_kinds(&s.left_out)));
    }
    if s.pods_on_missing_nodes > 0 {
        comment(
            &mut out,
            &format!(
                "Left out: {} pods bound to nodes that are not in the snapshot.",
                s.pods_on_missing_nodes
            ),
        );
    }
    if s.duplicates > 0 {
        comment(
            &mut out,
            &format!(
                "Left out: {} objects repeated (same kind, namespace and name; the first is kept).",
                s.duplicates
            ),
        );
    }
    comment(
        &mut out,
        &format!(
            "Pods: {} ({} bound to their nodes, {} Pending without a node, {} Terminating). At t = 0 they are as in the snapshot: Running and Ready pods run, Pending ones wait for the scheduler, Terminating ones finish terminating.",
            s.pods, s.bound, s.pending, s.terminating
        ),
    );
    let pool_list: Vec<String> = pools
        .iter()
        .map(|p| {
            format!(
                "{} ({} node{}, by {})",
                p.name,
                p.count,
                if p.count == 1 { "" } else { "s" },
                p.how
            )
        })
        .collect();
    comment(
        &mut out,
        &format!(
            "Node pools, inferred: {}. Each node is kept as a Node manifest labelled `kubesim.io/node-pool`; the pools (count 0) are the templates of the nodes add-node and upgrade-pool create.",
            if pool_list.is_empty() { "none".to_string() } else { pool_list.join(", ") }
        ),
    );
    comment(&mut out, "Every node starts Ready (kubesim notes the ones that were not).");

    // The scenario's own fields, in the order scenarios write them.
    #[derive(serde::Serialize)]
    struct Top<'a> {
        name: &'a str,
        seed: u64,
        duration: &'a str,
    }
    #[derive(serde::Serialize)]
    struct PoolOut<'a> {
        name: &'a str,
        count: u64,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        zones: &'a [String],
        allocatable: &'a std::collections::BTreeMap<String, String>,
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        labels: &'a std::collections::BTreeMap<String, String>,
        #[serde(skip_serializing_if = "<[Value]>::is_empty")]
        taints: &'a [Value],
    }
    out.push_str(&yaml(&Top { name: &s.name, seed: 1, duration: "1h" })?);
    let mut cluster = String::from("cluster:\n");
    if let Some(r) = region {
        cluster.push_str(&indent(&yaml(&json!({"region": r}))?, "  "));
    }
    if pools.is_empty() {
        cluster.push_str("  nodePools: []\n");
    } else {
        cluster.push_str("  nodePools:\n");
        for p in pools {
            let out = PoolOut {
                name: &p.name,
                count: 0,
                zones: &p.zones,
                allocatable: &p.allocatable,
                labels: &p.labels,
                taints: &p.taints,
            };
            cluster.push_str(&indent(&yaml(&[out])?, "  "));
        }
    }
    out.push_str(&cluster);

    let total: usize = objects.iter().map(Vec::len).sum();
    if total == 0 {
        out.push_str("workloads: []\n");
    } else {
        out.push_str("workloads:\n");
        for objs in objects {
            for o in objs {
                out.push_str(&yaml(&[o])?);
            }
        }
    }

    // Empty timeline and expectations, with examples on this snapshot's names.
    let node_slot = KEPT.iter().position(|(k, _)| *k == "Node").unwrap_or(1);
    // Examples on the largest pool: its first node and zone.
    let big = largest(pools);
    let pool = big.map_or("POOL", |p| p.name.as_str());
    let first_node = objects[node_slot]
        .iter()
        .find(|n| str_at(n, &["metadata", "labels", crate::pools::KUBESIM_POOL]) == Some(pool))
        .and_then(|n| str_at(n, &["metadata", "name"]))
        .unwrap_or("NODE");
    let first_zone = big.and_then(|p| p.zones.first()).map_or("ZONE", String::as_str);
    out.push_str(
        "# The timeline: uncomment an example and adapt it (see docs/scenario-format.md).\n",
    );
    out.push_str("actions:\n");
    let _ = writeln!(out, "  # - at: 5m                  # kubectl drain {first_node}");
    let _ = writeln!(
        out,
        "  #   drain: {{nodes: [{first_node}], ignoreDaemonSets: true, timeout: 10m}}"
    );
    let _ = writeln!(
        out,
        "  # - at: 5m                  # every node of zone {first_zone} loses power"
    );
    let _ = writeln!(out, "  #   zone-outage: {{zone: {first_zone}}}");
    let _ = writeln!(out, "  # - at: 5m                  # a surge upgrade of the largest pool");
    let _ = writeln!(out, "  #   upgrade-pool: {{pool: {pool}, maxSurge: 1, maxUnavailable: 0}}");
    out.push_str("# What must hold (kubesim check): see the README, \"Expectations and CI\".\n");
    out.push_str("expect:\n");
    out.push_str("  # - noPdbViolation: {}\n");
    if let Some(w) = example_workload(objects) {
        let _ = writeln!(out, "  # - ready: {{workload: {w}, min: 50%, from: 0s}}");
    }
    out.push_str("  # - pending: {max: 5m}\n");
    Ok(out)
}

/// Every line of `text` prefixed with `prefix`.
fn indent(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str(prefix);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Why `--out` was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The file exists and kubesim did not write it (no `--force`): bad input.
    NotOurs(String),
    /// Writing failed.
    Io(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotOurs(m) | Self::Io(m) => f.write_str(m),
        }
    }
}

/// Whether the file at `path` opens with [`MARKER`] (reads at most its first line).
fn written_by_us(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else { return false };
    let mut head = Vec::with_capacity(MARKER.len());
    use std::io::Read;
    if f.take(MARKER.len() as u64).read_to_end(&mut head).is_err() {
        return false;
    }
    head == MARKER.as_bytes()
}

/// Writes `text` to `path`: to a hidden temporary file in the same directory, then renamed
/// into place, so a reader never sees half a scenario. An existing `path` is replaced only if
/// it is a regular file `kubesim import` wrote (it opens with [`MARKER`]), or with `force`; a
/// directory or any other file is refused and left untouched.
pub fn write_atomically(path: &Path, text: &str, force: bool) -> Result<(), WriteError> {
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(WriteError::NotOurs(format!(
                "error: --out `{shown}` is a directory (expected a scenario file to write)"
            )));
        }
        Ok(m) if !(force || m.is_file() && written_by_us(path)) => {
            return Err(WriteError::NotOurs(format!(
                "error: --out `{shown}` exists and was not written by `kubesim import`; refusing to replace it (--force replaces it)"
            )));
        }
        _ => {}
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().map_or_else(|| "scenario".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let io = |e: std::io::Error| WriteError::Io(format!("error: writing `{shown}`: {e}"));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        // Only the temporary file this call created is removed.
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_is_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.yaml");
        std::fs::write(&p, "precious\n").unwrap();
        let e = write_atomically(&p, "x", false).unwrap_err();
        assert!(matches!(e, WriteError::NotOurs(_)), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "precious\n");
        write_atomically(&p, &format!("{MARKER}\n1"), true).unwrap();
        // Now it is ours: replaced without --force.
        write_atomically(&p, &format!("{MARKER}\n2"), false).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("{MARKER}\n2"));
        let e = write_atomically(dir.path(), "x", true).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        // No temporary file is left behind.
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
