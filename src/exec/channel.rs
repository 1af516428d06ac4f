//! The event channel: the executor sends events in batches, so a burst of cheap nodes costs
//! one wake-up of the client, and coalesces streamed output when the client falls behind,
//! so it never blocks on a slow client and memory stays bounded.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use super::events::{Event, RunId};
use crate::model::NodeId;
use crate::nodes::Progress;

/// A callback the executor calls after sending events (the GUI asks for a repaint in it).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Events buffered before a batch is sent even though the executor is not about to wait.
const BATCH_EVENTS: usize = 256;
/// Batches the client may leave unread before streamed output is coalesced.
const MAX_UNREAD_BATCHES: usize = 64;
/// Bytes of streamed output the client may leave unread before it is coalesced (output comes
/// in pieces of up to 64 KiB, so counting batches alone would let a gigabyte wait).
const MAX_UNREAD_BYTES: usize = 8 * 1024 * 1024;
/// Bytes of streamed output buffered before a batch is sent even though it is not full.
const BATCH_BYTES: usize = 1024 * 1024;
/// The most coalesced output kept per node while the client is behind (the tail is kept;
/// the node's full output is in its result).
const MAX_COALESCED_BYTES: usize = 64 * 1024;

/// The executor's end of the event channel.
pub struct EventSink {
    tx: Sender<(usize, Vec<Event>)>,
    buffer: Vec<Event>,
    /// Bytes of streamed output in `buffer`.
    buffer_bytes: usize,
    unread: Arc<AtomicUsize>,
    /// Bytes of streamed output in batches sent but not read yet.
    unread_bytes: Arc<AtomicUsize>,
    waker: Option<Waker>,
    backlog: Vec<(RunId, NodeId, Progress)>,
}

/// Creates both ends of an event channel.
pub fn event_channel(waker: Option<Waker>) -> (EventSink, EventStream) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let unread = Arc::new(AtomicUsize::new(0));
    let unread_bytes = Arc::new(AtomicUsize::new(0));
    (
        EventSink {
            tx,
            buffer: Vec::with_capacity(BATCH_EVENTS),
            buffer_bytes: 0,
            unread: unread.clone(),
            unread_bytes: unread_bytes.clone(),
            waker,
            backlog: Vec::new(),
        },
        EventStream {
            rx,
            pending: VecDeque::new(),
            unread,
            unread_bytes,
        },
    )
}

impl EventSink {
    /// Queues an event; sends the batch when it is full.
    pub fn emit(&mut self, event: Event) {
        self.buffer_bytes += output_bytes(&event);
        self.buffer.push(event);
        if self.buffer.len() >= BATCH_EVENTS || self.buffer_bytes >= BATCH_BYTES {
            self.flush();
        }
    }

    /// Whether the client has fallen behind: too many batches or too much output unread.
    fn client_behind(&self) -> bool {
        self.unread.load(Ordering::Relaxed) >= MAX_UNREAD_BATCHES
            || self.unread_bytes.load(Ordering::Relaxed) >= MAX_UNREAD_BYTES
    }

    /// Queues progress, merging it into a backlog while the client is behind.
    pub fn progress(&mut self, run: RunId, node: NodeId, progress: Progress) {
        if !self.client_behind() && self.backlog.is_empty() {
            self.emit(Event::NodeProgress {
                run,
                node,
                progress,
            });
            return;
        }
        let slot = self
            .backlog
            .iter_mut()
            .find(|(r, n, p)| *r == run && *n == node && same_shape(p, &progress));
        match (slot, progress) {
            (Some((_, _, Progress::Output { text, .. })), Progress::Output { text: more, .. }) => {
                text.push_str(&more);
                // Cut back only once twice the limit is reached: cutting on every piece
                // moved 64 KiB per piece and made the executor the bottleneck of a flood.
                if text.len() > 2 * MAX_COALESCED_BYTES {
                    let mut cut = text.len() - MAX_COALESCED_BYTES;
                    while !text.is_char_boundary(cut) {
                        cut += 1;
                    }
                    text.replace_range(..cut, "…");
                }
            }
            (Some((_, _, slot)), progress) => *slot = progress,
            (None, progress) => self.backlog.push((run, node, progress)),
        }
    }

    /// Moves a node's coalesced progress into the batch (before its final event).
    pub fn settle(&mut self, run: RunId, node: &NodeId) {
        if self.backlog.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.backlog.len() {
            if self.backlog[i].0 == run && self.backlog[i].1 == *node {
                let (run, node, progress) = self.backlog.remove(i);
                let event = Event::NodeProgress {
                    run,
                    node,
                    progress,
                };
                self.buffer_bytes += output_bytes(&event);
                self.buffer.push(event);
            } else {
                i += 1;
            }
        }
    }

    /// Sends whatever is buffered as one batch and wakes the client.
    pub fn flush(&mut self) {
        if !self.backlog.is_empty() && !self.client_behind() {
            for (run, node, progress) in std::mem::take(&mut self.backlog) {
                let event = Event::NodeProgress {
                    run,
                    node,
                    progress,
                };
                self.buffer_bytes += output_bytes(&event);
                self.buffer.push(event);
            }
        }
        if self.buffer.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.buffer, Vec::with_capacity(BATCH_EVENTS));
        let bytes = std::mem::take(&mut self.buffer_bytes);
        self.unread.fetch_add(1, Ordering::Relaxed);
        self.unread_bytes.fetch_add(bytes, Ordering::Relaxed);
        if self.tx.send((bytes, batch)).is_err() {
            // The client is gone; nothing to tell.
            self.unread.fetch_sub(1, Ordering::Relaxed);
            self.unread_bytes.fetch_sub(bytes, Ordering::Relaxed);
            return;
        }
        if let Some(waker) = &self.waker {
            waker();
        }
    }
}

