//! `kubesim check PATH...`: runs every scenario found in the files and directories given and
//! checks its expectations (`expect:`), for CI.
//!
//! Directories are walked recursively in name order; a YAML file in one is run if it is a
//! kubesim scenario ([`kubesim_scenario::is_scenario`]: one document with a `name` and no
//! `apiVersion`/`kind`), and skipped if it holds Kubernetes manifests. A file named on the
//! command line is always read as a scenario.
//!
//! Every scenario is loaded before any runs: one bad file (named with line, column and field)
//! and nothing runs and nothing is written (exit 2); so does finding no scenario at all. Then each runs with its own seed; the
//! table (or the JSON document) goes to stdout, the JUnit XML (`--junit FILE`) to a temporary
//! file renamed into place. Exit 0 when every expectation holds, 1 when one fails.

use crate::Failure;
use crate::output::OutputFormat;
use kubesim_report::{ExpectationVerdict, Summary};
use kubesim_scenario::LoadOptions;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `check` found: one entry per scenario, in the order run.
pub struct Checked {
    /// (file, summary of its run)
    pub runs: Vec<(PathBuf, Summary)>,
}

impl Checked {
    fn failed(&self) -> usize {
        self.runs.iter().map(|(_, s)| s.expectations.iter().filter(|e| !e.passed).count()).sum()
    }
    fn total(&self) -> usize {
        self.runs.iter().map(|(_, s)| s.expectations.len()).sum()
    }
}

/// The scenario files under `paths`, in the order given (directories: recursively, by name).
fn scenario_files(paths: &[PathBuf], opts: &LoadOptions) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| Failure::BadInput(format!("error: cannot read `{}`: {e}", p.display())))?;
        if meta.is_dir() {
            walk(p, opts, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Collects the scenario files below `dir`. Only regular files ending in `.yaml`/`.yml` are
/// opened (a FIFO or device in the tree is passed over, never read), and each is read through
/// the same bounded reader as a scenario file (`--max-include-size`), so a huge file in a
/// directory given to `check` is an error naming it, not unbounded memory.
fn walk(dir: &Path, opts: &LoadOptions, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let bad = |e: std::io::Error| {
        Failure::BadInput(format!("error: cannot read `{}`: {e}", dir.display()))
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(bad)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, opts, out)?;
            continue;
        }
        let yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml") && p.is_file();
        if !yaml {
            continue;
        }
        let text = kubesim_scenario::read_scenario(&p, opts)
            .map_err(|e| Failure::BadInput(format!("error: cannot read `{}`: {e}", p.display())))?;
        match kubesim_scenario::is_scenario(&text, &p) {
            Ok(true) => out.push(p),
            Ok(false) => {}
            Err(e) => return Err(Failure::BadInput(e.to_string())),
        }
    }
    Ok(())
}

/// Loads every scenario, then runs each and checks its expectations.
pub fn check_paths(paths: &[PathBuf], load: &crate::LoadArgs) -> Result<Checked, Failure> {
    let files = scenario_files(paths, &load.options())?;
    if files.is_empty() {
        // A CI job pointed at the wrong directory must not pass with nothing checked.
        let shown: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
        return Err(Failure::BadInput(format!(
            "error: no kubesim scenario in {} (only Kubernetes manifests or no YAML)",
            shown.join(", ")
        )));
    }
    let mut loaded = Vec::with_capacity(files.len());
    for f in &files {
        let s = kubesim_scenario::load_options(f, &load.options())
            .map_err(|e| Failure::BadInput(e.to_string()))?;
        loaded.push((f.clone(), s.scenario));
    }
    let runs = loaded
        .into_iter()
        .map(|(f, scenario)| {
            let outcome = kubesim_controllers::run(&scenario);
            if let Some(why) = &outcome.stalled {
                return Err(Failure::BadInput(format!("error: {}: {why}", f.display())));
            }
            let out = kubesim_report::RunOutput {
                scenario: &scenario,
                cluster: &outcome.cluster,
                trace: &outcome.trace,
            };
            Ok((f, kubesim_report::summarize(&out)))
        })
        .collect::<Result<_, Failure>>()?;
    Ok(Checked { runs })
}

/// The worst point of a verdict in a few words: `1 replicas at 00:01:00.000`.
fn worst(v: &ExpectationVerdict) -> String {
    let value = match (v.worst_value, v.unit.as_str()) {
        (Some(ms), "ms") => kubesim_engine::SimDuration::from_millis(ms.max(0) as u64).to_string(),
        (Some(n), unit) => format!("{n} {unit}"),
        (None, _) => "-".to_string(),
    };
    match &v.worst_at {
        Some(at) => format!("{value} at {at}"),
        None => value,
    }
}

