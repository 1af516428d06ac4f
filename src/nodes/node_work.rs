//! Marks the threads doing a node's work, so the binary's panic hook can stay quiet about panics
//! the executor reports as node failures (a kind may hand its work to a thread of its own).

use std::cell::Cell;

thread_local! {
    static IN_NODE: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is inside a node's work right now.
pub fn is_running_node() -> bool {
    IN_NODE.with(Cell::get)
}

/// Runs `work` with this thread marked as doing a node's work (unmarked again afterwards, also
/// when `work` panics).
pub fn as_node_work<R>(work: impl FnOnce() -> R) -> R {
    struct Unmark(bool);
    impl Drop for Unmark {
        fn drop(&mut self) {
            IN_NODE.with(|flag| flag.set(self.0));
        }
    }
    let _unmark = Unmark(IN_NODE.with(|flag| flag.replace(true)));
    work()
}
