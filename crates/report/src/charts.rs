//! Charts: `ready`, `pods`, `pending`, `nodes`, `zones` and `pdbs` (`.png` and `.svg`); the
//! node timeline is in [`crate::timeline`].
//!
//! The ready chart ([`ready_chart`]) shows, per top-level workload, the ready replicas over
//! time as a solid step line, the available replicas dotted where they ever differ from ready
//! (`minReadySeconds`), and the desired count as a dashed step line of the same colour (so
//! the desired line shows where they differ); expectation [`Threshold`]s are dashed lines in
//! the workload's colour over their window, labelled at their right end. The x axis is in
//! minutes from the start to the end of the run, the y axis runs from 0 to one above the
//! largest count. Each action of the scenario is a thin vertical grey line, labelled above
//! the plot; labels that would overlap go on separate rows (up to three actions at the same
//! instant keep a label each; more share one, `... (+3 more)`). The legend sits to the right
//! of the plot.
//!
//! The pods chart ([`pods_chart`]) shows the pod lifecycle: pods by phase (Pending, Running,
//! Succeeded, Failed), pods terminating, and the container restarts since the start as a
//! dashed line (CrashLoopBackOff shows as a staircase whose steps widen); the pending chart
//! ([`pending_chart`]) the pending pods alone.
//!
//! The nodes chart ([`nodes_chart`]) stacks the nodes in four parts that add up to all of
//! them ([`node_partition`]): Ready and schedulable, Ready and cordoned, NotReady (False),
//! Unknown; the nodes carrying a NoExecute `not-ready` / `unreachable` taint are a dashed
//! line; with autoscaling node pools, each pool's node count is a line too. The zones chart ([`zones_chart`]) shows the node lifecycle controller's state of
//! each zone over time (Normal, PartialDisruption, FullDisruption), one line per zone, lines
//! of different zones a few pixels apart. The PDB chart ([`pdbs_chart`]) shows each
//! PodDisruptionBudget's `disruptionsAllowed`.
//!
//! Colours: workload *i* has [`PALETTE`] colour *i* everywhere ([`workload_color`]); node
//! states have one colour each (`NODE_*`), shared with the node timeline.
//!
//! The drawing is generic: a [`StepChart`] is any set of [`StepSeries`] (integer values that
//! hold from one instant to the next) over simulated time, with the actions marked;
//! [`render_png`] and [`render_svg`] draw one. A series can fill the area under it (stacked
//! charts draw the largest total first), and the y axis can name its values.
//!
//! Text is drawn with the bundled DejaVu Sans (`assets/DejaVuSans.ttf`, licence in
//! `assets/DejaVuSans-LICENSE.txt`), so the PNG does not depend on the fonts of the machine
//! and is byte-identical across runs. The SVG names the font family `sans-serif` and is laid
//! out with the same font's metrics.

use crate::ReportError;
use crate::summary::workload_columns;
use crate::text::GlyphText;
use kubesim_engine::SimTime;
use kubesim_model::trace::{
    COL_CONTAINER_RESTARTS, COL_NODES_NOEXECUTE, COL_NODES_NOT_READY, COL_NODES_READY,
    COL_NODES_READY_CORDONED, COL_NODES_UNKNOWN, COL_PODS_FAILED, COL_PODS_PENDING,
    COL_PODS_RUNNING, COL_PODS_SUCCEEDED, COL_PODS_TERMINATING, ZONE_STATES, pdb_ref,
    split_pdb_column, split_zone_column, workload_ref,
};
use kubesim_model::{Cluster, Mark, Trace};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::Once;

/// Size of the PNG and SVG charts, in pixels.
pub const SIZE: (u32, u32) = (1000, 500);

/// The font family every chart text uses (registered as DejaVu Sans).
pub const FONT_FAMILY: &str = "sans-serif";

/// The bundled DejaVu Sans (PNG text is drawn from it glyph by glyph).
pub static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the bundled font with plotters (once per process); call before drawing.
pub fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font is a valid TrueType file; if registration ever failed, drawing
        // text would report `FontUnavailable` as a chart error.
        let _ = register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_ok();
    });
}

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// The plotters colour.
    pub fn color(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Series colours, in order (Tableau 10 without its grey, which marks actions, then darker
/// colours); used again from the start past the last. Workload `i` (in the order of the
/// metrics columns) has colour `i` in every chart: its ready, available and desired lines,
/// its restarts, its expectation thresholds and the PodDisruptionBudgets that cover it.
pub const PALETTE: [Rgb; 15] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
    Rgb(0, 0, 128),
    Rgb(128, 0, 0),
    Rgb(0, 100, 0),
    Rgb(0, 0, 0),
    Rgb(0, 128, 128),
    Rgb(204, 153, 0),
];

/// The colour of action lines.
pub(crate) const MARK_GREY: RGBColor = RGBColor(150, 150, 150);
/// The colour of action labels.
pub(crate) const MARK_TEXT: RGBColor = RGBColor(90, 90, 90);
/// The colour of legend entries that stand for no series in particular.
const NEUTRAL: Rgb = Rgb(80, 80, 80);

/// One step line: each value holds from its instant until the next point (or the end).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepSeries {
    /// The colour.
    pub color: Rgb,
    /// Drawn dashed (e.g. a target) rather than solid.
    pub dashed: bool,
    /// Drawn dotted and thinner (a secondary figure, e.g. available next to ready); wins
    /// over `dashed`.
    pub dotted: bool,
    /// Series in the same lane are drawn at their exact height; different lanes are drawn a
    /// few pixels apart, so that lines of different workloads with equal values stay visible
    /// side by side. Lanes are numbered from 0.
    pub lane: usize,
    /// `(instant, value)` in time order.
    pub points: Vec<(SimTime, i64)>,
    /// Fill the area under the line with a light shade of its colour (opaque, so a series
    /// drawn later covers it: a stacked chart draws its largest total first).
    pub fill: bool,
}

