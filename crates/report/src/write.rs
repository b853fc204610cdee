//! Writing the results directory atomically.

use crate::charts::{
    nodes_chart, pdbs_chart, pending_chart, pods_chart, ready_chart, render_png, render_svg,
    zones_chart,
};
use crate::csv_files::{write_events_csv, write_metrics_csv};
use crate::markdown::summary_md;
use crate::state::{StateWriteError, write_state_yaml};
use crate::summary::{Summary, summarize};
use crate::timeline::{node_timeline, render_timeline_png, render_timeline_svg};
use crate::{ReportError, RunOutput};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The files [`write_results`] writes, sorted by name.
pub const FILES: [&str; 19] = [
    "events.csv",
    "metrics.csv",
    "node-timeline.png",
    "node-timeline.svg",
    "nodes.png",
    "nodes.svg",
    "pdbs.png",
    "pdbs.svg",
    "pending.png",
    "pending.svg",
    "pods.png",
    "pods.svg",
    "ready.png",
    "ready.svg",
    "state.yaml",
    "summary.json",
    "summary.md",
    "zones.png",
    "zones.svg",
];

/// Writes every output file (see [`FILES`] and the crate documentation) into `dir`, and
/// returns their paths, sorted.
///
/// The write is atomic: everything is rendered into a fresh sibling directory
/// `<parent>/.<dirname>.tmp-<pid>-<n>`, then a previous `dir` is renamed away, the new one
/// renamed into place, and the old one removed (best effort). On any error the temporary directory is
/// removed and a previous `dir` is left as it was, so a reader never sees a half-written
/// results directory. Missing parent directories are created.
pub fn write_results(dir: &Path, out: &RunOutput) -> Result<Vec<PathBuf>, ReportError> {
    write_results_with(dir, out, &summarize(out))
}

/// [`write_results`] with the run's summary already computed (by [`summarize`] on the same
/// output), so a caller that prints it does not compute it twice.
pub fn write_results_with(
    dir: &Path,
    out: &RunOutput,
    summary: &Summary,
) -> Result<Vec<PathBuf>, ReportError> {
    replace_dir(dir, |tmp| render_into(tmp, out, summary))?;
    Ok(FILES.iter().map(|f| dir.join(f)).collect())
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ReportError {
    let path = path.to_path_buf();
    move |source| ReportError::Io { op, path, source }
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
    let path = dir.join(name);
    fs::write(&path, bytes).map_err(io_err("cannot write", &path))
}

/// Creates `dir/name` and hands `fill` a buffered writer to it, then flushes it: the large
/// files (events.csv, metrics.csv, state.yaml) are written as they are rendered, never held
/// whole in memory.
fn stream_file<F>(dir: &Path, name: &str, fill: F) -> Result<(), ReportError>
where
    F: FnOnce(&mut BufWriter<fs::File>) -> Result<(), ReportError>,
{
    let path = dir.join(name);
    let file = fs::File::create(&path).map_err(io_err("cannot write", &path))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    fill(&mut w)?;
    w.flush().map_err(io_err("cannot write", &path))
}

/// Renders every file into `tmp` (an empty directory).
fn render_into(tmp: &Path, out: &RunOutput, summary: &Summary) -> Result<(), ReportError> {
    stream_file(tmp, "events.csv", |w| write_events_csv(out.trace, w).map(drop))?;
    stream_file(tmp, "metrics.csv", |w| write_metrics_csv(out.trace, w).map(drop))?;
    let mut json = serde_json::to_string_pretty(summary)?;
    json.push('\n');
    write_file(tmp, "summary.json", json.as_bytes())?;
    write_file(tmp, "summary.md", summary_md(summary).as_bytes())?;
    let state = tmp.join("state.yaml");
    stream_file(tmp, "state.yaml", |w| {
        write_state_yaml(out.cluster, w).map_err(|e| match e {
            StateWriteError::Io(source) => {
                ReportError::Io { op: "cannot write", path: state, source }
            }
            StateWriteError::Yaml(m) => ReportError::Yaml(m),
        })
    })?;
    let thresholds = crate::expectations::thresholds(out.scenario, out.trace);
    for (name, chart) in [
        ("ready", ready_chart(&out.scenario.name, out.trace, &thresholds)),
        ("pods", pods_chart(&out.scenario.name, out.trace)),
        ("pending", pending_chart(&out.scenario.name, out.trace)),
        ("nodes", nodes_chart(&out.scenario.name, out.trace)),
        ("pdbs", pdbs_chart(&out.scenario.name, out.trace, out.cluster)),
        ("zones", zones_chart(&out.scenario.name, out.trace)),
    ] {
        render_png(&chart, &tmp.join(format!("{name}.png")))?;
        write_file(tmp, &format!("{name}.svg"), render_svg(&chart)?.as_bytes())?;
    }
    let timeline = node_timeline(out);
    render_timeline_png(&timeline, &tmp.join("node-timeline.png"))?;
    write_file(tmp, "node-timeline.svg", render_timeline_svg(&timeline)?.as_bytes())?;
    Ok(())
}

/// A name for a sibling of `dir` that no other writer in this process uses:
/// `.<dirname>.<tag>-<pid>-<n>`.
fn sibling(parent: &Path, name: &str, tag: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

/// Fills a fresh temporary sibling of `dir` with `fill`, then puts it in the place of `dir`.
pub(crate) fn replace_dir(
    dir: &Path,
    fill: impl FnOnce(&Path) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let invalid = |reason| ReportError::InvalidDir { path: dir.to_path_buf(), reason };
    let name = dir
        .file_name()
        .ok_or_else(|| invalid("it has no final component"))?
        .to_string_lossy()
        .into_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err("cannot create directory", &parent))?;
    match fs::symlink_metadata(dir) {
        Ok(m) if !m.is_dir() => return Err(invalid("it exists and is not a directory")),
        _ => {}
    }

    let tmp = sibling(&parent, &name, "tmp");
    if tmp.exists() {
        // Left over by a crashed process that had the same pid.
        fs::remove_dir_all(&tmp).map_err(io_err("cannot remove stale directory", &tmp))?;
    }
    fs::create_dir(&tmp).map_err(io_err("cannot create directory", &tmp))?;
    let cleanup = |e: ReportError| {
        let _ = fs::remove_dir_all(&tmp);
        e
    };
    fill(&tmp).map_err(cleanup)?;

    if dir.exists() {
        let old = sibling(&parent, &name, "old");
        fs::rename(dir, &old).map_err(io_err("cannot move away", dir)).map_err(cleanup)?;
        if let Err(e) = fs::rename(&tmp, dir) {
            // Put the previous results back.
            let _ = fs::rename(&old, dir);
            return Err(cleanup(io_err("cannot rename into place", &tmp)(e)));
        }
        // The new results are in place: removing the old ones is best effort (a failure
        // leaves a hidden `.<dirname>.old-*` sibling, never a wrong results directory).
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(&tmp, dir).map_err(io_err("cannot rename into place", &tmp)).map_err(cleanup)?;
    }
    Ok(())
}
