//! Text for bitmap charts, drawn with the bundled font.
//!
//! plotters 0.3.7 draws `ab_glyph` text without each glyph's left side bearing, so letters
//! come out unevenly spaced (`tim e`, `deploym ent`). [`GlyphText`] wraps a backend and draws
//! text itself: glyphs placed at their pen position plus bearing, with kerning, anchored and
//! rotated as plotters asks. Everything else goes to the wrapped backend unchanged.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// A backend whose text is drawn with `font`.
pub(crate) struct GlyphText<B> {
    inner: B,
    font: FontRef<'static>,
}

impl<B> GlyphText<B> {
    /// Wraps `inner`; `font` must be a valid TrueType/OpenType font.
    pub(crate) fn new(inner: B, font: &'static [u8]) -> Result<Self, ab_glyph::InvalidFont> {
        Ok(Self { inner, font: FontRef::try_from_slice(font)? })
    }

    /// Width (sum of advances and kerning) and height (ascent − descent) of `text`, in
    /// pixels, at `size` px.
    fn measure(&self, text: &str, size: f64) -> (f32, f32) {
        let font = self.font.as_scaled(PxScale::from(size as f32));
        let mut width = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                width += font.kern(p, id);
            }
            width += font.h_advance(id);
            prev = Some(id);
        }
        (width, font.ascent() - font.descent())
    }
}

impl<B: DrawingBackend> DrawingBackend for GlyphText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, (iw, ih), src)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let (w, h) = self.measure(text, style.size());
        Ok((w.ceil() as u32, h.ceil() as u32))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let size = style.size();
        let (width, height) = self.measure(text, size);
        let font = self.font.as_scaled(PxScale::from(size as f32));
        // The pen's start, relative to the anchor, before rotation.
        let x0 = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let top = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let baseline = top + font.ascent();
        let transform = style.transform();
        let (w, h) = self.inner.get_size();

        // Coverage per pixel, so that overlapping glyph boxes do not darken shared pixels.
        let mut coverage: Vec<((i32, i32), f32)> = Vec::new();
        let mut pen = x0;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                pen += font.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(font.scale(), point(pen, baseline));
            pen += font.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let (bx, by) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|x, y, c| {
                if c > 0.0 {
                    coverage.push(((bx + x as i32, by + y as i32), c));
                }
            });
        }
        coverage.sort_by_key(|&(p, _)| p);
        let mut i = 0;
        while i < coverage.len() {
            let (p, mut c) = coverage[i];
            i += 1;
            while i < coverage.len() && coverage[i].0 == p {
                c += coverage[i].1;
                i += 1;
            }
            let (dx, dy) = transform.transform(p.0, p.1);
            let (x, y) = (pos.0 + dx, pos.1 + dy);
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                let a = f64::from(c.min(1.0)) * color.alpha;
                self.inner.draw_pixel((x, y), BackendColor { alpha: a, rgb: color.rgb })?;
            }
        }
        Ok(())
    }
}
