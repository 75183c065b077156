//! QR codes for venue posters: the printable A4 poster as SVG, and the code alone as PNG.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of white margin the QR specification requires around a code.
const QUIET_ZONE: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the payload does not fit a QR code: {0}")]
    Encode(String),
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// The code's modules, row by row (true = dark). Error correction M survives a creased or
/// partly dirty poster.
fn modules(payload: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| QrError::Encode(e.to_string()))?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((width, dark))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the poster shows besides the code.
pub struct Poster<'a> {
    pub payload: &'a str,
    pub venue_name: &'a str,
    pub kind_label: &'a str,
    pub place: &'a str,
    pub venue_id: i64,
}

/// The code alone as a small SVG (a personal QR shown on a phone): one path of dark modules.
pub fn code_svg(payload: &str) -> Result<String, QrError> {
    let (width, dark) = modules(payload)?;
    let side = width + 2 * QUIET_ZONE;
    let mut d = String::new();
    for (i, _) in dark.iter().enumerate().filter(|(_, &on)| on) {
        let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
        d.push_str(&format!("M{x} {y}h1v1h-1z"));
    }
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="300" height="300" shape-rendering="crispEdges"><title>{}</title><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{d}"/></svg>"##,
        xml_escape(payload)
    ))
}

/// An A4 poster (595 × 842 pt): title, venue, the code, and how to scan it.
pub fn poster_svg(p: &Poster<'_>) -> Result<String, QrError> {
    let (width, dark) = modules(p.payload)?;
    let side = (width + 2 * QUIET_ZONE) as f64;
    let size_pt = 380.0;
    let scale = size_pt / side;
    let x0 = (595.0 - size_pt) / 2.0;
    let y0 = 250.0;
    let mut path = String::with_capacity(dark.len() * 12);
    for (i, &d) in dark.iter().enumerate() {
        if d {
            let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 595 842" role="img" aria-label="Mã QR điểm kiểm dịch: {name}">
<rect width="595" height="842" fill="#ffffff"/>
<rect x="20" y="20" width="555" height="802" fill="none" stroke="#b71c1c" stroke-width="4"/>
<text x="297.5" y="80" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="28" font-weight="bold" fill="#b71c1c">MÃ QR ĐIỂM KIỂM DỊCH</text>
<text x="297.5" y="108" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="14" fill="#333">Venue check-in QR code</text>
<text x="297.5" y="160" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="24" font-weight="bold" fill="#111">{name}</text>
<text x="297.5" y="190" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="16" fill="#333">{kind} · {place}</text>
<rect x="{x0}" y="{y0}" width="{size_pt}" height="{size_pt}" fill="#ffffff"/>
<g transform="translate({x0} {y0}) scale({scale})"><path d="{path}" fill="#000000" shape-rendering="crispEdges"/></g>
<text x="297.5" y="680" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="18" fill="#111">Quét mã khi vào và khi ra bằng ứng dụng khai báo y tế</text>
<text x="297.5" y="704" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="13" fill="#333">Scan this code when you enter and when you leave</text>
<text x="297.5" y="760" text-anchor="middle" font-family="monospace" font-size="11" fill="#555">Mã điểm / venue id {id} · {payload}</text>
</svg>
"##,
        name = xml_escape(p.venue_name),
        kind = xml_escape(p.kind_label),
        place = xml_escape(p.place),
        id = p.venue_id,
        payload = xml_escape(p.payload),
    ))
}

/// The code alone as a grayscale PNG, `px_per_module` pixels per module, with its quiet zone.
pub fn code_png(payload: &str, px_per_module: usize) -> Result<Vec<u8>, QrError> {
    let (width, dark) = modules(payload)?;
    let side = (width + 2 * QUIET_ZONE) * px_per_module;
    let mut pixels = vec![255u8; side * side];
    for (i, &d) in dark.iter().enumerate() {
        if !d {
            continue;
        }
        let (mx, my) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
        for dy in 0..px_per_module {
            let row = (my * px_per_module + dy) * side;
            let start = row + mx * px_per_module;
            pixels[start..start + px_per_module].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| QrError::Png(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poster_has_the_code_and_escaped_text() {
        let svg = poster_svg(&Poster {
            payload: "CDV1:V:7",
            venue_name: "Quán <Bà> Tư & con",
            kind_label: "Quán cà phê",
            place: "Phường Phúc Xá",
            venue_id: 7,
        })
        .unwrap();
        assert!(svg.contains("Quán &lt;Bà&gt; Tư &amp; con"));
        assert!(svg.contains("CDV1:V:7"));
        // A version-1 or larger code has dozens of dark modules.
        assert!(svg.matches("h1v1h-1z").count() > 100);
    }

    #[test]
    fn png_is_a_png_of_the_right_size() {
        let png = code_png("CDV1:V:7", 4).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let (width, _) = modules("CDV1:V:7").unwrap();
        let side = ((width + 2 * QUIET_ZONE) * 4) as u32;
        assert_eq!(
            u32::from_be_bytes([png[16], png[17], png[18], png[19]]),
            side
        );
    }
}
