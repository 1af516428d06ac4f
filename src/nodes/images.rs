//! What the image kinds share: reading the image input, the one-image output, and the kind
//! behind every operation that turns one image into another.

use super::prelude::*;
use crate::model::ImageData;

/// The image at input `name`.
pub fn input_image<'a>(ctx: &'a NodeContext, name: &str) -> Result<&'a ImageData, NodeError> {
    match ctx.input(name) {
        Some(Value::Image(image)) => Ok(image),
        Some(other) => Err(NodeError::failed(format!(
            "input `{name}` is {}, not an image",
            other.data_type()
        ))),
        None => Err(NodeError::failed(format!("input `{name}` has no image"))),
    }
}

/// The outputs of a kind that makes one image.
pub fn image_output(image: image::RgbaImage) -> Outputs {
    Outputs::new().with("image", Value::Image(ImageData::from_rgba_image(image)))
}

/// The output ports of a kind that makes one image.
pub fn one_image_out() -> Vec<PortSpec> {
    vec![PortSpec::new("image", DataType::Image)]
}

/// Fails with "cancelled" when Stop was pressed (checked between the steps of long work).
pub fn check_stop(ctx: &NodeContext) -> Result<(), NodeError> {
    if ctx.cancel().is_cancelled() {
        Err(NodeError::Cancelled)
    } else {
        Ok(())
    }
}

/// The whole-number parameter `name` as a pixel count or offset.
pub fn pixels(params: &Params<'_>, name: &str) -> u32 {
    params.integer(name).clamp(0, i64::from(u32::MAX)) as u32
}

/// How many image items run at once in a batch: one per core.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// What an image operation does: the node's parameters and the input image in, the new
/// image out.
pub type ImageOp = fn(&Params<'_>, image::RgbaImage) -> Result<image::RgbaImage, NodeError>;

/// A kind that transforms one image (`image` in, `image` out): resize, crop, blur, … Each
/// operation's file gives its description, parameters and [`ImageOp`].
#[derive(Clone)]
pub struct ImageOpKind {
    info: KindInfo,
    op: ImageOp,
}

impl ImageOpKind {
    /// The kind described by `info` (built with [`KindInfo::step`]) doing `op`.
    pub fn new(info: KindInfo, op: ImageOp) -> Self {
        Self { info, op }
    }
}

impl NodeKind for ImageOpKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn batch_concurrency(&self) -> usize {
        cores()
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("image", DataType::Image)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        one_image_out()
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let source = input_image(ctx, "image")?.to_rgba_image();
        check_stop(ctx)?;
        let result = (self.op)(&ctx.params(), source)?;
        check_stop(ctx)?;
        Ok(image_output(result))
    }
}