/// One line of the legend.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegendEntry {
    /// The text.
    pub label: String,
    /// The swatch colour.
    pub color: Rgb,
    /// Whether the swatch is dashed.
    pub dashed: bool,
    /// Whether the swatch is dotted.
    pub dotted: bool,
    /// Whether the swatch is a filled box (an area or a bar) rather than a line.
    pub filled: bool,
}

/// A horizontal dashed line over a time window, labelled at its right end: an expectation's
/// threshold ("ready ≥ 2 from 1m to 5m").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HLine {
    /// The height, in units of the y axis.
    pub value: f64,
    /// Where the line starts.
    pub from: SimTime,
    /// Where it ends (clipped to the end of the run).
    pub to: SimTime,
    /// The colour.
    pub color: Rgb,
    /// A short label drawn above the line's right end.
    pub label: String,
}

/// A chart of step series over simulated time, with the scenario's actions marked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepChart {
    /// Title, drawn above the chart.
    pub title: String,
    /// The y axis description, with its unit.
    pub y_label: String,
    /// The end of the x axis (the end of the run).
    pub end: SimTime,
    /// The top of the y axis (the axis starts at 0).
    pub y_max: i64,
    /// Names of the y values 0, 1, 2, ... drawn instead of the numbers (empty: numbers).
    pub y_names: Vec<String>,
    /// The lines, drawn in order (later ones on top).
    pub series: Vec<StepSeries>,
    /// Thresholds, drawn dashed over their window, on top of the series.
    pub hlines: Vec<HLine>,
    /// The legend, right of the plot.
    pub legend: Vec<LegendEntry>,
    /// Actions, drawn as labelled vertical lines.
    pub marks: Vec<Mark>,
    /// What the chart says where it has no series (e.g. `no workloads`).
    pub empty_text: String,
}

/// An expectation's lower bound on a workload's ready or available replicas over a window
/// (`kubesim_model::ThresholdLine`, from [`crate::expectations::thresholds`]), drawn on the
/// ready chart as a dashed line in the workload's colour.
pub use kubesim_model::ThresholdLine as Threshold;

