//! `image_invert`: an image's colours inverted (transparency kept).

use super::images::{image_output, input_image, one_image_in, one_image_out};
use super::prelude::*;

/// Inverts an image's colours, keeping its transparency.
#[derive(Clone)]
pub struct ImageInvertKind {
    info: KindInfo,
}

impl ImageInvertKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "image_invert",
            "Invert image",
            "Images",
            "Inverts an image's colours, keeping transparency.",
            Placement::Worker,
            Effects::Pure,
        );
        Self { info }
    }
}

impl NodeKind for ImageInvertKind {
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
        let mut image = input_image(ctx, "image")?.to_rgba_image();
        image::imageops::invert(&mut image);
        Ok(image_output(image))
    }
}
