//! Reading the files a scenario includes (`workloads: [{include: FILE}]`), confined and
//! bounded, and the scenario file itself bounded.
//!
//! Like kustomize's default load restrictor (`LoadRestrictionsRootOnly`: a kustomization may
//! only load files in or below its own directory, checked on the cleaned absolute path with
//! symlinks evaluated, "security; file '...' is not in or below '...'"; see
//! `kubernetes-sigs/kustomize`, `api/internal/loader/loadrestrictions.go`), an included file
//! must resolve, after symlinks, inside the scenario file's directory tree, unless the
//! command was given `--allow-include-outside` (kustomize's `--load-restrictor
//! LoadRestrictionsNone`). A scenario from a pull request checked by `kubesim check` in CI
//! therefore cannot read the job's files outside the repository checkout.
//!
//! Only regular files are read (not devices, FIFOs or directories), at most
//! [`LoadOptions::max_include_bytes`] of them (a file that grows while it is read is cut off
//! at the limit and refused), and they must be UTF-8. The errors name the file and the
//! problem and never quote what was read.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Default of [`LoadOptions::max_include_bytes`]: 256 MiB (a `kubectl get pods -A -o yaml`
/// of 20,000 pods is about 50 MB).
pub const DEFAULT_MAX_INCLUDE_BYTES: u64 = 256 * 1024 * 1024;

/// Default of [`LoadOptions::max_pods`]: see the README ("Resource budgets").
pub const DEFAULT_MAX_PODS: u64 = 200_000;

/// Default of [`LoadOptions::max_nodes`]: see the README ("Resource budgets").
pub const DEFAULT_MAX_NODES: u64 = 100_000;

/// What loading a scenario may read and build: the limits the commands' flags set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// `--allow-include-outside`: an include may resolve outside the scenario file's
    /// directory tree.
    pub allow_include_outside: bool,
    /// `--max-include-size`: the largest included (or scenario) file read, in bytes.
    pub max_include_bytes: u64,
    /// `--max-pods`: the most pods the scenario may create over its run (see `budget.rs`).
    pub max_pods: u64,
    /// `--max-nodes`: the most nodes the scenario may have at once.
    pub max_nodes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            allow_include_outside: false,
            max_include_bytes: DEFAULT_MAX_INCLUDE_BYTES,
            max_pods: DEFAULT_MAX_PODS,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

/// Why an include could not be read, worded to follow "cannot read included file `F`".
#[derive(Debug)]
pub(crate) struct Refused {
    pub message: String,
    pub expected: &'static str,
}

fn refused(message: impl Into<String>, expected: &'static str) -> Refused {
    Refused { message: message.into(), expected }
}

/// Reads at most `limit` bytes of `reader`; more is an error naming the limit.
fn read_bounded(reader: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "it is larger than {limit} bytes (raise the limit with --max-include-size)"
        ));
    }
    Ok(bytes)
}

/// Bytes → text, never quoting them: the error gives the offset of the first invalid byte.
fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "it is not UTF-8 text (invalid byte at offset {}); is it a YAML file?",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads the scenario file: any kind of file the user names (a FIFO from a shell's process
/// substitution too), at most `max_include_bytes`, UTF-8.
pub fn read_scenario(path: &Path, opts: &LoadOptions) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    utf8(read_bounded(file, opts.max_include_bytes)?)
}

/// Resolves `include` (relative to the directory of the scenario file `scenario`) and reads
/// it. Returns the path used in messages (the scenario's directory joined with `include`)
/// and the text.
pub(crate) fn read(
    scenario: &Path,
    include: &str,
    opts: &LoadOptions,
) -> Result<(PathBuf, String), Refused> {
    const RELATIVE: &str = "a file of Kubernetes manifests, relative to the scenario file";
    let dir = scenario.parent().unwrap_or(Path::new(""));
    let resolved = dir.join(include);
    let real = std::fs::canonicalize(&resolved).map_err(|e| refused(e.to_string(), RELATIVE))?;
    if !opts.allow_include_outside {
        let root_dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let root = std::fs::canonicalize(root_dir).map_err(|e| refused(e.to_string(), RELATIVE))?;
        if !real.starts_with(&root) {
            return Err(refused(
                format!(
                    "it resolves to `{}`, which is not in or below the scenario file's directory `{}`",
                    real.display(),
                    root.display()
                ),
                "a file in or below the scenario file's directory (or --allow-include-outside)",
            ));
        }
    }
    let meta = std::fs::metadata(&real).map_err(|e| refused(e.to_string(), RELATIVE))?;
    if !meta.is_file() {
        let what = if meta.is_dir() { "a directory" } else { "not a regular file" };
        return Err(refused(format!("it is {what}"), "a regular file of Kubernetes manifests"));
    }
    if meta.len() > opts.max_include_bytes {
        return Err(refused(
            format!(
                "it is {} bytes, more than the limit of {} (--max-include-size)",
                meta.len(),
                opts.max_include_bytes
            ),
            "a smaller file, or a larger --max-include-size",
        ));
    }
    let file = std::fs::File::open(&real).map_err(|e| refused(e.to_string(), RELATIVE))?;
    let bytes = read_bounded(file, opts.max_include_bytes)
        .map_err(|m| refused(m, "a smaller file, or a larger --max-include-size"))?;
    let text = utf8(bytes).map_err(|m| refused(m, "a YAML file of Kubernetes manifests"))?;
    Ok((resolved, text))
}

/// Whether the text of an included file can hold a Kubernetes manifest at all: it has a
/// `kind` or `apiVersion` key somewhere (`kind:` in YAML, `"kind"` in JSON, which is YAML
/// too), or it has no content but comments and document markers. A file with content but
/// no such key is refused without quoting it (it may be anything: a password file, a process
/// environment), before it is parsed, so none of its syntax errors quote it either.
pub(crate) fn may_hold_manifests(text: &str) -> bool {
    if ["kind:", "apiVersion:", "\"kind\"", "\"apiVersion\"", "'kind'", "'apiVersion'"]
        .iter()
        .any(|k| text.contains(k))
    {
        return true;
    }
    text.lines().all(|line| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reads_stop_at_the_limit() {
        assert_eq!(read_bounded(&b"abc"[..], 3).unwrap(), b"abc");
        let e = read_bounded(std::io::repeat(0), 1024).unwrap_err();
        assert!(e.contains("larger than 1024 bytes"), "{e}");
    }

    #[test]
    fn invalid_utf8_is_not_quoted() {
        let e = utf8(b"ok\xff\xfesecret".to_vec()).unwrap_err();
        assert!(e.contains("offset 2") && !e.contains("secret"), "{e}");
    }

    #[test]
    fn which_texts_may_hold_manifests() {
        assert!(may_hold_manifests("apiVersion: v1\nkind: Pod\n"));
        assert!(may_hold_manifests("items:\n  - apiVersion: v1\n    kind: Pod\n"));
        assert!(may_hold_manifests("# nothing yet\n---\n"));
        assert!(may_hold_manifests("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}"));
        assert!(!may_hold_manifests("root:x:0:0:root:/root:/bin/bash\n"));
        assert!(!may_hold_manifests("PATH=/usr/bin\0HOME=/root\0"));
    }
}
