//! Step 2 of the pipeline: where every YAML node of a file is, as a read-only index.
//!
//! serde-saphyr reads the values (`read.rs`); this index only answers "where is
//! `cluster.nodePools[0].count`?" for the errors found after typing (a bad quantity, a name that
//! matches nothing), and which keys an action mapping has, in file order. It is built from the
//! events of `granit-parser`, the parser serde-saphyr itself runs on (and re-exports), so both
//! agree on every position; building it also checks the syntax of the whole file up front, so a
//! syntax error is reported before a typing error that precedes it in the file.
//!
//! The index is flat (`Vec`s) and built without recursion, so deep nesting cannot overflow the
//! stack, and an alias is one node pointing at its anchor, so aliases cost nothing here (their
//! expansion is bounded by serde-saphyr's budget).

use crate::objects::{Head, Loose};
use crate::read::max_depth;
use serde_saphyr::granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError};
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

/// A position: 1-based line, 0-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A range of source text (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// An empty span at `p`.
    pub fn at(p: Pos) -> Self {
        Self { start: p, end: p }
    }
}

fn pos(m: &Marker) -> Pos {
    Pos { line: m.line(), col: m.col() }
}

/// A node of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node(usize);

#[derive(Debug)]
enum Shape {
    /// `plain`: unquoted and not a block scalar; `empty`: nothing written (`key:`).
    Scalar {
        plain: bool,
        empty: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// `*name`: the anchored node.
    Alias(Node),
}

#[derive(Debug)]
struct Entry {
    /// The key's text when it is a scalar (complex keys are never looked up).
    key: String,
    key_span: Span,
    value: Node,
}

#[derive(Debug)]
struct NodeData {
    span: Span,
    /// The node's bytes in the file, when the parser reports them.
    bytes: Option<Range<usize>>,
    shape: Shape,
}

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    /// The root node (an empty scalar for an empty document: a stray `---`).
    pub root: Option<Node>,
    /// Where the document starts, for messages about it as a whole.
    pub start: Pos,
    /// Its text in the file (for reading it alone): from the end of the previous document to
    /// its own end.
    pub bytes: Range<usize>,
    /// The line `bytes` starts on.
    pub first_line: usize,
    /// When the root is a mapping with an `items` list (a `kind: List`, as `kubectl get -o
    /// yaml` writes), the nodes of its items, so a scan ([`Index::scan`]) can name them.
    pub items: Vec<Node>,
    /// Pass 1 of the manifests (`objects::Loose`) read along by a scan, when the document is
    /// plain enough for it to be exactly what serde-saphyr reads (see [`HeadReader`]); `None`
    /// otherwise (and in a built index), and the document is read by serde-saphyr instead.
    pub head: Option<Loose>,
}

/// Where the nodes of one file are.
#[derive(Debug, Default)]
pub(crate) struct Index {
    nodes: Vec<NodeData>,
    pub docs: Vec<Doc>,
}

/// Why a text is not YAML: the parser's message, where, and the field being read.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub span: Span,
    pub path: Path,
    pub message: String,
    pub hint: Option<String>,
}

/// What [`Index::find`] reached.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub span: Span,
    /// Whether the whole path exists.
    pub complete: bool,
}

/// What a node is, in words (`a list`, ``string `x` ``...), for "wrong type" messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written<'a> {
    List,
    Mapping,
    Empty,
    /// A scalar: its source text (without quotes) and whether it was quoted or a block.
    Scalar {
        text: &'a str,
        plain: bool,
    },
}

impl Index {
    /// Indexes every document of `text`.
    pub fn build(text: &str) -> Result<Self, SyntaxError> {
        Self::parse(text, false)
    }

    /// Checks `text` as [`Index::build`] does (the same errors, in the same order) and lists
    /// its documents, with the same [`Node`] numbers, but keeps no node: such an index only
    /// knows `docs`, and its other methods must not be called. It takes memory for the open
    /// collections only, where a built index takes some 200 bytes per node; a file whose
    /// errors need places is built in full then (see `Source::index`).
    pub fn scan(text: &str) -> Result<Self, SyntaxError> {
        Self::parse(text, true)
    }

