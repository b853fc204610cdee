//! The outputs of `kubesim sweep` and `kubesim merge`: `sweep.csv` (one row per run),
//! `sweep-summary.csv` (percentiles per variant) and the sweep charts ([`crate::sweep_chart`]).
//!
//! Everything here is computed from the rows as `sweep.csv` writes them (figures formatted
//! by [`crate::figures::format_value`] and parsed back), so a sweep run whole and the same sweep
//! run in shards and merged write the same bytes.
//!
//! Percentiles are **nearest-rank**: the p-th percentile of n sorted values is the value at
//! rank ⌈p/100 · n⌉ (1-based), so it is always one of the observed values (p50 of 1,2,3,4 is
//! 2; p90 of 100 values is the 90th smallest; p99 of 10 values is the largest).

use crate::ReportError;
use crate::sweep_chart::{SweepChart, SweepPoint};
use std::path::Path;

/// One run of a sweep, as a row of `sweep.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepRow {
    /// The run's index in the grid (variant-major, seed-minor, from 0).
    pub run: usize,
    /// The value of each parameter, as given to `--set`.
    pub params: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// Each figure, formatted ([`crate::figures::format_value`]; empty: does not apply).
    pub values: Vec<String>,
}

/// A sweep's table: parameter paths, figure names and the rows (in run order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepTable {
    /// The `--set` paths, in order.
    pub params: Vec<String>,
    /// The figure names, in order.
    pub figures: Vec<String>,
    /// The rows.
    pub rows: Vec<SweepRow>,
}

