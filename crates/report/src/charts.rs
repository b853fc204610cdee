//! Charts: `ready.png`/`.svg`, `pods.png`/`.svg`, `nodes.png`/`.svg` and `zones.png`/`.svg`.
//!
//! The ready chart ([`ready_chart`]) shows, per top-level workload, the ready replicas over
//! time as a solid step line and the desired count as a dashed step line of the same colour
//! (so the desired line shows where the two differ). The x axis is in minutes from the start
//! to the end of the run, the y axis runs from 0 to one above the largest count. Each action
//! of the scenario is a thin vertical grey line, labelled above the plot; labels that would
//! overlap go on separate rows. The legend sits to the right of the plot.
//!
//! The pods chart ([`pods_chart`]) shows the pod lifecycle: pods by phase (Pending, Running,
//! Succeeded, Failed), pods terminating, and the container restarts since the start as a
//! dashed line (CrashLoopBackOff shows as a staircase whose steps widen).
//!
//! The nodes chart ([`nodes_chart`]) stacks the nodes by their Ready condition (Ready, then
//! NotReady, then Unknown on top), with the nodes carrying a NoExecute `not-ready` /
//! `unreachable` taint as a dashed line. The zones chart ([`zones_chart`]) shows the node
//! lifecycle controller's state of each zone over time (Normal, PartialDisruption,
//! FullDisruption), one line per zone, lines of different zones a few pixels apart.
//!
//! The drawing is generic: a [`StepChart`] is any set of [`StepSeries`] (integer values that
//! hold from one instant to the next) over simulated time, with the actions marked;
//! [`render_png`] and [`render_svg`] draw one. A series can fill the area under it (stacked
//! charts draw the largest total first), and the y axis can name its values. Later charts
//! (pending pods, PDBs) only build a different `StepChart`.
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
    COL_NODES_UNKNOWN, COL_PODS_FAILED, COL_PODS_PENDING, COL_PODS_RUNNING, COL_PODS_SUCCEEDED,
    COL_PODS_TERMINATING, ZONE_STATES, split_zone_column,
};
use kubesim_model::{Mark, Trace};
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

