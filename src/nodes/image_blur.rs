//! `image_blur`: a Gaussian blur.

use super::images::{check_stop, image_output, input_image, one_image_in, one_image_out};
use super::prelude::*;

/// Blurs an image; `sigma` is the blur's radius in pixels (roughly).
#[derive(Clone)]
pub struct ImageBlurKind {
    info: KindInfo,
}

impl ImageBlurKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "image_blur",
            "Blur image",
            "Images",
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
        Self { info }
    }
}

impl NodeKind for ImageBlurKind {
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
        let sigma = ctx.params().number("sigma").max(0.1) as f32;
        let source = input_image(ctx, "image")?.to_rgba_image();
        let blurred = image::imageops::fast_blur(&source, sigma);
        check_stop(ctx)?;
        Ok(image_output(blurred))
    }
}