/// The percentiles `sweep-summary.csv` gives for each figure.
pub const SUMMARY_STATS: [&str; 5] = ["n", "p50", "p90", "p99", "max"];

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted` (ascending); `None` if empty.
pub fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// The values of column `figure` over `rows`, sorted, skipping empty cells.
fn sorted_values<'a>(rows: impl Iterator<Item = &'a SweepRow>, figure: usize) -> Vec<f64> {
    let mut v: Vec<f64> =
        rows.filter_map(|r| r.values.get(figure).and_then(|s| s.parse().ok())).collect();
    v.sort_by(f64::total_cmp);
    v
}

fn csv_err(file: &'static str) -> impl Fn(csv::Error) -> ReportError {
    move |source| ReportError::Csv { file, source }
}

fn finish(w: csv::Writer<Vec<u8>>, file: &'static str) -> Result<Vec<u8>, ReportError> {
    w.into_inner().map_err(|e| ReportError::Csv { file, source: e.into_error().into() })
}

impl SweepTable {
    /// `sweep.csv`: `run`, each parameter, `seed`, each figure.
    pub fn csv(&self) -> Result<Vec<u8>, ReportError> {
        let err = csv_err("sweep.csv");
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["run".to_string()];
        header.extend(self.params.iter().cloned());
        header.push("seed".into());
        header.extend(self.figures.iter().cloned());
        w.write_record(&header).map_err(&err)?;
        for r in &self.rows {
            let mut rec = vec![r.run.to_string()];
            rec.extend(r.params.iter().cloned());
            rec.push(r.seed.to_string());
            rec.extend(r.values.iter().cloned());
            w.write_record(&rec).map_err(&err)?;
        }
        finish(w, "sweep.csv")
    }

    /// Reads a `sweep.csv` written by [`SweepTable::csv`] for a sweep of `params`.
    pub fn from_csv(bytes: &[u8], params: &[String]) -> Result<Self, String> {
        let mut r = csv::Reader::from_reader(bytes);
        let header: Vec<String> =
            r.headers().map_err(|e| e.to_string())?.iter().map(str::to_string).collect();
        let n = params.len();
        if header.len() < n + 2
            || header[0] != "run"
            || header[1..=n] != *params
            || header[n + 1] != "seed"
        {
            return Err(format!(
                "unexpected header `{}` (expected run, {}, seed, figures...)",
                header.join(","),
                params.join(", ")
            ));
        }
        let figures = header[n + 2..].to_vec();
        let mut rows = Vec::new();
        for (line, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| e.to_string())?;
            let bad = |what: &str| format!("row {}: {what}", line + 2);
            if rec.len() != header.len() {
                return Err(bad("wrong number of fields"));
            }
            let run = rec[0].parse().map_err(|_| bad("`run` is not a number"))?;
            let seed = rec[n + 1].parse().map_err(|_| bad("`seed` is not a number"))?;
            rows.push(SweepRow {
                run,
                params: rec.iter().skip(1).take(n).map(str::to_string).collect(),
                seed,
                values: rec.iter().skip(n + 2).map(str::to_string).collect(),
            });
        }
        Ok(Self { params: params.to_vec(), figures, rows })
    }

    /// The variants (distinct parameter values), in run order, each with its rows.
    pub fn variants(&self) -> Vec<(&[String], Vec<&SweepRow>)> {
        let mut out: Vec<(&[String], Vec<&SweepRow>)> = Vec::new();
        for r in &self.rows {
            match out.iter_mut().find(|(p, _)| *p == r.params.as_slice()) {
                Some((_, rows)) => rows.push(r),
                None => out.push((&r.params, vec![r])),
            }
        }
        out
    }

    /// `sweep-summary.csv`: per variant, each parameter, `runs`, then for each figure its
    /// count of runs with a value (`:n`) and its nearest-rank `:p50`, `:p90`, `:p99` and `:max`.
    pub fn summary_csv(&self) -> Result<Vec<u8>, ReportError> {
        let err = csv_err("sweep-summary.csv");
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = self.params.clone();
        header.push("runs".into());
        for f in &self.figures {
            header.extend(SUMMARY_STATS.iter().map(|s| format!("{f}:{s}")));
        }
        w.write_record(&header).map_err(&err)?;
        for (params, rows) in self.variants() {
            let mut rec = params.to_vec();
            rec.push(rows.len().to_string());
            for (i, f) in self.figures.iter().enumerate() {
                let v = sorted_values(rows.iter().copied(), i);
                rec.push(v.len().to_string());
                for p in [50.0, 90.0, 99.0, 100.0] {
                    rec.push(crate::figures::format_value(f, nearest_rank(&v, p)));
                }
            }
            w.write_record(&rec).map_err(&err)?;
        }
        finish(w, "sweep-summary.csv")
    }

    /// The chart of `figure` against parameter `by` (runs with the same value of `by` are
    /// pooled, whatever the other parameters); `None` if either is unknown.
    pub fn chart(&self, scenario: &str, figure: &str, by: &str) -> Option<SweepChart> {
        let f = self.figures.iter().position(|x| x == figure)?;
        let b = self.params.iter().position(|x| x == by)?;
        let mut xs: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !xs.contains(&r.params[b].as_str()) {
                xs.push(&r.params[b]);
            }
        }
        let points = xs
            .iter()
            .map(|x| {
                let v = sorted_values(self.rows.iter().filter(|r| r.params[b] == *x), f);
                SweepPoint {
                    x: (*x).to_string(),
                    n: v.len(),
                    p10: nearest_rank(&v, 10.0),
                    p50: nearest_rank(&v, 50.0),
                    p90: nearest_rank(&v, 90.0),
                    max: nearest_rank(&v, 100.0),
                    min: v.first().copied(),
                }
            })
            .collect();
        let runs = self.rows.len();
        Some(SweepChart {
            title: format!("{scenario}: {figure} by {by} ({runs} runs)"),
            figure: figure.to_string(),
            by: by.to_string(),
            points,
        })
    }
}

/// The file name of the chart of `figure`: `sweep-<figure>` with every character other than
/// a letter, a digit, `_` or `-` turned into `-`.
pub fn chart_name(figure: &str) -> String {
    let clean: String = figure
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
        .collect();
    format!("sweep-{clean}")
}

/// Writes `files` (name, bytes) and the charts of `charts` (figure, by) into `dir`, whole or
/// not at all (rendered in a temporary sibling directory, then renamed into place). An existing
/// `dir` that is not kubesim's is replaced only when `force` (see `write::replace_dir`).
pub fn write_sweep_dir(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    charts: &[SweepChart],
    force: bool,
) -> Result<Vec<String>, ReportError> {
    let mut names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
    for c in charts {
        let base = chart_name(&c.figure);
        names.push(format!("{base}.png"));
        names.push(format!("{base}.svg"));
    }
    crate::write::replace_dir(dir, force, |tmp| {
        for (name, bytes) in files {
            let path = tmp.join(name);
            std::fs::write(&path, bytes).map_err(|source| ReportError::Io {
                op: "cannot write",
                path,
                source,
            })?;
        }
        for c in charts {
            let base = chart_name(&c.figure);
            crate::sweep_chart::render_png(c, &tmp.join(format!("{base}.png")))?;
            let svg = crate::sweep_chart::render_svg(c)?;
            let path = tmp.join(format!("{base}.svg"));
            std::fs::write(&path, svg).map_err(|source| ReportError::Io {
                op: "cannot write",
                path,
                source,
            })?;
        }
        Ok(())
    })?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_by_hand() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // rank ⌈0.5·4⌉ = 2 -> 2; ⌈0.9·4⌉ = 4 -> 4; ⌈0.1·4⌉ = 1 -> 1; p100 is the max.
        assert_eq!(nearest_rank(&v, 50.0), Some(2.0));
        assert_eq!(nearest_rank(&v, 90.0), Some(4.0));
        assert_eq!(nearest_rank(&v, 10.0), Some(1.0));
        assert_eq!(nearest_rank(&v, 100.0), Some(4.0));
        // 1..=100: p90 is rank 90 -> 90; p99 rank 99 -> 99; p50 rank 50 -> 50.
        let h: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&h, 90.0), Some(90.0));
        assert_eq!(nearest_rank(&h, 99.0), Some(99.0));
        assert_eq!(nearest_rank(&h, 50.0), Some(50.0));
        // 10 values: p99 is rank ⌈9.9⌉ = 10, the largest; p50 rank 5.
        let t: Vec<f64> = (1..=10).map(|i| f64::from(i) * 10.0).collect();
        assert_eq!(nearest_rank(&t, 99.0), Some(100.0));
        assert_eq!(nearest_rank(&t, 50.0), Some(50.0));
        // One value is every percentile; none gives none.
        assert_eq!(nearest_rank(&[7.0], 1.0), Some(7.0));
        assert_eq!(nearest_rank(&[], 50.0), None);
    }

    fn table() -> SweepTable {
        let row = |run: usize, p: &str, seed: u64, v: &str| SweepRow {
            run,
            params: vec![p.into()],
            seed,
            values: vec![v.into()],
        };
        SweepTable {
            params: vec!["actions[0].maxSurge".into()],
            figures: vec!["upgrade_duration_s".into()],
            rows: vec![
                row(0, "1", 1, "30.000"),
                row(1, "1", 2, "10.000"),
                row(2, "1", 3, "20.000"),
                row(3, "2", 1, ""),
                row(4, "2", 2, "5.500"),
            ],
        }
    }

    #[test]
    fn summary_per_variant() {
        let csv = String::from_utf8(table().summary_csv().unwrap()).unwrap();
        // Variant 1: 10, 20, 30 -> p50 rank 2 = 20, p90 rank 3 = 30, p99 = max = 30.
        // Variant 2: one value (the other run has none) -> n 1, every percentile 5.5.
        assert_eq!(
            csv,
            "actions[0].maxSurge,runs,upgrade_duration_s:n,upgrade_duration_s:p50,\
upgrade_duration_s:p90,upgrade_duration_s:p99,upgrade_duration_s:max\n\
1,3,3,20.000,30.000,30.000,30.000\n2,2,1,5.500,5.500,5.500,5.500\n"
        );
    }

    #[test]
    fn csv_round_trips() {
        let t = table();
        let bytes = t.csv().unwrap();
        assert_eq!(SweepTable::from_csv(&bytes, &t.params).unwrap(), t);
        assert!(SweepTable::from_csv(&bytes, &["other".to_string()]).is_err());
    }

    #[test]
    fn chart_points_pool_by_parameter() {
        let c = table().chart("s", "upgrade_duration_s", "actions[0].maxSurge").unwrap();
        assert_eq!(c.points.len(), 2);
        // 10, 20, 30: p10 rank 1 = 10, p50 = 20, p90 = 30.
        assert_eq!(
            (c.points[0].p10, c.points[0].p50, c.points[0].p90),
            (Some(10.0), Some(20.0), Some(30.0))
        );
        assert_eq!(c.points[1].n, 1);
        assert!(table().chart("s", "nope", "actions[0].maxSurge").is_none());
    }
}
