//! Charts as PNG pictures, for documents and messages that do not take
//! SVG: the same drawing rendered by resvg at twice its size, with the
//! server's fonts (Debian's fonts-liberation2 has the Vietnamese letters).

use resvg::{tiny_skia, usvg};
use std::sync::{Arc, OnceLock};

/// Pixels per SVG unit: a 360-unit chart becomes 720 px wide.
const SCALE: f32 = 2.0;

/// The system's fonts, read once (it takes a moment).
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_system_fonts();
            db.set_sans_serif_family("Liberation Sans");
            Arc::new(db)
        })
        .clone()
}

#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("Máy chủ chưa cài phông chữ nên chưa tạo được ảnh PNG (cần gói fonts-liberation2); hãy tải bản SVG.")]
    NoFonts,
    #[error("Không vẽ được biểu đồ thành ảnh PNG: {0}")]
    Render(String),
}

/// The chart `svg` as a PNG file (CPU-bound: call it off the async threads).
pub fn to_png(svg: &str) -> Result<Vec<u8>, PngError> {
    let fonts = fonts();
    if fonts.is_empty() {
        return Err(PngError::NoFonts);
    }
    let options = usvg::Options {
        fontdb: fonts,
        ..Default::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| PngError::Render(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or_else(|| PngError::Render("kích thước không hợp lệ".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| PngError::Render("kích thước không hợp lệ".into()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| PngError::Render(e.to_string()))
}
