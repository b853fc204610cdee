//! The node timeline (`node-timeline.png`/`.svg`): a Gantt chart with one row per node and
//! bars coloured by the node's state over time.
//!
//! The states come from the trace, as `kubectl get events` and `kubectl drain` would show
//! them: a node is **NotReady** from its `NodeNotReady` event (the node lifecycle controller,
//! `nodelifecycle.rs`) until its `NodeReady` event (the kubelet posting Ready again,
//! `faults.rs`); **cordoned** from `NodeNotSchedulable` until `NodeSchedulable` (`api.rs`
//! `set_unschedulable`, used by cordon, drain and node-pool upgrades); **draining** between
//! the start and the end of a drain on it (the trace's drain records, `drain.rs`, including
//! the drains of node-pool upgrades); **gone** from the deletion of the Node object (its
//! `removed` time in the final cluster, when `RemovingNode` is recorded) to the end of the
//! run. A node's row starts at its `creationTimestamp` (0 for the nodes of the scenario,
//! which start in the state the scenario gives them). Where states overlap the most severe
//! wins: gone, NotReady, draining, cordoned, Ready.
//!
//! NotReady covers `Ready=False` and `Ready=Unknown` (the `NodeNotReady` event does not say
//! which; in kubesim a kubelet never posts False, so it is Unknown, drawn in the Unknown
//! colour of the nodes chart).
//!
//! Rows are in the order of the nodes' creation (the cluster's node order). With more than
//! [`MAX_ROWS`] nodes, nodes that were Ready from the start to the end are left out (the chart
//! says how many), then rows past [`MAX_ROWS`]. The chart grows taller with its rows.

use crate::ReportError;
use crate::RunOutput;
use crate::charts::{
    LEGEND_ROW, LegendEntry, MARGIN_LEFT, MARGIN_RIGHT, MARK_ROW, MARK_TEXT, MAX_MARK_ROWS,
    NODE_CORDONED, NODE_DRAINING, NODE_GONE, NODE_READY, NODE_UNKNOWN, Rgb, SIZE, TITLE_BAND,
    axis_end, draw_legend, draw_mark_labels, draw_mark_lines, draw_title, font, layout_marks,
    legend_width, minutes,
};
use kubesim_engine::SimTime;
use kubesim_model::{CondStatus, Kind, Mark};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// At most this many rows are drawn.
pub const MAX_ROWS: usize = 40;
/// Height of one row, in pixels.
const ROW_H: i32 = 18;
/// Height of a bar within its row.
const BAR_H: i32 = 12;

/// A node's state in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeState {
    /// Ready and schedulable.
    Ready,
    /// Ready and cordoned (`spec.unschedulable`), not being drained.
    Cordoned,
    /// A drain is evicting its pods.
    Draining,
    /// The Ready condition is not True.
    NotReady,
    /// The Node object is deleted.
    Gone,
}

impl NodeState {
    /// Every state, in legend order.
    pub const ALL: [NodeState; 5] =
        [Self::Ready, Self::Cordoned, Self::Draining, Self::NotReady, Self::Gone];

    /// The legend's name of the state.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ready => "Ready",
            Self::Cordoned => "cordoned",
            Self::Draining => "draining",
            Self::NotReady => "NotReady",
            Self::Gone => "gone (deleted)",
        }
    }

    /// The colour (the same state has the same colour in the nodes chart).
    pub fn color(self) -> Rgb {
        match self {
            Self::Ready => NODE_READY,
            Self::Cordoned => NODE_CORDONED,
            Self::Draining => NODE_DRAINING,
            Self::NotReady => NODE_UNKNOWN,
            Self::Gone => NODE_GONE,
        }
    }
}

/// One bar: a state from an instant until another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start.
    pub from: SimTime,
    /// End (exclusive).
    pub to: SimTime,
    /// The state.
    pub state: NodeState,
}

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    /// The node's name.
    pub node: String,
    /// Its states, in time order, adjacent, from its creation to the end of the run.
    pub spans: Vec<Span>,
}

/// The node timeline of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTimeline {
    /// The title.
    pub title: String,
    /// The end of the run.
    pub end: SimTime,
    /// The rows drawn.
    pub rows: Vec<TimelineRow>,
    /// Nodes left out because they were Ready throughout.
    pub hidden_ready: usize,
    /// Nodes left out past [`MAX_ROWS`].
    pub hidden_more: usize,
    /// The actions.
    pub marks: Vec<Mark>,
}

/// A change of one of a node's flags at an instant.
#[derive(Debug, Clone, Copy)]
enum Flag {
    Ready(bool),
    Cordoned(bool),
    Draining(bool),
}

