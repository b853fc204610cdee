//! Fuzzing the scenario reader and the manifest conversion with proptest (stable Rust; issue
//! 12, point 8): arbitrary text, scenarios generated from a grammar of the format with hostile
//! values (huge, negative, malformed quantities and durations, odd kinds and references), and
//! those scenarios mutated byte by byte. Every input must load or give an error — never
//! panic — and the process may never hold more than 1 GiB (its peak resident memory is
//! checked after each input).
//!
//! `cargo test` runs a short version (`KUBESIM_FUZZ_CASES`, default 64 per property);
//! `scripts/fuzz.sh` runs the long one in a release build and reports the count, the time,
//! the slowest input and the largest allocation.

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

const GIB: u64 = 1 << 30;

/// Inputs tried and the slowest one's time (µs).
static INPUTS: AtomicU64 = AtomicU64::new(0);
static SLOWEST_US: AtomicU64 = AtomicU64::new(0);

/// The process's peak resident memory (`VmHWM` of `/proc/self/status`), in bytes; `None`
/// where there is no `/proc` (the bound is then not checked).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Loads `text` as a scenario. The properties: no panic (proptest reports one with its
/// input, shrunk), and the process never holds more than 1 GiB, so no input allocated that
/// much (checked on the peak resident memory after each input; kubesim's workspace forbids
/// the `unsafe` a counting allocator needs). A hang shows as a test that does not finish; a
/// slow input is reported by the long run, not asserted (timings depend on the machine).
fn load(text: &str) {
    // Includes resolve next to a file in a directory that does not exist: nothing is read.
    let path = Path::new("/nonexistent-kubesim-fuzz/scenario.yaml");
    let started = Instant::now();
    let result = kubesim_scenario::load_str(text, path);
    if let Err(e) = &result {
        // Rendering the error is part of the reader.
        let _ = e.to_string();
    }
    drop(result);
    INPUTS.fetch_add(1, Ordering::Relaxed);
    SLOWEST_US.fetch_max(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    if let Some(peak) = peak_rss() {
        assert!(peak < GIB, "the process reached {peak} bytes after:\n{text}");
    }
}

fn cases(default: u32) -> Config {
    let cases =
        std::env::var("KUBESIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

fn quantity() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,4}(m|Mi|Gi|Ki|k|M|G|T|Ei|e3|E|)",
        Just("-1".to_string()),
        Just("1e400".to_string()),
        Just("99999999999999999999999".to_string()),
        Just(".5".to_string()),
        Just("0.000001".to_string()),
        Just("9Ei".to_string()),
        "[a-zA-Z0-9. +-]{0,8}",
    ]
}

fn int() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..12i64).prop_map(|v| v.to_string()),
        Just("-1".to_string()),
        Just("4294967296".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("1000000000".to_string()),
        Just("1.5".to_string()),
        Just("'3'".to_string()),
        Just("null".to_string()),
        Just("[]".to_string()),
    ]
}

fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}(ms|s|m|h)",
        Just("1h30m".to_string()),
        Just("-5s".to_string()),
        Just("PT5M".to_string()),
        Just("99999999999h".to_string()),
        Just("0s".to_string()),
        "[a-z0-9.]{0,5}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}",
        Just("web".to_string()),
        Just("".to_string()),
        Just("Bad_Name".to_string()),
        "[a-z]{63,70}",
    ]
}

fn kind() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("Deployment"),
        Just("StatefulSet"),
        Just("ReplicaSet"),
        Just("DaemonSet"),
        Just("Pod"),
        Just("PodDisruptionBudget"),
        Just("Node"),
        Just("PriorityClass"),
        Just("ConfigMap"),
        Just("Deploymnet"),
    ]
}

fn action() -> impl Strategy<Value = String> {
    let reference = prop_oneof![
        name().prop_map(|n| format!("deployment/{n}")),
        Just("deployment/prod/web".to_string()),
        Just("prod/deployment/web".to_string()),
        Just("sts/web".to_string()),
        Just("pod/web-0".to_string()),
        Just("web".to_string()),
        Just("a/b/c/d".to_string()),
    ];
    prop_oneof![
        (reference.clone(), int())
            .prop_map(|(r, n)| format!("scale: {{workload: {r}, replicas: {n}}}")),
        name().prop_map(|n| format!("cordon: {n}")),
        (name(), duration()).prop_map(|(n, d)| format!("drain: {{nodes: [{n}], timeout: {d}}}")),
        (int(), name()).prop_map(|(c, p)| format!("add-node: {{pool: {p}, count: {c}}}")),
        (name(), int()).prop_map(|(p, s)| format!("upgrade-pool: {{pool: {p}, maxSurge: {s}}}")),
        name().prop_map(|z| format!("zone-outage: {{zone: {z}}}")),
        name().prop_map(|n| format!("crash-node: {n}")),
        reference.clone().prop_map(|r| format!("rollout: {{workload: {r}, image: nginx:2}}")),
        (name(), int())
            .prop_map(|(n, g)| format!("delete-pod: {{name: {n}, gracePeriodSeconds: {g}}}")),
        reference.prop_map(|r| format!("evict-pod: {{selector: {{matchLabels: {{app: {r}}}}}}}")),
    ]
}

