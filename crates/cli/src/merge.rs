//! `kubesim merge DIR... --out DIR`: joins the outputs of `kubesim sweep --shard K/N` into
//! what the whole sweep writes (`sweep.json` without a shard, `sweep.csv`,
//! `sweep-summary.csv`, the charts), byte for byte.
//!
//! Every input must hold the same sweep (equal `sweep.json` but for the shard and the path the
//! scenario was named by: the same kubesim version, scenario content by fingerprint, `--set`s,
//! seeds and charts) and a run may appear only once; together they must hold every run of the
//! grid. A refusal says what differs.

use crate::Failure;
use crate::output::OutputFormat;
use crate::sweep::{Manifest, report, write_outputs};
use kubesim_report::sweep::SweepTable;
use std::path::{Path, PathBuf};

/// `kubesim merge` flags.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard output directories (each with `sweep.json` and `sweep.csv`).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged sweep.
    #[arg(long)]
    out: PathBuf,
    /// Replace `--out` even if it is a directory kubesim did not write (not empty, no
    /// `.kubesim-results` file): everything in it is deleted.
    #[arg(long)]
    force: bool,
    /// Output format on stdout.
    #[arg(long, short = 'o', value_enum, default_value_t)]
    output: OutputFormat,
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, Failure> {
    let path = dir.join(name);
    std::fs::read(&path)
        .map_err(|e| Failure::BadInput(format!("cannot read {}: {e}", path.display())))
}

/// `kubesim merge`.
pub fn merge(args: MergeArgs) -> Result<(), Failure> {
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut table: Option<SweepTable> = None;
    // Which directory each run came from.
    let mut seen: Vec<Option<usize>> = Vec::new();
    for (d, dir) in args.dirs.iter().enumerate() {
        let manifest: Manifest =
            serde_json::from_slice(&read(dir, "sweep.json")?).map_err(|e| {
                Failure::BadInput(format!(
                    "{}: not a kubesim sweep.json: {e}",
                    dir.join("sweep.json").display()
                ))
            })?;
        if let Some((first_dir, m)) = &first
            && let Some(why) = m.difference(&manifest)
        {
            return Err(Failure::BadInput(format!(
                "error: {} and {} are not from the same sweep: {why}",
                first_dir.display(),
                dir.display(),
            )));
        }
        let params: Vec<String> = manifest.params.iter().map(|p| p.path.clone()).collect();
        let part = SweepTable::from_csv(&read(dir, "sweep.csv")?, &params)
            .map_err(|e| Failure::BadInput(format!("{}: {e}", dir.join("sweep.csv").display())))?;
        if manifest.runs > crate::sweep::MAX_RUNS {
            return Err(Failure::BadInput(format!(
                "error: {}: a sweep of {} runs, more than the limit of {}",
                dir.join("sweep.json").display(),
                manifest.runs,
                crate::sweep::MAX_RUNS
            )));
        }
        if seen.is_empty() {
            seen = vec![None; manifest.runs];
        }
        for r in &part.rows {
            match seen.get_mut(r.run) {
                None => {
                    return Err(Failure::BadInput(format!(
                        "{}: run {} is outside the grid of {} runs",
                        dir.display(),
                        r.run,
                        manifest.runs
                    )));
                }
                Some(Some(other)) => {
                    return Err(Failure::BadInput(format!(
                        "run {} is in both {} and {}",
                        r.run,
                        args.dirs[*other].display(),
                        dir.display()
                    )));
                }
                Some(slot) => *slot = Some(d),
            }
        }
        match &mut table {
            None => table = Some(part),
            Some(t) if t.figures != part.figures => {
                return Err(Failure::BadInput(format!(
                    "{}: its figures differ from those of {}",
                    dir.display(),
                    args.dirs[0].display()
                )));
            }
            Some(t) => t.rows.extend(part.rows),
        }
        if first.is_none() {
            first = Some((dir.clone(), manifest));
        }
    }
    let (Some((_, manifest)), Some(mut table)) = (first, table) else {
        return Err(Failure::BadInput("no directories to merge".into()));
    };
    let missing: Vec<usize> =
        seen.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| i).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(usize::to_string).collect();
        let more = if missing.len() > 10 {
            format!(" and {} more", missing.len() - 10)
        } else {
            String::new()
        };
        return Err(Failure::BadInput(format!(
            "{} of {} runs are missing (runs {}{more}): is a shard left out?",
            missing.len(),
            manifest.runs,
            shown.join(", ")
        )));
    }
    table.rows.sort_by_key(|r| r.run);
    let manifest = Manifest { shard: None, ..manifest };
    let written = write_outputs(&args.out, &manifest, &table, args.force)?;
    report(args.output, &args.out, &manifest, &table, &written, None);
    Ok(())
}
