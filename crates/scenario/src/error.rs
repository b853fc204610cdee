//! [`ScenarioError`]: one problem, where it is, and what was expected, printed like rustc.

use std::fmt;
use std::path::PathBuf;

/// A problem found while loading a scenario: which file, where in it, which field, what is
/// wrong, what was expected and, when a near name exists, a "did you mean" hint.
///
/// `Display` prints it in the style of rustc, with the offending source line and a caret:
///
/// ```text
/// error: invalid quantity `4 cores`
///   --> scenarios/bad.yaml:12:12 (cluster.nodePools[0].allocatable.cpu)
///    |
/// 12 |       cpu: 4 cores
///    |            ^^^^^^^
///    = expected: a Kubernetes quantity such as `500m`, `2`, `1.5Gi` or `1e3`
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file the problem is in: the scenario file, or an included manifest file, as it was
    /// named (an include's path is the scenario's directory joined with the include).
    pub file: PathBuf,
    /// 1-based line, or 0 when the problem has no position (the file cannot be read).
    pub line: u64,
    /// 1-based column, counted in characters, or 0 when the problem has no position.
    pub column: u64,
    /// The field path from the root of the scenario file (`cluster.nodePools[0].allocatable.cpu`)
    /// or, for a Kubernetes manifest, from the root of the manifest
    /// (`spec.template.spec.containers[0].resources.requests.cpu`, see [`Self::object`]).
    /// Empty when the problem is about the whole document.
    pub field: String,
    /// For problems inside a Kubernetes manifest, the object, e.g. `deployment/web` or
    /// `deployment/prod/web` outside the `default` namespace (`Deployment without a name` when
    /// it has none).
    pub object: Option<String>,
    /// What is wrong, e.g. ``invalid quantity `4 cores` ``.
    pub message: String,
    /// What would have been accepted.
    pub expected: Option<String>,
    /// A suggestion, e.g. ``did you mean `nodePools`?``.
    pub hint: Option<String>,
    /// The source line and the caret (0-based character column and width), for `Display`.
    snippet: Option<(String, usize, usize)>,
}

impl ScenarioError {
    /// An error without a position (e.g. an unreadable scenario file).
    pub(crate) fn bare(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            column: 0,
            field: String::new(),
            object: None,
            message: message.into(),
            expected: None,
            hint: None,
            snippet: None,
        }
    }

    /// An error at `line`/`col` (1-based / 0-based) showing `source_line` underlined from `col`
    /// for `width` characters.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn located(
        file: impl Into<PathBuf>,
        line: usize,
        col: usize,
        width: usize,
        source_line: Option<&str>,
        field: String,
        object: Option<String>,
        problem: Problem,
    ) -> Self {
        Self {
            file: file.into(),
            line: line as u64,
            column: col as u64 + 1,
            field,
            object,
            message: problem.message,
            expected: problem.expected,
            hint: problem.hint,
            snippet: source_line.map(|l| (l.to_string(), col, width.max(1))),
        }
    }

    /// The source line the error points at, if it has a position.
    pub fn source_line(&self) -> Option<&str> {
        self.snippet.as_ref().map(|(l, _, _)| l.as_str())
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let width = if self.line > 0 { self.line.to_string().len() } else { 1 };
        let pad = " ".repeat(width);
        write!(f, "{pad}--> {}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        match (&self.object, self.field.is_empty()) {
            (Some(o), false) => write!(f, " ({o}: {})", self.field)?,
            (Some(o), true) => write!(f, " ({o})")?,
            (None, false) => write!(f, " ({})", self.field)?,
            (None, true) => {}
        }
        if let Some((text, col, len)) = &self.snippet {
            let shown: String = text.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
            let shown = shown.trim_end();
            writeln!(f)?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{} | {shown}", self.line)?;
            write!(f, "{pad} | {}{}", " ".repeat(*col), "^".repeat(*len))?;
        }
        if let Some(e) = &self.expected {
            write!(f, "\n{pad} = expected: {e}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n{pad} = hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// What is wrong, before it is given a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub expected: Option<String>,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), expected: None, hint: None }
    }

    pub fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = Some(e.into());
        self
    }

    pub fn hint(mut self, h: Option<String>) -> Self {
        if h.is_some() {
            self.hint = h;
        }
        self
    }
}

/// ``did you mean `x`?`` for the candidate nearest to `word` (edit distance at most 2, and less
/// than the word's length), or `None`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    nearest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate nearest to `word`, if near enough (see [`did_you_mean`]).
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = if c.to_lowercase() == lower { 0 } else { levenshtein(word, c) };
        let limit = 2.min(word.chars().count().saturating_sub(1));
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `` `a`, `b` or `c` `` for an "expected" line.
pub(crate) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => "nothing".to_string(),
        1 => quoted[0].clone(),
        n => format!("one of {} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(levenshtein("nodPools", "nodePools"), 1);
        assert_eq!(nearest("nodPools", ["name", "nodePools", "nodes"]), Some("nodePools"));
        assert_eq!(nearest("NodePools", ["nodePools"]), Some("nodePools"));
        assert_eq!(nearest("xyz", ["name", "seed"]), None);
        // Two-letter words only accept one edit.
        assert_eq!(nearest("ab", ["at"]), Some("at"));
        assert_eq!(nearest("xy", ["at"]), None);
        assert_eq!(one_of(&["a", "b", "c"]), "one of `a`, `b` or `c`");
    }

    #[test]
    fn display() {
        let e = ScenarioError::located(
            "scenarios/bad.yaml",
            12,
            11,
            7,
            Some("      cpu: 4 cores"),
            "cluster.nodePools[0].allocatable.cpu".into(),
            None,
            Problem::new("invalid quantity `4 cores`")
                .expected("a Kubernetes quantity such as `500m`, `2`, `1.5Gi` or `1e3`"),
        );
        assert_eq!(
            e.to_string(),
            "error: invalid quantity `4 cores`\n  --> scenarios/bad.yaml:12:12 (cluster.nodePools[0].allocatable.cpu)\n   |\n12 |       cpu: 4 cores\n   |            ^^^^^^^\n   = expected: a Kubernetes quantity such as `500m`, `2`, `1.5Gi` or `1e3`"
        );
        let e = ScenarioError::bare("x.yaml", "cannot read");
        assert_eq!(e.to_string(), "error: cannot read\n --> x.yaml");
    }
}
