//! Tests over the whole crate, on the hand-built run of [`crate::fixture`].

use crate::charts::{ready_chart, render_png, render_svg};
use crate::csv_files::{events_csv, metrics_csv};
use crate::fixture;
use crate::markdown::summary_md;
use crate::state::state_yaml;
use crate::{FILES, ReportError, render_terminal, summarize, write_results};
use std::fs;
use std::path::Path;

#[test]
fn summary_figures_by_hand() {
    let run = fixture::run();
    let s = summarize(&run.output());
    assert_eq!(s.scenario, "demo");
    assert_eq!(s.seed, 7);
    assert_eq!((s.duration_ms, s.duration.as_str()), (120_000, "2m0s"));
    assert_eq!((s.end_ms, s.end.as_str()), (120_000, "00:02:00.000"));
    assert_eq!(s.events_processed, 4242);
    assert_eq!(s.trace_events, 5);

    // deployment/web, desired 3: ready 0, 1, 2, 3 at 0, 10, 20, 30 s, 2 at 60 s, 3 at 75 s.
    // First full at 30 s; the lowest after that is 2, at 60 s; recovered at 75 s; below
    // desired from 60 to 75 s = 15 s.
    let web = &s.workloads[0];
    assert_eq!(web.workload, "deployment/web");
    assert_eq!((web.desired, web.ready, web.available), (3, 3, 3));
    assert_eq!(web.first_ready_ms, Some(30_000));
    assert_eq!(web.first_ready.as_deref(), Some("00:00:30.000"));
    assert_eq!(web.lowest_ready, Some(2));
    assert_eq!(web.lowest_ready_at_ms, Some(60_000));
    assert_eq!(web.lowest_ready_at.as_deref(), Some("00:01:00.000"));
    assert_eq!(web.recovered_ms, Some(75_000));
    assert_eq!(web.recovered.as_deref(), Some("00:01:15.000"));
    assert_eq!((web.below_desired_ms, web.below_desired.as_str()), (15_000, "15s"));

    // statefulset/shop/db, desired 2: ready 0, 1, 2 at 0, 15, 40 s, 1 from 90 s to the end
    // (120 s). First full at 40 s; lowest 1 at 90 s; not recovered; 30 s below desired.
    let db = &s.workloads[1];
    assert_eq!(db.workload, "statefulset/shop/db");
    assert_eq!((db.desired, db.ready, db.available), (2, 1, 1));
    assert_eq!(db.first_ready_ms, Some(40_000));
    assert_eq!((db.lowest_ready, db.lowest_ready_at_ms), (Some(1), Some(90_000)));
    assert_eq!((db.recovered_ms, db.recovered.as_deref()), (None, None));
    assert_eq!(db.below_desired_ms, 30_000);

    // pods_pending: 5 at 0 s is the most.
    assert_eq!((s.pods.max_pending, s.pods.max_pending_at_ms), (5, Some(0)));
    assert_eq!((s.nodes.ready, s.nodes.not_ready, s.nodes.cordoned), (2, 0, 1));

    assert_eq!(s.actions.len(), 3);
    assert_eq!((s.actions[1].at_ms, s.actions[1].at.as_str()), (61_000, "00:01:01.000"));
    assert_eq!(s.actions[1].label, "cordon node-2");

    let e = &s.events;
    assert_eq!((e.total, e.warnings), (5, 2));
    assert_eq!((e.scheduled, e.failed_scheduling, e.killing, e.successful_create), (1, 2, 1, 1));
    let reasons: Vec<(&str, u64)> = e.by_reason.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(
        reasons,
        [("FailedScheduling", 2), ("Killing", 1), ("Scheduled", 1), ("SuccessfulCreate", 1)]
    );
    assert_eq!(s.notes, ["spec.affinity.podAffinity is read but not simulated"]);
    assert!(s.expectations.is_empty() && s.all_expectations_passed());
}

#[test]
fn never_full_workload_has_no_dip_figures() {
    let mut run = fixture::run();
    // The statefulset never gets more than 1 of 2 ready.
    let m = &mut run.trace.metrics;
    let ready = m.column("statefulset/shop/db:ready").unwrap();
    let rows = m.to_rows().into_iter().map(|(t, mut values)| {
        values[ready] = values[ready].min(1);
        (t, values)
    });
    *m = kubesim_model::Metrics::from_rows(m.columns.clone(), rows);
    let s = summarize(&run.output());
    let db = &s.workloads[1];
    assert_eq!(db.first_ready_ms, None);
    assert_eq!((db.lowest_ready, db.lowest_ready_at_ms, db.recovered_ms), (None, None, None));
    assert_eq!(db.below_desired_ms, 0);
}

#[test]
fn summary_json_keys_in_struct_order() {
    let run = fixture::run();
    let json = serde_json::to_string_pretty(&summarize(&run.output())).unwrap();
    let pos = |k: &str| json.find(&format!("\"{k}\"")).unwrap_or_else(|| panic!("{k} missing"));
    let order = [
        "scenario",
        "seed",
        "duration_ms",
        "end_ms",
        "events_processed",
        "workloads",
        "pods",
        "nodes",
        "actions",
        "events",
        "notes",
        "expectations",
    ];
    for pair in order.windows(2) {
        assert!(pos(pair[0]) < pos(pair[1]), "{} before {}", pair[0], pair[1]);
    }
    assert!(json.contains("\"first_ready_ms\": 30000"));
    assert!(json.contains("\"recovered\": null"));
}

