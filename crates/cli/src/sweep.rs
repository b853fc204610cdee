//! `kubesim sweep`: one scenario over a grid of parameter values × seeds, in parallel.
//!
//! The grid is the product of every `--set PATH=V1,V2,...` (the first `--set` varies slowest)
//! times the seeds `1..=N` (`--seeds N`, fastest). Run `i` (from 0) is variant `i / N` with
//! seed `i % N + 1`. Each variant's scenario is read once with its values applied
//! ([`kubesim_scenario::load_with`]); each run is one single-threaded, deterministic
//! simulation with the scenario's seed replaced. `--jobs J` runs J at a time on a rayon pool;
//! results are collected in run order, so every output is byte-identical for any J.
//!
//! `--shard K/N` runs only the runs `i` with `i % N == K - 1` (round robin, so each shard gets
//! a share of every variant) and writes `sweep.json` and `sweep.csv` for them;
//! `kubesim merge` joins the shards into what the whole sweep writes. `sweep.json` records the
//! sweep (scenario, `--set`s, seeds, charts) and a fingerprint of it and of the scenario's
//! files, which `merge` compares.

use crate::Failure;
use crate::output::OutputFormat;
use crate::progress::Progress;
use kubesim_model::{ActionKind, Scenario};
use kubesim_report::sweep::{SweepRow, SweepTable, write_sweep_dir};
use kubesim_scenario::Set;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `kubesim sweep` flags.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file.
    file: PathBuf,
    /// A parameter and its values: `PATH=V1,V2,...` (repeatable; values are YAML, split at
    /// commas outside brackets and quotes). PATH: `params.nodeMonitorGracePeriod`,
    /// `actions[0].maxSurge`, `workloads[web].spec.replicas`, ... (see the README).
    #[arg(long = "set", value_name = "PATH=V1,V2,...")]
    sets: Vec<String>,
    /// Runs per variant, with seeds 1..=N.
    #[arg(long, value_name = "N")]
    seeds: u64,
    /// Runs at a time (default: the number of cores).
    #[arg(long, value_name = "J")]
    jobs: Option<usize>,
    /// Run only shard K of N (1-based): the runs i with i % N == K-1.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Output directory (default: results/sweep-<scenario name>, plus -shard-K-of-N).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A figure to chart against `--by` (repeatable; default: the upgrade, drain or
    /// below-desired time, and min_ready_pct).
    #[arg(long, value_name = "FIGURE")]
    chart: Vec<String>,
    /// The parameter on the chart's x axis (default: the first --set).
    #[arg(long, value_name = "PATH")]
    by: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t)]
    output: OutputFormat,
}

/// One `--set` of a sweep: a path and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// The field path.
    pub path: String,
    /// The values, as given.
    pub values: Vec<String>,
}

/// A chart to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSpec {
    /// The figure on the y axis.
    pub figure: String,
    /// The parameter on the x axis.
    pub by: String,
}

/// Which slice of the grid a run of `kubesim sweep` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

/// `sweep.json`: what was swept, so `merge` can check its inputs belong together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of this file.
    pub kubesim_sweep: u32,
    /// The scenario file, as given.
    pub scenario: String,
    /// The scenario's name.
    pub name: String,
    /// FNV-1a 64 of the scenario's files, the `--set`s and the seeds (hex).
    pub fingerprint: String,
    /// The `--set`s.
    pub params: Vec<Param>,
    /// Seeds 1..=seeds per variant.
    pub seeds: u64,
    /// Runs in the whole grid.
    pub runs: usize,
    /// The charts.
    pub charts: Vec<ChartSpec>,
    /// The slice this directory holds (`null`: the whole grid).
    pub shard: Option<Shard>,
}

impl Manifest {
    /// The same sweep (equal but for the shard).
    pub fn same_sweep(&self, other: &Manifest) -> bool {
        Manifest { shard: None, ..self.clone() } == Manifest { shard: None, ..other.clone() }
    }
}

