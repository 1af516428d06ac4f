//! `image_resize`: scales an image to a width and height, exactly or keeping its aspect.

use super::images::{pixels, ImageOpKind};
use super::prelude::*;

const FITS: &[&str] = &["keep aspect", "exact"];

/// Resizes (Lanczos) to `width` × `height`, or, keeping the aspect ratio, to the largest
/// size that fits in it.
pub fn image_resize() -> ImageOpKind {
    let size = ParamType::Integer {
        min: Some(1),
        max: Some(16384),
    };
    let info = KindInfo::step(
        "image_resize",
        "Resize image",
        groups::IMAGES,
        "Scales an image to a size, exactly or keeping its aspect ratio.",
        Placement::Worker,
        Effects::Pure,
    )
    .with_param("width", size, 128.0, "Target width in pixels.")
    .with_param("height", size, 128.0, "Target height in pixels.")
    .with_param(
        "fit",
        ParamType::Choice(FITS),
        "keep aspect",
        "keep aspect: fit inside width × height; exact: stretch to it.",
    );
    ImageOpKind::new(info, |params, image| {
        let (width, height) = (
            pixels(params, "width").max(1),
            pixels(params, "height").max(1),
        );
        let filter = image::imageops::FilterType::Lanczos3;
        Ok(if params.text("fit") == "exact" {
            image::imageops::resize(&image, width, height, filter)
        } else {
            image::DynamicImage::ImageRgba8(image)
                .resize(width, height, filter)
                .to_rgba8()
        })
    })
}