/// The colour of top-level workload `i` (in the order of the metrics columns) in every chart.
pub fn workload_color(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

/// The ready chart: ready (solid), available (dotted, only for workloads where it ever
/// differs from ready, i.e. `minReadySeconds`) and desired (dashed) replicas of each
/// top-level workload, one colour per workload in the order of the metrics columns; the
/// `thresholds` of expectations dashed over their windows, labelled at their right end.
pub fn ready_chart(scenario: &str, trace: &Trace, thresholds: &[Threshold]) -> StepChart {
    let mut desired_lines = Vec::new();
    let mut ready_lines = Vec::new();
    let mut legend = Vec::new();
    let mut top = 0;
    let mut any_available = false;
    let workloads = workload_columns(&trace.metrics);
    for (lane, w) in workloads.iter().enumerate() {
        let color = workload_color(lane);
        let desired = column_points(trace, w.desired);
        let ready = column_points(trace, w.ready);
        let available = column_points(trace, w.available);
        top = desired.iter().chain(&ready).chain(&available).map(|&(_, v)| v).fold(top, i64::max);
        let differs = match (w.ready, w.available) {
            (Some(r), Some(a)) => {
                let mut steps = trace.metrics.steps(vec![r, a]);
                let mut differs = false;
                while let Some((_, v)) = steps.advance() {
                    if v[0] != v[1] {
                        differs = true;
                        break;
                    }
                }
                differs
            }
            _ => false,
        };
        desired_lines.push(StepSeries {
            color,
            dashed: true,
            lane,
            points: desired,
            ..Default::default()
        });
        if differs {
            any_available = true;
            ready_lines.push(StepSeries {
                color,
                dotted: true,
                lane,
                points: available,
                ..Default::default()
            });
        }
        ready_lines.push(StepSeries { color, lane, points: ready, ..Default::default() });
        legend.push(LegendEntry { label: w.workload.clone(), color, ..Default::default() });
    }
    // The desired lines are the reference: under every ready line.
    let mut series = desired_lines;
    series.append(&mut ready_lines);
    if !legend.is_empty() {
        legend.push(LegendEntry {
            label: "desired".into(),
            color: NEUTRAL,
            dashed: true,
            ..Default::default()
        });
        if any_available {
            legend.push(LegendEntry {
                label: "available".into(),
                color: NEUTRAL,
                dotted: true,
                ..Default::default()
            });
        }
    }
    let mut hlines = Vec::new();
    for t in thresholds {
        let color =
            workloads.iter().position(|w| w.workload == t.workload).map_or(NEUTRAL, workload_color);
        top = top.max(t.replicas.ceil() as i64);
        hlines.push(HLine {
            value: t.replicas,
            from: t.from,
            to: t.to.min(trace.end),
            color,
            label: t.label.clone(),
        });
    }
    if !hlines.is_empty() {
        legend.push(LegendEntry {
            label: "expectation".into(),
            color: NEUTRAL,
            dashed: true,
            dotted: false,
            filled: false,
        });
    }
    StepChart {
        title: format!(
            "{scenario}: {} replicas per workload",
            if any_available { "ready and available" } else { "ready" }
        ),
        y_label: "replicas (pods)".to_string(),
        end: trace.end,
        y_max: top + 1,
        series,
        hlines,
        legend,
        marks: trace.marks.clone(),
        empty_text: "no workloads".into(),
        ..Default::default()
    }
}

/// Colours of node states, the same in the nodes chart and the node timeline.
pub const NODE_READY: Rgb = Rgb(44, 160, 44);
/// Ready but cordoned (`spec.unschedulable`).
pub const NODE_CORDONED: Rgb = Rgb(31, 119, 180);
/// Being drained (kubectl drain between its start and end on the node).
pub const NODE_DRAINING: Rgb = Rgb(148, 103, 189);
/// `Ready=False`.
pub const NODE_NOT_READY: Rgb = Rgb(255, 127, 14);
/// `Ready=Unknown` (the node lifecycle controller stopped hearing from the node).
pub const NODE_UNKNOWN: Rgb = Rgb(214, 39, 40);
/// The Node object is deleted.
pub const NODE_GONE: Rgb = Rgb(205, 205, 205);
/// The line of NoExecute-tainted nodes.
const NODE_NOEXECUTE: Rgb = Rgb(0, 0, 0);

/// The nodes that exist at the first metrics row and at each row where one of the node
/// columns changed, split into four parts that add up to all of them: Ready and schedulable,
/// Ready and cordoned, NotReady (`Ready=False`), Unknown. Empty when the metrics lack the
/// ready and not-ready columns.
pub fn node_partition(trace: &Trace) -> Vec<(SimTime, [i64; 4])> {
    let m = &trace.metrics;
    let (Some(r), Some(nr)) = (m.column(COL_NODES_READY), m.column(COL_NODES_NOT_READY)) else {
        return Vec::new();
    };
    // Metrics without these columns have none of those nodes.
    let (u, rc) = (m.column(COL_NODES_UNKNOWN), m.column(COL_NODES_READY_CORDONED));
    // Steps over ready, not ready, unknown and ready-cordoned (a missing column reads 0).
    let mut steps = m.steps(vec![r, nr, u.unwrap_or(usize::MAX), rc.unwrap_or(usize::MAX)]);
    let mut out = Vec::new();
    while let Some((t, v)) = steps.advance() {
        let (unknown, cordoned) = (v[2], v[3]);
        out.push((t, [v[0] - cordoned, cordoned, v[1] - unknown, unknown]));
    }
    out
}

/// The nodes chart: the nodes stacked by state (Ready and schedulable at the bottom, then
/// Ready and cordoned, NotReady, Unknown: the top is the number of nodes), and the nodes with
/// a NoExecute not-ready/unreachable taint as a dashed black line (left out if there never are any).
pub fn nodes_chart(scenario: &str, trace: &Trace) -> StepChart {
    let parts = node_partition(trace);
    // Cumulative tops, drawn largest first so each band shows in its colour.
    let band = |upto: usize| -> Vec<(SimTime, i64)> {
        dedup(parts.iter().map(|(t, p)| (*t, p[..=upto].iter().sum())).collect())
    };
    let noexecute = column_points(trace, trace.metrics.column(COL_NODES_NOEXECUTE));
    let total = band(3);
    let top = total.iter().chain(&noexecute).map(|p| p.1).max().unwrap_or(0);
    let states = [
        ("Ready", NODE_READY),
        ("Ready, cordoned", NODE_CORDONED),
        ("NotReady", NODE_NOT_READY),
        ("Unknown", NODE_UNKNOWN),
    ];
    let mut series = Vec::new();
    for (i, (_, color)) in states.iter().enumerate().rev() {
        series.push(StepSeries {
            color: *color,
            points: band(i),
            fill: true,
            ..Default::default()
        });
    }
    let any_noexecute = noexecute.iter().any(|p| p.1 > 0);
    if any_noexecute {
        series.push(StepSeries {
            color: NODE_NOEXECUTE,
            dashed: true,
            points: noexecute,
            ..Default::default()
        });
    }
    let mut legend: Vec<LegendEntry> = states
        .iter()
        .map(|(label, color)| LegendEntry {
            label: (*label).into(),
            color: *color,
            filled: true,
            ..Default::default()
        })
        .collect();
    if any_noexecute {
        legend.push(LegendEntry {
            label: "NoExecute-tainted".into(),
            color: NODE_NOEXECUTE,
            dashed: true,
            ..Default::default()
        });
    }
    // With autoscaling pools (their `nodepool/<name>:nodes` columns): each pool's live
    // nodes as a line, one lane each.
    let mut top = top;
    for (lane, (i, c)) in trace
        .metrics
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| kubesim_model::trace::split_pool_column(c).is_some())
        .enumerate()
    {
        let pool = kubesim_model::trace::split_pool_column(c).unwrap_or_default();
        let color = PALETTE[lane % PALETTE.len()];
        let points = column_points(trace, Some(i));
        top = top.max(points.iter().map(|p| p.1).max().unwrap_or(0));
        series.push(StepSeries { color, lane: lane + 1, points, ..Default::default() });
        legend.push(LegendEntry { label: format!("pool {pool}"), color, ..Default::default() });
    }
    StepChart {
        title: format!("{scenario}: nodes by condition"),
        y_label: "nodes".to_string(),
        end: trace.end,
        y_max: top + 1,
        series,
        legend,
        marks: trace.marks.clone(),
        empty_text: "no nodes".into(),
        ..Default::default()
    }
}

/// Keeps only the points where the value changes.
fn dedup(points: Vec<(SimTime, i64)>) -> Vec<(SimTime, i64)> {
    let mut out: Vec<(SimTime, i64)> = Vec::new();
    for p in points {
        if out.last().is_none_or(|l| l.1 != p.1) {
            out.push(p);
        }
    }
    out
}

/// The zones chart: the node lifecycle controller's state of each zone over time.
pub fn zones_chart(scenario: &str, trace: &Trace) -> StepChart {
    let mut series = Vec::new();
    let mut legend = Vec::new();
    let mut lane = 0;
    for (i, c) in trace.metrics.columns.iter().enumerate() {
        let Some((zone, "state")) = split_zone_column(c) else { continue };
        let color = PALETTE[lane % PALETTE.len()];
        series.push(StepSeries {
            color,
            lane,
            points: column_points(trace, Some(i)),
            ..Default::default()
        });
        legend.push(LegendEntry {
            label: zone.trim_start_matches("zone/").to_string(),
            color,
            ..Default::default()
        });
        lane += 1;
    }
    StepChart {
        title: format!("{scenario}: zone states of the node lifecycle controller"),
        y_label: "zone state".to_string(),
        end: trace.end,
        y_max: ZONE_STATES.len() as i64,
        y_names: ZONE_STATES.iter().map(|s| s.to_string()).collect(),
        series,
        legend,
        marks: trace.marks.clone(),
        empty_text: "no zones".into(),
        ..Default::default()
    }
}