/// The bytes of streamed output an event carries.
fn output_bytes(event: &Event) -> usize {
    match event {
        Event::NodeProgress {
            progress: Progress::Output { text, .. },
            ..
        } => text.len(),
        _ => 0,
    }
}

fn same_shape(a: &Progress, b: &Progress) -> bool {
    match (a, b) {
        (Progress::Output { stream: x, .. }, Progress::Output { stream: y, .. }) => x == y,
        (Progress::Count { .. }, Progress::Count { .. }) => true,
        _ => false,
    }
}

/// The client's end of the event channel: events one at a time, in order.
pub struct EventStream {
    rx: Receiver<(usize, Vec<Event>)>,
    pending: VecDeque<Event>,
    unread: Arc<AtomicUsize>,
    unread_bytes: Arc<AtomicUsize>,
}

impl EventStream {
    fn take(&mut self, (bytes, batch): (usize, Vec<Event>)) {
        self.unread.fetch_sub(1, Ordering::Relaxed);
        self.unread_bytes.fetch_sub(bytes, Ordering::Relaxed);
        self.pending.extend(batch);
    }

    /// The next event if one is ready; never waits.
    pub fn try_recv(&mut self) -> Option<Event> {
        if self.pending.is_empty() {
            match self.rx.try_recv() {
                Ok(batch) => self.take(batch),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return None,
            }
        }
        self.pending.pop_front()
    }

    /// The next event, waiting for it; `None` once the executor is gone.
    pub fn recv(&mut self) -> Option<Event> {
        while self.pending.is_empty() {
            let batch = self.rx.recv().ok()?;
            self.take(batch);
        }
        self.pending.pop_front()
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Event, RecvTimeoutError> {
        let deadline = Instant::now() + timeout;
        while self.pending.is_empty() {
            let batch = self.rx.recv_deadline(deadline)?;
            self.take(batch);
        }
        self.pending.pop_front().ok_or(RecvTimeoutError::Timeout)
    }

    /// Every event that is ready, up to `budget` of wall time (the GUI drains each frame).
    pub fn drain(&mut self, budget: Duration) -> Vec<Event> {
        let start = Instant::now();
        let mut events = Vec::new();
        while let Some(event) = self.try_recv() {
            events.push(event);
            if events.len() % 64 == 0 && start.elapsed() >= budget {
                break;
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::Stream;

    fn output(text: &str) -> Progress {
        Progress::Output {
            stream: Stream::Stdout,
            text: text.to_owned(),
        }
    }

    #[test]
    fn a_slow_client_gets_coalesced_output_in_order() {
        let (mut sink, mut stream) = event_channel(None);
        let node = NodeId::from("n");
        for _ in 0..MAX_UNREAD_BATCHES {
            sink.emit(Event::RunQueued { run: 1 });
            sink.flush();
        }
        for i in 0..1000 {
            sink.progress(1, node.clone(), output(&format!("{i}\n")));
        }
        sink.settle(1, &node);
        sink.emit(Event::NodeCancelled {
            run: 1,
            node: node.clone(),
            reason: None,
        });
        sink.flush();
        let events: Vec<Event> = std::iter::from_fn(|| stream.try_recv()).collect();
        let progress: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e, Event::NodeProgress { .. }))
            .collect();
        assert_eq!(progress.len(), 1, "1000 lines coalesced into one event");
        match progress[0] {
            Event::NodeProgress {
                progress: Progress::Output { text, .. },
                ..
            } => {
                assert!(text.starts_with("0\n1\n"));
                assert!(text.ends_with("999\n"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(events.last(), Some(Event::NodeCancelled { .. })));
    }

    #[test]
    fn a_prompt_client_gets_every_chunk() {
        let (mut sink, mut stream) = event_channel(None);
        for i in 0..10 {
            sink.progress(1, NodeId::from("n"), output(&i.to_string()));
        }
        sink.flush();
        assert_eq!(std::iter::from_fn(|| stream.try_recv()).count(), 10);
    }

    #[test]
    fn large_pieces_of_output_are_coalesced_once_megabytes_wait_unread() {
        // Few batches, but each piece is 64 KiB: the unread bytes, not the batch count, say
        // the client is behind, and what waits stays bounded.
        let (mut sink, mut stream) = event_channel(None);
        let node = NodeId::from("n");
        let piece = "x".repeat(64 * 1024);
        for _ in 0..600 {
            sink.progress(1, node.clone(), output(&piece));
        }
        sink.flush();
        let unread = sink.unread_bytes.load(Ordering::Relaxed);
        assert!(unread < 2 * MAX_UNREAD_BYTES, "{unread} bytes wait unread");
        let before = stream.unread.load(Ordering::Relaxed);
        assert!(
            before < MAX_UNREAD_BATCHES,
            "coalesced by bytes, not batches"
        );
        let received: usize = std::iter::from_fn(|| stream.try_recv())
            .map(|event| output_bytes(&event))
            .sum();
        assert!(received < 2 * MAX_UNREAD_BYTES);
        assert_eq!(stream.unread_bytes.load(Ordering::Relaxed), 0);
    }
}
