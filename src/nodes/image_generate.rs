//! `image_generate`: a procedural image (noise, gradient, checker or stripes) from a seed;
//! the same seed and settings always give the same image.

use super::images::{check_stop, image_output, one_image_out, pixels};
use super::prelude::*;

const PATTERNS: &[&str] = &["noise", "gradient", "checker", "stripes"];

/// Draws a pattern whose colours, angle and noise come from the `seed` input (0 when not
/// wired): wire a Seed node for a new image each run, or keep it fixed to reproduce one.
#[derive(Clone)]
pub struct ImageGenerateKind {
    info: KindInfo,
}

impl ImageGenerateKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let size = ParamType::Integer {
            min: Some(1),
            max: Some(8192),
        };
        let info = KindInfo::step(
            "image_generate",
            "Generate image",
            groups::IMAGES,
            "Draws noise, a gradient, a checkerboard or stripes from a seed. The same seed gives the same image.",
            Placement::Worker,
            Effects::Pure,
        )
        .with_param("pattern", ParamType::Choice(PATTERNS), "noise", "What to draw.")
        .with_param("width", size, 256.0, "Width in pixels.")
        .with_param("height", size, 256.0, "Height in pixels.")
        .with_param(
            "scale",
            ParamType::Number {
                min: Some(1.0),
                max: Some(4096.0),
            },
            32.0,
            "Feature size in pixels: noise grain, checker cell, stripe width.",
        );
        Self { info }
    }
}

impl NodeKind for ImageGenerateKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn batch_concurrency(&self) -> usize {
        super::images::cores()
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::optional("seed", DataType::Number)]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        one_image_out()
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let params = ctx.params();
        let seed = match ctx.input("seed") {
            Some(Value::Number(n)) => *n as u64,
            _ => 0,
        };
        let (width, height) = (
            pixels(&params, "width").max(1),
            pixels(&params, "height").max(1),
        );
        let scale = params.number("scale").max(1.0);
        let pattern = Pattern::new(params.text("pattern"), seed, scale, width, height);
        let mut image = image::RgbaImage::new(width, height);
        for y in 0..height {
            if y % 64 == 0 {
                check_stop(ctx)?;
            }
            for x in 0..width {
                image.put_pixel(x, y, pattern.pixel(x as f64, y as f64));
            }
        }
        Ok(image_output(image))
    }
}

/// A pattern with everything the seed decides worked out.
struct Pattern {
    kind: &'static str,
    seed: u64,
    scale: f64,
    from: [f64; 3],
    to: [f64; 3],
    direction: (f64, f64),
    start: f64,
    span: f64,
}

impl Pattern {
    fn new(kind: &str, seed: u64, scale: f64, width: u32, height: u32) -> Self {
        let mut state = seed;
        let mut next = || unit(splitmix(&mut state));
        let hue = next() * 360.0;
        let from = hsv(hue, 0.55 + 0.35 * next(), 0.25 + 0.3 * next());
        let to = hsv(
            (hue + 120.0 + 120.0 * next()) % 360.0,
            0.5 + 0.4 * next(),
            0.75 + 0.25 * next(),
        );
        let angle = next() * std::f64::consts::TAU;
        let direction = (angle.cos(), angle.sin());
        let (w, h) = (f64::from(width), f64::from(height));
        let along: Vec<f64> = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)]
            .iter()
            .map(|(x, y)| x * direction.0 + y * direction.1)
            .collect();
        let start = along.iter().copied().fold(f64::INFINITY, f64::min);
        let end = along.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let span = (end - start).max(1.0);
        let kind = PATTERNS
            .iter()
            .copied()
            .find(|p| *p == kind)
            .unwrap_or("noise");
        Self {
            kind,
            seed,
            scale,
            from,
            to,
            direction,
            start,
            span,
        }
    }

    fn pixel(&self, x: f64, y: f64) -> image::Rgba<u8> {
        let t = match self.kind {
            "gradient" => {
                let along = x * self.direction.0 + y * self.direction.1;
                ((along - self.start) / self.span).clamp(0.0, 1.0)
            }
            "checker" => {
                let cell = ((x / self.scale).floor() + (y / self.scale).floor()) as i64;
                if cell.rem_euclid(2) == 0 {
                    0.0
                } else {
                    1.0
                }
            }
            "stripes" => {
                let along = (x * self.direction.0 + y * self.direction.1) / self.scale;
                0.5 + 0.5 * (along * std::f64::consts::PI).sin()
            }
            _ => self.noise(x, y),
        };
        let mix = |a: f64, b: f64| ((a + (b - a) * t) * 255.0).round().clamp(0.0, 255.0) as u8;
        image::Rgba([
            mix(self.from[0], self.to[0]),
            mix(self.from[1], self.to[1]),
            mix(self.from[2], self.to[2]),
            255,
        ])
    }

    /// Value noise, four octaves, in 0..1.
    fn noise(&self, x: f64, y: f64) -> f64 {
        let mut total = 0.0;
        let mut weight = 0.5;
        let mut size = self.scale;
        let mut weights = 0.0;
        for octave in 0..4u64 {
            total += weight * self.lattice(x / size, y / size, octave);
            weights += weight;
            weight *= 0.5;
            size = (size / 2.0).max(1.0);
        }
        total / weights
    }

    fn lattice(&self, x: f64, y: f64, octave: u64) -> f64 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (smooth(x - x0), smooth(y - y0));
        let corner = |dx: f64, dy: f64| self.hash((x0 + dx) as i64, (y0 + dy) as i64, octave);
        let top = corner(0.0, 0.0) + (corner(1.0, 0.0) - corner(0.0, 0.0)) * fx;
        let bottom = corner(0.0, 1.0) + (corner(1.0, 1.0) - corner(0.0, 1.0)) * fx;
        top + (bottom - top) * fy
    }

    fn hash(&self, x: i64, y: i64, octave: u64) -> f64 {
        let mut state = self.seed
            ^ (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ octave.wrapping_mul(0x1656_67B1_9E37_79F9);
        unit(splitmix(&mut state))
    }
}

fn smooth(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in 0..1 from random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// HSV (hue in degrees) to RGB in 0..1.
fn hsv(hue: f64, saturation: f64, value: f64) -> [f64; 3] {
    let c = value * saturation;
    let h = hue / 60.0;
    let x = c * (1.0 - (h.rem_euclid(2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = value - c;
    [r + m, g + m, b + m]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::testing::run_kind;

    fn generate(pattern: &str, seed: f64) -> crate::model::ImageData {
        let out = run_kind(
            &ImageGenerateKind::new(),
            &[
                ("pattern", ParamValue::from(pattern)),
                ("width", ParamValue::Number(40.0)),
                ("height", ParamValue::Number(30.0)),
                ("scale", ParamValue::Number(8.0)),
            ],
            &[("seed", Value::Number(seed))],
        )
        .unwrap();
        match out.get("image") {
            Some(Value::Image(image)) => image.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_image_and_another_seed_another() {
        for pattern in PATTERNS {
            let a = generate(pattern, 7.0);
            assert_eq!((a.width(), a.height()), (40, 30));
            assert_eq!(a, generate(pattern, 7.0), "{pattern} is reproducible");
            assert_ne!(a, generate(pattern, 8.0), "{pattern} changes with the seed");
            let distinct: std::collections::HashSet<&[u8]> = a.rgba().chunks(4).collect();
            assert!(distinct.len() >= 2, "{pattern} is not a flat colour");
        }
    }
}
