//! `kubesim import`: a snapshot of a cluster becomes a scenario that runs unchanged and starts
//! as the snapshot was (issue 16). Two snapshots: a kind cluster's `kubectl get ... -A -o yaml`
//! written in the API server's format (`crates/import/tests/data/kind-dump.yaml`: managed
//! fields, a Service, a Pending pod, a Terminating pod, a mirror pod, a DaemonSet), and a
//! generated fleet (`scripts/gen-fleet.py`) run by kubesim, whose `state.yaml` is the same
//! `List` format.

use crate::support::{kubesim, root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The items of a `List` (a file of one or several documents of them).
fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn s<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

/// What t = 0 must show of a snapshot: per node its labels and allocatable cpu and memory;
/// per pod (`namespace/name`) its node, whether it is being deleted, and its phase when it is
/// bound and Running.
#[derive(Debug, PartialEq)]
struct Picture {
    nodes: BTreeMap<String, (BTreeMap<String, String>, String, String)>,
    pods: BTreeMap<String, (Option<String>, bool, Option<String>)>,
}

fn picture(objs: &[Value], skip_label: Option<&str>) -> Picture {
    let mut nodes = BTreeMap::new();
    let mut pods = BTreeMap::new();
    for o in objs {
        match s(o, &["kind"]) {
            Some("Node") => {
                let labels: BTreeMap<String, String> = o["metadata"]["labels"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, _)| Some(k.as_str()) != skip_label)
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let q = |r: &str| match &o["status"]["allocatable"][r] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                nodes.insert(
                    s(o, &["metadata", "name"]).unwrap().to_string(),
                    (labels, q("cpu"), q("memory")),
                );
            }
            Some("Pod") => {
                let key = format!(
                    "{}/{}",
                    s(o, &["metadata", "namespace"]).unwrap_or("default"),
                    s(o, &["metadata", "name"]).unwrap()
                );
                let node = s(o, &["spec", "nodeName"]).map(str::to_string);
                let deleting = !o["metadata"]["deletionTimestamp"].is_null();
                let phase = s(o, &["status", "phase"])
                    .filter(|p| *p == "Running" && node.is_some())
                    .map(str::to_string);
                pods.insert(key, (node, deleting, phase));
            }
            _ => {}
        }
    }
    Picture { nodes, pods }
}