#[test]
fn events_csv_header_and_quoting() {
    let run = fixture::run();
    let csv = String::from_utf8(events_csv(&run.trace).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "time,type,kind,namespace,object,reason,message,node");
    assert_eq!(lines.len(), 6);
    assert_eq!(
        lines[2],
        "1.000,Normal,Pod,default,web-7d9f-abcde,Scheduled,Successfully assigned default/web-7d9f-abcde to node-1,node-1"
    );
    // A message with a comma and quotes is quoted, quotes doubled; time from 61250 ms.
    assert_eq!(
        lines[4],
        r#"61.250,Warning,Pod,shop,db-0,FailedScheduling,"0/2 nodes are available: 1 node(s) were unschedulable, 1 Insufficient ""cpu"".","#
    );
    // And it reads back as the original message.
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let rec = r.records().nth(3).unwrap().unwrap();
    assert_eq!(&rec[6], run.trace.events.get(3).unwrap().message);
}

#[test]
fn metrics_csv_extends_to_the_end() {
    let run = fixture::run();
    let csv = String::from_utf8(metrics_csv(&run.trace).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,pods_pending,nodes_ready,nodes_not_ready,nodes_cordoned,\
         deployment/web:desired,deployment/web:ready,deployment/web:available,deployment/web:restarts,\
         statefulset/shop/db:desired,statefulset/shop/db:ready,statefulset/shop/db:available,\
         statefulset/shop/db:restarts"
    );
    assert_eq!(lines[1], "0.000,5,2,0,0,3,0,0,0,2,0,0,0");
    // 10 recorded rows, then the last values repeated at the end (120 s).
    assert_eq!(lines.len(), 1 + 10 + 1);
    assert_eq!(lines[10], "90.000,1,2,0,1,3,3,3,0,2,1,1,1");
    assert_eq!(lines[11], "120.000,1,2,0,1,3,3,3,0,2,1,1,1");

    // No extra row when the last row is at the end already.
    let mut trace = run.trace.clone();
    trace.end = kubesim_engine::SimTime(90_000);
    let csv = String::from_utf8(metrics_csv(&trace).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 11);
}

/// The keys of the object that starts at `start` (a line index) at indentation `indent`.
fn keys_at(lines: &[&str], start: usize, indent: usize) -> Vec<String> {
    let prefix = " ".repeat(indent);
    let mut keys = Vec::new();
    for l in &lines[start..] {
        let Some(rest) = l.strip_prefix(&prefix) else {
            break;
        };
        if rest.starts_with(' ') || rest.starts_with('-') {
            continue;
        }
        keys.push(rest.split(':').next().unwrap().to_string());
    }
    keys
}

#[test]
fn state_yaml_is_sorted_and_timestamped() {
    let run = fixture::run();
    let yaml = state_yaml(&run.cluster).unwrap();
    let lines: Vec<&str> = yaml.lines().collect();
    assert_eq!(keys_at(&lines, 0, 0), ["apiVersion", "items", "kind", "metadata"]);
    assert!(yaml.contains("\nkind: List\n"));

    // Items: nodes by name, pods by namespace/name, then the other kinds.
    let items: Vec<(&str, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  kind: "))
        .map(|(i, l)| {
            let name = lines[i..].iter().find(|l| l.starts_with("    name: ")).unwrap();
            (&l[8..], &name[10..])
        })
        .collect();
    assert_eq!(
        items,
        [
            ("Node", "node-1"),
            ("Node", "node-2"),
            ("Pod", "web-7d9f-abcde"),
            ("Pod", "web-7d9f-fghij"),
            ("Pod", "web-7d9f-klmno"),
            ("Pod", "db-0"),
            ("Deployment", "web"),
            ("ReplicaSet", "web-7d9f"),
            ("StatefulSet", "db"),
            ("PodDisruptionBudget", "web-pdb"),
        ]
    );
    // The removed pod is not listed.
    assert!(!yaml.contains("web-7d9f-gone1"));

    // Every item's keys are sorted, and so are its metadata's.
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("- apiVersion") {
            let mut keys = vec!["apiVersion".to_string()];
            keys.extend(keys_at(&lines, i + 1, 2));
            assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec", "status"][..keys.len()]);
        }
        if *l == "  metadata:" {
            let keys = keys_at(&lines, i + 1, 4);
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted);
        }
    }

    // The terminating pod: its metadata keys in order, with RFC 3339 times (t = 60 s).
    let start = lines.iter().position(|l| *l == "    name: web-7d9f-klmno").unwrap();
    let meta = lines[..start].iter().rposition(|l| *l == "  metadata:").unwrap();
    assert_eq!(
        keys_at(&lines, meta + 1, 4),
        [
            "creationTimestamp",
            "deletionGracePeriodSeconds",
            "deletionTimestamp",
            "labels",
            "name",
            "namespace",
            "ownerReferences",
            "uid"
        ]
    );
    assert!(yaml.contains("    deletionTimestamp: \"2026-01-01T00:01:00Z\"\n"));
    assert!(yaml.contains("    creationTimestamp: \"2026-01-01T00:00:10Z\"\n"));
    assert!(yaml.contains(
        "    - apiVersion: apps/v1\n      blockOwnerDeletion: true\n      controller: true\n      kind: ReplicaSet\n"
    ));
    // Quantities as kubectl shows them; a whole number of cores is a quoted string.
    assert!(yaml.contains("      cpu: \"4\"\n"));
    assert!(yaml.contains("      cpu: 3500m\n"));
    assert!(yaml.contains("      memory: 16Gi\n"));
    assert!(yaml.contains("      pods: \"110\"\n"));
    assert!(yaml.contains("          cpu: 250m\n          memory: 128Mi\n"));
    // Node spec of the cordoned node, with the taint's timeAdded.
    assert!(yaml.contains(
        "  spec:\n    taints:\n    - effect: NoSchedule\n      key: node.kubernetes.io/unschedulable\n      timeAdded: \"2026-01-01T00:01:01Z\"\n    unschedulable: true\n"
    ));
    // Pod conditions in PodConditionType order; status quoted.
    let ready_to_start = yaml.find("type: PodReadyToStartContainers").unwrap();
    let scheduled = yaml.find("type: PodScheduled").unwrap();
    assert!(ready_to_start < scheduled);
    assert!(yaml.contains("      status: \"False\"\n      type: PodScheduled\n"));
    assert!(yaml.contains("        running:\n          startedAt: \"2026-01-01T00:00:10Z\"\n"));
    // Workload specifics.
    assert!(yaml.contains("      rollingUpdate:\n        maxSurge: 25%\n        maxUnavailable: 25%\n      type: RollingUpdate\n"));
    assert!(yaml.contains("    podManagementPolicy: OrderedReady\n"));
    assert!(yaml.contains("    minAvailable: 50%\n"));
    assert!(yaml.contains("    unhealthyPodEvictionPolicy: IfHealthyBudget\n"));

    // The YAML reads back as the same document.
    let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(back, crate::state::state_value(&run.cluster));
}

