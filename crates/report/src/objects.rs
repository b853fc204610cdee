//! `objects.jsonl` (`kubesim run --trace-objects`): one line per change of a followed
//! object, in order, as `kubectl get --watch --output-watch-events -o json` prints them, with
//! the simulated time first:
//!
//! ```text
//! {"time":"61.250","type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod",...}}
//! ```
//!
//! `time` is seconds since the start with three decimals (as in the CSV files); `type` is
//! `ADDED` (the object at the start, or created), `MODIFIED` (after each simulation event that
//! changed it: two writes at one instant by two events are two lines) or `DELETED`; `object`
//! is the object as `state.yaml` shows it (keys sorted).

use crate::ReportError;
use crate::state::write_object_json;
use crate::timefmt::secs_3;
use kubesim_model::{Cluster, Trace};
use std::io::Write;

/// Writes `objects.jsonl` to `out`, line by line (nothing is written when no object was
/// followed: the trace holds None).
pub fn write_objects_jsonl<W: Write>(
    trace: &Trace,
    cluster: &Cluster,
    mut out: W,
) -> Result<W, std::io::Error> {
    for change in trace.object_changes.iter().flatten() {
        // Written field by field so that `time` and `type` come first whatever order
        // serde_json keeps keys in (the object's own keys are sorted).
        write!(
            out,
            "{{\"time\":\"{}\",\"type\":\"{}\",\"object\":",
            secs_3(change.time.0),
            change.watch.as_str()
        )?;
        write_object_json(cluster, &change.object, &mut out)?;
        out.write_all(b"}\n")?;
    }
    Ok(out)
}

/// Renders `objects.jsonl`.
pub fn objects_jsonl(trace: &Trace, cluster: &Cluster) -> Result<Vec<u8>, ReportError> {
    write_objects_jsonl(trace, cluster, Vec::new()).map_err(|source| ReportError::Io {
        op: "cannot render",
        path: "objects.jsonl".into(),
        source,
    })
}