pub(crate) static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the bundled font with plotters (once per process).
pub(crate) fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font is a valid TrueType file; if registration ever failed, drawing
        // text would report `FontUnavailable` as a chart error.
        let _ = register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_ok();
    });
}

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn color(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Series colours, in order (Tableau 10 without its grey, which marks actions, then darker
/// colours); used again from the start past the last.
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
const MARK_GREY: RGBColor = RGBColor(150, 150, 150);
/// The colour of action labels.
const MARK_TEXT: RGBColor = RGBColor(90, 90, 90);
/// The colour of legend entries that stand for no series in particular.
const NEUTRAL: RGBColor = RGBColor(80, 80, 80);

/// One step line: each value holds from its instant until the next point (or the end).
#[derive(Debug, Clone, PartialEq)]
pub struct StepSeries {
    /// The colour.
    pub color: Rgb,
    /// Drawn dashed (e.g. a target) rather than solid.
    pub dashed: bool,
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
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// The text.
    pub label: String,
    /// The swatch colour.
    pub color: Rgb,
    /// Whether the swatch is dashed.
    pub dashed: bool,
}

/// A chart of step series over simulated time, with the scenario's actions marked.
#[derive(Debug, Clone, PartialEq)]
pub struct StepChart {
    /// Title, drawn above the chart.
    pub title: String,
    /// The y axis description.
    pub y_label: String,
    /// The end of the x axis (the end of the run).
    pub end: SimTime,
    /// The top of the y axis (the axis starts at 0).
    pub y_max: i64,
    /// Names of the y values 0, 1, 2, ... drawn instead of the numbers (empty: numbers).
    pub y_names: Vec<String>,
    /// The lines, drawn in order (later ones on top).
    pub series: Vec<StepSeries>,
    /// The legend, right of the plot.
    pub legend: Vec<LegendEntry>,
    /// Actions, drawn as labelled vertical lines.
    pub marks: Vec<Mark>,
}

/// The ready chart: ready (solid) and desired (dashed) replicas of each top-level workload,
/// one colour per workload in the order of the metrics columns.
pub fn ready_chart(scenario: &str, trace: &Trace) -> StepChart {
    let mut desired_lines = Vec::new();
    let mut ready_lines = Vec::new();
    let mut legend = Vec::new();
    let mut top = 0;
    for (lane, w) in workload_columns(&trace.metrics).iter().enumerate() {
        let color = PALETTE[lane % PALETTE.len()];
        let desired = column_points(trace, w.desired);
        let ready = column_points(trace, w.ready);
        top = desired.iter().chain(&ready).map(|&(_, v)| v).fold(top, i64::max);
        desired_lines.push(StepSeries { color, dashed: true, lane, points: desired, fill: false });
        ready_lines.push(StepSeries { color, dashed: false, lane, points: ready, fill: false });
        legend.push(LegendEntry { label: w.workload.clone(), color, dashed: false });
    }
    // The desired lines are the reference: under every ready line.
    let mut series = desired_lines;
    series.append(&mut ready_lines);
    if !legend.is_empty() {
        let n = NEUTRAL;
        legend.push(LegendEntry {
            label: "desired".to_string(),
            color: Rgb(n.0, n.1, n.2),
            dashed: true,
        });
    }
    StepChart {
        title: format!("{scenario}: ready replicas per workload"),
        y_label: "ready replicas".to_string(),
        end: trace.end,
        y_max: top + 1,
        y_names: Vec::new(),
        series,
        legend,
        marks: trace.marks.clone(),
    }
}

/// Colours of the node conditions.
const READY_GREEN: Rgb = Rgb(44, 160, 44);
const NOT_READY_ORANGE: Rgb = Rgb(255, 127, 14);
const UNKNOWN_RED: Rgb = Rgb(214, 39, 40);
const NOEXECUTE_PURPLE: Rgb = Rgb(148, 103, 189);

/// The nodes chart: nodes stacked by Ready condition (Ready, NotReady = False, Unknown), and
/// the nodes with a NoExecute not-ready/unreachable taint as a dashed line.
pub fn nodes_chart(scenario: &str, trace: &Trace) -> StepChart {
    let m = &trace.metrics;
    let col = |name: &str| column_points(trace, m.column(name));
    let ready = col(COL_NODES_READY);
    let noexecute = col(COL_NODES_NOEXECUTE);
    // Stack from the rows directly so that the three lines change at the same instants.
    let idx = |name: &str| m.column(name);
    let mut total = Vec::new();
    let mut ready_plus_false = Vec::new();
    if let (Some(r), Some(nr), Some(u)) =
        (idx(COL_NODES_READY), idx(COL_NODES_NOT_READY), idx(COL_NODES_UNKNOWN))
    {
        for (t, v) in &m.rows {
            total.push((*t, v[r] + v[nr]));
            ready_plus_false.push((*t, v[r] + v[nr] - v[u]));
        }
    }
    let dedup = |pts: Vec<(SimTime, i64)>| {
        let mut out: Vec<(SimTime, i64)> = Vec::new();
        for p in pts {
            if out.last().is_none_or(|l: &(SimTime, i64)| l.1 != p.1) {
                out.push(p);
            }
        }
        out
    };
    let top = total.iter().chain(&noexecute).map(|p| p.1).max().unwrap_or(0);
    let series = vec![
        StepSeries { color: UNKNOWN_RED, dashed: false, lane: 0, points: dedup(total), fill: true },
        StepSeries {
            color: NOT_READY_ORANGE,
            dashed: false,
            lane: 0,
            points: dedup(ready_plus_false),
            fill: true,
        },
        StepSeries { color: READY_GREEN, dashed: false, lane: 0, points: ready, fill: true },
        StepSeries {
            color: NOEXECUTE_PURPLE,
            dashed: true,
            lane: 0,
            points: noexecute,
            fill: false,
        },
    ];
    let legend = vec![
        LegendEntry { label: "Ready".into(), color: READY_GREEN, dashed: false },
        LegendEntry { label: "NotReady".into(), color: NOT_READY_ORANGE, dashed: false },
        LegendEntry { label: "Unknown".into(), color: UNKNOWN_RED, dashed: false },
        LegendEntry { label: "NoExecute-tainted".into(), color: NOEXECUTE_PURPLE, dashed: true },
    ];
    StepChart {
        title: format!("{scenario}: nodes by Ready condition"),
        y_label: "nodes".to_string(),
        end: trace.end,
        y_max: top + 1,
        y_names: Vec::new(),
        series,
        legend,
        marks: trace.marks.clone(),
    }
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
            dashed: false,
            lane,
            points: column_points(trace, Some(i)),
            fill: false,
        });
        legend.push(LegendEntry {
            label: zone.trim_start_matches("zone/").to_string(),
            color,
            dashed: false,
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
    }
}

/// The phase series of the pods chart: metrics column, legend label, colour (darker shades,
/// so that they do not look like the first workload colours, which the restart lines use).
const POD_SERIES: [(&str, &str, Rgb); 5] = [
    (COL_PODS_PENDING, "pending", Rgb(204, 153, 0)),
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
        series.push(StepSeries { color, dashed, lane, points, fill: false });
        legend.push(LegendEntry { label, color, dashed });
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
            let color = PALETTE[i % PALETTE.len()];
            add(points, format!("restarts {}", w.workload), color, true);
        }
    }
    if let Some(total) = trace.metrics.column(COL_CONTAINER_RESTARTS) {
        let other = trace
            .metrics
            .rows
            .iter()
            .any(|(_, v)| v[total] != restart_cols.iter().map(|&c| v[c]).sum::<i64>());
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
        y_names: Vec::new(),
        series,
        legend,
        marks: trace.marks.clone(),
    }
}