/// FNV-1a, 64 bits: a small stable fingerprint (not for security).
pub fn fnv1a(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Splits `V1,V2,...` at commas outside `[]`, `{}` and quotes.
fn split_values(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut cur) = (0i32, None, String::new());
    for c in s.chars() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('[' | '{', None) => depth += 1,
            (']' | '}', None) => depth -= 1,
            (',', None) if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// Parses the `--set` flags.
pub fn parse_params(sets: &[String]) -> Result<Vec<Param>, Failure> {
    let mut params: Vec<Param> = Vec::new();
    for s in sets {
        let Some((path, values)) = s.split_once('=') else {
            return Err(Failure::BadInput(format!(
                "--set {s}: expected PATH=V1,V2,... (e.g. --set actions[0].maxSurge=1,2,3)"
            )));
        };
        let path = path.trim().to_string();
        let values = split_values(values);
        if values.iter().any(String::is_empty) {
            return Err(Failure::BadInput(format!("--set {s}: an empty value")));
        }
        if params.iter().any(|p| p.path == path) {
            return Err(Failure::BadInput(format!("--set {path} is given twice")));
        }
        params.push(Param { path, values });
    }
    Ok(params)
}

/// `K/N` with 1 ≤ K ≤ N.
fn parse_shard(s: &str) -> Result<Shard, Failure> {
    let bad = || Failure::BadInput(format!("--shard {s}: expected K/N with 1 <= K <= N, e.g. 3/8"));
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count): (usize, usize) =
        (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if index == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// Every combination of the parameters' values, the first parameter slowest.
fn variants(params: &[Param]) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new()];
    for p in params {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                p.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    out
}

/// The default charts: the upgrade, drain or below-desired time, and the lowest ready percent.
fn default_charts(scenario: &Scenario, by: &str) -> Vec<ChartSpec> {
    let has = |f: fn(&ActionKind) -> bool| scenario.actions.iter().any(|a| f(&a.kind));
    let time = if has(|k| matches!(k, ActionKind::UpgradePool { .. })) {
        "upgrade_duration_s"
    } else if has(|k| matches!(k, ActionKind::Drain { .. })) {
        "drain_duration_s"
    } else {
        "below_desired_s"
    };
    [time, "min_ready_pct"]
        .iter()
        .map(|f| ChartSpec { figure: f.to_string(), by: by.to_string() })
        .collect()
}

/// One run's figures: their names and their formatted values.
type RunFigures = (Vec<String>, Vec<String>);

/// One run: the figures, formatted; `Err` when the run stalled (see
/// `kubesim_controllers::MAX_EVENTS_PER_INSTANT`).
fn run_one(scenario: &Scenario, seed: u64) -> Result<RunFigures, String> {
    let mut s = scenario.clone();
    s.seed = seed;
    let outcome = kubesim_controllers::run(&s);
    if let Some(why) = outcome.stalled {
        return Err(format!("the run with seed {seed}: {why}"));
    }
    let output = kubesim_report::RunOutput {
        scenario: &s,
        cluster: &outcome.cluster,
        trace: &outcome.trace,
    };
    let figures = kubesim_report::figures::run_figures(&output);
    let names = figures.iter().map(|f| f.name.clone()).collect();
    let values =
        figures.iter().map(|f| kubesim_report::figures::format_value(&f.name, f.value)).collect();
    Ok((names, values))
}

/// Writes a sweep directory: `sweep.json`, `sweep.csv` and, for a whole grid,
/// `sweep-summary.csv` and the charts. Returns the file names.
pub fn write_outputs(
    dir: &Path,
    manifest: &Manifest,
    table: &SweepTable,
) -> Result<Vec<String>, Failure> {
    let internal = |e: kubesim_report::ReportError| {
        Failure::Internal(anyhow::anyhow!("writing {}: {e}", dir.display()))
    };
    let mut json = serde_json::to_string_pretty(manifest).map_err(anyhow::Error::from)?;
    json.push('\n');
    let mut files =
        vec![("sweep.json", json.into_bytes()), ("sweep.csv", table.csv().map_err(internal)?)];
    let mut charts = Vec::new();
    if manifest.shard.is_none() {
        files.push(("sweep-summary.csv", table.summary_csv().map_err(internal)?));
        for c in &manifest.charts {
            let chart = table.chart(&manifest.name, &c.figure, &c.by).ok_or_else(|| {
                Failure::BadInput(format!(
                    "--chart {} --by {}: no such figure or parameter (figures: {})",
                    c.figure,
                    c.by,
                    table.figures.join(", ")
                ))
            })?;
            charts.push(chart);
        }
    }
    write_sweep_dir(dir, &files, &charts).map_err(internal)
}

/// Prints what was written: a table per chart (p50/p90/max per value of `by`), or JSON.
pub fn report(
    format: OutputFormat,
    dir: &Path,
    manifest: &Manifest,
    table: &SweepTable,
    files: &[String],
    timing: Option<(f64, usize)>,
) {
    let ran = table.rows.len();
    if format == OutputFormat::Json {
        let mut doc = serde_json::json!({
            "dir": dir.display().to_string(),
            "scenario": manifest.name,
            "fingerprint": manifest.fingerprint,
            "runs": ran,
            "gridRuns": manifest.runs,
            "shard": manifest.shard,
            "files": files,
        });
        if let Some((secs, jobs)) = timing {
            doc["jobs"] = jobs.into();
            doc["wallSeconds"] = secs.into();
        }
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    let variants = manifest.params.iter().map(|p| p.values.len()).product::<usize>();
    let mut line =
        format!("{}: {ran} runs ({variants} variants x {} seeds", manifest.name, manifest.seeds);
    if let Some(s) = manifest.shard {
        line.push_str(&format!(", shard {}/{} of {} runs", s.index, s.count, manifest.runs));
    }
    line.push(')');
    if let Some((secs, jobs)) = timing {
        line.push_str(&format!(
            " with {jobs} jobs in {secs:.1} s ({:.1} runs/s)",
            ran as f64 / secs.max(1e-9)
        ));
    }
    println!("{line}");
    if manifest.shard.is_none() {
        for c in &manifest.charts {
            let Some(chart) = table.chart(&manifest.name, &c.figure, &c.by) else { continue };
            println!();
            println!("{:<24} {:>5} {:>12} {:>12} {:>12}", c.by, "RUNS", "P50", "P90", "MAX");
            let f = |v| kubesim_report::figures::format_value(&c.figure, v);
            for p in &chart.points {
                println!(
                    "{:<24} {:>5} {:>12} {:>12} {:>12}",
                    p.x,
                    p.n,
                    f(p.p50),
                    f(p.p90),
                    f(p.max)
                );
            }
            println!("({})", c.figure);
        }
    }
    println!();
    println!("wrote {}/: {}", dir.display(), files.join(", "));
}

/// `kubesim sweep`.
pub fn sweep(args: SweepArgs) -> Result<(), Failure> {
    let params = parse_params(&args.sets)?;
    if args.seeds == 0 {
        return Err(Failure::BadInput("--seeds must be at least 1".into()));
    }
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let jobs = match args.jobs {
        Some(0) => return Err(Failure::BadInput("--jobs must be at least 1".into())),
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let by = match &args.by {
        Some(b) if params.iter().any(|p| &p.path == b) => b.clone(),
        Some(b) => {
            return Err(Failure::BadInput(format!("--by {b}: not one of the --set paths")));
        }
        None => params.first().map(|p| p.path.clone()).unwrap_or_default(),
    };

    // Every variant is read (and checked) before anything runs.
    let grid = variants(&params);
    let mut scenarios = Vec::with_capacity(grid.len());
    let mut files = Vec::new();
    for values in &grid {
        let sets: Vec<Set> = params
            .iter()
            .zip(values)
            .map(|(p, v)| Set { path: p.path.clone(), value: v.clone() })
            .collect();
        let loaded = kubesim_scenario::load_with(&args.file, &sets)
            .map_err(|e| Failure::BadInput(e.to_string()))?;
        if files.is_empty() {
            files = loaded.files.clone();
        }
        scenarios.push(loaded.scenario);
    }
    let first = &scenarios[0];
    let charts = if args.chart.is_empty() {
        if by.is_empty() { Vec::new() } else { default_charts(first, &by) }
    } else if by.is_empty() {
        return Err(Failure::BadInput("--chart needs a --set to chart against".into()));
    } else {
        args.chart.iter().map(|f| ChartSpec { figure: f.clone(), by: by.clone() }).collect()
    };

    let mut parts: Vec<Vec<u8>> = Vec::new();
    for f in &files {
        parts.push(
            std::fs::read(f)
                .map_err(|e| Failure::BadInput(format!("cannot read {}: {e}", f.display())))?,
        );
    }
    for p in &params {
        parts.push(format!("{}={}", p.path, p.values.join("\u{1f}")).into_bytes());
    }
    parts.push(format!("seeds=1..={}", args.seeds).into_bytes());
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let total = grid.len() * args.seeds as usize;
    let manifest = Manifest {
        kubesim_sweep: 1,
        scenario: args.file.display().to_string(),
        name: first.name.clone(),
        fingerprint: fnv1a(&refs),
        params: params.clone(),
        seeds: args.seeds,
        runs: total,
        charts,
        shard,
    };

    let mine: Vec<usize> =
        (0..total).filter(|i| shard.is_none_or(|s| i % s.count == s.index - 1)).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::Internal(e.into()))?;
    let bar = Progress::runs(mine.len() as u64);
    let started = Instant::now();
    let seeds = args.seeds as usize;
    let results: Result<Vec<RunFigures>, String> = pool.install(|| {
        mine.par_iter()
            .map(|&i| {
                let r = run_one(&scenarios[i / seeds], (i % seeds) as u64 + 1);
                bar.inc();
                r
            })
            .collect()
    });
    bar.finish();
    let results = results.map_err(|why| Failure::BadInput(format!("error: {why}")))?;
    let wall = started.elapsed().as_secs_f64();

    let figures = results.first().map(|r| r.0.clone()).unwrap_or_default();
    if results.iter().any(|r| r.0 != figures) {
        return Err(Failure::BadInput(
            "the variants have different figures (does a --set change the workloads?)".into(),
        ));
    }
    let rows = mine
        .iter()
        .zip(results)
        .map(|(&i, (_, values))| SweepRow {
            run: i,
            params: grid[i / seeds].clone(),
            seed: (i % seeds) as u64 + 1,
            values,
        })
        .collect();
    let table =
        SweepTable { params: params.iter().map(|p| p.path.clone()).collect(), figures, rows };
    let dir = args.out.unwrap_or_else(|| {
        let mut name = format!("sweep-{}", manifest.name);
        if let Some(s) = shard {
            name.push_str(&format!("-shard-{}-of-{}", s.index, s.count));
        }
        Path::new("results").join(name)
    });
    let written = write_outputs(&dir, &manifest, &table)?;
    report(args.output, &dir, &manifest, &table, &written, Some((wall, jobs)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_outside_brackets() {
        assert_eq!(split_values("1,2, 3"), vec!["1", "2", "3"]);
        assert_eq!(
            split_values("{uniform: {min: 1m, max: 2m}},30s,'a,b'"),
            vec!["{uniform: {min: 1m, max: 2m}}", "30s", "'a,b'"]
        );
    }

    #[test]
    fn grid_order_first_parameter_slowest() {
        let p = |path: &str, v: &[&str]| Param {
            path: path.into(),
            values: v.iter().map(|s| s.to_string()).collect(),
        };
        let g = variants(&[p("a", &["1", "2"]), p("b", &["x", "y", "z"])]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec!["1", "x"]);
        assert_eq!(g[2], vec!["1", "z"]);
        assert_eq!(g[3], vec!["2", "x"]);
        assert_eq!(variants(&[]), vec![Vec::<String>::new()]);
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("3/8").ok(), Some(Shard { index: 3, count: 8 }));
        for bad in ["0/3", "4/3", "x/2", "2", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprint_is_stable_and_separates_parts() {
        // FNV-1a of nothing is its offset basis; parts are separated, so ("ab") != ("a","b").
        assert_eq!(fnv1a(&[]), "cbf29ce484222325");
        assert_ne!(fnv1a(&[b"ab"]), fnv1a(&[b"a", b"b"]));
    }
}
