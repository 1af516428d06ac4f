//! Image values: RGBA pixels shared between nodes without copying, and written as PNG
//! (base64) wherever values become JSON (the result store, `run --json`).

use std::fmt;
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An image: width × height pixels of 8-bit RGBA, row by row.
#[derive(Clone)]
pub struct ImageData {
    width: u32,
    height: u32,
    rgba: Arc<Vec<u8>>,
    /// Different for every image made; clones share it (see [`ImageData::id`]).
    id: u64,
}

/// Makes every image's id different.
static NEXT_IMAGE_ID: AtomicU64 = AtomicU64::new(1);

fn next_image_id() -> u64 {
    NEXT_IMAGE_ID.fetch_add(1, Ordering::Relaxed)
}

impl ImageData {
    /// An image from its pixels; `rgba` must hold exactly width × height × 4 bytes.
    pub fn new(width: u32, height: u32, rgba: Vec<u8>) -> Result<Self, String> {
        let expected = width as usize * height as usize * 4;
        if rgba.len() != expected {
            return Err(format!(
                "a {width}×{height} image needs {expected} bytes of RGBA, got {}",
                rgba.len()
            ));
        }
        Ok(Self {
            width,
            height,
            rgba: Arc::new(rgba),
            id: next_image_id(),
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, RGBA, row by row.
    pub fn rgba(&self) -> &[u8] {
        &self.rgba
    }

    /// The pixels as an `image` buffer (a copy).
    pub fn to_rgba_image(&self) -> image::RgbaImage {
        image::RgbaImage::from_raw(self.width, self.height, self.rgba.to_vec())
            .unwrap_or_else(|| image::RgbaImage::new(self.width, self.height))
    }

    /// An image from an `image` buffer.
    pub fn from_rgba_image(image: image::RgbaImage) -> Self {
        let (width, height) = image.dimensions();
        Self {
            width,
            height,
            rgba: Arc::new(image.into_raw()),
            id: next_image_id(),
        }
    }

    /// Decodes a PNG, JPEG or WebP file's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let format = image::guess_format(bytes)
            .map_err(|_| "not an image this build reads (PNG, JPEG or WebP)".to_owned())?;
        let decoded = image::load_from_memory_with_format(bytes, format)
            .map_err(|err| format!("could not decode the {format:?} image: {err}"))?;
        Ok(Self::from_rgba_image(decoded.to_rgba8()))
    }

    /// The image as PNG bytes (fast compression).
    pub fn to_png(&self) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let encoder = image::codecs::png::PngEncoder::new_with_quality(
            Cursor::new(&mut out),
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Adaptive,
        );
        image::ImageEncoder::write_image(
            encoder,
            &self.rgba,
            self.width,
            self.height,
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|err| format!("could not encode the image as PNG: {err}"))?;
        Ok(out)
    }

    /// Identifies these pixels for as long as the process runs (clones share it; no other
    /// image ever has it, even after this one is gone): a cache key.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A copy at most `max` pixels wide and high, keeping the aspect ratio, scaled down
    /// smoothly (each pixel averages the area it covers), as (width, height, RGBA).
    pub fn thumbnail(&self, max: u32) -> (u32, u32, Vec<u8>) {
        let scale = (f64::from(max) / f64::from(self.width.max(self.height))).min(1.0);
        let width = ((f64::from(self.width) * scale).round() as u32).max(1);
        let height = ((f64::from(self.height) * scale).round() as u32).max(1);
        if (width, height) == (self.width, self.height) {
            return (width, height, self.rgba.to_vec());
        }
        let view = image::ImageBuffer::<image::Rgba<u8>, &[u8]>::from_raw(
            self.width,
            self.height,
            self.rgba.as_slice(),
        );
        match view {
            Some(view) => (
                width,
                height,
                image::imageops::thumbnail(&view, width, height).into_raw(),
            ),
            // `new` checked the length: cannot happen, but a blank picture beats a panic.
            None => (width, height, vec![0; width as usize * height as usize * 4]),
        }
    }

    /// "640×480".
    pub fn size_text(&self) -> String {
        format!("{}×{}", self.width, self.height)
    }
}

impl PartialEq for ImageData {
    fn eq(&self, other: &Self) -> bool {
        self.width == other.width
            && self.height == other.height
            && (Arc::ptr_eq(&self.rgba, &other.rgba) || self.rgba == other.rgba)
    }
}

impl fmt::Debug for ImageData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ImageData({})", self.size_text())
    }
}

/// How an image is written in JSON.
#[derive(Serialize, Deserialize)]
struct Written {
    width: u32,
    height: u32,
    png: String,
}

impl Serialize for ImageData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let png = self.to_png().map_err(serde::ser::Error::custom)?;
        Written {
            width: self.width,
            height: self.height,
            png: base64::engine::general_purpose::STANDARD.encode(png),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ImageData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let written = Written::deserialize(deserializer)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(written.png.as_bytes())
            .map_err(serde::de::Error::custom)?;
        let image = ImageData::decode(&png).map_err(serde::de::Error::custom)?;
        if (image.width, image.height) != (written.width, written.height) {
            return Err(serde::de::Error::custom(format!(
                "the image says {}×{} but holds {}",
                written.width,
                written.height,
                image.size_text()
            )));
        }
        Ok(image)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_round_trip_through_json_as_png() {
        let mut pixels = Vec::new();
        for i in 0..6u8 {
            pixels.extend([i * 40, 255 - i * 40, 7, 255]);
        }
        let image = ImageData::new(3, 2, pixels).unwrap();
        let json = serde_json::to_string(&image).unwrap();
        assert!(json.contains("\"png\""));
        let back: ImageData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, image);
        assert!(ImageData::new(2, 2, vec![0; 3]).is_err());
        assert!(ImageData::decode(b"not an image")
            .unwrap_err()
            .contains("PNG, JPEG or WebP"));
    }

    #[test]
    fn a_new_image_never_takes_a_freed_images_id() {
        // Freed pixels' memory is often handed to the next allocation of the same size;
        // an id from the address would then name the old picture.
        let first = ImageData::new(1, 1, vec![1, 2, 3, 255]).unwrap();
        let first_id = first.id();
        let copy = first.clone();
        assert_eq!(copy.id(), first_id, "clones share the id");
        drop((first, copy));
        let second = ImageData::new(1, 1, vec![9, 9, 9, 255]).unwrap();
        assert_ne!(second.id(), first_id);
    }

    #[test]
    fn thumbnails_keep_the_aspect_ratio_and_average_pixels() {
        // 4×2: left half black, right half white.
        let mut pixels = Vec::new();
        for _row in 0..2 {
            for x in 0..4 {
                let v = if x < 2 { 0 } else { 255 };
                pixels.extend([v, v, v, 255]);
            }
        }
        let image = ImageData::new(4, 2, pixels).unwrap();
        let (w, h, rgba) = image.thumbnail(2);
        assert_eq!((w, h), (2, 1));
        assert_eq!(rgba.len(), 8);
        assert!(rgba[0] < 30 && rgba[4] > 225, "{rgba:?}");
        let (w, h, _) = image.thumbnail(100);
        assert_eq!((w, h), (4, 2), "never scaled up");
    }
}