#[test]
fn markdown_report_has_every_section() {
    let run = fixture::run();
    let md = summary_md(&summarize(&run.output()));
    for needle in [
        "# demo\n",
        "| Seed | 7 |",
        "| Simulated duration | 2m0s |",
        "| Events processed | 4242 |",
        "| deployment/web | 3 | 3 | 3 | 00:00:30.000 | 2 | 00:01:00.000 | 00:01:15.000 | 15s |",
        "| statefulset/shop/db | 2 | 1 | 1 | 00:00:40.000 | 1 | 00:01:30.000 | — | 30s |",
        "| 00:01:01.000 | cordon node-2 |",
        "| FailedScheduling | 2 |",
        "- spec.affinity.podAffinity is read but not simulated",
        "![ready replicas](ready.png)",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
}

#[test]
fn terminal_table_is_aligned() {
    let run = fixture::run();
    let text = render_terminal(&summarize(&run.output()));
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.iter().position(|l| l.starts_with("WORKLOAD")).expect("workloads table");
    let (header, web, db) = (lines[n], lines[n + 1], lines[n + 2]);
    // One row per workload, then a blank line.
    assert_eq!(lines[n + 3], "");
    assert!(
        header.starts_with(
            "WORKLOAD              DESIRED   READY   AVAILABLE   LOWEST-READY   AT   "
        )
    );
    assert!(web.starts_with(
        "deployment/web        3         3       3           2              00:01:00.000   30s   "
    ));
    // db: not recovered, 30 s below desired, 1 restart (at 90 s).
    assert!(db.ends_with("<none>         30s             1"), "{db}");
    // Every column starts at the same offset on every line.
    for col in
        ["DESIRED", "LOWEST-READY", "TIME-TO-READY", "RECOVERED", "BELOW-DESIRED", "RESTARTS"]
    {
        let at = header.find(col).unwrap();
        for row in [web, db] {
            assert_ne!(row.as_bytes()[at], b' ', "{col} in {row:?}");
            assert_eq!(row.as_bytes()[at - 1], b' ', "{col} in {row:?}");
        }
    }
    assert!(text.contains("AT             ACTION\n00:01:00.000   delete pod web-7d9f-gone1\n"));
    assert!(text.contains("00:01:01.000   cordon node-2\n"));
    // The nodes, as `kubectl get nodes` shows them at the end: node-2 is cordoned.
    let n = lines.iter().position(|l| l.starts_with("NODE ")).expect("nodes table");
    assert!(lines[n].starts_with("NODE     STATUS                     ZONE     POOL     CREATED "));
    assert!(
        lines[n + 1]
            .starts_with("node-1   Ready                      zone-a   <none>   00:00:00.000")
    );
    assert!(
        lines[n + 2]
            .starts_with("node-2   Ready,SchedulingDisabled   zone-b   <none>   00:00:00.000")
    );
    assert!(text.ends_with("1 Killing\n"));
}

#[test]
fn charts_are_byte_identical_across_renders() {
    let run = fixture::run();
    let tmp = tempfile::tempdir().unwrap();
    let chart = ready_chart(&run.scenario.name, &run.trace, &[]);
    let (a, b) = (tmp.path().join("a.png"), tmp.path().join("b.png"));
    render_png(&chart, &a).unwrap();
    render_png(&ready_chart(&run.scenario.name, &run.trace, &[]), &b).unwrap();
    let (a, b) = (fs::read(a).unwrap(), fs::read(b).unwrap());
    assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
    // 1000 × 500 in the IHDR chunk.
    assert_eq!(&a[16..24], &[0, 0, 0x03, 0xe8, 0, 0, 0x01, 0xf4]);
    assert!(a == b, "PNG differs between two renders");
    let svg = render_svg(&chart).unwrap();
    assert_eq!(svg, render_svg(&chart).unwrap());
    assert!(svg.contains("demo: ready replicas per workload"));
    assert!(svg.contains("time (min)") && svg.contains("cordon node-2"));
}

#[test]
fn ready_chart_series() {
    let run = fixture::run();
    let chart = ready_chart(&run.scenario.name, &run.trace, &[]);
    assert_eq!(chart.title, "demo: ready replicas per workload");
    // Largest count is 3 (web desired): the axis goes to 4.
    assert_eq!(chart.y_max, 4);
    // Desired lines first (dashed), then ready lines; one colour per workload.
    let kinds: Vec<(bool, usize)> = chart.series.iter().map(|s| (s.dashed, s.lane)).collect();
    assert_eq!(kinds, [(true, 0), (true, 1), (false, 0), (false, 1)]);
    assert_eq!(chart.series[0].color, chart.series[2].color);
    assert_ne!(chart.series[0].color, chart.series[1].color);
    // Only changes of the column are kept.
    let web_ready: Vec<(u64, i64)> =
        chart.series[2].points.iter().map(|&(t, v)| (t.0, v)).collect();
    assert_eq!(
        web_ready,
        [(0, 0), (10_000, 1), (20_000, 2), (30_000, 3), (60_000, 2), (75_000, 3)]
    );
    let labels: Vec<&str> = chart.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["deployment/web", "statefulset/shop/db", "desired"]);
}