    fn parse(text: &str, light: bool) -> Result<Self, SyntaxError> {
        let mut b = Builder { text, max_depth: max_depth(), light, ..Builder::default() };
        // Without comment events, as serde-saphyr reads (`read::options`): the index never
        // uses them, and not making them saves the scan of a large dump some time.
        let mut options = serde_saphyr::granit_parser::Options::default();
        options.emit_comments = false;
        let mut parser = Parser::new_from_str_with_options(text, options);
        while let Some(item) = parser.next_event() {
            match item {
                Ok((ev, span)) => b.event(ev, &span)?,
                Err(e) => return Err(b.syntax_error(&e)),
            }
        }
        Ok(b.index)
    }

    fn data(&self, n: Node) -> &NodeData {
        &self.nodes[n.0]
    }

    /// `n`, or the node an alias `n` stands for.
    fn resolve(&self, mut n: Node) -> Node {
        // An alias can only name an anchor defined before it, so this ends.
        while let Shape::Alias(target) = self.data(n).shape {
            n = target;
        }
        n
    }

    fn entries(&self, n: Node) -> &[Entry] {
        match &self.data(self.resolve(n)).shape {
            Shape::Map(entries) => entries,
            _ => &[],
        }
    }

    fn items(&self, n: Node) -> Option<&[Node]> {
        match &self.data(self.resolve(n)).shape {
            Shape::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The keys of mapping `n`, in file order.
    pub fn keys(&self, n: Node) -> impl Iterator<Item = &str> {
        self.entries(n).iter().map(|e| e.key.as_str())
    }

    /// Whether `n` is a list.
    pub fn is_list(&self, n: Node) -> bool {
        self.items(n).is_some()
    }

    /// The node at `path` from `root`, if the whole path exists.
    pub fn at(&self, root: Node, path: &Path) -> Option<Node> {
        let mut node = root;
        for seg in &path.0 {
            node = self.step(node, seg)?.0;
        }
        Some(node)
    }

    fn step(&self, n: Node, seg: &Seg) -> Option<(Node, Option<Span>)> {
        match seg {
            Seg::Key(k) => self.entry(n, k).map(|e| (e.value, Some(e.key_span))),
            Seg::Index(i) => self.items(n)?.get(*i).map(|&item| (item, None)),
        }
    }

    /// The entry of `key` in mapping `n`, or in the mappings it merges (`<<: *base`, or
    /// `<<: [*a, *b]`, the first one first), as serde-saphyr reads them.
    fn entry(&self, n: Node, key: &str) -> Option<&Entry> {
        let mut maps = vec![n];
        // Each merge names earlier nodes, so this ends; the bound is for absurd chains.
        for _ in 0..1000 {
            let m = maps.pop()?;
            let entries = self.entries(m);
            if let Some(e) = entries.iter().find(|e| e.key == key) {
                return Some(e);
            }
            for merged in entries.iter().filter(|e| e.key == "<<") {
                match self.items(merged.value) {
                    Some(items) => maps.extend(items.iter().rev()),
                    None => maps.push(merged.value),
                }
            }
        }
        None
    }

    /// Follows `path` from `root` as far as it exists. Returns the span to point at: the last
    /// node reached, or, when that is the value of a key, the key if `want_key`, if the value is
    /// a collection (whose own span starts on the line after the key), or if it is empty.
    pub fn find(&self, root: Node, path: &Path, want_key: bool) -> Found {
        let mut node = root;
        let mut key_span = None;
        for seg in &path.0 {
            match self.step(node, seg) {
                Some((n, ks)) => (node, key_span) = (n, ks),
                None => return Found { span: self.point(node, key_span, false), complete: false },
            }
        }
        Found { span: self.point(node, key_span, want_key), complete: true }
    }

    fn point(&self, node: Node, key_span: Option<Span>, want_key: bool) -> Span {
        let shape = &self.data(self.resolve(node)).shape;
        match (key_span, shape) {
            (Some(k), _) if want_key => k,
            (Some(k), Shape::Map(_) | Shape::Seq(_) | Shape::Scalar { empty: true, .. }) => k,
            _ => self.data(node).span,
        }
    }

    /// What `--set` needs to edit node `n` in place (see `set.rs`): its bytes, its own mapping
    /// entries (not those it merges), its items, and whether it is an alias, a flow
    /// collection or nothing at all.
    pub fn edit_view(&self, n: Node, text: &str) -> EditView {
        let data = self.data(n);
        let (entries, items) = match &data.shape {
            Shape::Map(entries) => {
                (Some(entries.iter().map(|e| (e.key.clone(), e.key_span, e.value)).collect()), None)
            }
            Shape::Seq(items) => (None, Some(items.clone())),
            _ => (None, None),
        };
        let flow = data.bytes.clone().and_then(|r| text.get(r)).is_some_and(|t| {
            let t = t.trim_start();
            t.starts_with('{') || t.starts_with('[')
        });
        EditView {
            bytes: data.bytes.clone(),
            entries,
            items,
            alias: matches!(data.shape, Shape::Alias(_)),
            empty: matches!(data.shape, Shape::Scalar { empty: true, .. }),
            flow,
        }
    }

    /// What is written at `n`; `text` is the file the index was built from.
    pub fn written<'t>(&self, n: Node, text: &'t str) -> Written<'t> {
        let data = self.data(self.resolve(n));
        match data.shape {
            Shape::Seq(_) => Written::List,
            Shape::Map(_) => Written::Mapping,
            Shape::Scalar { empty: true, .. } => Written::Empty,
            Shape::Scalar { plain, .. } => {
                let raw = data.bytes.clone().and_then(|r| text.get(r)).unwrap_or_default();
                let text = if plain { raw } else { unquote(raw) };
                Written::Scalar { text, plain }
            }
            Shape::Alias(_) => Written::Empty,
        }
    }

