//! `image_load`: an image from a PNG, JPEG or WebP file.

use super::images::one_image_out;
use super::prelude::*;
use crate::model::ImageData;

/// Loads the image file at its `path` input (relative to the flow's folder).
#[derive(Clone)]
pub struct ImageLoadKind {
    info: KindInfo,
}

impl ImageLoadKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "image_load",
            "Load image",
            groups::IMAGES,
            "Loads a PNG, JPEG or WebP image file. Relative paths start at the flow's folder.",
            Placement::Worker,
            Effects::SideEffects,
        );
        Self { info }
    }
}

impl NodeKind for ImageLoadKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn batch_concurrency(&self) -> usize {
        super::images::cores()
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("path", DataType::Path)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        one_image_out()
    }

    fn side_effects(
        &self,
        _params: &Params<'_>,
        input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        vec![SideEffect::Read {
            path: input("path").value().map(str::to_owned),
        }]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let path = match ctx.input("path") {
            Some(Value::Path(path)) if !path.as_os_str().is_empty() => ctx.resolve_path(path),
            _ => return Err(NodeError::failed("input `path` is empty")),
        };
        ctx.check_read(&path)?;
        let bytes = super::read_file::read_capped(&path)?;
        let image = ImageData::decode(&bytes)
            .map_err(|err| NodeError::failed(format!("{}: {err}", path.display())))?;
        Ok(Outputs::new().with("image", Value::Image(image)))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn image_load_refuses_dev_zero_and_fifos() {
        crate::nodes::testing::assert_refuses_special_files(&ImageLoadKind::new(), "pipe.png");
    }
}