fn list(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn write_results_writes_every_file_and_replaces_old_contents() {
    let run = fixture::run();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("results").join("demo");
    let files = write_results(&dir, &run.output()).unwrap();
    let expected: Vec<_> = FILES.iter().map(|f| dir.join(f)).collect();
    assert_eq!(files, expected);
    let mut with_marker = vec![crate::MARKER];
    with_marker.extend(FILES);
    assert_eq!(list(&dir), with_marker);
    let first: Vec<Vec<u8>> = files.iter().map(|f| fs::read(f).unwrap()).collect();

    // A stale file from an earlier run goes; the rewrite is byte-identical.
    fs::write(dir.join("stale.txt"), "old").unwrap();
    let again = write_results(&dir, &run.output()).unwrap();
    assert_eq!(list(&dir), with_marker);
    let second: Vec<Vec<u8>> = again.iter().map(|f| fs::read(f).unwrap()).collect();
    assert!(first == second, "outputs differ between two writes");
    // No temporary or old directories are left beside it.
    assert_eq!(list(&tmp.path().join("results")), ["demo"]);

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["workloads"][0]["lowest_ready_at"], "00:01:00.000");
}

#[test]
fn write_results_fails_cleanly_when_the_parent_is_a_file() {
    let run = fixture::run();
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("not-a-dir");
    fs::write(&parent, "x").unwrap();
    let err = write_results(&parent.join("demo"), &run.output()).unwrap_err();
    assert!(matches!(err, ReportError::Io { .. }), "{err}");
    assert_eq!(list(tmp.path()), ["not-a-dir"]);
    assert_eq!(fs::read(&parent).unwrap(), b"x");

    // The results path itself is a file: refused, left alone.
    let file = tmp.path().join("file");
    fs::write(&file, "y").unwrap();
    let err = write_results(&file, &run.output()).unwrap_err();
    assert!(matches!(err, ReportError::InvalidDir { .. }), "{err}");
    assert_eq!(fs::read(&file).unwrap(), b"y");
    assert_eq!(list(tmp.path()), ["file", "not-a-dir"]);
}

#[test]
fn failed_render_leaves_previous_results_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join(crate::MARKER), "").unwrap();
    fs::write(dir.join("summary.md"), "previous").unwrap();
    let err = crate::write::replace_dir(&dir, false, |t| {
        fs::write(t.join("events.csv"), "half").unwrap();
        Err(ReportError::Yaml("boom".into()))
    })
    .unwrap_err();
    assert!(matches!(err, ReportError::Yaml(_)));
    assert_eq!(list(tmp.path()), ["demo"]);
    assert_eq!(list(&dir), [crate::MARKER, "summary.md"]);
    assert_eq!(fs::read_to_string(dir.join("summary.md")).unwrap(), "previous");
}

/// Finding 1 of issue 12: `--out` at a directory kubesim did not write deleted its files.
/// Now a non-empty directory without the marker is refused and left byte for byte as it was;
/// `force` replaces it; an empty directory is used.
#[test]
fn a_directory_kubesim_did_not_write_is_refused_unless_forced() {
    let run = fixture::run();
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("project");
    fs::create_dir_all(src.join("src")).unwrap();
    fs::write(src.join("Cargo.toml"), "[package]").unwrap();
    fs::write(src.join("src").join("main.rs"), "fn main() {}").unwrap();
    let err = write_results(&src, &run.output()).unwrap_err();
    assert!(matches!(err, ReportError::NotOurs { .. }), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(list(&src), ["Cargo.toml", "src"]);
    assert_eq!(fs::read_to_string(src.join("Cargo.toml")).unwrap(), "[package]");
    assert_eq!(list(tmp.path()), ["project"], "nothing left beside it");

    // An empty directory is used as it is.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    write_results(&empty, &run.output()).unwrap();
    assert!(empty.join(crate::MARKER).is_file());

    // Forced: replaced whole.
    let out = run.output();
    crate::write_results_with(&src, &out, &summarize(&out), true).unwrap();
    assert!(!src.join("Cargo.toml").exists());
    assert!(src.join(crate::MARKER).is_file());
}

/// Finding 8 of issue 12: a run killed while writing left a hidden temporary directory that
/// no later run removed. Now the next write into the same parent removes the marked leftovers
/// of dead processes, and nothing else that merely looks like one.
#[cfg(unix)]
#[test]
fn leftovers_of_killed_runs_are_removed_and_nothing_else() {
    let run = fixture::run();
    let tmp = tempfile::tempdir().unwrap();
    // A pid that cannot be running: above Linux's pid_max (4194304).
    let dead = 4_194_399u32;
    let stale = tmp.path().join(format!(".demo.tmp-{dead}-0"));
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join(crate::MARKER), "").unwrap();
    fs::write(stale.join("events.csv"), "half").unwrap();
    let old = tmp.path().join(format!(".other.old-{dead}-3"));
    fs::create_dir(&old).unwrap();
    fs::write(old.join(crate::MARKER), "").unwrap();
    // Named like one but unmarked, or marked but of a live process (this one's parent
    // stands in for a concurrent run), or not named like one: all kept.
    let unmarked = tmp.path().join(format!(".demo.tmp-{dead}-1"));
    fs::create_dir(&unmarked).unwrap();
    let live = tmp.path().join(format!(".demo.tmp-{}-0", std::os::unix::process::parent_id()));
    fs::create_dir(&live).unwrap();
    fs::write(live.join(crate::MARKER), "").unwrap();
    let user = tmp.path().join(".demo.tmp-backup");
    fs::create_dir(&user).unwrap();
    fs::write(user.join(crate::MARKER), "").unwrap();

    write_results(&tmp.path().join("demo"), &run.output()).unwrap();
    let mut expected = vec![
        ".demo.tmp-backup".to_string(),
        format!(".demo.tmp-{dead}-1"),
        format!(".demo.tmp-{}-0", std::os::unix::process::parent_id()),
        "demo".to_string(),
    ];
    expected.sort();
    assert_eq!(list(tmp.path()), expected);
}

