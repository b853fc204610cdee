//! `kubesim sweep` and `kubesim merge`: `--set` errors, outputs independent of `--jobs`,
//! shards merged into exactly what the whole sweep writes, and the CSVs' shape and figures.

use crate::support::*;
use std::fs;
use std::path::Path;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `kubesim sweep scenarios/random-timings.yaml ARGS --out DIR` and asserts success.
fn sweep(dir: &Path, args: &[&str]) {
    let file = root().join("scenarios/random-timings.yaml");
    let mut all = vec!["sweep", file.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", dir.to_str().unwrap()]);
    let o = kubesim(&all, &root());
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// Every file of `dir` and its bytes, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

const GRID: [&str; 4] = ["--set", "actions[0].count=1,2", "--seeds", "3"];

#[test]
fn outputs_do_not_depend_on_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("j1"), tmp.path().join("j2"));
    sweep(&one, &[&GRID[..], &["--jobs", "1"]].concat());
    sweep(&two, &[&GRID[..], &["--jobs", "2"]].concat());
    let (a, b) = (files(&one), files(&two));
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    // The default charts of a scenario without an upgrade or a drain: time below desired and
    // the lowest ready percent, against the only --set.
    assert_eq!(
        names,
        [
            ".kubesim-results",
            "sweep-below_desired_s.png",
            "sweep-below_desired_s.svg",
            "sweep-min_ready_pct.png",
            "sweep-min_ready_pct.svg",
            "sweep-summary.csv",
            "sweep.csv",
            "sweep.json"
        ]
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between --jobs 1 and --jobs 2");
    }
}

#[test]
fn csv_rows_and_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    sweep(&dir, &[&GRID[..], &["--jobs", "2"]].concat());
    let csv = fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("run,actions[0].count,seed,end_time_s,upgrade_duration_s,"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(",deployment/shop:min_ready,deployment/shop:min_ready_pct,"));
    // 2 values x 3 seeds = 6 runs, variant-major: runs 0-2 delete one pod, 3-5 two.
    assert_eq!(lines.len(), 1 + 6);
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (i, line) in lines[1..].iter().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let count = if i < 3 { 1 } else { 2 };
        assert_eq!(f[0], i.to_string());
        assert_eq!(f[1], count.to_string());
        assert_eq!(f[2], (i % 3 + 1).to_string(), "seeds 1..=3");
        // Deleting `count` of the 6 Ready pods at 2:00 takes ready to 6 - count at once (a
        // terminating pod is not counted), whatever the seed: 5/6 = 83.33 %, 4/6 = 66.67 %.
        assert_eq!(f[col("deployment/shop:min_ready")], (6 - count).to_string());
        let pct = if count == 1 { "83.33" } else { "66.67" };
        assert_eq!(f[col("min_ready_pct")], pct);
        // No upgrade, no drain: those figures are empty; nothing is evicted.
        assert_eq!(f[col("upgrade_duration_s")], "");
        assert_eq!(f[col("drain_duration_s")], "");
        assert_eq!(f[col("pods_evicted")], "0");
        // The run ends at the scenario's 6m.
        assert_eq!(f[col("end_time_s")], "360.000");
    }
    let summary = fs::read_to_string(dir.join("sweep-summary.csv")).unwrap();
    let s: Vec<&str> = summary.lines().collect();
    assert_eq!(s.len(), 1 + 2, "one row per variant");
    assert!(s[0].starts_with("actions[0].count,runs,end_time_s:n,end_time_s:p50,end_time_s:p90,end_time_s:p99,end_time_s:max,"));
    let sh: Vec<&str> = s[0].split(',').collect();
    let scol = |name: &str| sh.iter().position(|h| *h == name).unwrap();
    for (row, pct) in s[1..].iter().zip(["83.33", "66.67"]) {
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(f[scol("runs")], "3");
        // Three equal values: every percentile is that value; the upgrade figure has none.
        assert_eq!(f[scol("min_ready_pct:p50")], pct);
        assert_eq!(f[scol("min_ready_pct:max")], pct);
        assert_eq!(f[scol("upgrade_duration_s:n")], "0");
        assert_eq!(f[scol("upgrade_duration_s:p50")], "");
    }
    // The p50 of below_desired_s is the 2nd smallest of the variant's three runs (nearest
    // rank ⌈0.5·3⌉ = 2), and its max the largest.
    let mut below: Vec<f64> = lines[1..4]
        .iter()
        .map(|l| l.split(',').nth(col("below_desired_s")).unwrap().parse().unwrap())
        .collect();
    below.sort_by(f64::total_cmp);
    let f: Vec<&str> = s[1].split(',').collect();
    assert_eq!(f[scol("below_desired_s:p50")], format!("{:.3}", below[1]));
    assert_eq!(f[scol("below_desired_s:max")], format!("{:.3}", below[2]));
}