/// The colour of pending pods, in the pods chart and the pending chart.
pub const PENDING_COLOR: Rgb = Rgb(204, 153, 0);

/// The phase series of the pods chart: metrics column, legend label, colour (darker shades,
/// so that they do not look like the first workload colours, which the restart lines use).
const POD_SERIES: [(&str, &str, Rgb); 5] = [
    (COL_PODS_PENDING, "pending", PENDING_COLOR),
    (COL_PODS_RUNNING, "running", Rgb(0, 100, 0)),
    (COL_PODS_TERMINATING, "terminating", Rgb(112, 48, 160)),
    (COL_PODS_SUCCEEDED, "succeeded", Rgb(0, 128, 128)),
    (COL_PODS_FAILED, "failed", Rgb(128, 0, 0)),
];

/// The pods chart: live pods by phase and terminating pods (solid), then container restarts
/// since the start (dashed): per top-level workload that had any, in the workload's colour of
/// the ready chart, and for all pods (black) when that differs from the workloads' sum (bare
/// pods restarted). One lane each, so that equal values stay visible.
pub fn pods_chart(scenario: &str, trace: &Trace) -> StepChart {
    let mut series = Vec::new();
    let mut legend = Vec::new();
    let mut top = 0;
    let mut add = |points: Vec<(SimTime, i64)>, label: String, color: Rgb, dashed: bool| {
        top = points.iter().map(|&(_, v)| v).fold(top, i64::max);
        let lane = series.len();
        series.push(StepSeries { color, dashed, lane, points, ..Default::default() });
        legend.push(LegendEntry { label, color, dashed, ..Default::default() });
    };
    for (col, label, color) in POD_SERIES {
        let points = column_points(trace, trace.metrics.column(col));
        if !points.is_empty() {
            add(points, label.to_string(), color, false);
        }
    }
    let workloads = workload_columns(&trace.metrics);
    let mut restart_cols = Vec::new();
    for (i, w) in workloads.iter().enumerate() {
        let points = column_points(trace, w.restarts);
        if points.iter().any(|&(_, v)| v > 0) {
            restart_cols.extend(w.restarts);
            add(points, format!("restarts {}", w.workload), workload_color(i), true);
        }
    }
    if let Some(total) = trace.metrics.column(COL_CONTAINER_RESTARTS) {
        let mut steps = trace
            .metrics
            .steps(std::iter::once(total).chain(restart_cols.iter().copied()).collect());
        let mut other = false;
        while let Some((_, v)) = steps.advance() {
            if v[0] != v[1..].iter().sum::<i64>() {
                other = true;
                break;
            }
        }
        if other {
            let points = column_points(trace, Some(total));
            add(points, "restarts (all pods)".to_string(), Rgb(0, 0, 0), true);
        }
    }
    StepChart {
        title: format!("{scenario}: pods by phase and container restarts"),
        y_label: "pods / restarts".to_string(),
        end: trace.end,
        y_max: top + 1,
        series,
        legend,
        marks: trace.marks.clone(),
        empty_text: "no pods".into(),
        ..Default::default()
    }
}

/// The pending chart: pods in phase Pending (not yet scheduled, or scheduled and starting:
/// pulling images, running init containers), as a filled area.
pub fn pending_chart(scenario: &str, trace: &Trace) -> StepChart {
    let points = column_points(trace, trace.metrics.column(COL_PODS_PENDING));
    let top = points.iter().map(|&(_, v)| v).max().unwrap_or(0);
    let series = if points.is_empty() {
        Vec::new()
    } else {
        vec![StepSeries { color: PENDING_COLOR, points, fill: true, ..Default::default() }]
    };
    StepChart {
        title: format!("{scenario}: pending pods"),
        y_label: "pending pods".to_string(),
        end: trace.end,
        y_max: top + 1,
        legend: vec![LegendEntry {
            label: "Pending".into(),
            color: PENDING_COLOR,
            filled: true,
            ..Default::default()
        }],
        series,
        marks: trace.marks.clone(),
        empty_text: "no pods".into(),
        ..Default::default()
    }
}

/// The PDB chart: each PodDisruptionBudget's `status.disruptionsAllowed` over time, one line
/// per PDB. A PDB is drawn in the colour of the top-level workload whose pod template it
/// selects (the first, in the order of the metrics columns; `cluster` is the final state);
/// PDBs that select no workload's pods take the palette colours after the workloads'. A second
/// PDB over the same workload is dashed.
pub fn pdbs_chart(scenario: &str, trace: &Trace, cluster: &Cluster) -> StepChart {
    let workloads = workload_columns(&trace.metrics);
    let mut next_free = workloads.len();
    let mut used: Vec<usize> = Vec::new();
    let mut series = Vec::new();
    let mut legend = Vec::new();
    let mut top = 0;
    for (i, c) in trace.metrics.columns.iter().enumerate() {
        let Some((pdb, "allowed")) = split_pdb_column(c) else { continue };
        let selected =
            cluster.pdbs.iter().find(|p| pdb_ref(&p.meta.namespace, &p.meta.name) == pdb).and_then(
                |p| {
                    workloads.iter().position(|w| {
                        cluster.workloads.iter().any(|wl| {
                            wl.owner.is_none()
                                && wl.meta.namespace == p.meta.namespace
                                && workload_ref(wl.kind, &wl.meta.namespace, &wl.meta.name)
                                    == w.workload
                                && p.selects(&wl.template.labels)
                        })
                    })
                },
            );
        let (color_index, dashed) = match selected {
            Some(w) => (w, used.contains(&w)),
            None => {
                next_free += 1;
                (next_free - 1, false)
            }
        };
        used.push(color_index);
        let color = workload_color(color_index);
        let points = column_points(trace, Some(i));
        top = points.iter().map(|&(_, v)| v).fold(top, i64::max);
        let lane = series.len();
        series.push(StepSeries { color, dashed, lane, points, ..Default::default() });
        legend.push(LegendEntry { label: pdb.to_string(), color, dashed, ..Default::default() });
    }
    StepChart {
        title: format!("{scenario}: disruptions allowed per PodDisruptionBudget"),
        y_label: "disruptionsAllowed (pods)".to_string(),
        end: trace.end,
        y_max: top + 1,
        series,
        legend,
        marks: trace.marks.clone(),
        empty_text: "no PodDisruptionBudgets".into(),
        ..Default::default()
    }
}