/// Writes the fixture's results to `$KUBESIM_REPORT_DEMO_DIR` to look at them; does nothing
/// without it.
#[test]
fn demo_output_for_inspection() {
    if let Some(dir) = std::env::var_os("KUBESIM_REPORT_DEMO_DIR") {
        let run = fixture::run();
        write_results(Path::new(&dir), &run.output()).unwrap();
        print!("{}", render_terminal(&summarize(&run.output())));
    }
}

/// A busy run: many workloads with long names, large counts, a long run and clusters of
/// actions. Renders without error (and to `$KUBESIM_REPORT_DEMO_DIR-busy/` to look at).
#[test]
fn busy_chart_renders() {
    use kubesim_engine::SimTime;
    use kubesim_model::trace::workload_column;
    use kubesim_model::{Mark, Metrics, Trace};
    let names = [
        "deployment/frontend",
        "deployment/checkout-service-with-a-long-name",
        "statefulset/payments/postgres",
        "deployment/api",
        "replicaset/standalone",
        "deployment/cache",
        "deployment/worker",
        "statefulset/kafka",
        "deployment/search",
        "deployment/ten",
    ];
    let mut columns = Vec::new();
    for n in names {
        for f in ["desired", "ready", "available"] {
            columns.push(workload_column(n, f));
        }
    }
    let mut metrics = Metrics::new(columns);
    for step in 0..=60u64 {
        let mut values = Vec::new();
        for (i, _) in names.iter().enumerate() {
            let desired = 10 + 5 * i as i64;
            let ready = (desired * step as i64 / 10).min(desired)
                - if (30..36).contains(&step) { i as i64 } else { 0 };
            values.extend([desired, ready.max(0), ready.max(0)]);
        }
        metrics.record(SimTime(step * 30_000), &values);
    }
    let mut marks = Vec::new();
    for i in 0..8u64 {
        marks.push(Mark {
            time: SimTime(900_000 + i * 5_000),
            label: format!("delete pod frontend-{i}"),
        });
    }
    marks.push(Mark { time: SimTime(60_000), label: "cordon node-1".into() });
    marks.push(Mark { time: SimTime(1_790_000), label: "uncordon node-1 at the very end".into() });
    marks.sort_by_key(|m| m.time);
    let trace = Trace {
        events: Default::default(),
        metrics,
        marks,
        end: SimTime(1_800_000),
        events_processed: 0,
        ..Trace::default()
    };
    let chart = ready_chart("busy-scenario-with-a-rather-long-name", &trace, &[]);
    assert_eq!(chart.y_max, 10 + 5 * 9 + 1);
    let tmp = tempfile::tempdir().unwrap();
    let out = std::env::var("KUBESIM_REPORT_DEMO_DIR")
        .map_or_else(|_| tmp.path().to_path_buf(), |d| format!("{d}-busy").into());
    fs::create_dir_all(&out).unwrap();
    render_png(&chart, &out.join("busy.png")).unwrap();
    render_svg(&chart).unwrap();

    // Degenerate: no metrics, no marks, a run that ended at 0.
    let empty = ready_chart("empty", &Trace::default(), &[]);
    render_png(&empty, &out.join("empty.png")).unwrap();
}

#[test]
fn pods_chart_series() {
    use crate::charts::pods_chart;
    use kubesim_engine::SimTime;
    use kubesim_model::Metrics;
    let mut trace = fixture::run().trace;
    // A trace with the pod columns: one pod pending, running, crash-looping (restarts 1, 2),
    // then deleted (terminating) and gone.
    trace.metrics = Metrics::from_rows(
        [
            "pods_pending",
            "pods_running",
            "pods_succeeded",
            "pods_failed",
            "pods_terminating",
            "container_restarts",
        ]
        .map(String::from)
        .to_vec(),
        vec![
            (SimTime(0), vec![1, 0, 0, 0, 0, 0]),
            (SimTime(5_000), vec![0, 1, 0, 0, 0, 0]),
            (SimTime(7_000), vec![0, 1, 0, 0, 0, 1]),
            (SimTime(19_000), vec![0, 1, 0, 0, 0, 2]),
            (SimTime(60_000), vec![0, 1, 0, 0, 1, 2]),
            (SimTime(61_000), vec![0, 0, 0, 0, 0, 2]),
        ],
    );
    let chart = pods_chart("demo", &trace);
    assert_eq!(chart.title, "demo: pods by phase and container restarts");
    // No workload columns in this trace: the restarts shown are all pods'.
    let labels: Vec<&str> = chart.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(
        labels,
        ["pending", "running", "terminating", "succeeded", "failed", "restarts (all pods)"]
    );
    // Restarts are the dashed staircase; the y axis covers the largest value (2) plus one.
    let restarts = chart.series.last().unwrap();
    assert!(restarts.dashed);
    let points: Vec<(u64, i64)> = restarts.points.iter().map(|&(t, v)| (t.0, v)).collect();
    assert_eq!(points, [(0, 0), (7_000, 1), (19_000, 2)]);
    assert_eq!(chart.y_max, 3);
    // The fixture's metrics have pods_pending and workload columns; the db restarted once (at
    // 90 s), web never: only the db's restarts are drawn, and they are all the restarts (no
    // `container_restarts` column to differ from).
    let run = fixture::run();
    let chart = pods_chart("demo", &run.trace);
    let labels: Vec<&str> = chart.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["pending", "restarts statefulset/shop/db"]);
    render_svg(&chart).unwrap();
}

