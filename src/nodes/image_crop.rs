//! `image_crop`: a rectangle of an image.

use super::images::{image_output, input_image, one_image_in, one_image_out, pixels};
use super::prelude::*;

/// Cuts out `width` × `height` pixels from (`x`, `y`); a rectangle reaching outside the
/// image is an error that gives the image's size.
#[derive(Clone)]
pub struct ImageCropKind {
    info: KindInfo,
}

impl ImageCropKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let offset = ParamType::Integer {
            min: Some(0),
            max: Some(i64::from(u32::MAX)),
        };
        let size = ParamType::Integer {
            min: Some(1),
            max: Some(i64::from(u32::MAX)),
        };
        let info = KindInfo::step(
            "image_crop",
            "Crop image",
            "Images",
            "Cuts a rectangle out of an image.",
            Placement::Worker,
            Effects::Pure,
        )
        .with_param("x", offset, 0.0, "Left edge, in pixels from the left.")
        .with_param("y", offset, 0.0, "Top edge, in pixels from the top.")
        .with_param("width", size, 64.0, "Width of the rectangle.")
        .with_param("height", size, 64.0, "Height of the rectangle.");
        Self { info }
    }
}

impl NodeKind for ImageCropKind {
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
        let image = input_image(ctx, "image")?;
        let (x, y) = (pixels(&params, "x"), pixels(&params, "y"));
        let (width, height) = (
            pixels(&params, "width").max(1),
            pixels(&params, "height").max(1),
        );
        let fits = u64::from(x) + u64::from(width) <= u64::from(image.width())
            && u64::from(y) + u64::from(height) <= u64::from(image.height());
        if !fits {
            return Err(NodeError::failed(format!(
                "the crop {width}×{height} at ({x}, {y}) reaches outside the {} image",
                image.size_text()
            )));
        }
        let source = image.to_rgba_image();
        let cropped = image::imageops::crop_imm(&source, x, y, width, height).to_image();
        Ok(image_output(cropped))
    }
}
