//! `image_adjust`: brightness and contrast.

use super::images::{image_output, input_image, one_image_in, one_image_out};
use super::prelude::*;

/// Brightens (or darkens) and adds (or takes away) contrast.
#[derive(Clone)]
pub struct ImageAdjustKind {
    info: KindInfo,
}

impl ImageAdjustKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "image_adjust",
            "Brightness and contrast",
            "Images",
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
        Self { info }
    }
}

impl NodeKind for ImageAdjustKind {
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
        let params = ctx.params();
        let mut image = input_image(ctx, "image")?.to_rgba_image();
        let brightness = params.integer("brightness") as i32;
        if brightness != 0 {
            image::imageops::colorops::brighten_in_place(&mut image, brightness);
        }
        let contrast = params.number("contrast") as f32;
        if contrast != 0.0 {
            image::imageops::colorops::contrast_in_place(&mut image, contrast);
        }
        Ok(image_output(image))
    }
}