    /// The mapping entry whose key starts at `p`: its path, and the line where the same key
    /// is first given in that mapping (for duplicate keys, which serde-saphyr reports at the
    /// second one).
    pub fn key_at(&self, p: Pos) -> Option<(Path, usize)> {
        let mut stack: Vec<(Node, Path)> =
            self.docs.iter().filter_map(|d| d.root).map(|r| (r, Path::root())).collect();
        while let Some((n, path)) = stack.pop() {
            match &self.data(n).shape {
                Shape::Map(entries) => {
                    if let Some(e) = entries.iter().find(|e| e.key_span.start == p) {
                        let first = entries.iter().find(|f| f.key == e.key).unwrap_or(e);
                        return Some((path.key(&e.key), first.key_span.start.line));
                    }
                    stack.extend(entries.iter().map(|e| (e.value, path.key(&e.key))));
                }
                Shape::Seq(items) => {
                    stack.extend(items.iter().enumerate().map(|(i, &n)| (n, path.index(i))));
                }
                Shape::Scalar { .. } | Shape::Alias(_) => {}
            }
        }
        None
    }
}

/// The text of a quoted scalar without its quotes (escapes are left as written).
fn unquote(raw: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = raw.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    raw
}

enum Frame {
    Seq(Vec<Node>),
    Map { entries: Vec<Entry>, key: Option<(String, Span)> },
}

struct Open {
    frame: Frame,
    start: Marker,
    anchor: usize,
}

#[derive(Default)]
struct Builder<'t> {
    text: &'t str,
    max_depth: usize,
    index: Index,
    stack: Vec<Open>,
    root: Option<Node>,
    doc_start: Option<Marker>,
    /// Where the last document ended (a byte offset).
    docs_end: usize,
    anchors: HashMap<usize, Node>,
    /// Whether nodes are only numbered, not kept ([`Index::scan`]).
    light: bool,
    /// How many nodes there are so far.
    count: usize,
    /// Where the current document's root starts.
    root_start: Option<Pos>,
    /// The items of the current document's root `items` list.
    root_items: Vec<Node>,
    /// The line breaks before byte `lines_to`.
    lines_before: usize,
    lines_to: usize,
    /// Pass 1, read along by a scan.
    heads: HeadReader,
}

