//! Issue 12: the findings of a hostile tester, each reproduced and now refused or handled.
//! Files kubesim did not write are never deleted, included files stay inside the scenario's
//! tree, resources are bounded before anything runs, real dumps of any size load, shards of
//! different builds or scenarios do not merge, and names round-trip.

use crate::support::*;
use std::fs;
use std::path::Path;

/// A small valid scenario: one pool of two nodes, a Deployment of two replicas.
const SMALL: &str = "name: small
duration: 2m
cluster:
  nodePools:
    - name: pool
      count: 2
      allocatable: {cpu: '4', memory: 8Gi}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: prod}
    spec:
      replicas: 2
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers:
            - name: c
              image: nginx
              resources: {requests: {cpu: 100m, memory: 64Mi}}
";

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

/// Finding 1: run from inside a folder with `--out ../thatfolder`, kubesim deleted the
/// scenario file itself. Now the folder (not empty, not marked as kubesim's) is refused with
/// exit 2 naming it and `--force`, and nothing in it changes.
#[test]
fn out_at_the_scenarios_own_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("thatfolder");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("s.yaml"), SMALL).unwrap();
    let o = kubesim(&["run", "s.yaml", "--out", "../thatfolder"], &folder);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("../thatfolder") && err.contains("--force"), "{err}");
    assert_eq!(names(&folder), ["s.yaml"]);
    assert_eq!(fs::read_to_string(folder.join("s.yaml")).unwrap(), SMALL);
    assert_eq!(names(tmp.path()), ["thatfolder"], "no temporary directory is left");
}