/// The state of every node over the run (every row, none left out).
pub fn node_rows(out: &RunOutput) -> Vec<TimelineRow> {
    let trace = out.trace;
    let end = trace.end;
    // Changes per node name, in trace order.
    let mut changes: BTreeMap<&str, Vec<(SimTime, Flag)>> = BTreeMap::new();
    for e in trace.events.iter().filter(|e| e.kind == Kind::Node) {
        let flag = match e.reason {
            "NodeNotReady" => Flag::Ready(false),
            "NodeReady" => Flag::Ready(true),
            "NodeNotSchedulable" => Flag::Cordoned(true),
            "NodeSchedulable" => Flag::Cordoned(false),
            _ => continue,
        };
        changes.entry(e.name).or_default().push((e.time, flag));
    }
    for d in &trace.drains {
        for n in &d.nodes {
            if let Some(start) = n.start {
                let v = changes.entry(n.node.as_str()).or_default();
                v.push((start, Flag::Draining(true)));
                v.push((n.end.unwrap_or(end), Flag::Draining(false)));
            }
        }
    }
    for v in changes.values_mut() {
        // Stable: same-instant changes keep their order.
        v.sort_by_key(|(t, _)| *t);
    }
    // The scenario's nodes by name (the first of a name, as a scan in node order finds it),
    // looked up once per row: linear in the nodes, where a scan per row was quadratic.
    let mut initial: HashMap<&str, (bool, bool)> = HashMap::new();
    for n in &out.scenario.cluster.nodes {
        initial
            .entry(n.meta.name.as_str())
            .or_insert((n.ready.status == CondStatus::True, n.unschedulable));
    }
    let mut rows = Vec::with_capacity(out.cluster.nodes.len());
    for node in &out.cluster.nodes {
        let name = node.meta.name.as_str();
        let created = node.meta.creation;
        let gone = node.removed.unwrap_or(end).min(end);
        // The scenario's nodes start as the scenario has them; added nodes Ready and
        // schedulable.
        let (mut ready, mut cordoned) =
            initial.get(name).filter(|_| created == SimTime(0)).copied().unwrap_or((true, false));
        let mut draining = 0u32;
        let state = |ready: bool, cordoned: bool, draining: u32| {
            if !ready {
                NodeState::NotReady
            } else if draining > 0 {
                NodeState::Draining
            } else if cordoned {
                NodeState::Cordoned
            } else {
                NodeState::Ready
            }
        };
        let mut spans: Vec<Span> = Vec::new();
        let mut push = |from: SimTime, to: SimTime, s: NodeState| {
            if to <= from {
                return;
            }
            match spans.last_mut() {
                Some(last) if last.state == s && last.to == from => last.to = to,
                _ => spans.push(Span { from, to, state: s }),
            }
        };
        let mut at = created;
        for &(t, f) in changes.get(name).map_or(&[][..], Vec::as_slice) {
            // Events of another Node object of the same name do not apply.
            if t < created || t > gone {
                continue;
            }
            push(at, t, state(ready, cordoned, draining));
            at = t;
            match f {
                Flag::Ready(r) => ready = r,
                Flag::Cordoned(c) => cordoned = c,
                Flag::Draining(true) => draining += 1,
                Flag::Draining(false) => draining = draining.saturating_sub(1),
            }
        }
        push(at, gone, state(ready, cordoned, draining));
        push(gone, end, NodeState::Gone);
        rows.push(TimelineRow { node: name.to_string(), spans });
    }
    rows
}

/// The node timeline chart of a run.
pub fn node_timeline(out: &RunOutput) -> NodeTimeline {
    let mut rows = node_rows(out);
    let mut hidden_ready = 0;
    if rows.len() > MAX_ROWS {
        let before = rows.len();
        rows.retain(|r| {
            !(r.spans.len() == 1
                && r.spans[0].state == NodeState::Ready
                && r.spans[0].from == SimTime(0))
        });
        hidden_ready = before - rows.len();
    }
    let hidden_more = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    NodeTimeline {
        title: format!("{}: node timeline", out.scenario.name),
        end: out.trace.end,
        rows,
        hidden_ready,
        hidden_more,
        marks: out.trace.marks.clone(),
    }
}

/// The picture's size: 1000 px wide, tall enough for the title, the action labels (at most
/// one row per action), the rows, the time axis and the legend.
pub fn timeline_size(t: &NodeTimeline) -> (u32, u32) {
    let rows = t.rows.len().max(1) as i32 + i32::from(t.hidden_ready + t.hidden_more > 0);
    let label_rows = t.marks.len().min(MAX_MARK_ROWS) as i32;
    let top = TITLE_BAND + label_rows * MARK_ROW + 6;
    let legend = (NodeState::ALL.len() as i32 + 1) * LEGEND_ROW + 20;
    let h = top + (rows * ROW_H + 4 + 70).max(legend);
    (SIZE.0, h as u32)
}

