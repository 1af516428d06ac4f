//! `image_rotate`: an image turned by a quarter, a half or three quarters.

use super::images::{image_output, input_image, one_image_in, one_image_out};
use super::prelude::*;

const TURNS: &[&str] = &["90", "180", "270"];

/// Turns an image clockwise by 90, 180 or 270 degrees.
#[derive(Clone)]
pub struct ImageRotateKind {
    info: KindInfo,
}

impl ImageRotateKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "image_rotate",
            "Rotate image",
            "Images",
            "Turns an image clockwise by 90, 180 or 270 degrees.",
            Placement::Worker,
            Effects::Pure,
        )
        .with_param("degrees", ParamType::Choice(TURNS), "90", "Clockwise turn.");
        Self { info }
    }
}

impl NodeKind for ImageRotateKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn batch_concurrency(&self) -> usize {
        super::images::cores()
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        one_image_in()
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        one_image_out()
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let source = input_image(ctx, "image")?.to_rgba_image();
        let turned = match ctx.params().text("degrees") {
            "180" => image::imageops::rotate180(&source),
            "270" => image::imageops::rotate270(&source),
            _ => image::imageops::rotate90(&source),
        };
        Ok(image_output(turned))
    }
}