/// The values of one metrics column, keeping only the rows where it changes.
pub fn column_points(trace: &Trace, column: Option<usize>) -> Vec<(SimTime, i64)> {
    column.map_or_else(Vec::new, |c| trace.metrics.series(c).collect())
}

pub(crate) fn chart_err(file: &str) -> impl Fn(String) -> ReportError + '_ {
    move |message| ReportError::Chart { file: file.to_string(), message }
}

/// A chart that draws itself on any plotters backend: the run charts, the node timeline and
/// the sweep chart share the PNG and SVG rendering below.
pub(crate) trait Drawing {
    /// The picture's size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole picture on `root`.
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// Draws `chart` into a PNG file (text from the bundled font, so every machine writes the
/// same bytes).
pub(crate) fn png(chart: &impl Drawing, path: &Path) -> Result<(), ReportError> {
    ensure_font();
    let file = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let err = chart_err(&file);
    let backend = GlyphText::new(BitMapBackend::new(path, chart.size()), FONT)
        .map_err(|e| err(e.to_string()))?;
    let root = backend.into_drawing_area();
    chart.draw_on(&root).map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))
}

/// Draws `chart` as an SVG document.
pub(crate) fn svg(chart: &impl Drawing) -> Result<String, ReportError> {
    ensure_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
        chart.draw_on(&root).map_err(|e| chart_err("svg")(e.to_string()))?;
        root.present().map_err(|e| chart_err("svg")(e.to_string()))?;
    }
    Ok(svg)
}

impl Drawing for StepChart {
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        draw(root, self)
    }
}

/// Draws `chart` into a PNG file of [`SIZE`].
pub fn render_png(chart: &StepChart, path: &Path) -> Result<(), ReportError> {
    png(chart, path)
}

/// Draws `chart` as an SVG document of [`SIZE`].
pub fn render_svg(chart: &StepChart) -> Result<String, ReportError> {
    svg(chart)
}

// Layout, in pixels.
pub(crate) const TITLE_TOP: i32 = 10;
pub(crate) const TITLE_SIZE: f64 = 20.0;
pub(crate) const TITLE_BAND: i32 = 42;
pub(crate) const MARK_FONT: f64 = 12.0;
pub(crate) const MARK_ROW: i32 = 15;
pub(crate) const MAX_MARK_ROWS: usize = 6;
pub(crate) const LEGEND_FONT: f64 = 13.0;
pub(crate) const LEGEND_ROW: i32 = 20;
pub(crate) const SWATCH: i32 = 26;
pub(crate) const MARGIN_LEFT: i32 = 10;
pub(crate) const MARGIN_RIGHT: i32 = 20;
pub(crate) const MARGIN_BOTTOM: i32 = 8;
pub(crate) const X_LABEL_AREA: i32 = 48;
pub(crate) const Y_LABEL_AREA: i32 = 62;

/// Where an action's label goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placement {
    /// x of the first and the last line of the label's marks.
    x0: i32,
    x1: i32,
    /// Row above the plot (0 is the lowest).
    row: usize,
    /// Left and right pixel of the text.
    left: i32,
    right: i32,
}

/// Places labels of width `widths[i]` for the lines from `spans[i].0` to `spans[i].1`
/// (ascending) on rows above the plot, so that no two labels overlap and, where there is room,
/// no line crosses another label. A label starts just right of its lines, or ends just left
/// of them if it would pass `limit`. Marks are placed from the right, so a cluster of marks makes a staircase whose
/// leftmost label is on the highest row. Returns the placements (in the order of `xs`) and
/// the number of rows used.
fn place_labels(spans: &[(i32, i32)], widths: &[i32], limit: i32) -> (Vec<Placement>, usize) {
    const PAD: i32 = 3;
    const GAP: i32 = 8;
    let mut placed: Vec<Placement> = Vec::new();
    for (&(x0, x1), &w) in spans.iter().zip(widths).rev() {
        let (left, right) =
            if x1 + PAD + w <= limit { (x1 + PAD, x1 + PAD + w) } else { (x0 - PAD - w, x0 - PAD) };
        let crosses = |a0: i32, a1: i32, l: i32, r: i32| a0 <= r + 2 && l - 2 <= a1;
        let fits = |row: usize, strict: bool| {
            placed.iter().all(|p| {
                let overlaps = left < p.right + GAP && p.left < right + GAP;
                if p.row == row {
                    !overlaps
                } else if !strict {
                    true
                } else if p.row > row {
                    // p's lines pass through this row.
                    !crosses(p.x0, p.x1, left, right)
                } else {
                    // These lines pass through p's row.
                    !crosses(x0, x1, p.left, p.right)
                }
            })
        };
        let row = (0..MAX_MARK_ROWS)
            .find(|&r| fits(r, true))
            .or_else(|| (0..MAX_MARK_ROWS).find(|&r| fits(r, false)))
            .unwrap_or_else(|| {
                // Every row is taken here: use the row whose labels start furthest right.
                (0..MAX_MARK_ROWS)
                    .min_by_key(|&r| {
                        std::cmp::Reverse(
                            placed
                                .iter()
                                .filter(|p| p.row == r)
                                .map(|p| p.left)
                                .min()
                                .unwrap_or(i32::MAX),
                        )
                    })
                    .unwrap_or(0)
            });
        placed.push(Placement { x0, x1, row, left, right });
    }
    placed.reverse();
    let rows = placed.iter().map(|p| p.row + 1).max().unwrap_or(0);
    (placed, rows)
}