impl Builder<'_> {
    /// The path of the node being read, from the open collections.
    fn path(&self) -> Path {
        let mut p = Path::root();
        for open in &self.stack {
            match &open.frame {
                Frame::Seq(items) => p.0.push(Seg::Index(items.len())),
                Frame::Map { key: Some((k, _)), .. } => p.0.push(Seg::Key(k.clone())),
                Frame::Map { .. } => {}
            }
        }
        p
    }

    fn syntax_error(&self, e: &ScanError) -> SyntaxError {
        let info = e.info();
        let message = format!("invalid YAML: {info}");
        let hint = if info.contains("tab") {
            Some("YAML indentation must use spaces, not tabs".into())
        } else if info.contains("mapping values are not allowed") {
            Some("a value containing `: ` must be quoted, or the line is indented too far".into())
        } else {
            None
        };
        SyntaxError { span: Span::at(pos(e.marker())), path: self.path(), message, hint }
    }

    fn event(
        &mut self,
        ev: Event<'_>,
        span: &serde_saphyr::granit_parser::Span,
    ) -> Result<(), SyntaxError> {
        if matches!(ev, Event::SequenceStart(..) | Event::MappingStart(..))
            && self.stack.len() >= self.max_depth
        {
            // serde-saphyr's budget would refuse it too; saying so here keeps one message.
            return Err(SyntaxError {
                span: Span::at(pos(&span.start)),
                path: self.path(),
                message: format!("YAML nested more than {} levels deep", self.max_depth),
                hint: None,
            });
        }
        match ev {
            Event::DocumentStart(..) => {
                self.anchors.clear();
                self.root = None;
                self.root_start = None;
                self.root_items.clear();
                self.doc_start = Some(span.start);
                self.heads = HeadReader { plain: self.light, ..HeadReader::default() };
            }
            Event::DocumentEnd => {
                let start = self.doc_start.take().unwrap_or(span.start);
                // From the end of the previous document (so directives and comments before
                // this one come along) to the end of this one.
                let from = self.docs_end;
                let to = span.end.byte_offset().unwrap_or(self.text.len()).max(from);
                self.docs_end = to;
                let root = self.root.take();
                let start =
                    self.root_start.take().filter(|_| root.is_some()).unwrap_or(pos(&start));
                // Lines are counted from where the last count stopped, so a file of many
                // documents is counted once.
                let more = self.text.get(self.lines_to..from).unwrap_or_default();
                self.lines_before += more.matches('\n').count();
                self.lines_to = self.lines_to.max(from);
                self.index.docs.push(Doc {
                    root,
                    start,
                    bytes: from..to,
                    first_line: self.lines_before + 1,
                    items: std::mem::take(&mut self.root_items),
                    head: std::mem::take(&mut self.heads).finish(),
                });
            }
            Event::SequenceStart(_, anchor, ref tag) => {
                if self.heads.plain {
                    self.heads.open(self.at_key(), anchor, tag.is_some(), false);
                }
                self.stack.push(Open { frame: Frame::Seq(Vec::new()), start: span.start, anchor });
            }
            Event::MappingStart(_, anchor, ref tag) => {
                if self.heads.plain {
                    self.heads.open(self.at_key(), anchor, tag.is_some(), true);
                }
                let frame = Frame::Map { entries: Vec::new(), key: None };
                self.stack.push(Open { frame, start: span.start, anchor });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if self.heads.plain {
                    self.heads.close();
                }
                let Some(open) = self.stack.pop() else { return Ok(()) };
                if let ([parent], Frame::Seq(items)) = (self.stack.as_slice(), &open.frame)
                    && let Frame::Map { key: Some((k, _)), .. } = &parent.frame
                    && k == "items"
                {
                    self.root_items.clone_from(items);
                }
                let shape = match open.frame {
                    Frame::Seq(items) => Shape::Seq(items),
                    Frame::Map { entries, .. } => Shape::Map(entries),
                };
                let bytes = open.start.byte_offset().zip(span.end.byte_offset()).map(|(a, b)| a..b);
                let span = Span { start: pos(&open.start), end: pos(&span.end) };
                self.insert(NodeData { span, bytes, shape }, open.anchor, None);
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain;
                // Nothing written (`key:`) reads as a plain `~` of no width.
                let empty = plain && span.start.index() == span.end.index();
                let at_key = self.at_key();
                if self.heads.plain {
                    if at_key {
                        let keys = match self.stack.last().map(|o| &o.frame) {
                            Some(Frame::Map { entries, .. }) => entries.as_slice(),
                            _ => &[],
                        };
                        self.heads.key(&text, plain, anchor, tag.is_some(), keys);
                    } else {
                        self.heads.scalar(&text, plain, empty, anchor, tag.is_some());
                    }
                }
                let shape = Shape::Scalar { plain, empty };
                let bytes = span.byte_range();
                let span = Span { start: pos(&span.start), end: pos(&span.end) };
                // Only a key's text is kept (values are read by serde-saphyr).
                let key = at_key.then(|| text.into_owned());
                self.insert(NodeData { span, bytes, shape }, anchor, key);
            }
            Event::Alias(id) => {
                self.heads.plain = false;
                // The parser has already refused aliases to unknown anchors.
                let Some(&target) = self.anchors.get(&id) else { return Ok(()) };
                let data = NodeData {
                    span: Span { start: pos(&span.start), end: pos(&span.end) },
                    bytes: span.byte_range(),
                    shape: Shape::Alias(target),
                };
                self.insert(data, 0, None);
            }
            Event::StreamStart | Event::StreamEnd | Event::Comment(..) => {}
            _ => self.heads.plain = false,
        }
        Ok(())
    }

    /// Whether the next node is a key of the open mapping.
    fn at_key(&self) -> bool {
        matches!(self.stack.last(), Some(Open { frame: Frame::Map { key: None, .. }, .. }))
    }

    /// Adds a node to the open collection (as a key, an item or a value) or as the root.
    fn insert(&mut self, data: NodeData, anchor: usize, scalar: Option<String>) {
        let node = Node(self.count);
        self.count += 1;
        let span = data.span;
        if self.stack.is_empty() {
            self.root_start = Some(span.start);
        }
        if !self.light {
            self.index.nodes.push(data);
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node);
        }
        match self.stack.last_mut().map(|open| &mut open.frame) {
            None => self.root = Some(node),
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map { entries, key }) => match key.take() {
                None => *key = Some((scalar.unwrap_or_default(), span)),
                Some((key, key_span)) => entries.push(Entry { key, key_span, value: node }),
            },
        }
    }
}