#[test]
fn state_yaml_shows_the_pod_lifecycle() {
    use kubesim_engine::SimTime;
    use kubesim_model::{
        CondStatus, Container, ContainerState, ContainerStatus, EphemeralContainer, PodSpec, Probe,
        ProbeHandler, RestartPolicy,
    };
    use std::sync::Arc;
    let mut run = fixture::run();
    let pod = run.cluster.live_pods().next().unwrap();
    let p = &mut run.cluster.pods[pod.index()];
    let mut spec: PodSpec = (*p.spec).clone();
    spec.init_containers.push(Container {
        name: "proxy".into(),
        image: "envoy:1.30".into(),
        restart_policy: Some(RestartPolicy::Always),
        ..Container::default()
    });
    spec.containers[0].readiness_probe = Some(Probe::new(ProbeHandler::HttpGet {
        scheme: "HTTP".into(),
        path: "/ready".into(),
        port: "8080".into(),
        host: None,
    }));
    spec.readiness_gates.push("example.com/lb".into());
    p.spec = Arc::new(spec);
    p.ephemeral_containers.push(EphemeralContainer {
        container: Container {
            name: "debugger".into(),
            image: "busybox:1.36".into(),
            ..Container::default()
        },
        target: Some("web".into()),
        run_for: None,
    });
    let s = SimTime(1000);
    p.status.container_statuses[0].restart_count = 3;
    p.status.container_statuses[0].state = ContainerState::Waiting {
        reason: "CrashLoopBackOff".into(),
        message: "back-off 40s restarting failed container=web pod=x".into(),
    };
    p.status.container_statuses[0].last_state = Some(ContainerState::Terminated {
        reason: "Error".into(),
        exit_code: 1,
        started_at: s,
        finished_at: s,
    });
    p.status.init_container_statuses.push(ContainerStatus {
        name: "proxy".into(),
        image: "envoy:1.30".into(),
        state: ContainerState::Running { started_at: s },
        ready: true,
        started: true,
        restart_count: 0,
        last_state: None,
    });
    p.status.set_custom_condition("example.com/lb", CondStatus::True, s, "", "");
    let yaml = state_yaml(&run.cluster).unwrap();
    for needle in [
        "initContainers:\n",
        "restartPolicy: Always\n",
        "readinessProbe:\n",
        "readinessGates:\n",
        "- conditionType: example.com/lb\n",
        "ephemeralContainers:\n",
        "targetContainerName: web\n",
        "initContainerStatuses:\n",
        "lastState:\n",
        "restartCount: 3\n",
        "reason: CrashLoopBackOff\n",
        "message: back-off 40s restarting failed container=web pod=x\n",
        "type: example.com/lb\n",
    ] {
        assert!(yaml.contains(needle), "missing {needle:?} in\n{yaml}");
    }
}

/// The texts of an SVG document (plotters writes each `<text>` with its content on its own
/// line).
fn svg_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = svg.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("<text")
            && let Some(t) = lines.next()
        {
            out.push(t.to_string());
        }
    }
    out
}

/// The horizontal two-point `<polyline>`s of one stroke colour: `(x0, x1, y)`.
fn horizontal_segments(svg: &str, stroke: &str) -> Vec<(i32, i32, i32)> {
    let mut out = Vec::new();
    for l in svg.lines().filter(|l| l.starts_with("<polyline") && l.contains(stroke)) {
        let Some(points) = l.split("points=\"").nth(1).and_then(|p| p.split('"').next()) else {
            continue;
        };
        let pts: Vec<(i32, i32)> = points
            .split_whitespace()
            .filter_map(|p| p.split_once(','))
            .map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap()))
            .collect();
        if let [(x0, y0), (x1, y1)] = pts[..]
            && y0 == y1
        {
            out.push((x0.min(x1), x0.max(x1), y0));
        }
    }
    out
}

