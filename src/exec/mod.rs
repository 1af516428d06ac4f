//! The executor: a named background thread that takes run requests over a channel, plans
//! them, runs their steps and streams per-node events back to the client.

mod batch;
mod channel;
mod continuation;
mod engine;
mod events;
mod executor;
mod firing;
mod queue;
mod recording;
mod retry;
mod seeds;
mod unit;

pub use batch::{batch_len, failed_items, item_outputs};
pub use channel::{EventStream, Waker};
pub use continuation::{
    cancel_waiting, continue_run, continued_by, decide, fresh_steps, pick_parked, pick_run,
    ContinueError, Decided,
};
pub use engine::{Engine, EngineHandle, EngineOptions, RunRequest};
pub use events::{
    format_duration_ms, summary_line, summary_line_for, Counts, Ending, Event, ItemFailure,
    NodeOutcome, NodeStatus, RunId, RunState,
};
pub use executor::is_running_node;
pub use queue::{QueueItem, QueueMove};
pub use retry::{format_wait_ms, parse_time_limit};
pub use unit::input_values;