/// The table: one row per scenario, then one line per failed expectation.
pub fn render_text(c: &Checked) -> String {
    let mut rows = vec![[
        "SCENARIO".to_string(),
        "FILE".to_string(),
        "PASSED".to_string(),
        "FAILED".to_string(),
        "WORST FAILURE".to_string(),
    ]];
    for (f, s) in &c.runs {
        let failed: Vec<&ExpectationVerdict> =
            s.expectations.iter().filter(|e| !e.passed).collect();
        let first =
            failed.first().map_or("-".to_string(), |v| format!("{}: {}", v.expectation, worst(v)));
        rows.push([
            s.scenario.clone(),
            f.display().to_string(),
            (s.expectations.len() - failed.len()).to_string(),
            failed.len().to_string(),
            first,
        ]);
    }
    let mut width = [0usize; 4];
    for r in &rows {
        for (w, cell) in width.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut o = String::new();
    for r in &rows {
        let mut line = String::new();
        for (w, cell) in width.iter().zip(r.iter()) {
            line.push_str(&format!("{cell:<w$}   ", w = *w));
        }
        line.push_str(&r[4]);
        o.push_str(line.trim_end());
        o.push('\n');
    }
    let failed = c.failed();
    if failed > 0 {
        o.push('\n');
        for (_, s) in &c.runs {
            for v in s.expectations.iter().filter(|e| !e.passed) {
                o.push_str(&format!("FAIL {}: {}\n     {}\n", s.scenario, v.expectation, v.detail));
            }
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    o.push_str(&format!(
        "\n{}, {}: {} passed, {} failed\n",
        plural(c.runs.len(), "scenario"),
        plural(c.total(), "expectation"),
        c.total() - failed,
        failed
    ));
    o
}

/// The JSON document of `--output json`.
pub fn render_json(c: &Checked) -> Result<String, serde_json::Error> {
    let scenarios: Vec<serde_json::Value> = c
        .runs
        .iter()
        .map(|(f, s)| {
            let failed = s.expectations.iter().filter(|e| !e.passed).count();
            serde_json::json!({
                "file": f.display().to_string(),
                "scenario": s.scenario,
                "seed": s.seed,
                "passed": s.expectations.len() - failed,
                "failed": failed,
                "expectations": s.expectations,
            })
        })
        .collect();
    let failed = c.failed();
    serde_json::to_string_pretty(&serde_json::json!({
        "scenarios": scenarios,
        "expectations": c.total(),
        "passed": c.total() - failed,
        "failed": failed,
    }))
}

/// The JUnit XML: one `testsuite` per scenario, one `testcase` per expectation, a `failure`
/// with the worst point for each failed one.
pub fn render_junit(c: &Checked) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("kubesim check");
    for (f, s) in &c.runs {
        let mut suite = TestSuite::new(s.scenario.clone());
        for v in &s.expectations {
            let status = if v.passed {
                TestCaseStatus::success()
            } else {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(format!("worst: {}", worst(v)));
                st.set_type(v.kind.clone());
                st.set_description(v.detail.clone());
                st
            };
            let mut case = TestCase::new(v.expectation.clone(), status);
            case.set_classname(format!("{}.{}", s.scenario, v.kind));
            case.set_system_out(format!("{} ({})", v.detail, f.display()));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string()
}

/// Writes `text` to `path` whole or not at all: a temporary file next to it, renamed.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map_or("junit.xml".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `kubesim check`: Ok(true) when every expectation passed.
pub fn check(
    paths: &[PathBuf],
    junit: Option<&Path>,
    output: OutputFormat,
    load: &crate::LoadArgs,
) -> Result<bool, Failure> {
    let c = check_paths(paths, load)?;
    let stdout = match output {
        OutputFormat::Text => render_text(&c),
        OutputFormat::Json => render_json(&c).map_err(|e| Failure::Internal(e.into()))? + "\n",
    };
    if let Some(path) = junit {
        let xml = render_junit(&c)
            .map_err(|e| Failure::Internal(anyhow::anyhow!("rendering JUnit XML: {e}")))?;
        // An unwritable `--junit` path is the caller's input, not a failed expectation: exit 2.
        write_atomic(path, &xml).map_err(|e| {
            Failure::BadInput(format!(
                "error: cannot write the JUnit report `{}`: {e}",
                path.display()
            ))
        })?;
    }
    print!("{stdout}");
    Ok(c.failed() == 0)
}