/// The values of one metrics column, keeping only the rows where it changes.
pub fn column_points(trace: &Trace, column: Option<usize>) -> Vec<(SimTime, i64)> {
    let Some(c) = column else { return Vec::new() };
    let mut out: Vec<(SimTime, i64)> = Vec::new();
    for (t, values) in &trace.metrics.rows {
        let v = values[c];
        if out.last().is_none_or(|&(_, last)| last != v) {
            out.push((*t, v));
        }
    }
    out
}

fn chart_err(file: &str) -> impl Fn(String) -> ReportError + '_ {
    move |message| ReportError::Chart { file: file.to_string(), message }
}

/// Draws `chart` into a PNG file of [`SIZE`].
pub fn render_png(chart: &StepChart, path: &Path) -> Result<(), ReportError> {
    ensure_font();
    let file = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let err = chart_err(&file);
    let backend =
        GlyphText::new(BitMapBackend::new(path, SIZE), FONT).map_err(|e| err(e.to_string()))?;
    let root = backend.into_drawing_area();
    draw(&root, chart).map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))
}

/// Draws `chart` as an SVG document of [`SIZE`].
pub fn render_svg(chart: &StepChart) -> Result<String, ReportError> {
    ensure_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&root, chart).map_err(|e| chart_err("svg")(e.to_string()))?;
        root.present().map_err(|e| chart_err("svg")(e.to_string()))?;
    }
    Ok(svg)
}

// Layout, in pixels.
const TITLE_TOP: i32 = 10;
const TITLE_SIZE: f64 = 20.0;
const TITLE_BAND: i32 = 42;
const MARK_FONT: f64 = 12.0;
const MARK_ROW: i32 = 15;
const MAX_MARK_ROWS: usize = 6;
const LEGEND_FONT: f64 = 13.0;
const LEGEND_ROW: i32 = 20;
const SWATCH: i32 = 26;
const MARGIN_LEFT: i32 = 10;
const MARGIN_RIGHT: i32 = 20;
const MARGIN_BOTTOM: i32 = 8;
const X_LABEL_AREA: i32 = 48;
const Y_LABEL_AREA: i32 = 62;

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

/// Marks whose lines are closer than this many pixels share one label.
const MARK_GROUP_PX: i32 = 4;