/// Marks whose lines are closer than this many pixels share one label when there are more
/// than [`MAX_OWN_LABELS`] of them.
const MARK_GROUP_PX: i32 = 4;
/// Up to this many marks at (nearly) the same place keep a label each, one row apart.
const MAX_OWN_LABELS: usize = 3;

/// Splits marks (by the x of their lines, ascending) into runs whose lines are less than
/// [`MARK_GROUP_PX`] apart: such lines are one thick line on the chart, so a run of more than
/// [`MAX_OWN_LABELS`] marks gets one label; a shorter run keeps one label per mark.
fn group_marks(xs: &[i32]) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, &x) in xs.iter().enumerate() {
        match runs.last_mut() {
            Some(g) if x - xs[g.end - 1] < MARK_GROUP_PX => g.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    let mut groups = Vec::new();
    for g in runs {
        if g.len() <= MAX_OWN_LABELS {
            groups.extend(g.map(|i| i..i + 1));
        } else {
            groups.push(g);
        }
    }
    groups
}

/// The label of a group of marks: `cordon node-1`, or `delete pod a (+3 more)`.
fn group_label(marks: &[Mark]) -> String {
    match marks {
        [] => String::new(),
        [m] => m.label.clone(),
        [m, rest @ ..] => format!("{} (+{} more)", m.label, rest.len()),
    }
}

/// `12`, `2.5`, `0.25`: minutes for the x axis, without trailing zeros.
pub(crate) fn fmt_minutes(v: &f64) -> String {
    let hundredths = (v * 100.0).round() as i64;
    let (whole, frac) = (hundredths / 100, (hundredths % 100).abs());
    let sign = if hundredths < 0 && whole == 0 { "-" } else { "" };
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

pub(crate) fn minutes(t: SimTime) -> f64 {
    t.0 as f64 / 60_000.0
}

/// The corner points of a step line ending at `end`.
fn step_path(points: &[(SimTime, i64)], end: SimTime) -> Vec<(f64, i32)> {
    let mut path = Vec::with_capacity(points.len() * 2);
    for (i, &(t, v)) in points.iter().enumerate() {
        let v = i32::try_from(v).unwrap_or(i32::MAX);
        let until = points.get(i + 1).map_or(end.max(t), |&(next, _)| next);
        path.push((minutes(t), v));
        path.push((minutes(until), v));
    }
    path
}

/// The colour mixed 60 % with white: an opaque shade for filled areas.
pub(crate) fn lighten(c: Rgb) -> RGBColor {
    let mix = |v: u8| ((u16::from(v) * 2 + 255 * 3) / 5) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

pub(crate) fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font())
}

/// The end of a chart's x axis: the end of the run, or one minute for an empty run.
pub(crate) fn axis_end(end: SimTime) -> SimTime {
    if end.0 == 0 { SimTime(60_000) } else { end }
}

/// Draws the title centred at the top, shrunk until it fits.
pub(crate) fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let w = root.dim_in_pixel().0 as i32;
    let mut title_size = TITLE_SIZE;
    while title_size > 10.0 && root.estimate_text_size(title, &font(title_size))?.0 as i32 > w - 20
    {
        title_size -= 1.0;
    }
    let title_style = font(title_size).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(title, &title_style, (w / 2, TITLE_TOP))
}

/// The width the legend takes on the right of the picture (0 without a legend).
pub(crate) fn legend_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legend: &[LegendEntry],
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    let w = root.dim_in_pixel().0 as i32;
    let mut text = 0;
    for e in legend {
        text = text.max(root.estimate_text_size(&e.label, &font(LEGEND_FONT))?.0 as i32);
    }
    Ok(if legend.is_empty() { 0 } else { (text + SWATCH + 48).clamp(120, w / 3) })
}

/// The actions' labels, placed above the plot.
pub(crate) struct MarkLayout {
    /// The marks in time order.
    marks: Vec<Mark>,
    groups: Vec<std::ops::Range<usize>>,
    labels: Vec<String>,
    placements: Vec<Placement>,
    /// Height of the band of labels above the plot, in pixels.
    pub(crate) band: i32,
}

/// Places the labels of `marks` for a plot whose x pixel of an instant is `px`.
pub(crate) fn layout_marks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    marks: &[Mark],
    px: impl Fn(SimTime) -> i32,
) -> Result<MarkLayout, DrawingAreaErrorKind<DB::ErrorType>> {
    let w = root.dim_in_pixel().0 as i32;
    let mark_style = font(MARK_FONT);
    // Marks in time order (a stable sort keeps same-instant marks in their order).
    let mut marks = marks.to_vec();
    marks.sort_by_key(|m| m.time);
    let xs: Vec<i32> = marks.iter().map(|m| px(m.time)).collect();
    let groups = group_marks(&xs);
    let labels: Vec<String> = groups.iter().map(|g| group_label(&marks[g.clone()])).collect();
    let spans: Vec<(i32, i32)> = groups.iter().map(|g| (xs[g.start], xs[g.end - 1])).collect();
    let mut widths = Vec::with_capacity(labels.len());
    for l in &labels {
        widths.push(root.estimate_text_size(l, &mark_style)?.0 as i32);
    }
    let (placements, rows) = place_labels(&spans, &widths, w - 4);
    let band = if rows == 0 { 0 } else { rows as i32 * MARK_ROW + 6 };
    Ok(MarkLayout { marks, groups, labels, placements, band })
}

