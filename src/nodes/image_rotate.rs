//! `image_rotate`: an image turned by a quarter, a half or three quarters.

use super::images::ImageOpKind;
use super::prelude::*;

const TURNS: &[&str] = &["90", "180", "270"];

/// Turns an image clockwise by 90, 180 or 270 degrees.
pub fn image_rotate() -> ImageOpKind {
    let info = KindInfo::step(
        "image_rotate",
        "Rotate image",
        groups::IMAGES,
        "Turns an image clockwise by 90, 180 or 270 degrees.",
        Placement::Worker,
        Effects::Pure,
    )
    .with_param("degrees", ParamType::Choice(TURNS), "90", "Clockwise turn.");
    ImageOpKind::new(info, |params, image| {
        Ok(match params.text("degrees") {
            "180" => image::imageops::rotate180(&image),
            "270" => image::imageops::rotate270(&image),
            _ => image::imageops::rotate90(&image),
        })
    })
}