/// Imports `dump` in `dir`, sets the scenario's duration to 1 ms (state.yaml then shows t = 0
/// and what the controllers do at once), runs it and returns the scenario text and state.yaml.
fn import_and_run(dir: &Path, dump: &str, extra: &[&str]) -> (String, Value) {
    let mut args = vec!["import", dump, "--out", "imported.yaml"];
    args.extend_from_slice(extra);
    let out = kubesim(&args, dir);
    assert!(out.status.success(), "import: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join("imported.yaml")).unwrap();
    let short = text.replacen("\nduration: 1h\n", "\nduration: 1ms\n", 1);
    assert_ne!(short, text, "the scenario has `duration: 1h`");
    std::fs::write(dir.join("short.yaml"), &short).unwrap();
    let run = kubesim(&["run", "short.yaml", "--out", "out"], dir);
    assert!(run.status.success(), "run: {}", String::from_utf8_lossy(&run.stderr));
    (text, yaml(&dir.join("out/state.yaml")))
}

#[test]
fn kind_snapshot_starts_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("crates/import/tests/data/kind-dump.yaml");
    std::fs::copy(&src, dir.path().join("kind.yaml")).unwrap();
    let input = items(&yaml(&src));
    let (text, state) = import_and_run(dir.path(), "kind.yaml", &[]);

    // The header says what was read and what was left out; noise is gone.
    assert!(text.starts_with("# Imported by `kubesim import`"), "{text}");
    assert!(text.contains("Left out (not simulated): 2 Service."), "{text}");
    assert!(text.contains("1 Pending without a node, 1 Terminating"), "{text}");
    for noise in ["managedFields", "resourceVersion", "last-applied-configuration"] {
        assert!(!text.contains(noise), "{noise} left in the scenario");
    }
    // The control-plane node (its role label and taint) is its own pool; the two workers,
    // of one shape, another, over both their zones.
    assert!(text.contains("control-plane (1 node, by shape), pool (2 nodes, by shape)"), "{text}");
    assert!(
        text.contains("  - name: pool\n    count: 0\n    zones:\n    - local-a\n    - local-b\n")
    );
    assert!(text.contains("#   drain: {nodes: [kind-worker], ignoreDaemonSets: true"), "{text}");
    assert!(text.contains("#   upgrade-pool: {pool: pool, maxSurge: 1"), "{text}");

    // At t = 0 (1 ms): the same nodes with the same labels (plus their pool's) and
    // allocatable; the same pods on the same nodes; the Terminating pod is still terminating
    // (its 30 s grace period has not run out), the Pending one (64 CPUs: no node has them)
    // still unbound, the Running ones Running. Nothing is created: the ReplicaSet has its 3
    // pods and the DaemonSet one on each of the 3 nodes, as a real cluster would have.
    let before = picture(&input, None);
    let after = picture(&items(&state), Some("kubesim.io/node-pool"));
    assert_eq!(before, after);
    assert_eq!(before.pods.len(), 8);
    assert_eq!(
        before.pods["shop/web-5c8d7f9b4-lm4tn"],
        (Some("kind-worker".into()), true, Some("Running".into()))
    );
    assert_eq!(before.pods["shop/web-7d4b9c8f6-qq7wz"], (None, false, None));
    // Owner references are kept: the pods still belong to the ReplicaSet.
    let pod = items(&state)
        .into_iter()
        .find(|o| s(o, &["metadata", "name"]) == Some("web-7d4b9c8f6-2xk9p"))
        .unwrap();
    assert_eq!(s(&pod["metadata"]["ownerReferences"][0], &["name"]), Some("web-7d4b9c8f6"));

    // `-o json` output imports to the same scenario (but for the file it names).
    let json = serde_json::to_string_pretty(&yaml(&src)).unwrap();
    std::fs::write(dir.path().join("kind.json"), json).unwrap();
    let out = kubesim(&["import", "kind.json"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let from_json = String::from_utf8(out.stdout).unwrap();
    let strip =
        |t: &str| t.lines().filter(|l| !l.starts_with("# Source:")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&from_json), strip(&text));
}

#[test]
fn generated_fleet_round_trip() {
    // A fleet of 60 nodes in 2 pools over 3 zones with 600 pods, Running from a dump, run for
    // 3 minutes; its state.yaml (a `kubectl get -o yaml` List) is the snapshot.
    let dir = tempfile::tempdir().unwrap();
    let generated = std::process::Command::new("python3")
        .arg(root().join("scripts/gen-fleet.py"))
        .args(["--timeline", "load", "--source", "dump", "--nodes", "60", "--pods-per-node", "10"])
        .args(["--zones", "3", "--pools", "2", "--name", "fleet", "--out"])
        .arg(dir.path().join("gen"))
        .output()
        .expect("python3");
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let run = kubesim(&["run", "gen/fleet.yaml", "--out", "snap"], dir.path());
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let snapshot = items(&yaml(&dir.path().join("snap/state.yaml")));

    let (text, state) = import_and_run(dir.path(), "snap/state.yaml", &["--name", "fleet-2"]);
    // The pools come back by their label, with their nodes.
    assert!(text.contains("nodes, by label kubesim.io/node-pool="), "{text}");
    let before = picture(&snapshot, None);
    let after = picture(&items(&state), None);
    assert_eq!(before.nodes.len(), 60);
    assert_eq!(before.pods.len(), 600);
    assert_eq!(before, after);
}

#[test]
fn anonymized_snapshot_runs_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("crates/import/tests/data/kind-dump.yaml");
    std::fs::copy(&src, dir.path().join("kind.yaml")).unwrap();
    let (text, state) = import_and_run(dir.path(), "kind.yaml", &["--anonymize", "--seed", "9"]);
    for secret in ["shop", "web", "kind-worker", "nginx", "172.18", "10.244", "kube-api-access"] {
        assert!(!text.contains(secret), "{secret} left in:\n{text}");
    }
    // The same shape: 3 nodes, 8 pods, the same number bound to each node, the Terminating
    // and the Pending pod, the kept namespace kube-system.
    let before = picture(&items(&yaml(&src)), None);
    let after = picture(&items(&state), None);
    let per_node = |p: &Picture| {
        let mut counts: Vec<usize> = p
            .nodes
            .keys()
            .map(|n| p.pods.values().filter(|v| v.0.as_deref() == Some(n)).count())
            .collect();
        counts.sort();
        counts
    };
    assert_eq!(after.nodes.len(), 3);
    assert_eq!(per_node(&before), per_node(&after));
    let flags = |p: &Picture| {
        let mut f: Vec<(bool, bool, bool)> =
            p.pods.values().map(|v| (v.0.is_some(), v.1, v.2.is_some())).collect();
        f.sort();
        f
    };
    assert_eq!(flags(&before), flags(&after));
    assert_eq!(after.pods.keys().filter(|k| k.starts_with("kube-system/")).count(), 4);
    // The same seed gives the same bytes.
    let again = kubesim(&["import", "kind.yaml", "--anonymize", "--seed", "9"], dir.path());
    assert_eq!(String::from_utf8(again.stdout).unwrap(), text);
}

#[test]
fn out_is_safe() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("crates/import/tests/data/kind-dump.yaml");
    std::fs::copy(&src, dir.path().join("kind.yaml")).unwrap();
    // Someone's file is not replaced without --force, and is left as it was.
    std::fs::write(dir.path().join("notes.yaml"), "mine\n").unwrap();
    let out = kubesim(&["import", "kind.yaml", "--out", "notes.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not written by `kubesim import`"));
    assert_eq!(std::fs::read_to_string(dir.path().join("notes.yaml")).unwrap(), "mine\n");
    let out = kubesim(&["import", "kind.yaml", "--out", "notes.yaml", "--force"], dir.path());
    assert!(out.status.success());
    // A scenario it wrote is replaced.
    let out = kubesim(&["import", "kind.yaml", "--out", "notes.yaml", "-o", "json"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["nodes"], 3);
    assert_eq!(doc["left_out"]["Service"], 2);
    // Bounded reads, regular files only, clear errors.
    let out = kubesim(&["import", "kind.yaml", "--max-include-size", "1Ki"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than the limit of 1024"));
    let out = kubesim(&["import", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("it is a directory"));
    std::fs::write(dir.path().join("bad.yaml"), "items: [\n").unwrap();
    let out = kubesim(&["import", "bad.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.yaml"));
    // Nothing but what was asked for is in the directory (no temporary files).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.yaml", "kind.yaml", "notes.yaml"]);
}