prop_compose! {
    /// A scenario in the format's shape, with hostile values.
    fn scenario()(
        dur in duration(),
        count in int(),
        cpu in quantity(),
        mem in quantity(),
        pods in int(),
        k in kind(),
        n in name(),
        replicas in int(),
        req_cpu in quantity(),
        req_mem in quantity(),
        grace in int(),
        deleting in any::<bool>(),
        status in prop_oneof![Just(""), Just("status: {phase: Running}"), Just("status: {phase: Bogus, conditions: [{type: Ready, status: 'True'}, {type: Ready, status: 'False'}]}")],
        actions in prop::collection::vec((duration(), action()), 0..4),
        expect in prop_oneof![Just(String::new()), name().prop_map(|n| format!("expect:\n  - ready: {{workload: deployment/{n}, atLeast: 1}}\n"))],
    ) -> String {
        let deletion = if deleting {
            "deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 30, finalizers: [x/y], "
        } else {
            ""
        };
        let mut s = format!(
"name: fuzz
duration: {dur}
cluster:
  nodePools:
    - name: pool
      count: {count}
      zones: [a, b]
      allocatable: {{cpu: '{cpu}', memory: '{mem}', pods: {pods}}}
workloads:
  - apiVersion: apps/v1
    kind: {k}
    metadata: {{name: {n}, namespace: prod, {deletion}labels: {{app: {n}}}}}
    spec:
      replicas: {replicas}
      nodeName: pool-1
      selector: {{matchLabels: {{app: {n}}}}}
      containers: [{{name: c, image: nginx}}]
      template:
        metadata: {{labels: {{app: {n}}}}}
        spec:
          terminationGracePeriodSeconds: {grace}
          containers:
            - name: c
              image: nginx
              resources: {{requests: {{cpu: '{req_cpu}', memory: '{req_mem}'}}}}
    {status}
");
        if !actions.is_empty() {
            s.push_str("actions:\n");
            for (at, a) in &actions {
                s.push_str(&format!("  - at: {at}\n    {a}\n"));
            }
        }
        s.push_str(&expect);
        s
    }
}

/// A byte-level edit: delete a range, insert YAML punctuation, or duplicate a line.
fn mutate(text: &str, edits: &[(usize, usize, u8)]) -> String {
    let mut b = text.as_bytes().to_vec();
    const INSERT: &[&[u8]] = &[
        b":",
        b"- ",
        b"\n",
        b"  ",
        b"{",
        b"}",
        b"[",
        b"]",
        b"&a ",
        b"*a",
        b"<<: *a",
        b"!!str ",
        b"'",
        b"\"",
        b"#",
        b"---\n",
        b"|\n",
        b"? ",
        b",",
        b"\t",
        b"~",
        b"\xc3\xa9",
        b"0x1F",
    ];
    for &(at, len, op) in edits {
        if b.is_empty() {
            break;
        }
        let at = at % b.len();
        match op % 3 {
            0 => {
                let end = (at + len % 16).min(b.len());
                b.drain(at..end);
            }
            1 => {
                let ins = INSERT[len % INSERT.len()];
                b.splice(at..at, ins.iter().copied());
            }
            _ => {
                let start = b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
                let end = b[at..].iter().position(|&c| c == b'\n').map_or(b.len(), |i| at + i + 1);
                let line = b[start..end].to_vec();
                b.splice(end..end, line);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Runs `f` on a thread with the 8 MiB stack of a program's main thread (where `kubesim`
/// loads scenarios): a test thread has 2 MiB, too little for proptest's strategies and the
/// unoptimised deserializers of a debug build. A failure there fails the test.
fn on_main_sized_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .expect("a thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

/// Runs `strategy` through `test` with `cases(64)`, on a main-sized stack.
fn check<S>(strategy: S, test: fn(S::Value))
where
    S: Strategy + Send + 'static,
    S::Value: 'static,
{
    on_main_sized_stack(move || {
        proptest::test_runner::TestRunner::new(cases(64))
            .run(&strategy, |v| {
                test(v);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    });
}

fn edits() -> impl Strategy<Value = Vec<(usize, usize, u8)>> + Send {
    prop::collection::vec((any::<usize>(), any::<usize>(), any::<u8>()), 1..6)
}

#[test]
fn arbitrary_text_never_panics() {
    check("(?s).{0,400}", |t: String| load(&t));
}

#[test]
fn generated_scenarios_never_panic() {
    check(scenario(), |t| load(&t));
}

#[test]
fn mutated_scenarios_never_panic() {
    check((scenario(), edits()), |(t, e)| load(&mutate(&t, &e)));
}

#[test]
fn mutated_project_scenarios_never_panic() {
    check((0usize..64, edits()), |(w, e)| {
        let texts = project_scenarios();
        load(&mutate(&texts[w % texts.len()], &e));
    });
}

/// The project's scenario files (their includes are not found from the fuzz path: that is an
/// error path too).
fn project_scenarios() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect()
    })
}

/// The long run (`scripts/fuzz.sh`): every property above with `KUBESIM_FUZZ_CASES` inputs
/// each, one after the other in this test, then what it did: the count, the time, the slowest
/// input and the largest allocation of one input.
#[test]
#[ignore = "long: run with scripts/fuzz.sh"]
fn long_run() {
    let started = Instant::now();
    arbitrary_text_never_panics();
    generated_scenarios_never_panic();
    mutated_scenarios_never_panic();
    mutated_project_scenarios_never_panic();
    eprintln!(
        "fuzz: {} inputs in {:.1} s; slowest input {:.1} ms; peak resident memory {:.1} MiB",
        INPUTS.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        SLOWEST_US.load(Ordering::Relaxed) as f64 / 1000.0,
        peak_rss().unwrap_or(0) as f64 / (1 << 20) as f64
    );
}
