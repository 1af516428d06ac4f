//! `image_adjust`: brightness and contrast.

use super::images::ImageOpKind;
use super::prelude::*;

/// Brightens (or darkens) and adds (or takes away) contrast.
pub fn image_adjust() -> ImageOpKind {
    let info = KindInfo::step(
        "image_adjust",
        "Brightness and contrast",
        groups::IMAGES,
        "Changes an image's brightness and contrast.",
        Placement::Worker,
        Effects::Pure,
    )
    .with_param(
        "brightness",
        ParamType::Integer {
            min: Some(-255),
            max: Some(255),
        },
        0.0,
        "Added to every channel: negative darkens.",
    )
    .with_param(
        "contrast",
        ParamType::Number {
            min: Some(-100.0),
            max: Some(100.0),
        },
        0.0,
        "Percent more (positive) or less (negative) contrast.",
    );
    ImageOpKind::new(info, |params, mut image| {
        let brightness = params.integer("brightness") as i32;
        if brightness != 0 {
            image::imageops::colorops::brighten_in_place(&mut image, brightness);
        }
        let contrast = params.number("contrast") as f32;
        if contrast != 0.0 {
            image::imageops::colorops::contrast_in_place(&mut image, contrast);
        }
        Ok(image)
    })
}