#[test]
fn ready_chart_draws_a_threshold_dashed_over_its_window() {
    use crate::charts::{PALETTE, Threshold};
    use kubesim_model::ReplicaKind;
    let run = fixture::run();
    let threshold = Threshold {
        workload: "deployment/web".into(),
        kind: ReplicaKind::Ready,
        replicas: 2.0,
        from: kubesim_engine::SimTime(60_000),
        to: kubesim_engine::SimTime(100_000),
        label: "ready >= 2".into(),
    };
    let plain = ready_chart("demo", &run.trace, &[]);
    let chart = ready_chart("demo", &run.trace, std::slice::from_ref(&threshold));
    // In web's colour (the first workload: PALETTE[0]), with a legend entry.
    assert_eq!(chart.hlines.len(), 1);
    assert_eq!(chart.hlines[0].color, PALETTE[0]);
    assert!(chart.legend.iter().any(|e| e.label == "expectation" && e.dashed));
    assert!(plain.hlines.is_empty());
    let (with, without) = (render_svg(&chart).unwrap(), render_svg(&plain).unwrap());
    assert!(svg_texts(&with).iter().any(|t| t == "ready &gt;= 2"), "label drawn");
    // The dashes: horizontal segments in web's colour that only the chart with the threshold
    // has, all at one height, spanning 60 s to 100 s of the 120 s run: a third of the plot.
    let web = "stroke=\"#1F77B4\"";
    let before = horizontal_segments(&without, web);
    let dashes: Vec<_> =
        horizontal_segments(&with, web).into_iter().filter(|s| !before.contains(s)).collect();
    assert!(dashes.len() >= 5, "dashed: many short segments, got {dashes:?}");
    assert!(dashes.iter().all(|d| d.2 == dashes[0].2), "{dashes:?}");
    let (left, right) =
        (dashes.iter().map(|d| d.0).min().unwrap(), dashes.iter().map(|d| d.1).max().unwrap());
    // The x axis: the x of each grid line is on the SVG; a 60 s to 100 s window is 40/120
    // of the plot width, which runs from x(0) to x(120 s).
    let dash_len = dashes.iter().map(|d| d.1 - d.0).max().unwrap();
    assert!(dash_len <= 4, "short dashes: {dash_len}");
    let plot_w = f64::from(right - left) * 120.0 / 40.0;
    assert!((500.0..800.0).contains(&plot_w), "window is a third of the plot: {plot_w}");
    // The threshold is under the ready line at 3 (a larger y in pixels).
    let ready_at_3 = before.iter().map(|s| s.2).min().unwrap();
    assert!(dashes[0].2 > ready_at_3);
}

#[test]
fn every_chart_has_its_title_and_legend_in_the_svg() {
    use crate::charts::{nodes_chart, pdbs_chart, pending_chart, pods_chart, zones_chart};
    let run = fixture::run();
    let t = &run.trace;
    for (chart, legend) in [
        (ready_chart("demo", t, &[]), &["deployment/web", "statefulset/shop/db", "desired"][..]),
        (pods_chart("demo", t), &["pending"][..]),
        (pending_chart("demo", t), &["Pending"][..]),
        (nodes_chart("demo", t), &["Ready", "Ready, cordoned", "NotReady", "Unknown"][..]),
        (zones_chart("demo", t), &[][..]),
        (pdbs_chart("demo", t, &run.cluster), &[][..]),
    ] {
        let svg = render_svg(&chart).unwrap();
        let texts = svg_texts(&svg);
        assert!(texts.contains(&chart.title), "{} in {texts:?}", chart.title);
        assert!(texts.iter().any(|t| t == "time (min)"), "x axis in minutes");
        assert!(texts.contains(&chart.y_label), "{}", chart.y_label);
        for l in legend {
            assert!(texts.iter().any(|t| t == l), "legend {l} of {}", chart.title);
        }
        if chart.series.is_empty() {
            assert!(texts.contains(&chart.empty_text), "{}", chart.title);
        }
        // Every action is labelled.
        for m in &t.marks {
            assert!(texts.contains(&m.label), "{} on {}", m.label, chart.title);
        }
    }
}

#[test]
fn nodes_chart_stacks_a_partition_of_the_nodes() {
    use crate::charts::{node_partition, nodes_chart};
    let run = fixture::run();
    // The fixture's metrics have 2 Ready nodes, 0 not Ready and no ready-cordoned column:
    // every row is [2 Ready, 0 cordoned, 0 NotReady, 0 Unknown], so the first row is the only
    // one where a node column changed.
    let parts = node_partition(&run.trace);
    assert_eq!(parts, vec![(run.trace.metrics.times()[0], [2, 0, 0, 0])]);
    let chart = nodes_chart("demo", &run.trace);
    // Bands drawn largest total first; the top one is the node count.
    let tops: Vec<i64> = chart.series.iter().map(|s| s.points[0].1).collect();
    assert_eq!(tops, vec![2, 2, 2, 2]);
    assert!(chart.series.iter().all(|s| s.fill));
}

#[test]
fn pdb_chart_takes_the_colour_of_the_workload_it_covers() {
    use crate::charts::{PALETTE, pdbs_chart};
    let mut run = fixture::run();
    // Give the trace the PDB's columns: web-pdb allows 1, then 0 while web is at 2 (60 s).
    let m = &mut run.trace.metrics;
    for f in kubesim_model::trace::PDB_FIELDS {
        m.columns.push(format!("pdb/web-pdb:{f}"));
    }
    let rows = m.to_rows().into_iter().map(|(t, mut row)| {
        let allowed = i64::from(!(60_000..75_000).contains(&t.0));
        row.extend([3, 2, 2 + allowed, allowed]);
        (t, row)
    });
    *m = kubesim_model::Metrics::from_rows(m.columns.clone(), rows);
    let chart = pdbs_chart("demo", &run.trace, &run.cluster);
    // web-pdb selects app=web: deployment/web's pods, the first workload.
    assert_eq!(chart.series.len(), 1);
    assert_eq!(chart.series[0].color, PALETTE[0]);
    assert_eq!(chart.legend[0].label, "pdb/web-pdb");
    let points: Vec<(u64, i64)> = chart.series[0].points.iter().map(|&(t, v)| (t.0, v)).collect();
    assert_eq!(points, vec![(0, 1), (60_000, 0), (75_000, 1)]);
    assert_eq!(chart.y_max, 2);
    let texts = svg_texts(&render_svg(&chart).unwrap());
    assert!(texts.iter().any(|t| t == "pdb/web-pdb"));
}