/// Splits marks (by the x of their lines, ascending) into runs whose lines are less than
/// [`MARK_GROUP_PX`] apart: such lines are one thick line on the chart, so they get one label.
fn group_marks(xs: &[i32]) -> Vec<std::ops::Range<usize>> {
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, &x) in xs.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if x - xs[g.end - 1] < MARK_GROUP_PX => g.end = i + 1,
            _ => groups.push(i..i + 1),
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
fn fmt_minutes(v: &f64) -> String {
    let hundredths = (v * 100.0).round() as i64;
    let (whole, frac) = (hundredths / 100, (hundredths % 100).abs());
    let sign = if hundredths < 0 && whole == 0 { "-" } else { "" };
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

fn minutes(t: SimTime) -> f64 {
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

/// Draws a [`StepChart`] on a drawing area of any backend.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &StepChart,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);

    // Title, shrunk until it fits.
    let mut title_size = TITLE_SIZE;
    while title_size > 10.0
        && root.estimate_text_size(&chart.title, &font(title_size))?.0 as i32 > w - 20
    {
        title_size -= 1.0;
    }
    let title_style = font(title_size).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(&chart.title, &title_style, (w / 2, TITLE_TOP))?;

    // The legend takes the right of the picture.
    let legend_style = font(LEGEND_FONT);
    let mut legend_text = 0;
    for e in &chart.legend {
        legend_text = legend_text.max(root.estimate_text_size(&e.label, &legend_style)?.0 as i32);
    }
    let legend_w =
        if chart.legend.is_empty() { 0 } else { (legend_text + SWATCH + 30).clamp(120, w / 3) };
    let main_w = w - legend_w;

    // Where the x axis will be, to place the action labels before laying out the chart.
    let end = if chart.end.0 == 0 { SimTime(60_000) } else { chart.end };
    let x_max = minutes(end);
    let plot_left = MARGIN_LEFT + Y_LABEL_AREA;
    let plot_right = main_w - MARGIN_RIGHT;
    let px = |t: SimTime| {
        plot_left + ((plot_right - plot_left) as f64 * minutes(t) / x_max).round() as i32
    };
    let mark_style = font(MARK_FONT).color(&MARK_TEXT);
    // Marks in time order (a stable sort keeps same-instant marks in their order).
    let mut marks = chart.marks.clone();
    marks.sort_by_key(|m| m.time);
    let mark_xs: Vec<i32> = marks.iter().map(|m| px(m.time)).collect();
    let groups = group_marks(&mark_xs);
    let labels: Vec<String> = groups.iter().map(|g| group_label(&marks[g.clone()])).collect();
    let spans: Vec<(i32, i32)> =
        groups.iter().map(|g| (mark_xs[g.start], mark_xs[g.end - 1])).collect();
    let mut widths = Vec::with_capacity(labels.len());
    for l in &labels {
        widths.push(root.estimate_text_size(l, &mark_style)?.0 as i32);
    }
    let (placements, rows) = place_labels(&spans, &widths, w - 4);
    let band = if rows == 0 { 0 } else { rows as i32 * MARK_ROW + 6 };
    let plot_top = TITLE_BAND + band;

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
    let (_, y_range) = ctx.plotting_area().get_pixel_range();
    let plot_bottom = y_range.end;
    let plot_top_px = y_range.start;
    let label_top = |row: usize| plot_top_px - 4 - (row as i32 + 1) * MARK_ROW;
    for (g, p) in groups.iter().zip(&placements) {
        for m in &marks[g.clone()] {
            let x = ctx.backend_coord(&(minutes(m.time), 0)).0;
            let line = vec![(x, plot_bottom), (x, label_top(p.row) + 1)];
            root.draw(&PathElement::new(line, MARK_GREY.stroke_width(1)))?;
        }
    }

    if chart.series.is_empty() {
        let style = font(15.0).color(&MARK_TEXT).pos(Pos::new(HPos::Center, VPos::Center));
        let (x_range, _) = ctx.plotting_area().get_pixel_range();
        let centre = ((x_range.start + x_range.end) / 2, (plot_top_px + plot_bottom) / 2);
        root.draw_text("no workloads", &style, centre)?;
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
        let style = s.color.color().stroke_width(2);
        if s.dashed {
            root.draw(&DashedPathElement::new(path, 7, 5, style))?;
        } else {
            root.draw(&PathElement::new(path, style))?;
        }
    }

    for ((g, p), label) in groups.iter().zip(&placements).zip(&labels) {
        let x = ctx.backend_coord(&(minutes(marks[g.start].time), 0)).0;
        let left = p.left + (x - p.x0);
        root.draw_text(label, &mark_style, (left, label_top(p.row)))?;
    }

    // Legend; rows get closer if there are many entries.
    let entries = chart.legend.len() as i32 + i32::from(!chart.marks.is_empty());
    let legend_row = ((h - plot_top_px - 10) / entries.max(1)).clamp(12, LEGEND_ROW);
    let lx = main_w + 4;
    let mut ly = plot_top_px + 4;
    for e in &chart.legend {
        let color = e.color.color().stroke_width(2);
        let y = ly + legend_row / 2;
        let swatch = vec![(lx, y), (lx + SWATCH, y)];
        if e.dashed {
            root.draw(&DashedPathElement::new(swatch, 5, 3, color))?;
        } else {
            root.draw(&PathElement::new(swatch, color))?;
        }
        let style = legend_style.pos(Pos::new(HPos::Left, VPos::Center));
        root.draw_text(&e.label, &style, (lx + SWATCH + 8, y))?;
        ly += legend_row;
    }
    if !chart.marks.is_empty() && !chart.legend.is_empty() {
        let y = ly + legend_row / 2;
        root.draw(&PathElement::new(
            vec![(lx + SWATCH / 2, y - 7), (lx + SWATCH / 2, y + 7)],
            MARK_GREY.stroke_width(1),
        ))?;
        let style = legend_style.pos(Pos::new(HPos::Left, VPos::Center));
        root.draw_text("action", &style, (lx + SWATCH + 8, y))?;
    }
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
        assert_eq!(group_marks(&[10, 12, 13, 40, 40, 50]), vec![0..3, 3..5, 5..6]);
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