fn label_top(plot_top: i32, row: usize) -> i32 {
    plot_top - 4 - (row as i32 + 1) * MARK_ROW
}

/// Draws the action lines from the bottom of the plot up to their labels; `x` gives the
/// pixel of an instant.
pub(crate) fn draw_mark_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layout: &MarkLayout,
    x: impl Fn(SimTime) -> i32,
    plot_top: i32,
    plot_bottom: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (g, p) in layout.groups.iter().zip(&layout.placements) {
        for m in &layout.marks[g.clone()] {
            let line = vec![(x(m.time), plot_bottom), (x(m.time), label_top(plot_top, p.row) + 1)];
            root.draw(&PathElement::new(line, MARK_GREY.stroke_width(1)))?;
        }
    }
    Ok(())
}

/// Draws the action labels above the plot.
pub(crate) fn draw_mark_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layout: &MarkLayout,
    x: impl Fn(SimTime) -> i32,
    plot_top: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = font(MARK_FONT).color(&MARK_TEXT);
    for ((g, p), label) in layout.groups.iter().zip(&layout.placements).zip(&layout.labels) {
        let left = p.left + (x(layout.marks[g.start].time) - p.x0);
        root.draw_text(label, &style, (left, label_top(plot_top, p.row)))?;
    }
    Ok(())
}

/// Draws the legend at `(lx, top)`, one row per entry and a last row for the action lines
/// when `marks`; rows get closer when there are many entries and little `height`. Filled
/// swatches are drawn in the light shade of areas, or in the full colour of bars if `solid`.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legend: &[LegendEntry],
    marks: bool,
    solid: bool,
    (lx, top): (i32, i32),
    height: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if legend.is_empty() {
        return Ok(());
    }
    let entries = legend.len() as i32 + i32::from(marks);
    let row = (height / entries.max(1)).clamp(12, LEGEND_ROW);
    let style = font(LEGEND_FONT).pos(Pos::new(HPos::Left, VPos::Center));
    let mut ly = top;
    for e in legend {
        let y = ly + row / 2;
        let color = e.color.color();
        if e.filled {
            let fill = if solid { e.color.color() } else { lighten(e.color) };
            root.draw(&Rectangle::new([(lx + 2, y - 6), (lx + SWATCH - 2, y + 6)], fill.filled()))?;
            root.draw(&Rectangle::new([(lx + 2, y - 6), (lx + SWATCH - 2, y + 6)], color))?;
        } else {
            let swatch = vec![(lx, y), (lx + SWATCH, y)];
            if e.dotted {
                root.draw(&DashedPathElement::new(swatch, 2, 3, color.stroke_width(2)))?;
            } else if e.dashed {
                root.draw(&DashedPathElement::new(swatch, 5, 3, color.stroke_width(2)))?;
            } else {
                root.draw(&PathElement::new(swatch, color.stroke_width(2)))?;
            }
        }
        root.draw_text(&e.label, &style, (lx + SWATCH + 8, y))?;
        ly += row;
    }
    if marks {
        let y = ly + row / 2;
        root.draw(&PathElement::new(
            vec![(lx + SWATCH / 2, y - 7), (lx + SWATCH / 2, y + 7)],
            MARK_GREY.stroke_width(1),
        ))?;
        root.draw_text("action", &style, (lx + SWATCH + 8, y))?;
    }
    Ok(())
}