/// Pass 1 of the manifests (`objects::Loose`), read from the scan's events instead of a second
/// parse of the file by serde-saphyr: a dump's documents are then parsed twice, not three
/// times. It builds what `Loose`'s visitor would (the keys `include`, `apiVersion`, `kind`,
/// `metadata`, `name`, `namespace` and `items` of every mapping it reads, the first other key,
/// lists item by item, and scalars as text), and skips the other values.
///
/// It is exact only for plain YAML, so a document with anything serde-saphyr reads in a way
/// the scan does not follow gives up (`plain = false`), and serde-saphyr reads it as before:
/// an anchor, alias, tag or merge key (`<<`); a key that is not a plain string (a collection,
/// or a scalar that may resolve to a number, boolean or null); two equal keys in a mapping (or
/// a mapping of more than [`HeadReader::MAX_CHECKED_KEYS`] keys, not checked here); a scalar
/// that is read that may resolve to a number or boolean (its text would then be serde's
/// rendering of it, as `1.0` → `1`).
#[derive(Debug, Default)]
struct HeadReader {
    /// Whether the document is still plain enough (and this is a scan).
    plain: bool,
    /// Per open collection: what it builds, `None` when its value is skipped.
    open: Vec<Option<HeadOpen>>,
    /// The document's root, once read.
    root: Option<Loose>,
}

#[derive(Debug)]
enum HeadOpen {
    List(Vec<Loose>),
    /// A mapping, and the slot the value being read goes in (`None`: skipped).
    Map(Box<Head>, Option<HeadSlot>),
}

#[derive(Debug, Clone, Copy)]
enum HeadSlot {
    Include,
    ApiVersion,
    Kind,
    Metadata,
    Name,
    Namespace,
    Items,
}

impl HeadReader {
    /// Mappings with more keys are not checked for duplicates here (serde-saphyr reads them).
    const MAX_CHECKED_KEYS: usize = 64;

    /// Whether the value about to start is read (not skipped).
    fn wanted(&self) -> bool {
        match self.open.last() {
            None => self.root.is_none(),
            Some(None) => false,
            Some(Some(HeadOpen::List(_))) => true,
            Some(Some(HeadOpen::Map(_, slot))) => slot.is_some(),
        }
    }

    /// A collection starts (`at_key`: as a mapping key).
    fn open(&mut self, at_key: bool, anchor: usize, tagged: bool, map: bool) {
        if at_key || anchor > 0 || tagged {
            self.plain = false;
            return;
        }
        let frame = self.wanted().then(|| {
            if map { HeadOpen::Map(Box::default(), None) } else { HeadOpen::List(Vec::new()) }
        });
        self.open.push(frame);
    }

    /// The open collection ends.
    fn close(&mut self) {
        let value = match self.open.pop() {
            Some(Some(HeadOpen::List(items))) => Loose::List(items),
            Some(Some(HeadOpen::Map(head, _))) => Loose::Map(head),
            _ => return,
        };
        self.value(value);
    }

    /// A value that was read goes in its slot.
    fn value(&mut self, v: Loose) {
        match self.open.last_mut() {
            None => self.root = Some(v),
            Some(None) => {}
            Some(Some(HeadOpen::List(items))) => items.push(v),
            Some(Some(HeadOpen::Map(head, slot))) => {
                let Some(slot) = slot.take() else { return };
                let place = match slot {
                    HeadSlot::Include => &mut head.include,
                    HeadSlot::ApiVersion => &mut head.api_version,
                    HeadSlot::Kind => &mut head.kind,
                    HeadSlot::Metadata => &mut head.metadata,
                    HeadSlot::Name => &mut head.name,
                    HeadSlot::Namespace => &mut head.namespace,
                    HeadSlot::Items => &mut head.items,
                };
                *place = Some(v);
            }
        }
    }

