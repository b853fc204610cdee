//! The sweep chart (`sweep-<figure>.png` / `.svg`): one figure of a sweep against one
//! parameter, with the spread over the seeds.
//!
//! The x axis has one place per value of the parameter, in the order given to `--set`. At
//! each, the band runs from the 10th to the 90th percentile of the runs with that value, the
//! line joins the medians (p50, with a dot), a cross marks the largest value and a triangle
//! the smallest (percentiles are nearest-rank, see [`crate::sweep`]). Figures in seconds are drawn in minutes,
//! percentages from 0 to 100. Text, colours and the PNG's font handling are those of
//! [`crate::charts`].

use crate::ReportError;
use crate::charts::{PALETTE, SIZE, font, lighten};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The statistics of one value of the parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The parameter's value, as given to `--set`.
    pub x: String,
    /// How many runs had a value of the figure.
    pub n: usize,
    /// 10th percentile.
    pub p10: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Smallest value (the worst run of a figure that is a minimum, like `min_ready_pct`).
    pub min: Option<f64>,
}

/// A sweep chart.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepChart {
    /// The title.
    pub title: String,
    /// The figure on the y axis (its unit is the suffix of its name).
    pub figure: String,
    /// The parameter on the x axis (a `--set` path).
    pub by: String,
    /// One point per value of the parameter.
    pub points: Vec<SweepPoint>,
}

/// How a figure is drawn: the factor from its unit to the axis, and the axis label.
fn axis(figure: &str) -> (f64, String) {
    if let Some(base) = figure.strip_suffix("_s") {
        (1.0 / 60.0, format!("{base} (min)"))
    } else if let Some(base) = figure.strip_suffix("_pct") {
        (1.0, format!("{base} (%)"))
    } else {
        (1.0, figure.to_string())
    }
}

impl crate::charts::Drawing for SweepChart {
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
pub fn render_png(chart: &SweepChart, path: &Path) -> Result<(), ReportError> {
    crate::charts::png(chart, path)
}

/// Draws `chart` as an SVG document of [`SIZE`].
pub fn render_svg(chart: &SweepChart) -> Result<String, ReportError> {
    crate::charts::svg(chart)
}

/// A round top for the y axis: the largest value plus a tenth, rounded up to 1, 1.5, 2, 2.5,
/// 3, 4, 5, 6 or 8 times a power of ten.
fn y_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let target = max * 1.1;
    let step = 10f64.powf(target.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * step)
        .find(|&v| v >= target)
        .unwrap_or(10.0 * step)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &SweepChart,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let w = w as i32;
    let mut title_size = 20.0;
    while title_size > 10.0
        && root.estimate_text_size(&chart.title, &font(title_size))?.0 as i32 > w - 20
    {
        title_size -= 1.0;
    }
    root.draw_text(
        &chart.title,
        &font(title_size).pos(Pos::new(HPos::Center, VPos::Top)),
        (w / 2, 10),
    )?;