impl crate::charts::Drawing for NodeTimeline {
    fn size(&self) -> (u32, u32) {
        timeline_size(self)
    }
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        draw_timeline(root, self)
    }
}

/// Draws the timeline into a PNG file of [`timeline_size`].
pub fn render_timeline_png(t: &NodeTimeline, path: &Path) -> Result<(), ReportError> {
    crate::charts::png(t, path)
}

/// Draws the timeline as an SVG document of [`timeline_size`].
pub fn render_timeline_svg(t: &NodeTimeline) -> Result<String, ReportError> {
    crate::charts::svg(t)
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &NodeTimeline,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    draw_title(root, &t.title)?;
    let legend: Vec<LegendEntry> = NodeState::ALL
        .iter()
        .map(|s| LegendEntry {
            label: s.label().into(),
            color: s.color(),
            filled: true,
            ..Default::default()
        })
        .collect();
    let main_w = w - legend_width(root, &legend)?;

    // Room for the node names on the left.
    let name_style = font(12.0);
    let mut names_w = 40;
    for r in &t.rows {
        names_w = names_w.max(root.estimate_text_size(&r.node, &name_style)?.0 as i32);
    }
    let names_w = names_w.min(main_w / 3);
    let plot_left = MARGIN_LEFT + names_w + 8;
    let plot_right = main_w - MARGIN_RIGHT;
    let end = axis_end(t.end);
    let x_max = minutes(end);
    let px = |time: SimTime| {
        plot_left + ((plot_right - plot_left) as f64 * minutes(time) / x_max).round() as i32
    };
    let layout = layout_marks(root, &t.marks, px)?;
    let plot_top = TITLE_BAND + layout.band;
    let rows = t.rows.len() as i32 + i32::from(t.hidden_ready + t.hidden_more > 0);
    let plot_bottom = plot_top + rows.max(1) * ROW_H + 4;

    // The time axis: a chart with no y labels whose plot spans the rows.
    let area = root.clone().shrink(
        (plot_left, plot_top),
        ((plot_right - plot_left) as u32, (plot_bottom - plot_top + 48) as u32),
    );
    let mut ctx = ChartBuilder::on(&area)
        .x_label_area_size(48)
        .build_cartesian_2d(0f64..x_max, 0f64..1f64)?;
    ctx.configure_mesh()
        .x_desc("time (min)")
        .x_label_formatter(&|v: &f64| crate::charts::fmt_minutes(v))
        .x_labels(12)
        .disable_y_mesh()
        .disable_y_axis()
        .label_style(font(13.0))
        .axis_desc_style(font(15.0))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    let x_of = |time: SimTime| ctx.backend_coord(&(minutes(time), 0.0)).0;

    // Bars first, then the action lines over them (thin and grey, they stay readable).
    let label_style = name_style.pos(Pos::new(HPos::Right, VPos::Center));
    for (i, r) in t.rows.iter().enumerate() {
        let y = plot_top + 2 + i as i32 * ROW_H + ROW_H / 2;
        root.draw_text(&r.node, &label_style, (plot_left - 6, y))?;
        for s in &r.spans {
            let (x0, x1) = (x_of(s.from), x_of(s.to).max(x_of(s.from) + 1));
            let rect = [(x0, y - BAR_H / 2), (x1, y + BAR_H / 2)];
            let fill = s.state.color().color();
            root.draw(&Rectangle::new(rect, fill.filled()))?;
        }
    }
    if t.hidden_ready + t.hidden_more > 0 {
        let y = plot_top + 2 + t.rows.len() as i32 * ROW_H + ROW_H / 2;
        let mut text = Vec::new();
        if t.hidden_ready > 0 {
            text.push(format!("{} more nodes Ready throughout", t.hidden_ready));
        }
        if t.hidden_more > 0 {
            text.push(format!("{} more nodes not shown", t.hidden_more));
        }
        let style = font(12.0).color(&MARK_TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw_text(&format!("+ {}", text.join(", ")), &style, (plot_left + 4, y))?;
    }
    if t.rows.is_empty() && t.hidden_ready + t.hidden_more == 0 {
        let style = font(15.0).color(&MARK_TEXT).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw_text(
            "no nodes",
            &style,
            ((plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2),
        )?;
    }
    draw_mark_lines(root, &layout, x_of, plot_top, plot_bottom)?;
    draw_mark_labels(root, &layout, x_of, plot_top)?;
    draw_legend(
        root,
        &legend,
        !t.marks.is_empty(),
        true,
        (main_w + 4, plot_top + 4),
        h - plot_top - 10,
    )?;
    Ok(())
}
