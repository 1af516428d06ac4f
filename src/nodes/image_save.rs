//! `image_save`: writes an image as PNG, JPEG or WebP, by the file's extension.

use std::io::Cursor;

use super::images::input_image;
use super::prelude::*;

/// Saves its `image` input to its `path` input (relative to the flow's folder), atomically;
/// the extension picks the format: `.png`, `.jpg`/`.jpeg` (quality 90) or `.webp`
/// (lossless).
#[derive(Clone)]
pub struct ImageSaveKind {
    info: KindInfo,
}

impl ImageSaveKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "image_save",
            "Save image",
            groups::IMAGES,
            "Saves an image as PNG, JPEG or WebP, by the file's extension. Relative paths start at the flow's folder.",
            Placement::Worker,
            Effects::SideEffects,
        );
        Self { info }
    }
}

impl NodeKind for ImageSaveKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn batch_concurrency(&self) -> usize {
        super::images::cores()
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("image", DataType::Image),
            PortSpec::new("path", DataType::Path),
        ]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("path", DataType::Path)]
    }

    fn side_effects(
        &self,
        _params: &Params<'_>,
        input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        vec![SideEffect::Write {
            path: input("path").value().map(str::to_owned),
        }]
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let image = input_image(ctx, "image")?;
        let path = match ctx.input("path") {
            Some(Value::Path(path)) if !path.as_os_str().is_empty() => ctx.resolve_path(path),
            _ => return Err(NodeError::failed("input `path` is empty")),
        };
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let mut bytes = Vec::new();
        let written = match extension.as_str() {
            "png" => image.to_png().map(|png| bytes = png),
            "jpg" | "jpeg" => {
                let rgb = image::DynamicImage::ImageRgba8(image.to_rgba_image()).to_rgb8();
                let encoder =
                    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut bytes), 90);
                rgb.write_with_encoder(encoder).map_err(|e| e.to_string())
            }
            "webp" => {
                let encoder =
                    image::codecs::webp::WebPEncoder::new_lossless(Cursor::new(&mut bytes));
                image
                    .to_rgba_image()
                    .write_with_encoder(encoder)
                    .map_err(|e| e.to_string())
            }
            other => {
                return Err(NodeError::failed(format!(
                    "{}: cannot tell the format from {}; use .png, .jpg or .webp",
                    path.display(),
                    if other.is_empty() {
                        "a name without an extension".to_owned()
                    } else {
                        format!("`.{other}`")
                    }
                )))
            }
        };
        written.map_err(|err| {
            NodeError::failed(format!("could not encode {}: {err}", path.display()))
        })?;
        crate::fsutil::atomic_write(&path, &bytes).map_err(|err| {
            NodeError::failed(format!("could not write {}: {err}", path.display()))
        })?;
        Ok(Outputs::new().with("path", Value::Path(path)))
    }
}
