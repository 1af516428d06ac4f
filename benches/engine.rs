//! Engine benchmarks (written below).
fn main() {}
