//! `image_invert`: an image's colours inverted (transparency kept).

use super::images::ImageOpKind;
use super::prelude::*;

/// Inverts an image's colours, keeping its transparency.
pub fn image_invert() -> ImageOpKind {
    let info = KindInfo::step(
        "image_invert",
        "Invert image",
        groups::IMAGES,
        "Inverts an image's colours, keeping transparency.",
        Placement::Worker,
        Effects::Pure,
    );
    ImageOpKind::new(info, |_params, mut image| {
        image::imageops::invert(&mut image);
        Ok(image)
    })
}