#[test]
fn node_timeline_has_one_row_per_node() {
    use crate::timeline::{NodeState, node_timeline, render_timeline_svg};
    let mut run = fixture::run();
    // node-2 is cordoned at 61 s (the `cordon node-2` action): the kubelet's event.
    run.trace.events.push(kubesim_model::TraceEvent {
        time: kubesim_engine::SimTime(61_000),
        event_type: kubesim_model::EventType::Normal,
        kind: kubesim_model::Kind::Node,
        namespace: "".into(),
        name: "node-2".into(),
        reason: "NodeNotSchedulable",
        message: "Node node-2 status is now: NodeNotSchedulable".into(),
        node: "node-2".into(),
    });
    let t = node_timeline(&run.output());
    type Spans = Vec<(u64, u64, NodeState)>;
    let rows: Vec<(&str, Spans)> = t
        .rows
        .iter()
        .map(|r| (r.node.as_str(), r.spans.iter().map(|s| (s.from.0, s.to.0, s.state)).collect()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("node-1", vec![(0, 120_000, NodeState::Ready)]),
            ("node-2", vec![(0, 61_000, NodeState::Ready), (61_000, 120_000, NodeState::Cordoned)]),
        ]
    );
    let texts = svg_texts(&render_timeline_svg(&t).unwrap());
    assert!(texts.contains(&"demo: node timeline".to_string()));
    for n in ["node-1", "node-2", "Ready", "cordoned", "draining", "NotReady", "gone (deleted)"] {
        assert!(texts.iter().any(|t| t == n), "{n} in {texts:?}");
    }
}

#[test]
fn state_yaml_streams_the_bytes_of_the_whole_document() {
    // Written object by object (in batches rendered on several threads), state.yaml must be
    // byte for byte what serializing the whole `List` at once gives: for the fixture, for a
    // cluster with more objects than one thread's share of a batch, and for an empty one.
    let whole = |c: &kubesim_model::Cluster| {
        serde_saphyr::to_string(&crate::state::state_value(c)).unwrap()
    };
    let run = fixture::run();
    assert_eq!(state_yaml(&run.cluster).unwrap(), whole(&run.cluster));

    let mut big = run.cluster.clone();
    let first = big.nodes[0].clone();
    for i in 0..5000 {
        let mut n = first.clone();
        n.meta.name = format!("extra-{i:04}");
        n.meta.labels.insert("kubernetes.io/hostname".into(), n.meta.name.clone());
        big.add_node(n);
    }
    let streamed = state_yaml(&big).unwrap();
    assert_eq!(streamed, whole(&big));
    assert!(streamed.contains("    name: extra-4999\n"));

    let empty = kubesim_model::Cluster::new();
    assert_eq!(state_yaml(&empty).unwrap(), whole(&empty));
}

#[test]
fn state_yaml_quotes_what_yaml_would_misread() {
    // state.yaml is written straight from the model through serde-saphyr's serializer: a
    // string YAML would read as something else (a bool, a number, null, a comment, a key)
    // must come out quoted, and multi-line or non-ASCII text intact, so that reading the
    // file back gives every string as it was.
    let tricky = [
        "yes",
        "no",
        "on",
        "off",
        "true",
        "False",
        "null",
        "~",
        "1e3",
        "0x1F",
        "0o17",
        "012",
        "1_000",
        ".5",
        "-",
        "- a",
        ": ",
        "a: b",
        "#",
        "a #b",
        " leading",
        "trailing ",
        "",
        "ünïcödé 日本",
        "line one\nline two",
        "\ttab",
        "'single'",
        "\"double\"",
        "[x]",
        "{y}",
        "*alias",
        "&anchor",
        "!tag",
        "%pct",
        "@at",
        "`tick",
        "?",
        "|",
        ">",
        "a,b",
    ];
    let run = fixture::run();
    let mut c = run.cluster.clone();
    let n = c.nodes.iter().position(|n| n.removed.is_none()).unwrap();
    let p = c.pods.iter().position(|p| p.removed.is_none()).unwrap();
    for (i, v) in tricky.iter().enumerate() {
        c.nodes[n].meta.labels.insert(format!("example.com/l{i:02}"), v.to_string());
        c.pods[p].meta.annotations.insert(format!("example.com/a{i:02}"), v.to_string());
    }
    let long = "word ".repeat(40);
    c.pods[p].meta.annotations.insert("example.com/long".into(), long.clone());
    let yaml = state_yaml(&c).unwrap();
    assert_eq!(yaml, serde_saphyr::to_string(&crate::state::state_value(&c)).unwrap());
    assert!(yaml.contains("    example.com/l00: \"yes\"\n"), "{yaml}");
    assert!(yaml.contains("    example.com/l08: \"1e3\"\n"), "{yaml}");

    let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(back, crate::state::state_value(&c));
    let items = back["items"].as_array().unwrap();
    let node_name = c.nodes[n].meta.name.as_str();
    let node = items.iter().find(|o| o["metadata"]["name"] == node_name).unwrap();
    let pod_name = &c.pods[p].meta.name;
    let pod = items
        .iter()
        .find(|o| o["kind"] == "Pod" && o["metadata"]["name"] == pod_name.as_str())
        .unwrap();
    for (i, v) in tricky.iter().enumerate() {
        let label = &node["metadata"]["labels"][format!("example.com/l{i:02}")];
        assert_eq!(label, &serde_json::Value::from(*v), "label {v:?}");
        let annotation = &pod["metadata"]["annotations"][format!("example.com/a{i:02}")];
        assert_eq!(annotation, &serde_json::Value::from(*v), "annotation {v:?}");
    }
    assert_eq!(pod["metadata"]["annotations"]["example.com/long"], serde_json::Value::from(long));
}
