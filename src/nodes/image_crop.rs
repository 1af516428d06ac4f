//! `image_crop`: a rectangle of an image.

use super::images::{pixels, ImageOpKind};
use super::prelude::*;

/// Cuts out `width` × `height` pixels from (`x`, `y`); a rectangle reaching outside the
/// image is an error that gives the image's size.
pub fn image_crop() -> ImageOpKind {
    let offset = ParamType::Integer {
        min: Some(0),
        max: Some(i64::from(u32::MAX)),
    };
    let size = ParamType::Integer {
        min: Some(1),
        max: Some(i64::from(u32::MAX)),
    };
    let info = KindInfo::step(
        "image_crop",
        "Crop image",
        groups::IMAGES,
        "Cuts a rectangle out of an image.",
        Placement::Worker,
        Effects::Pure,
    )
    .with_param("x", offset, 0.0, "Left edge, in pixels from the left.")
    .with_param("y", offset, 0.0, "Top edge, in pixels from the top.")
    .with_param("width", size, 64.0, "Width of the rectangle.")
    .with_param("height", size, 64.0, "Height of the rectangle.");
    ImageOpKind::new(info, |params, image| {
        let (x, y) = (pixels(params, "x"), pixels(params, "y"));
        let (width, height) = (
            pixels(params, "width").max(1),
            pixels(params, "height").max(1),
        );
        let fits = u64::from(x) + u64::from(width) <= u64::from(image.width())
            && u64::from(y) + u64::from(height) <= u64::from(image.height());
        if !fits {
            return Err(NodeError::failed(format!(
                "the crop {width}×{height} at ({x}, {y}) reaches outside the {}×{} image",
                image.width(),
                image.height()
            )));
        }
        Ok(image::imageops::crop_imm(&image, x, y, width, height).to_image())
    })
}
