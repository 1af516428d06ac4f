//! Image nodes end to end: generate, transform, save in each format, load back; and their
//! failures.

use flowcanvas::exec::{Event, RunState};
use flowcanvas::model::{ImageData, Value};

use crate::support::*;

fn image(events: &[Event], node: &str) -> ImageData {
    events
        .iter()
        .find_map(|e| match e {
            Event::NodeFinished {
                node: n, outputs, ..
            } if n.as_str() == node => match outputs.get("image") {
                Some(Value::Image(image)) => Some(image.clone()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_else(|| panic!("no image from {node}: {events:#?}"))
}

#[test]
fn a_generated_image_goes_through_every_operation_and_back_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let events = run_ron(
        r#"Flow(version: 1, nodes: [
            Node(id: "seed", kind: "seed", params: {"seed": 5}),
            Node(id: "gen", kind: "image_generate", params: {"pattern": "noise", "width": 120, "height": 80}),
            Node(id: "resize", kind: "image_resize", params: {"width": 60, "height": 60}),
            Node(id: "crop", kind: "image_crop", params: {"x": 10, "y": 5, "width": 40, "height": 30}),
            Node(id: "blur", kind: "image_blur", params: {"sigma": 1.5}),
            Node(id: "gray", kind: "image_grayscale"),
            Node(id: "invert", kind: "image_invert"),
            Node(id: "rotate", kind: "image_rotate", params: {"degrees": "90"}),
            Node(id: "adjust", kind: "image_adjust", params: {"brightness": 20, "contrast": 15}),
            Node(id: "png", kind: "image_save", values: {"path": "out/a.png"}),
            Node(id: "jpg", kind: "image_save", values: {"path": "out/a.jpg"}),
            Node(id: "webp", kind: "image_save", values: {"path": "out/a.webp"}),
            Node(id: "load_png", kind: "image_load", values: {"path": "out/a.png"}),
            Node(id: "load_jpg", kind: "image_load", values: {"path": "out/a.jpg"}),
            Node(id: "load_webp", kind: "image_load", values: {"path": "out/a.webp"}),
        ], edges: [
            "seed.seed -> gen.seed", "gen.image -> resize.image", "resize.image -> crop.image",
            "crop.image -> blur.image", "blur.image -> gray.image", "gray.image -> invert.image",
            "invert.image -> rotate.image", "rotate.image -> adjust.image",
            "adjust.image -> png.image", "adjust.image -> jpg.image", "adjust.image -> webp.image",
            "png.path -> load_png.path", "jpg.path -> load_jpg.path", "webp.path -> load_webp.path",
        ])"#,
        dir.path(),
    );
    assert!(
        matches!(
            events.last(),
            Some(Event::RunFinished {
                status: RunState::Completed,
                ..
            })
        ),
        "{events:#?}"
    );
    assert_eq!(image(&events, "gen").size_text(), "120×80");
    assert_eq!(image(&events, "resize").size_text(), "60×40", "aspect kept");
    assert_eq!(image(&events, "crop").size_text(), "40×30");
    assert_eq!(image(&events, "rotate").size_text(), "30×40");
    let gray = image(&events, "gray");
    assert!(
        gray.rgba().chunks(4).all(|p| p[0] == p[1] && p[1] == p[2]),
        "grayscale pixels have equal channels"
    );
    let inverted = image(&events, "invert");
    assert_eq!(inverted.rgba()[0], 255 - gray.rgba()[0]);
    let final_image = image(&events, "adjust");
    assert_eq!(image(&events, "load_png"), final_image, "PNG is lossless");
    assert_eq!(
        image(&events, "load_webp"),
        final_image,
        "WebP is saved lossless"
    );
    assert_eq!(image(&events, "load_jpg").size_text(), "30×40");
}

#[test]
fn image_failures_say_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("not.png"), "plain text").unwrap();
    let events = run_ron(
        r#"Flow(version: 1, nodes: [
            Node(id: "gen", kind: "image_generate", params: {"width": 20, "height": 10}),
            Node(id: "crop", kind: "image_crop", params: {"x": 15, "y": 0, "width": 10, "height": 5}),
            Node(id: "save", kind: "image_save", values: {"path": "out/picture.bmp"}),
            Node(id: "garbage", kind: "image_load", values: {"path": "not.png"}),
        ], edges: ["gen.image -> crop.image", "gen.image -> save.image"])"#,
        dir.path(),
    );
    let error = failure(&events, "crop");
    assert!(
        error.contains("10×5 at (15, 0) reaches outside the 20×10 image"),
        "{error}"
    );
    let error = failure(&events, "save");
    assert!(
        error.contains("`.bmp`") && error.contains(".png"),
        "{error}"
    );
    let error = failure(&events, "garbage");
    assert!(
        error.contains("not.png") && error.contains("PNG, JPEG or WebP"),
        "{error}"
    );
}