#[test]
fn shards_merge_into_the_whole_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n);
    sweep(&p("whole"), &[&GRID[..], &["--jobs", "2"]].concat());
    sweep(&p("s1"), &[&GRID[..], &["--shard", "1/2"]].concat());
    sweep(&p("s2"), &[&GRID[..], &["--shard", "2/2"]].concat());
    // Round robin: shard 1 of 2 has the even runs.
    let s1 = fs::read_to_string(p("s1/sweep.csv")).unwrap();
    let runs: Vec<&str> = s1.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(runs, ["0", "2", "4"]);
    assert!(!p("s1/sweep-summary.csv").exists(), "a shard writes no summary");

    let merge = |dirs: &[&str], out: &str| {
        let mut args = vec!["merge".to_string()];
        args.extend(dirs.iter().map(|d| p(d).display().to_string()));
        args.extend(["--out".to_string(), p(out).display().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        kubesim(&args, &root())
    };
    // Shards in either order give the whole sweep's files, byte for byte.
    let o = merge(&["s2", "s1"], "merged");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(files(&p("merged")), files(&p("whole")));

    // A shard twice: a duplicate run.
    let o = merge(&["s1", "s1"], "dup");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("run 0 is in both"), "{}", text(&o.stderr));
    assert!(!p("dup").exists());
    // A shard missing.
    let o = merge(&["s1"], "missing");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("3 of 6 runs are missing (runs 1, 3, 5)"),
        "{}",
        text(&o.stderr)
    );
    // Another sweep (other seeds).
    sweep(&p("other"), &["--set", "actions[0].count=1,2", "--seeds", "4", "--shard", "2/2"]);
    let o = merge(&["s1", "other"], "mixed");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("are not from the same sweep"), "{}", text(&o.stderr));
}

#[test]
fn set_errors_name_the_set() {
    let tmp = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/random-timings.yaml");
    let run = |set: &str| {
        let out = tmp.path().join("x");
        let args = ["sweep", file.to_str().unwrap(), "--set", set, "--seeds", "1", "--out"];
        let mut args = args.to_vec();
        args.push(out.to_str().unwrap());
        let o = kubesim(&args, &root());
        assert_eq!(o.status.code(), Some(2), "{set}: {}", text(&o.stdout));
        assert!(!out.exists(), "{set}: nothing is written on bad input");
        text(&o.stderr)
    };
    // No `=`.
    assert!(run("seed").contains("--set seed: expected PATH=V1,V2,..."));
    // A name that matches no workload lists the names there are.
    let e = run("workloads[nope].spec.replicas=4");
    assert!(
        e.contains("--set workloads[nope].spec.replicas=4: `workloads` has no item named `nope` (names: deployment/shop)"),
        "{e}"
    );
    // An index past the end.
    let e = run("actions[3].count=1");
    assert!(e.contains("`actions` has 1 item(s), so [3] is out of range"), "{e}");
    // A field under a scalar.
    let e = run("duration.x=1");
    assert!(e.contains("`duration` is not a mapping, so it has no field `x`"), "{e}");
    // A bad value is reported where it lands, with the file's line and the field (the
    // action's kind filled in), naming the --set.
    let e = run("actions[0].count=1,abc");
    assert!(e.contains("error: --set actions[0].count=abc: wrong type: found string `abc`"), "{e}");
    assert!(e.contains("random-timings.yaml:48:63 (actions[0].delete-pod.count)"), "{e}");
    // A bad path syntax.
    assert!(run("actions[0.count=1").contains("unclosed `[`"));
}

