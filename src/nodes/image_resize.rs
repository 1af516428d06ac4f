//! `image_resize`: scales an image to a width and height, exactly or keeping its aspect.

use super::images::{check_stop, image_output, input_image, one_image_in, one_image_out, pixels};
use super::prelude::*;

const FITS: &[&str] = &["keep aspect", "exact"];

/// Resizes (Lanczos) to `width` × `height`, or, keeping the aspect ratio, to the largest
/// size that fits in it.
#[derive(Clone)]
pub struct ImageResizeKind {
    info: KindInfo,
}

impl ImageResizeKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let size = ParamType::Integer {
            min: Some(1),
            max: Some(16384),
        };
        let info = KindInfo::step(
            "image_resize",
            "Resize image",
            "Images",
            "Scales an image to a size, exactly or keeping its aspect ratio.",
            Placement::Worker,
            Effects::Pure,
        )
        .with_param("width", size, 128.0, "Target width in pixels.")
        .with_param("height", size, 128.0, "Target height in pixels.")
        .with_param(
            "fit",
            ParamType::Choice(FITS),
            "keep aspect",
            "keep aspect: fit inside width × height; exact: stretch to it.",
        );
        Self { info }
    }
}

impl NodeKind for ImageResizeKind {
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
        let source = input_image(ctx, "image")?.to_rgba_image();
        let (width, height) = (
            pixels(&params, "width").max(1),
            pixels(&params, "height").max(1),
        );
        let filter = image::imageops::FilterType::Lanczos3;
        let resized = if params.text("fit") == "exact" {
            image::imageops::resize(&source, width, height, filter)
        } else {
            image::DynamicImage::ImageRgba8(source)
                .resize(width, height, filter)
                .to_rgba8()
        };
        check_stop(ctx)?;
        Ok(image_output(resized))
    }
}
