//! `image_grayscale`: an image in shades of grey (transparency kept).

use super::images::{image_output, input_image, one_image_in, one_image_out};
use super::prelude::*;

/// Turns an image to shades of grey, keeping its transparency.
#[derive(Clone)]
pub struct ImageGrayscaleKind {
    info: KindInfo,
}

impl ImageGrayscaleKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "image_grayscale",
            "Grayscale image",
            "Images",
            "Turns an image to shades of grey, keeping transparency.",
            Placement::Worker,
            Effects::Pure,
        );
        Self { info }
    }
}

impl NodeKind for ImageGrayscaleKind {
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
        let gray = image::DynamicImage::ImageLumaA8(image::imageops::grayscale_alpha(&source));
        Ok(image_output(gray.to_rgba8()))
    }
}