    /// A mapping key; `keys` are the entries of the mapping so far.
    fn key(&mut self, text: &str, plain: bool, anchor: usize, tagged: bool, keys: &[Entry]) {
        if anchor > 0 || tagged || (plain && !plain_string(text)) || text == "<<" {
            self.plain = false;
            return;
        }
        if keys.len() >= Self::MAX_CHECKED_KEYS || keys.iter().any(|e| e.key == text) {
            self.plain = false;
            return;
        }
        // `open` has a frame for every open mapping while the document is plain.
        let Some(Some(HeadOpen::Map(head, slot))) = self.open.last_mut() else { return };
        if text != "include" && head.other_key.is_none() {
            head.other_key = Some(text.to_string());
        }
        *slot = match text {
            "include" => Some(HeadSlot::Include),
            "apiVersion" => Some(HeadSlot::ApiVersion),
            "kind" => Some(HeadSlot::Kind),
            "metadata" => Some(HeadSlot::Metadata),
            "name" => Some(HeadSlot::Name),
            "namespace" => Some(HeadSlot::Namespace),
            "items" => Some(HeadSlot::Items),
            _ => None,
        };
    }

    /// A scalar value.
    fn scalar(&mut self, text: &str, plain: bool, empty: bool, anchor: usize, tagged: bool) {
        if anchor > 0 || tagged {
            self.plain = false;
            return;
        }
        if !self.wanted() {
            return;
        }
        let v = if !plain {
            Loose::Text(text.to_string())
        } else if empty || is_null(text) {
            Loose::Null
        } else if plain_string(text) {
            Loose::Text(text.to_string())
        } else {
            self.plain = false;
            return;
        };
        self.value(v);
    }

    /// The document's pass 1, if it was read to the end while plain.
    fn finish(self) -> Option<Loose> {
        if !self.plain || !self.open.is_empty() {
            return None;
        }
        Some(self.root.unwrap_or(Loose::Null))
    }
}

/// YAML 1.2's null (core schema), as serde-saphyr reads a plain scalar.
fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL")
}

/// Whether a plain scalar surely reads as the string it is written as: not null, not a
/// boolean of any YAML version, and not starting as a number may (a digit, sign or dot).
/// Anything else gives up [`HeadReader`] (serde-saphyr then reads it), so this may refuse
/// strings, but never accepts a non-string.
fn plain_string(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    if first.is_ascii_digit() || matches!(first, '+' | '-' | '.') || is_null(text) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "inf" | "nan" | "infinity"
    )
}

/// One node as `--set` sees it (see [`Index::edit_view`]).
#[derive(Debug, Clone)]
pub(crate) struct EditView {
    /// The node's bytes in the file.
    pub bytes: Option<Range<usize>>,
    /// A mapping's own entries: key, key span, value.
    pub entries: Option<Vec<(String, Span, Node)>>,
    /// A list's items.
    pub items: Option<Vec<Node>>,
    /// Whether it is an alias (`*name`).
    pub alias: bool,
    /// Whether nothing is written (`key:`).
    pub empty: bool,
    /// Whether it is a flow collection (`{...}` or `[...]`).
    pub flow: bool,
}

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A field path such as `cluster.nodePools[0].allocatable.cpu`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(pub Vec<Seg>);

impl Path {
    /// The empty path (the document root).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Parses `a.b[2].c` (keys must not contain `.` or `[`; use [`Path::key`] for those).
    pub fn parse(s: &str) -> Self {
        let mut p = Self::root();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let (name, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !name.is_empty() {
                p.0.push(Seg::Key(name.to_string()));
            }
            while let Some(close) = rest.find(']') {
                if let Ok(i) = rest[1..close].parse() {
                    p.0.push(Seg::Index(i));
                }
                rest = &rest[close + 1..];
            }
        }
        p
    }

