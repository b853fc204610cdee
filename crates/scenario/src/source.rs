//! Step 1 of the pipeline: a file's text, its name and its position index, and turning a place
//! in it (a span, or a field path looked up in the index) into a [`ScenarioError`] with the
//! offending line.

use crate::error::{Problem, ScenarioError};
use crate::yaml::{Doc, Index, Node, Path, Span};
use std::cell::OnceCell;
use std::path::{Path as FsPath, PathBuf};

/// One file that was read: the scenario or an included manifest file.
#[derive(Debug)]
pub(crate) struct Source {
    /// The name used in messages (as given, or the scenario's directory joined with an include).
    pub path: PathBuf,
    /// The text.
    pub text: String,
    /// The built index ([`Source::new`]), or the scan of the file ([`Source::scanned`]).
    parsed: Index,
    /// For a scanned file, the index, built when first needed.
    built: OnceCell<Index>,
    scanned: bool,
}

impl Source {
    /// Indexes `text`; a YAML syntax error is reported here.
    pub fn new(path: &FsPath, text: impl Into<String>) -> Result<Self, ScenarioError> {
        Self::parse(path, text.into(), false)
    }

    /// Like [`Source::new`] (the same syntax errors), but only scans `text` (see
    /// [`Index::scan`]): the index is built when an error must be placed. For the included
    /// files, which may hold a dump of 100,000 pods whose index would take gigabytes.
    pub fn scanned(path: &FsPath, text: String) -> Result<Self, ScenarioError> {
        Self::parse(path, text, true)
    }

    fn parse(path: &FsPath, text: String, scanned: bool) -> Result<Self, ScenarioError> {
        let mut src = Self {
            path: path.to_path_buf(),
            text,
            parsed: Index::default(),
            built: OnceCell::new(),
            scanned,
        };
        let parsed = if scanned { Index::scan(&src.text) } else { Index::build(&src.text) };
        match parsed {
            Ok(index) => src.parsed = index,
            Err(e) => {
                let p = Problem::new(e.message).hint(e.hint);
                return Err(src.error(e.span, &e.path, None, p));
            }
        }
        Ok(src)
    }

    /// Where each YAML node is.
    pub fn index(&self) -> &Index {
        if !self.scanned {
            return &self.parsed;
        }
        // The scan accepted the text, so building (the same parse) does too.
        self.built.get_or_init(|| Index::build(&self.text).unwrap_or_default())
    }

    /// The file's documents (known without building the index).
    pub fn docs(&self) -> &[Doc] {
        &self.parsed.docs
    }

    /// Pass 1 of each document as the scan read it (see `yaml::Doc::head`), taken out.
    pub fn take_heads(&mut self) -> Vec<Option<crate::objects::Loose>> {
        self.parsed.docs.iter_mut().map(|d| d.head.take()).collect()
    }

    /// The built index, taken out.
    pub fn into_index(self) -> Index {
        let _ = self.index();
        match self.built.into_inner() {
            Some(index) => index,
            None => self.parsed,
        }
    }

    /// Item `i` of the `items` list of the manifest at `node`, if it has it.
    pub fn item_node(&self, node: Node, i: usize) -> Option<Node> {
        let doc = self.docs().iter().find(|d| d.root == Some(node));
        match doc.and_then(|d| d.items.get(i)) {
            Some(&item) => Some(item),
            None => self.index().at(node, &Path::root().key("items").index(i)),
        }
    }

    /// Line `n` (1-based), without its line break.
    fn line(&self, n: usize) -> Option<&str> {
        self.text.lines().nth(n.checked_sub(1)?)
    }

    /// An error pointing at `span`.
    pub fn error(
        &self,
        span: Span,
        field: &Path,
        object: Option<&str>,
        problem: Problem,
    ) -> ScenarioError {
        let mut line = span.start.line.max(1);
        let mut start_col = span.start.col;
        if self.line(line).is_none() {
            // Past the end (an unterminated flow collection): point after the last line.
            if let Some((n, last)) =
                self.text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).last()
            {
                line = n + 1;
                start_col = last.chars().count();
            }
        }
        let text = self.line(line);
        let len = text.map_or(0, |t| t.chars().count());
        let col = start_col.min(len);
        let width = if span.end.line == span.start.line && span.end.col > col {
            (span.end.col - col).min(len.saturating_sub(col).max(1))
        } else {
            // A multi-line node: underline the rest of its first line.
            text.map_or(1, |t| t.chars().skip(col).collect::<String>().trim_end().chars().count())
        };
        ScenarioError::located(
            &self.path,
            line,
            col,
            width,
            text,
            field.to_string(),
            object.map(str::to_string),
            problem,
        )
    }

    /// An error at the node `path` leads to from `root` (or as far as the path exists).
    pub fn at(&self, root: Node, path: &Path, object: Option<&str>, p: Problem) -> ScenarioError {
        let found = self.index().find(root, path, false);
        self.error(found.span, path, object, p)
    }

    /// Like [`Source::at`], but pointing at the key of the last step rather than its value.
    pub fn at_key(
        &self,
        root: Node,
        path: &Path,
        object: Option<&str>,
        p: Problem,
    ) -> ScenarioError {
        let found = self.index().find(root, path, true);
        self.error(found.span, path, object, p)
    }

    /// `line 12` for a place in this file, or `path:12` for a place in another.
    pub fn describe_line(&self, other: &Source, span: Span) -> String {
        if other.path == self.path {
            format!("line {}", span.start.line)
        } else {
            format!("{}:{}", other.path.display(), span.start.line)
        }
    }
}
