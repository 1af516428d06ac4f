//! `image_blur`: a Gaussian blur.

use super::images::ImageOpKind;
use super::prelude::*;

/// Blurs an image; `sigma` is the blur's radius in pixels (roughly).
pub fn image_blur() -> ImageOpKind {
    let info = KindInfo::step(
        "image_blur",
        "Blur image",
        groups::IMAGES,
        "Blurs an image (Gaussian, of radius `sigma` pixels).",
        Placement::Worker,
        Effects::Pure,
    )
    .with_param(
        "sigma",
        ParamType::Number {
            min: Some(0.1),
            max: Some(200.0),
        },
        2.0,
        "How strong: the blur's standard deviation in pixels.",
    );
    ImageOpKind::new(info, |params, image| {
        let sigma = params.number("sigma").max(0.1) as f32;
        Ok(image::imageops::fast_blur(&image, sigma))
    })
}