    /// This path followed by `key`.
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_string()));
        p
    }

    /// This path followed by `[index]`.
    pub fn index(&self, index: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(index));
        p
    }

    /// This path followed by `other`.
    pub fn join(&self, other: &Path) -> Self {
        let mut p = self.clone();
        p.0.extend(other.0.iter().cloned());
        p
    }

    /// This path followed by the path `s` (see [`Path::parse`]).
    pub fn then(&self, s: &str) -> Self {
        self.join(&Path::parse(s))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (Index, Node) {
        let index = Index::build(text).unwrap();
        assert_eq!(index.docs.len(), 1);
        let root = index.docs[0].root.unwrap();
        (index, root)
    }

    #[test]
    fn spans_and_paths() {
        let (ix, root) = one("cluster:\n  nodePools:\n    - name: a\n      count: 3\n");
        let f = ix.find(root, &Path::parse("cluster.nodePools[0].count"), false);
        assert!(f.complete);
        assert_eq!(f.span.start, Pos { line: 4, col: 13 });
        assert_eq!(f.span.end, Pos { line: 4, col: 14 });
        let f = ix.find(root, &Path::parse("cluster.nodePools[0].zones"), false);
        assert!(!f.complete);
        let f = ix.find(root, &Path::parse("cluster.nodePools"), false);
        assert_eq!(f.span.start, Pos { line: 2, col: 2 });
        assert_eq!(Path::parse("a.b[0].c").key("x/y").index(2).to_string(), "a.b[0].c[\"x/y\"][2]");
        let keys: Vec<&str> =
            ix.keys(ix.at(root, &Path::parse("cluster.nodePools[0]")).unwrap()).collect();
        assert_eq!(keys, ["name", "count"]);
    }

    #[test]
    fn aliases_lead_to_their_anchor() {
        let (ix, root) = one("x: &v {k: 1}\ny: *v\n");
        let f = ix.find(root, &Path::parse("y.k"), false);
        assert!(f.complete);
        assert_eq!(f.span.start, Pos { line: 1, col: 10 });
        assert_eq!(ix.find(root, &Path::parse("y"), false).span.start, Pos { line: 2, col: 0 });
    }

    #[test]
    fn merge_keys_are_followed() {
        let (ix, root) = one("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3}\nc: {<<: [{z: 0}, *a]}\n");
        let at = |p: &str| ix.find(root, &Path::parse(p), false).span.start;
        assert_eq!(at("b.x"), Pos { line: 1, col: 10 });
        assert_eq!(at("b.y"), Pos { line: 2, col: 15 });
        assert_eq!(at("c.z"), Pos { line: 3, col: 13 });
        assert_eq!(at("c.y"), Pos { line: 1, col: 16 });
    }

    #[test]
    fn what_is_written() {
        let text = "a: 3\nb: 'x y'\nc:\nd: [1]\n";
        let (ix, root) = one(text);
        let w = |p: &str| ix.written(ix.at(root, &Path::parse(p)).unwrap(), text);
        assert_eq!(w("a"), Written::Scalar { text: "3", plain: true });
        assert_eq!(w("b"), Written::Scalar { text: "x y", plain: false });
        assert_eq!(w("c"), Written::Empty);
        assert_eq!(w("d"), Written::List);
        assert_eq!(ix.key_at(Pos { line: 2, col: 0 }), Some((Path::parse("b"), 2)));
    }

    #[test]
    fn a_scan_lists_the_documents_of_a_build() {
        let text =
            "# c\nkind: List\nitems:\n- {a: 1}\n- b: [2]\n---\nx: &x 1\ny: *x\n---\n---\n[1]\n";
        let (built, scanned) = (Index::build(text).unwrap(), Index::scan(text).unwrap());
        assert!(scanned.nodes.is_empty());
        assert_eq!(built.docs.len(), 4);
        for (b, s) in built.docs.iter().zip(&scanned.docs) {
            assert_eq!(
                (b.root, b.start, &b.bytes, b.first_line),
                (s.root, s.start, &s.bytes, s.first_line)
            );
            assert_eq!(b.items, s.items);
        }
        let root = built.docs[0].root.unwrap();
        let item = |i: usize| built.at(root, &Path::root().key("items").index(i));
        assert_eq!(scanned.docs[0].items, [item(0).unwrap(), item(1).unwrap()]);
        assert!(scanned.docs[1].items.is_empty());
        let bad = "a: 1\nb: [x\n";
        let (b, s) = (Index::build(bad).unwrap_err(), Index::scan(bad).unwrap_err());
        assert_eq!((b.span, b.path, b.message), (s.span, s.path, s.message));
    }

    #[test]
    fn syntax_errors_and_documents() {
        let e = Index::build("a:\n  b: [1, 2\n").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        let e = Index::build("a: 1\nb:\n  c: [x, y\n").unwrap_err();
        assert!(e.path.to_string().starts_with("b.c["), "{}", e.path);
        assert!(Index::build(&"[".repeat(5000)).is_err());
        let e = Index::build(&("- ".repeat(5000) + "x")).unwrap_err();
        assert_eq!(e.message, "YAML nested more than 64 levels deep");
        assert!(Index::build(&("- ".repeat(64) + "x")).is_ok());
        let text = "a: 1\n---\nb: 2\n---\n";
        let ix = Index::build(text).unwrap();
        assert_eq!(ix.docs.len(), 3);
        let last = ix.docs[2].root.unwrap();
        assert_eq!(ix.written(last, text), Written::Empty);
        assert_eq!(&text[ix.docs[1].bytes.clone()], "---\nb: 2\n");
        assert_eq!(ix.docs[1].first_line, 2);
        let text = "%YAML 1.2\n---\na: 1\n...\n# two\n---\nb: 2\n";
        let ix = Index::build(text).unwrap();
        let doc = |i: usize| &text[ix.docs[i].bytes.clone()];
        assert_eq!((doc(0), doc(1)), ("%YAML 1.2\n---\na: 1\n...", "\n# two\n---\nb: 2\n"));
        assert_eq!(ix.docs[1].first_line, 4);
    }
}

