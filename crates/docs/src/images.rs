//! Lead images of articles: checked by content (JPEG or PNG only),
//! decoded within limits (a small file claiming a huge picture is
//! refused before memory is spent on it), turned upright, scaled down to
//! a web size and re-encoded — which also drops whatever else the file
//! carried (camera metadata, location, appended data).

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use std::sync::Mutex;

pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// The longest side kept; larger pictures are scaled down.
pub const MAX_SIDE: u32 = 1600;
/// The largest picture decoded at all: each side, the pixel count and the
/// bytes its pixels take once decoded (a 16-bit RGBA picture takes eight
/// bytes per pixel), checked from the header before anything is decoded.
const MAX_DECODED_SIDE: u32 = 12_000;
const MAX_DECODED_PIXELS: u64 = 40_000_000;
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// One picture decoded at a time: a few writers uploading at once queue
/// instead of multiplying the memory a decode may take.
static DECODING: Mutex<()> = Mutex::new(());

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("Ảnh vượt quá 10 MB.")]
    TooLarge,
    #[error("Ảnh phải là tệp JPEG hoặc PNG.")]
    NotAnImage,
    #[error("Ảnh quá lớn: tối đa 40 triệu điểm ảnh, mỗi chiều không quá 12.000 điểm ảnh.")]
    TooManyPixels,
    #[error("Không đọc được ảnh: tệp bị hỏng hoặc không đúng định dạng.")]
    Unreadable,
}

/// A picture ready to serve.
#[derive(Debug, Clone)]
pub struct WebImage {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Checks, scales and re-encodes an uploaded picture: JPEG stays JPEG
/// (quality 85); PNG stays PNG, so drawings keep sharp edges and
/// transparency.
pub fn web_image(bytes: &[u8]) -> Result<WebImage, ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => return Err(ImageError::NotAnImage),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let refused = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => ImageError::TooManyPixels,
        _ => ImageError::Unreadable,
    };
    let _one_at_a_time = DECODING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut decoder = reader.into_decoder().map_err(refused)?;
    // `from_decoder` does not charge the decoded buffer against
    // `max_alloc`, so the header's claim is checked here.
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_DECODED_PIXELS
        || decoder.total_bytes() > MAX_DECODED_BYTES
    {
        return Err(ImageError::TooManyPixels);
    }
    let orientation = decoder.orientation().map_err(refused)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(refused)?;
    picture.apply_orientation(orientation);
    if picture.width() > MAX_SIDE || picture.height() > MAX_SIDE {
        picture = picture.resize(MAX_SIDE, MAX_SIDE, FilterType::Triangle);
    }
    let mut out = Cursor::new(Vec::new());
    let mime = match format {
        ImageFormat::Jpeg => {
            JpegEncoder::new_with_quality(&mut out, 85)
                .encode_image(&picture.to_rgb8())
                .map_err(|_| ImageError::Unreadable)?;
            "image/jpeg"
        }
        _ => {
            picture
                .write_to(&mut out, ImageFormat::Png)
                .map_err(|_| ImageError::Unreadable)?;
            "image/png"
        }
    };
    Ok(WebImage {
        bytes: out.into_inner(),
        mime,
        width: picture.width(),
        height: picture.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 90, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// The PNG chunk checksum, so a forged header reads as well-formed.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in data {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A 1 × 1 RGBA PNG whose header (with a valid checksum) claims
    /// `width` × `height` pixels of `depth` bits per channel.
    fn claiming(width: u32, height: u32, depth: u8) -> Vec<u8> {
        let mut png = png(1, 1);
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        png[24] = depth;
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn pictures_are_reencoded_and_scaled_down() {
        let small = web_image(&png(40, 30)).unwrap();
        assert_eq!(
            (small.mime, small.width, small.height),
            ("image/png", 40, 30)
        );
        let big = web_image(&png(3200, 800)).unwrap();
        assert_eq!((big.width, big.height), (1600, 400));
        // Data appended after the picture does not survive.
        let mut tail = png(20, 20);
        tail.extend_from_slice(b"<script>alert(1)</script>");
        let clean = web_image(&tail).unwrap();
        assert!(!clean.bytes.windows(7).any(|w| w == b"<script"));
        let mut jpeg = Cursor::new(Vec::new());
        image::RgbImage::new(64, 48)
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .unwrap();
        let j = web_image(jpeg.get_ref()).unwrap();
        assert_eq!((j.mime, j.width), ("image/jpeg", 64));
        assert_eq!(&j.bytes[..3], &[0xFF, 0xD8, 0xFF]);
    }

    #[test]
    fn what_is_not_a_sane_picture_is_refused() {
        assert_eq!(
            web_image(b"<html><script>alert(1)</script>").unwrap_err(),
            ImageError::NotAnImage
        );
        assert_eq!(
            web_image(b"GIF89a....").unwrap_err(),
            ImageError::NotAnImage
        );
        // A PNG header claiming 100,000 × 100,000 pixels.
        let bomb = claiming(100_000, 100_000, 8);
        assert_eq!(web_image(&bomb).unwrap_err(), ImageError::TooManyPixels);
        // Within each side's limit, but 144 million 16-bit RGBA pixels
        // (over a gigabyte decoded): refused from the header alone.
        let deep = claiming(12_000, 12_000, 16);
        assert_eq!(web_image(&deep).unwrap_err(), ImageError::TooManyPixels);
        // 7,000 × 6,000 8-bit RGBA pixels: 168 MB decoded, under the byte
        // limit, but 42 million pixels.
        let wide = claiming(7_000, 6_000, 8);
        assert_eq!(web_image(&wide).unwrap_err(), ImageError::TooManyPixels);
        let mut cut = png(50, 50);
        cut.truncate(cut.len() / 2);
        assert_eq!(web_image(&cut).unwrap_err(), ImageError::Unreadable);
        assert_eq!(
            web_image(&vec![0u8; MAX_IMAGE_BYTES + 1]).unwrap_err(),
            ImageError::TooLarge
        );
    }
}