/// Finding 1: pointed at a source tree, `run`, `sweep` and `merge` deleted `Cargo.toml` and
/// `src/`. Now all three refuse; `--force` still replaces it.
#[test]
fn out_at_a_source_tree_is_refused_by_run_sweep_and_merge() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("s.yaml"), SMALL).unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("src")).unwrap();
    fs::write(tree.join("Cargo.toml"), "[package]\n").unwrap();
    fs::write(tree.join("src/lib.rs"), "\n").unwrap();
    let o = kubesim(&["run", "s.yaml", "--out", "tree"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = kubesim(&["sweep", "s.yaml", "--seeds", "1", "--out", "tree"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let o = kubesim(
        &["sweep", "s.yaml", "--seeds", "2", "--shard", "1/1", "--out", "shard"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubesim(&["merge", "shard", "--out", "tree"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(names(&tree), ["Cargo.toml", "src"]);
    assert_eq!(fs::read_to_string(tree.join("Cargo.toml")).unwrap(), "[package]\n");

    let o = kubesim(&["run", "s.yaml", "--out", "tree", "--force"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!tree.join("Cargo.toml").exists());
    assert!(tree.join(".kubesim-results").is_file());
}

/// A results directory kubesim wrote (it carries the marker) and an empty one are replaced
/// without `--force`, as before.
#[test]
fn own_results_and_empty_directories_are_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("s.yaml"), SMALL).unwrap();
    fs::create_dir(tmp.path().join("empty")).unwrap();
    for out in ["fresh", "fresh", "empty"] {
        let o = kubesim(&["run", "s.yaml", "--out", out], tmp.path());
        assert!(o.status.success(), "{out}: {}", stderr(&o));
    }
    let mut expected = vec![".kubesim-results".to_string()];
    expected.extend(kubesim_report::FILES.iter().map(|f| f.to_string()));
    assert_eq!(names(&tmp.path().join("fresh")), expected);
    assert_eq!(names(&tmp.path().join("empty")), expected);
    for out in ["sweep", "sweep"] {
        let o = kubesim(&["sweep", "s.yaml", "--seeds", "1", "--out", out], tmp.path());
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(names(tmp.path()), ["empty", "fresh", "s.yaml", "sweep"]);
}

/// A scenario that includes `file` (and nothing else inline).
fn including(file: &str) -> String {
    format!(
        "name: inc\nduration: 1m\ncluster:\n  nodePools:\n    - {{name: p, count: 1, allocatable: {{cpu: '4', memory: 8Gi}}}}\nworkloads:\n  - include: {file}\n"
    )
}

/// Finding 2: `include:` read any path and an error quoted what it read (the process
/// environment, a line of /etc/passwd). Now an include outside the scenario's directory tree
/// is refused by every command that reads scenarios, naming the path, not its content.
#[test]
fn includes_outside_the_scenario_tree_are_refused_without_quoting() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret.txt");
    fs::write(&secret, "TOKEN=hunter2-secret-value\n").unwrap();
    let dir = tmp.path().join("scenarios");
    fs::create_dir(&dir).unwrap();
    for (name, include) in [
        ("dotdot.yaml", "../secret.txt".to_string()),
        ("absolute.yaml", secret.display().to_string()),
        ("proc.yaml", "/proc/self/environ".to_string()),
    ] {
        fs::write(dir.join(name), including(&include)).unwrap();
        for cmd in [
            vec!["validate", name],
            vec!["run", name],
            vec!["explain", name, "--pod", "x"],
            vec!["check", name],
            vec!["sweep", name, "--seeds", "1"],
        ] {
            let o = kubesim(&cmd, &dir);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
            assert!(
                err.contains("not in or below the scenario file's directory"),
                "{cmd:?}: {err}"
            );
            assert!(!err.contains("hunter2") && !err.contains("PATH="), "{cmd:?} leaked: {err}");
        }
    }
    // A symlink inside the tree that points outside is judged by its target.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, dir.join("link.yaml")).unwrap();
        fs::write(dir.join("via-link.yaml"), including("link.yaml")).unwrap();
        let o = kubesim(&["validate", "via-link.yaml"], &dir);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(!stderr(&o).contains("hunter2"), "{}", stderr(&o));
    }
    // --allow-include-outside lifts the confinement; the file holds no manifest, which is
    // said without quoting it.
    let o = kubesim(&["validate", "dotdot.yaml", "--allow-include-outside"], &dir);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("holds no Kubernetes manifest"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

/// Finding 2 and 3: only regular files are read, up to a size limit; a file that is not
/// UTF-8 is named, not quoted.
#[test]
fn includes_must_be_small_regular_utf8_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("dev.yaml"), including("/dev/zero")).unwrap();
    let o = kubesim(&["validate", "dev.yaml", "--allow-include-outside"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));

    fs::write(d.join("big.txt"), format!("kind: List\n{}", "#".repeat(4096))).unwrap();
    fs::write(d.join("big.yaml"), including("big.txt")).unwrap();
    let o = kubesim(&["validate", "big.yaml", "--max-include-size", "1Ki"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("more than the limit of 1024"), "{}", stderr(&o));

    fs::write(d.join("binary.bin"), b"kind: Pod\n\xff\xfe secret-bytes").unwrap();
    fs::write(d.join("binary.yaml"), including("binary.bin")).unwrap();
    let o = kubesim(&["validate", "binary.yaml"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("secret-bytes"), "{}", stderr(&o));
}

/// Finding 3: `replicas: 1000000000` passed validate, then run grew without bound; 50 pools
/// of 100,000 nodes passed the per-pool cap. Both are refused at validate time, pointing at
/// the cause, with the flag that raises the limit.
#[test]
fn budgets_are_refused_at_validate_time_with_the_place() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("huge.yaml"), SMALL.replace("replicas: 2", "replicas: 1000000000"))
        .unwrap();
    let o = kubesim(&["validate", "huge.yaml"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("huge.yaml:13:"), "points at spec.replicas: {err}");
    assert!(err.contains("--max-pods"), "{err}");
    // Raised explicitly, it validates.
    let o = kubesim(&["validate", "huge.yaml", "--max-pods", "2000000000"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));

    let mut pools = String::from("name: pools\ncluster:\n  nodePools:\n");
    for i in 0..50 {
        pools.push_str(&format!(
            "    - {{name: p{i}, count: 100000, allocatable: {{cpu: '4', memory: 8Gi}}}}\n"
        ));
    }
    fs::write(tmp.path().join("pools.yaml"), pools).unwrap();
    let o = kubesim(&["validate", "pools.yaml"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("pools.yaml:5:"), "the second pool passes the total: {err}");
    assert!(err.contains("--max-nodes"), "{err}");

    // A scale action and add-node are counted too.
    let scaled = format!(
        "{SMALL}actions:\n  - at: 1m\n    scale: {{workload: deployment/prod/api, replicas: 4000000}}\n  - at: 1m\n    add-node: {{pool: pool, count: 200000}}\n"
    );
    fs::write(tmp.path().join("scaled.yaml"), scaled).unwrap();
    let o = kubesim(&["validate", "scaled.yaml", "--max-nodes", "1000000"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("scaled.yaml:24:"), "points at the scale action: {err}");
    let o = kubesim(&["validate", "scaled.yaml", "--max-pods", "10000000"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("scaled.yaml:26:") && err.contains("--max-nodes"), "{err}");

    // An autoscaling pool counts at its maxCount: the cluster autoscaler may grow it that far,
    // so a huge maxCount would otherwise be unbounded memory.
    let autoscaled = "name: autoscaled\ncluster:\n  nodePools:\n    - name: p\n      count: 1\n      autoscaling: true\n      maxCount: 4000000\n      allocatable: {cpu: '4', memory: 8Gi}\n";
    fs::write(tmp.path().join("autoscaled.yaml"), autoscaled).unwrap();
    let o = kubesim(&["validate", "autoscaled.yaml"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("autoscaled.yaml:7:") && err.contains("--max-nodes"), "{err}");
    let small = autoscaled.replace("maxCount: 4000000", "maxCount: 40");
    fs::write(tmp.path().join("autoscaled.yaml"), small).unwrap();
    let o = kubesim(&["validate", "autoscaled.yaml"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Finding 6: `sweep --seeds 1000000000` aborted (exit 134) and `--jobs 100000` kept starting
/// threads. Both are bounded now: the grid is refused with exit 2, the jobs capped with a note.
#[test]
fn sweep_grid_and_jobs_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("s.yaml"), SMALL).unwrap();
    let o = kubesim(&["sweep", "s.yaml", "--seeds", "1000000000"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--seeds"), "{}", stderr(&o));
    let o = kubesim(
        &["sweep", "s.yaml", "--seeds", "100000", "--set", "spec.x=1,2,3,4,5,6,7,8,9,10,11"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("1100000 runs (11 variants x 100000 seeds)"), "{}", stderr(&o));
    let o =
        kubesim(&["sweep", "s.yaml", "--seeds", "2", "--jobs", "100000", "--out", "o"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--jobs 100000"),
        "a note says the jobs were capped: {}",
        stderr(&o)
    );
}

/// Finding 7: the same sweep started with a relative and an absolute scenario path had
/// different fingerprints, and shards of different builds merged silently. Now the
/// fingerprint is the scenario's content, `sweep.json` records the version, and merge refuses
/// shards of different versions or scenarios, saying which.
#[test]
fn merge_fingerprints_by_content_and_checks_the_version() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("s.yaml"), SMALL).unwrap();
    let abs = d.join("s.yaml").display().to_string();
    let o = kubesim(&["sweep", "s.yaml", "--seeds", "2", "--shard", "1/2", "--out", "a"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubesim(&["sweep", &abs, "--seeds", "2", "--shard", "2/2", "--out", "b"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubesim(&["merge", "a", "b", "--out", "m"], d);
    assert!(o.status.success(), "relative and absolute paths merge: {}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("m/sweep.json")).unwrap()).unwrap();
    assert_eq!(json["kubesim_version"], env!("CARGO_PKG_VERSION"));

    // A shard of another build.
    let other = fs::read_to_string(d.join("b/sweep.json"))
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "0.0.0-other");
    fs::write(d.join("b/sweep.json"), other).unwrap();
    let o = kubesim(&["merge", "a", "b", "--out", "m"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("different kubesim versions"), "{}", stderr(&o));

    // A shard of another scenario.
    fs::write(d.join("t.yaml"), SMALL.replace("name: small", "name: other")).unwrap();
    let o = kubesim(&["sweep", "t.yaml", "--seeds", "2", "--shard", "2/2", "--out", "c"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubesim(&["merge", "a", "c", "--out", "m"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("scenarios `small` and `other`"), "{}", stderr(&o));
}

/// Finding 9: outputs write `deployment/prod/api`; `expect:` and actions accepted only
/// `prod/deployment/api`. Names pasted from the outputs are accepted now (and the old order
/// still is).
#[test]
fn names_printed_by_outputs_are_accepted_back() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("s.yaml"), SMALL).unwrap();
    let o = kubesim(&["run", "s.yaml", "--out", "r", "-o", "json"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let printed = summary["workloads"][0]["workload"].as_str().unwrap().to_string();
    assert_eq!(printed, "deployment/prod/api");
    let pasted = format!(
        "{SMALL}actions:\n  - at: 30s\n    scale: {{workload: {printed}, replicas: 3}}\n  - at: 40s\n    rollout: {{workload: {printed}, image: nginx:2}}\nexpect:\n  - ready: {{workload: {printed}, min: 2, from: 1m}}\n  - ready: {{workload: prod/deployment/api, min: 2, from: 1m}}\n"
    );
    fs::write(d.join("pasted.yaml"), pasted).unwrap();
    let o = kubesim(&["check", "pasted.yaml"], d);
    assert!(o.status.success(), "{}{}", stderr(&o), String::from_utf8_lossy(&o.stdout));
    // explain takes a pod as `pod/NAMESPACE/NAME` too.
    let state = fs::read_to_string(d.join("r/events.csv")).unwrap();
    let pod = state
        .lines()
        .find_map(|l| l.split(',').find(|f| f.starts_with("api-")).map(str::to_string))
        .expect("a pod of api");
    let o = kubesim(&["explain", "s.yaml", "--pod", &format!("pod/prod/{pod}")], d);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Finding 9: a mirror pod's note said its Node "is not in the scenario" when it was.
#[test]
fn a_mirror_pods_note_names_its_node_rightly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let scenario = "name: mirror
cluster:
  nodes:
    - {name: cp-1, allocatable: {cpu: '4', memory: 8Gi}}
workloads:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: etcd-cp-1
      namespace: kube-system
      ownerReferences:
        - {apiVersion: v1, kind: Node, name: cp-1, uid: 1, controller: true}
    spec:
      nodeName: cp-1
      containers: [{name: etcd, image: etcd}]
";
    fs::write(d.join("m.yaml"), scenario).unwrap();
    let o = kubesim(&["validate", "m.yaml"], d);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("a mirror pod (static pod) of node `cp-1`"), "{out}");
    assert!(!out.contains("not in the scenario"), "{out}");
}

/// Finding 5: pods of a dump with `metadata.deletionTimestamp` (Terminating) started Running
/// and Ready, the field dropped without a note. As in Kubernetes, such a pod is being
/// deleted: the kubelet stops its containers (event Killing, with the grace period of the
/// object), the pod is removed when they have stopped, and its ReplicaSet, which does not
/// count a terminating pod as active, creates a replacement at once. A validate note says
/// so and names the finalizers kubesim does not simulate.
#[test]
fn terminating_pods_of_a_dump_start_terminating() {
    let text = "name: term
duration: 5m
cluster:
  nodes:
    - {name: worker-1, allocatable: {cpu: '4', memory: 8Gi}}
workloads:
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-abc
      uid: r1
      labels: {app: web, pod-template-hash: abc}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web, pod-template-hash: abc}}
      template:
        metadata: {labels: {app: web, pod-template-hash: abc}}
        spec:
          terminationGracePeriodSeconds: 30
          containers: [{name: c, image: nginx}]
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-abc-old
      labels: {app: web, pod-template-hash: abc}
      deletionTimestamp: '2026-10-30T09:00:00Z'
      deletionGracePeriodSeconds: 20
      finalizers: [example.com/cleanup]
      ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: r1, controller: true}]
    spec:
      nodeName: worker-1
      terminationGracePeriodSeconds: 30
      containers: [{name: c, image: nginx}]
    status:
      phase: Running
      conditions: [{type: Ready, status: 'True'}]
";
    let loaded =
        kubesim_scenario::load_str(text, Path::new("term.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let s = loaded.scenario;
    let note = s.notes.iter().find(|n| n.contains("web-abc-old")).expect("a note on the pod");
    assert!(note.contains("Terminating") && note.contains("20s"), "{note}");
    assert!(note.contains("example.com/cleanup"), "{note}");
    let out = kubesim_controllers::run(&s);
    let killing = out
        .trace
        .events
        .iter()
        .find(|e| e.reason == "Killing" && e.name == "web-abc-old")
        .expect("the kubelet stops the pod's containers");
    assert_eq!(killing.time.0, 0, "at the start");
    assert!(killing.message.contains("Stopping container c"), "{}", killing.message);
    let old = out.cluster.pods.iter().find(|p| p.meta.name == "web-abc-old").unwrap();
    let removed = old.removed.expect("the pod is gone");
    assert!(removed.0 <= 20_000, "within its grace period: {removed:?}");
    // The ReplicaSet replaced it: one other pod of web, Running.
    let others: Vec<_> = out
        .cluster
        .pods
        .iter()
        .filter(|p| p.removed.is_none() && p.meta.name.starts_with("web-abc-"))
        .collect();
    assert_eq!(others.len(), 1, "one replacement");
    assert_eq!(others[0].status.phase, kubesim_model::PodPhase::Running);
    let created = out
        .trace
        .events
        .iter()
        .find(|e| e.reason == "SuccessfulCreate")
        .expect("a replacement is created");
    assert_eq!(created.time.0, 0, "at once, not after the old pod is gone");
}

/// `check DIR` reads the YAML files it finds to tell scenarios from manifests: those reads are
/// bounded like a scenario file's (`--max-include-size`), so a huge file in the tree is an
/// error naming it, not unbounded memory; and a file that is not a regular file is not opened.
#[test]
fn check_bounds_the_files_it_reads_in_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ci");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("a-small.yaml"), SMALL).unwrap();
    // 4 KiB of comment lines: larger than the 1 KiB limit given below.
    fs::write(dir.join("b-big.yaml"), "# padding line of a large file\n".repeat(128)).unwrap();
    let o = kubesim(&["check", "ci", "--max-include-size", "1Ki"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("b-big.yaml"), "{}", stderr(&o));
    // Without the big file, the same limit admits the small scenario (under 1 KiB).
    fs::remove_file(dir.join("b-big.yaml")).unwrap();
    assert!(SMALL.len() < 1024);
    let o = kubesim(&["check", "ci", "--max-include-size", "1Ki"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
