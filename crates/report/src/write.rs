//! Writing the results directory atomically.

use crate::charts::{
    nodes_chart, pdbs_chart, pending_chart, pods_chart, ready_chart, render_png, render_svg,
    zones_chart,
};
use crate::csv_files::{write_events_csv, write_evictions_csv, write_metrics_csv};
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
pub const FILES: [&str; 20] = [
    "events.csv",
    "evictions.csv",
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

/// The file `kubesim run --trace-objects` adds (see [`crate::objects`]).
pub const OBJECTS_FILE: &str = "objects.jsonl";

/// Writes every output file (see [`FILES`], and [`OBJECTS_FILE`] when objects were followed) and the crate documentation) into `dir`, and
/// returns their paths, sorted.
///
/// The write is atomic: everything is rendered into a fresh sibling directory
/// `<parent>/.<dirname>.tmp-<pid>-<n>`, then a previous `dir` is renamed away, the new one
/// renamed into place, and the old one removed (best effort). On any error the temporary directory is
/// removed and a previous `dir` is left as it was, so a reader never sees a half-written
/// results directory. Missing parent directories are created.
///
/// A `dir` that exists is replaced only if it is empty or carries the [`MARKER`] file every
/// results directory gets (so it was written by kubesim); anything else is refused with
/// [`ReportError::NotOurs`], unless `force` (`--force`) is given. See [`replace_dir`].
pub fn write_results(dir: &Path, out: &RunOutput) -> Result<Vec<PathBuf>, ReportError> {
    write_results_with(dir, out, &summarize(out), false)
}

/// [`write_results`] with the run's summary already computed (by [`summarize`] on the same
/// output), so a caller that prints it does not compute it twice, and replacing an existing
/// directory that is not kubesim's when `force` (`--force`).
pub fn write_results_with(
    dir: &Path,
    out: &RunOutput,
    summary: &Summary,
    force: bool,
) -> Result<Vec<PathBuf>, ReportError> {
    replace_dir(dir, force, |tmp| render_into(tmp, out, summary))?;
    let mut files: Vec<PathBuf> = FILES.iter().map(|f| dir.join(f)).collect();
    if out.trace.object_changes.is_some() {
        files.push(dir.join(OBJECTS_FILE));
        files.sort();
    }
    Ok(files)
}

/// The file that marks a directory as kubesim's own results (written first into every
/// results and sweep directory): only a directory carrying it (or an empty one) is replaced
/// without `--force`, and only a hidden temporary sibling carrying it is ever cleaned up.
pub const MARKER: &str = ".kubesim-results";

/// The marker's content (fixed, so results stay byte-identical).
const MARKER_TEXT: &[u8] =
    b"This directory was written by kubesim; a later kubesim run may replace it whole.\n";

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ReportError {
    let path = path.to_path_buf();
    move |source| ReportError::Io { op, path, source }
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
    let path = dir.join(name);
    fs::write(&path, bytes).map_err(io_err("cannot write", &path))
}

/// Creates `dir/name` and hands `fill` a buffered writer to it, then flushes it: the large
/// files (events.csv, metrics.csv, evictions.csv, state.yaml) are written as they are rendered, never held
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
    stream_file(tmp, "evictions.csv", |w| {
        write_evictions_csv(out.trace, out.cluster, w).map(drop)
    })?;
    // summary.json holds a line per node (`node_list`): written as it is rendered too.
    let json = tmp.join("summary.json");
    stream_file(tmp, "summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(|e| {
            if e.is_io() {
                ReportError::Io { op: "cannot write", path: json.clone(), source: e.into() }
            } else {
                ReportError::from(e)
            }
        })?;
        w.write_all(b"\n").map_err(io_err("cannot write", &json))
    })?;
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
    if out.trace.object_changes.is_some() {
        let path = tmp.join(OBJECTS_FILE);
        stream_file(tmp, OBJECTS_FILE, |w| {
            crate::objects::write_objects_jsonl(out.trace, out.cluster, w)
                .map(drop)
                .map_err(io_err("cannot write", &path))
        })?;
    }
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

/// Whether `dir` may be replaced without `--force`: it is empty or carries the [`MARKER`]
/// (a regular file, not a symlink).
fn replaceable(dir: &Path) -> Result<bool, ReportError> {
    let marked = fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file());
    if marked {
        return Ok(true);
    }
    let mut entries = fs::read_dir(dir).map_err(io_err("cannot read directory", dir))?;
    Ok(entries.next().is_none())
}

/// Whether a process with this id is still running; without `/proc` (not Linux) every other
/// process is assumed alive, so nothing is cleaned that a concurrent run may be writing.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// The process id in a name kubesim gives its temporary siblings,
/// `.<dirname>.tmp-<pid>-<n>` or `.<dirname>.old-<pid>-<n>`; `None` for any other name.
fn temp_sibling_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(".tmp-").or_else(|| rest.rsplit_once(".old-"))?;
    let (pid, n) = tail.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n)).then(|| pid.parse().ok())?
}

/// Removes what runs killed while writing left in `parent`: hidden directories named as
/// [`sibling`] names them, carrying the [`MARKER`], whose process is gone. Nothing else is
/// touched (best effort: a failure leaves the leftover for a later run).
fn clean_stale_siblings(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_sibling_pid) else { continue };
        if pid == me || process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let marked = fs::symlink_metadata(path.join(MARKER)).is_ok_and(|m| m.is_file());
        if is_dir && marked {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Fills a fresh temporary sibling of `dir` with `fill`, then puts it in the place of `dir`.
///
/// The temporary directory gets the [`MARKER`] before anything else, so the leftovers of a
/// run killed meanwhile are recognised (and removed by the next run into the same parent).
/// An existing `dir` that is neither empty nor marked is refused with
/// [`ReportError::NotOurs`] unless `force`, before anything is written.
pub(crate) fn replace_dir(
    dir: &Path,
    force: bool,
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
        Ok(_) if !force && !replaceable(dir)? => {
            return Err(ReportError::NotOurs { path: dir.to_path_buf() });
        }
        _ => {}
    }
    clean_stale_siblings(&parent);

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
    fs::write(tmp.join(MARKER), MARKER_TEXT)
        .map_err(io_err("cannot write", &tmp.join(MARKER)))
        .map_err(cleanup)?;
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