    let legend_w = 170;
    let main = root.clone().shrink((0, 0), ((w - legend_w) as u32, SIZE.1));
    let (scale, y_label) = axis(&chart.figure);
    let is_pct = chart.figure.ends_with("_pct");
    let largest = chart.points.iter().filter_map(|p| p.max).fold(0.0, f64::max) * scale;
    let top = if is_pct { 105.0 } else { y_top(largest) };
    let k = chart.points.len().max(1);
    // Labels with as many decimals as the axis' tenths need.
    let decimals = if top >= 10.0 {
        0
    } else if top >= 1.0 {
        1
    } else {
        2
    };
    let y_fmt = move |v: &f64| format!("{v:.decimals$}");
    let mut ctx = ChartBuilder::on(&main)
        .margin_top(48)
        .margin_left(10)
        .margin_right(20)
        .margin_bottom(8)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(k as f64 - 0.5), 0f64..top)?;
    ctx.configure_mesh()
        .x_desc(chart.by.as_str())
        .y_desc(y_label.as_str())
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(11)
        .y_label_formatter(&y_fmt)
        .label_style(font(13.0))
        .axis_desc_style(font(15.0))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;

    // One place per value: a grid line and its label under the axis.
    let (_, y_px) = ctx.plotting_area().get_pixel_range();
    for (i, p) in chart.points.iter().enumerate() {
        let (x, _) = ctx.backend_coord(&(i as f64, 0.0));
        root.draw(&PathElement::new(
            vec![(x, y_px.start), (x, y_px.end)],
            RGBColor(225, 225, 225).stroke_width(1),
        ))?;
        let style = font(13.0).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw_text(&p.x, &style, (x, y_px.end + 6))?;
    }

    let color = PALETTE[0];
    let line = RGBColor(color.0, color.1, color.2);
    let max_color = PALETTE[3];
    let max_rgb = RGBColor(max_color.0, max_color.1, max_color.2);
    let at = |i: usize, v: f64| (i as f64, v * scale);

    // The p10–p90 band, as one polygon over the points that have both.
    let band: Vec<(usize, f64, f64)> =
        chart.points.iter().enumerate().filter_map(|(i, p)| Some((i, p.p10?, p.p90?))).collect();
    if band.len() >= 2 {
        let mut poly: Vec<(f64, f64)> = band.iter().map(|&(i, _, hi)| at(i, hi)).collect();
        poly.extend(band.iter().rev().map(|&(i, lo, _)| at(i, lo)));
        ctx.draw_series(std::iter::once(Polygon::new(poly, lighten(color).filled())))?;
    }
    // A single point's band is a bar.
    for &(i, lo, hi) in &band {
        let (x0, x1) = (i as f64 - 0.03, i as f64 + 0.03);
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(x0, lo * scale), (x1, hi * scale)],
            lighten(color).filled(),
        )))?;
    }
    let medians: Vec<(f64, f64)> =
        chart.points.iter().enumerate().filter_map(|(i, p)| Some(at(i, p.p50?))).collect();
    ctx.draw_series(std::iter::once(PathElement::new(medians.clone(), line.stroke_width(2))))?;
    ctx.draw_series(medians.iter().map(|&p| Circle::new(p, 4, line.filled())))?;
    let maxes: Vec<(f64, f64)> =
        chart.points.iter().enumerate().filter_map(|(i, p)| Some(at(i, p.max?))).collect();
    ctx.draw_series(maxes.iter().map(|&p| Cross::new(p, 5, max_rgb.stroke_width(2))))?;
    let min_color = PALETTE[4];
    let min_rgb = RGBColor(min_color.0, min_color.1, min_color.2);
    let mins: Vec<(f64, f64)> =
        chart.points.iter().enumerate().filter_map(|(i, p)| Some(at(i, p.min?))).collect();
    ctx.draw_series(mins.iter().map(|&p| TriangleMarker::new(p, 5, min_rgb.filled())))?;
    // The number of runs under each place, when some runs have no value.
    let total = chart.points.iter().map(|p| p.n).max().unwrap_or(0);
    for (i, p) in chart.points.iter().enumerate() {
        if p.n != total {
            let (x, y) = ctx.backend_coord(&(i as f64, 0.0));
            let style = font(12.0).pos(Pos::new(HPos::Center, VPos::Bottom));
            root.draw_text(&format!("n={}", p.n), &style, (x, y - 4))?;
        }
    }

    // Legend.
    let lx = w - legend_w + 8;
    let mut ly = 70;
    let text = font(13.0).pos(Pos::new(HPos::Left, VPos::Center));
    root.draw(&Rectangle::new([(lx, ly - 6), (lx + 26, ly + 6)], lighten(color).filled()))?;
    root.draw_text("p10–p90 of runs", &text, (lx + 34, ly))?;
    ly += 22;
    root.draw(&PathElement::new(vec![(lx, ly), (lx + 26, ly)], line.stroke_width(2)))?;
    root.draw(&Circle::new((lx + 13, ly), 4, line.filled()))?;
    root.draw_text("median (p50)", &text, (lx + 34, ly))?;
    ly += 22;
    root.draw(&Cross::new((lx + 13, ly), 5, max_rgb.stroke_width(2)))?;
    root.draw_text("max", &text, (lx + 34, ly))?;
    ly += 22;
    root.draw(&TriangleMarker::new((lx + 13, ly), 5, min_rgb.filled()))?;
    root.draw_text("min", &text, (lx + 34, ly))?;
    ly += 30;
    let note = font(12.0).pos(Pos::new(HPos::Left, VPos::Center));
    root.draw_text(&format!("{total} runs per value"), &note, (lx, ly))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_axis_tops() {
        // 9 min * 1.1 = 9.9 -> 10; 13 * 1.1 = 14.3 -> 15; 20.7 * 1.1 = 22.77 -> 25;
        // 0.4 * 1.1 = 0.44 -> 0.5.
        assert_eq!(y_top(9.0), 10.0);
        assert_eq!(y_top(13.0), 15.0);
        assert_eq!(y_top(20.7), 25.0);
        assert_eq!(y_top(0.4), 0.5);
        assert_eq!(y_top(0.0), 1.0);
    }

    #[test]
    fn units() {
        assert_eq!(axis("upgrade_duration_s"), (1.0 / 60.0, "upgrade_duration (min)".into()));
        assert_eq!(axis("min_ready_pct").1, "min_ready (%)");
        assert_eq!(axis("pods_evicted").1, "pods_evicted");
    }
}