#[test]
fn set_reaches_included_manifests_and_adds_missing_keys() {
    // quickstart's Deployment is in an included file; `params` is not written at all.
    let file = root().join("scenarios/quickstart.yaml");
    let sets = [
        kubesim_scenario::Set {
            path: "workloads[deployment/web].spec.replicas".into(),
            value: "5".into(),
        },
        kubesim_scenario::Set { path: "params.nodeMonitorGracePeriod".into(), value: "40s".into() },
        kubesim_scenario::Set { path: "actions[0].count".into(), value: "2".into() },
    ];
    let s = kubesim_scenario::load_with(&file, &sets).unwrap_or_else(|e| panic!("{e}"));
    let web = s.scenario.cluster.workloads.iter().find(|w| w.meta.name == "web").unwrap();
    assert_eq!(web.replicas, 5);
    assert_eq!(
        s.scenario.params.node_monitor_grace_period,
        kubesim_engine::SimDuration::from_secs(40)
    );
    let plain = kubesim_scenario::load(&file).unwrap();
    assert_ne!(plain.scenario.actions, s.scenario.actions, "count 1 -> 2");
    // The file on disk is untouched.
    let web = plain.scenario.cluster.workloads.iter().find(|w| w.meta.name == "web").unwrap();
    assert_eq!(web.replicas, 3);
}

/// The figures of one run of the study with `maxSurge` set and the seed replaced.
fn study_run(surge: &str, seed: u64) -> Vec<kubesim_report::figures::Figure> {
    let file = root().join("scenarios/studies/surge-vs-duration.yaml");
    let set = kubesim_scenario::Set { path: "actions[0].maxSurge".into(), value: surge.into() };
    let mut s =
        kubesim_scenario::load_with(&file, &[set]).unwrap_or_else(|e| panic!("{e}")).scenario;
    s.seed = seed;
    let o = kubesim_controllers::run(&s);
    let out = kubesim_report::RunOutput { scenario: &s, cluster: &o.cluster, trace: &o.trace };
    kubesim_report::figures::figures(&out, &kubesim_report::summarize(&out))
}

fn figure(f: &[kubesim_report::figures::Figure], name: &str) -> f64 {
    f.iter().find(|x| x.name == name).and_then(|x| x.value).unwrap_or_else(|| panic!("{name}"))
}

#[test]
fn surge_study_tells_its_story() {
    for seed in [1, 2] {
        let (one, three) = (study_run("1", seed), study_run("3", seed));
        let d1 = figure(&one, "upgrade_duration_s");
        let d3 = figure(&three, "upgrade_duration_s");
        // maxSurge 1: nine batches, each a provisioning of 1-3 min plus drains: at least
        // 9 minutes, and faster with three batches of three.
        assert!(d1 >= 9.0 * 60.0, "seed {seed}: {d1}");
        assert!(d3 < d1, "seed {seed}: surge 3 {d3} s, surge 1 {d1} s");
        // Up to 1 resp. 3 surge nodes at a time.
        assert_eq!(figure(&one, "upgrade_peak_extra_nodes"), 1.0);
        assert!(figure(&three, "upgrade_peak_extra_nodes") <= 3.0);
        // web's PDB (maxUnavailable 1) keeps 8 of 9 Ready at worst, whatever the surge.
        for f in [&one, &three] {
            assert_eq!(figure(f, "deployment/web:min_ready"), 8.0, "seed {seed}");
        }
        // api has no PDB: draining three nodes at once takes more of its pods at once.
        let (a1, a3) =
            (figure(&one, "deployment/api:min_ready"), figure(&three, "deployment/api:min_ready"));
        assert!(a3 < a1, "seed {seed}: api lowest ready {a3} with surge 3, {a1} with surge 1");
    }
}

#[test]
fn json_output_is_one_document() {
    let tmp = tempfile::tempdir().unwrap();
    let file = root().join("scenarios/quickstart.yaml");
    let out = tmp.path().join("q");
    let o = kubesim(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--set",
            "actions[0].count=1,2",
            "--seeds",
            "2",
            "--shard",
            "2/2",
            "--output",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
        &root(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON only");
    // 2 values x 2 seeds = 4 runs; shard 2 of 2 holds runs 1 and 3.
    assert_eq!(doc["runs"], 2);
    assert_eq!(doc["gridRuns"], 4);
    assert_eq!(doc["shard"]["index"], 2);
    assert_eq!(doc["files"], serde_json::json!(["sweep.json", "sweep.csv"]));
}
