//! UI-free helpers for showing stored results: their text, side-by-side line diffs
//! (Compare) and local clock times. The app draws them; tests check them without a window.

mod clock;
mod diff;
mod text;

pub use clock::{local_clock, local_date_time};
pub use diff::{side_by_side, Comparison, DiffRow, RowKind, RowLine};
pub use text::{file_of, main_text, main_value, outputs_text};
