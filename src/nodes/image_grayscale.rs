//! `image_grayscale`: an image in shades of grey (transparency kept).

use super::images::ImageOpKind;
use super::prelude::*;

/// Turns an image to shades of grey, keeping its transparency.
pub fn image_grayscale() -> ImageOpKind {
    let info = KindInfo::step(
        "image_grayscale",
        "Grayscale image",
        groups::IMAGES,
        "Turns an image to shades of grey, keeping transparency.",
        Placement::Worker,
        Effects::Pure,
    );
    ImageOpKind::new(info, |_params, image| {
        let gray = image::imageops::grayscale_alpha(&image);
        Ok(image::DynamicImage::ImageLumaA8(gray).to_rgba8())
    })
}