/// Draws a [`StepChart`] on a drawing area of any backend.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &StepChart,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    draw_title(root, &chart.title)?;

    // The legend takes the right of the picture.
    let legend_w = legend_width(root, &chart.legend)?;
    let main_w = w - legend_w;

    // Where the x axis will be, to place the action labels before laying out the chart.
    let end = axis_end(chart.end);
    let x_max = minutes(end);
    let plot_left = MARGIN_LEFT + Y_LABEL_AREA;
    let plot_right = main_w - MARGIN_RIGHT;
    let px = |t: SimTime| {
        plot_left + ((plot_right - plot_left) as f64 * minutes(t) / x_max).round() as i32
    };
    let layout = layout_marks(root, &chart.marks, px)?;
    let plot_top = TITLE_BAND + layout.band;

    let main = root.clone().shrink((0, 0), (main_w as u32, h as u32));
    let y_top = i32::try_from(chart.y_max.max(1)).unwrap_or(i32::MAX);
    // Named y values need room for the longest name.
    let mut y_label_area = Y_LABEL_AREA;
    for n in &chart.y_names {
        y_label_area = y_label_area.max(root.estimate_text_size(n, &font(13.0))?.0 as i32 + 36);
    }
    let y_names = chart.y_names.clone();
    let y_fmt = move |v: &i32| match usize::try_from(*v).ok().and_then(|i| y_names.get(i)) {
        Some(name) => name.clone(),
        None if chart.y_names.is_empty() => v.to_string(),
        None => String::new(),
    };
    let mut ctx = ChartBuilder::on(&main)
        .margin_top(plot_top)
        .margin_left(MARGIN_LEFT)
        .margin_right(MARGIN_RIGHT)
        .margin_bottom(MARGIN_BOTTOM)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(0f64..x_max, 0i32..y_top)?;
    ctx.configure_mesh()
        .x_desc("time (min)")
        .y_desc(chart.y_label.as_str())
        .x_label_formatter(&fmt_minutes)
        .y_label_formatter(&y_fmt)
        .x_labels(12)
        .y_labels((y_top as usize + 1).min(11))
        .label_style(font(13.0))
        .axis_desc_style(font(15.0))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;

    // Action lines under the series, from the bottom of the plot up to their label.
    let (x_range, y_range) = ctx.plotting_area().get_pixel_range();
    let plot_bottom = y_range.end;
    let plot_top_px = y_range.start;
    let x_of = |t: SimTime| ctx.backend_coord(&(minutes(t), 0)).0;
    draw_mark_lines(root, &layout, x_of, plot_top_px, plot_bottom)?;

    if chart.series.is_empty() {
        let style = font(15.0).color(&MARK_TEXT).pos(Pos::new(HPos::Center, VPos::Center));
        let centre = ((x_range.start + x_range.end) / 2, (plot_top_px + plot_bottom) / 2);
        root.draw_text(&chart.empty_text, &style, centre)?;
    }

    // Lanes a few pixels apart (at most a tenth of the height of one unit), centred on the
    // true value.
    let lanes = chart.series.iter().map(|s| s.lane + 1).max().unwrap_or(1);
    let unit_px = (plot_bottom - plot_top_px) as f64 / f64::from(y_top);
    let lane_px = (unit_px / 10.0).min(3.0);
    for s in &chart.series {
        let shift = ((s.lane as f64 - (lanes - 1) as f64 / 2.0) * lane_px).round() as i32;
        let path: Vec<(i32, i32)> = step_path(&s.points, end)
            .into_iter()
            .map(|p| {
                let (x, y) = ctx.backend_coord(&p);
                (x, (y - shift).clamp(plot_top_px, plot_bottom))
            })
            .collect();
        if s.fill && path.len() >= 2 {
            let mut area = path.clone();
            let (first, last) = (path[0].0, path[path.len() - 1].0);
            area.push((last, plot_bottom));
            area.push((first, plot_bottom));
            root.draw(&Polygon::new(area, lighten(s.color).filled()))?;
        }
        if s.dotted {
            root.draw(&DashedPathElement::new(path, 2, 3, s.color.color().stroke_width(2)))?;
        } else if s.dashed {
            root.draw(&DashedPathElement::new(path, 7, 5, s.color.color().stroke_width(2)))?;
        } else {
            root.draw(&PathElement::new(path, s.color.color().stroke_width(2)))?;
        }
    }

    // Thresholds: dashed over their window, labelled above their right end.
    let y_px = |v: f64| {
        let frac = (v / f64::from(y_top)).clamp(0.0, 1.0);
        plot_bottom - ((plot_bottom - plot_top_px) as f64 * frac).round() as i32
    };
    // Labels that would overlap an earlier one (two floors at the same height) move up a line.
    let threshold_style = font(MARK_FONT).pos(Pos::new(HPos::Right, VPos::Bottom));
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for l in &chart.hlines {
        let (x0, x1) = (x_of(l.from.min(end)), x_of(l.to.min(end)));
        let y = y_px(l.value);
        root.draw(&DashedPathElement::new(
            vec![(x0, y), (x1, y)],
            3,
            3,
            l.color.color().stroke_width(2),
        ))?;
        let (tw, th) = root.estimate_text_size(&l.label, &font(MARK_FONT))?;
        let (tw, th) = (tw as i32, th as i32);
        let right = x1.max(x0 + tw + 2);
        let mut bottom = y - 3;
        while placed.iter().any(|&(l0, t0, r0, b0)| {
            right - tw < r0 && l0 < right && bottom - th < b0 && t0 < bottom
        }) {
            bottom -= th + 2;
        }
        placed.push((right - tw, bottom - th, right, bottom));
        root.draw_text(&l.label, &threshold_style.color(&l.color.color()), (right, bottom))?;
    }

    draw_mark_labels(root, &layout, x_of, plot_top_px)?;
    draw_legend(
        root,
        &chart.legend,
        !chart.marks.is_empty(),
        false,
        (main_w + 4, plot_top_px + 4),
        h - plot_top_px - 10,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_format() {
        assert_eq!(fmt_minutes(&0.0), "0");
        assert_eq!(fmt_minutes(&2.5), "2.5");
        assert_eq!(fmt_minutes(&0.25), "0.25");
        assert_eq!(fmt_minutes(&10.0), "10");
        assert_eq!(fmt_minutes(&1.999_999), "2");
    }

    #[test]
    fn step_path_holds_values_until_the_next_point() {
        let p = step_path(&[(SimTime(0), 0), (SimTime(60_000), 3)], SimTime(120_000));
        assert_eq!(p, vec![(0.0, 0), (1.0, 0), (1.0, 3), (2.0, 3)]);
    }

    #[test]
    fn close_marks_share_a_label() {
        // Four lines within a few pixels share one label; two (or three) keep one each.
        assert_eq!(group_marks(&[10, 12, 13, 14, 40, 40, 50]), vec![0..4, 4..5, 5..6, 6..7]);
        let m = |l: &str| Mark { time: SimTime(0), label: l.into() };
        assert_eq!(group_label(&[m("a")]), "a");
        assert_eq!(group_label(&[m("a"), m("b"), m("c")]), "a (+2 more)");
    }

    #[test]
    fn labels_do_not_overlap() {
        // Three marks close together, then one far away.
        let (p, rows) = place_labels(
            &[(100, 100), (110, 110), (120, 120), (600, 600)],
            &[80, 80, 80, 80],
            1000,
        );
        assert_eq!(rows, 3);
        assert_eq!(p.iter().map(|p| p.row).collect::<Vec<_>>(), vec![2, 1, 0, 0]);
        for a in &p {
            for b in &p {
                if a != b && a.row == b.row {
                    assert!(a.right < b.left || b.right < a.left, "{a:?} overlaps {b:?}");
                }
            }
        }
        // Near the right edge the label ends left of its line.
        let (p, _) = place_labels(&[(990, 990)], &[80], 1000);
        assert_eq!((p[0].left, p[0].right), (907, 987));
        // A group's label starts after its last line, or ends before its first.
        let (p, _) = place_labels(&[(100, 112), (985, 990)], &[80, 80], 1000);
        assert_eq!((p[0].left, p[1].right), (115, 982));
    }
}