#[cfg(test)]
mod head_tests {
    use super::*;

    /// Each document's pass 1 as the scan reads it, and as serde-saphyr reads it (the
    /// document's text alone, as `read_include` reads it).
    fn heads(text: &str) -> Vec<(Option<String>, String)> {
        let scan = Index::scan(text).unwrap();
        scan.docs
            .iter()
            .map(|d| {
                let alone = crate::read::read::<Loose>(&text[d.bytes.clone()])
                    .map(|l| format!("{l:?}"))
                    .unwrap_or_else(|f| format!("error: {:?}", f.error));
                (d.head.as_ref().map(|h| format!("{h:?}")), alone)
            })
            .collect()
    }

    /// A plain document's pass 1 comes from the scan, and is what serde-saphyr reads.
    #[track_caller]
    fn same(text: &str) {
        for (scan, serde) in heads(text) {
            assert_eq!(scan.as_deref(), Some(serde.as_str()), "{text}");
        }
    }

    /// A document the scan cannot follow is left to serde-saphyr.
    #[track_caller]
    fn left(text: &str) {
        for (scan, _) in heads(text) {
            assert_eq!(scan, None, "{text}");
        }
    }

    #[test]
    fn plain_documents_are_read_by_the_scan_as_serde_saphyr_reads_them() {
        same(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\n  labels: {a: b}\nspec:\n  containers: [{name: c, image: x}]\n",
        );
        same(
            "# a dump\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, uid: '0001'}\n  spec: {nodeName: n1}\n- kind: Node\n  metadata:\n    name: \"n1\"\n",
        );
        same("kind: PodList\napiVersion: v1\nitems: []\n");
        same("---\nkind: Pod\n---\n---\nkind: Deployment\nmetadata: {name: 'x', namespace: ~}\n");
        // Values pass 1 only checks the types of: a list, a mapping, an empty value, a block.
        same("kind: [a, b]\napiVersion:\nmetadata: x\nitems: {a: 1}\nname: |\n  two\n  lines\n");
        same("include: a.yaml\n");
        same("other: 1\ninclude: a.yaml\n");
        same(
            "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}}]}",
        );
        same("- a\n- b\n");
        same("just text\n");
        same("");
    }

    #[test]
    fn other_documents_are_left_to_serde_saphyr() {
        left("kind: 1.0\n");
        left("kind: true\n");
        left("metadata: {name: 007}\n");
        left("kind: Pod\nkind: Pod\n");
        left("kind: &k Pod\napiVersion: *k\n");
        left("base: &b {kind: Pod}\nx:\n  <<: *b\n");
        left("kind: !!str Pod\n");
        left("? [a]\n: b\n");
        left("1: a\n");
        left("~: a\n");
        // Duplicate keys deep in a skipped value too (serde-saphyr's pass 1 refuses them).
        left("kind: Pod\nspec:\n  a: 1\n  a: 2\n");
        // Within the document that is left only: the others are still read by the scan.
        let h = heads("kind: Pod\n---\nkind: 1\n");
        assert!(h[0].0.is_some() && h[1].0.is_none());
    }
}
